//! `loadgen`: glue between the command line and the library. Exit codes: 0 passed, 1 a threshold failed,
//! 2 an invalid scenario or arguments, 3 the run could not be carried out (or was stopped).

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use loadgen::run::Options;
use loadgen::scenario;

#[derive(Parser)]
#[command(
    version,
    about = "Replays scenario files against the mock WeCom server and records latency"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a scenario and writes its report.
    Run {
        scenario: PathBuf,
        /// A running mock-server (http://host:port) instead of the scenario's target.
        #[arg(long)]
        target: Option<String>,
        /// Where report.json goes (default: target/loadgen/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Every phase's duration, e.g. 30s.
        #[arg(long, value_parser = parse_duration)]
        duration: Option<std::time::Duration>,
        /// Every open phase's arrival rate, e.g. 500/s.
        #[arg(long, value_parser = parse_rate)]
        rate: Option<f64>,
        #[arg(long)]
        seed: Option<u64>,
        /// Every closed phase's virtual users.
        #[arg(long)]
        vus: Option<usize>,
        /// Every closed phase's iterations.
        #[arg(long)]
        iterations: Option<u64>,
        /// Run shard i of n (e.g. 0/4): 1/n of the arrivals and iterations, for one scenario spread over n machines.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<(u64, u64)>,
        /// No progress line.
        #[arg(long)]
        quiet: bool,
    },
    /// Checks a scenario without running it.
    Validate { scenarios: Vec<PathBuf> },
    /// Prints the JSON Schema of the scenario format.
    Schema,
    /// Reads, renders, compares and merges reports (the same as the `reports` binary).
    Report {
        #[command(subcommand)]
        command: reports::cli::Command,
    },
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    scenario::units::duration(s)
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match scenario::units::rate(s)? {
        r if r > 0.0 => Ok(r),
        _ => Err("the rate must be above 0".into()),
    }
}

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{s:?}: expected i/n with 0 <= i < n, e.g. 0/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Report { command } => reports::cli::run(command),
        Command::Schema => {
            print!("{}", scenario::json_schema());
            ExitCode::SUCCESS
        }
        Command::Validate { scenarios } => {
            let mut ok = true;
            for path in &scenarios {
                match scenario::load(path) {
                    Ok(p) => println!(
                        "{}: ok ({} phases, {} metrics)",
                        path.display(),
                        p.phases.len(),
                        p.metrics.len()
                    ),
                    Err(e) => {
                        eprintln!("{e}");
                        ok = false;
                    }
                }
            }
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            }
        }
        Command::Run {
            scenario: path,
            target,
            out,
            duration,
            rate,
            seed,
            vus,
            iterations,
            shard,
            quiet,
        } => {
            let plan = match scenario::load(&path) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            };
            use scenario::plan::{Fixture, Target};
            let own_fixture = !matches!(
                plan.target,
                Target::Embedded(Fixture::Demo {
                    users: 0,
                    customers: 0
                })
            );
            if target.is_some() && own_fixture {
                eprintln!(
                    "loadgen: note: --target given; the scenario's fixture is not loaded there"
                );
            }
            let out = out.unwrap_or_else(|| PathBuf::from("target/loadgen").join(&plan.name));
            let opts = Options {
                target,
                duration,
                rate,
                seed,
                vus,
                iterations,
                shard,
                progress: !quiet && std::io::stderr().is_terminal(),
            };
            run(plan, opts, out)
        }
    }
}

#[tokio::main]
async fn run(plan: scenario::Plan, opts: Options, out: PathBuf) -> ExitCode {
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report = match loadgen::run::run(plan, &opts, stop).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::from(3);
        }
    };
    print!("{}", reports::summary::render(&report));
    let file = out.join("report.json");
    let written =
        std::fs::create_dir_all(&out).and_then(|()| std::fs::write(&file, report.to_json()));
    match written {
        Ok(()) => println!("report: {}", file.display()),
        Err(e) => {
            eprintln!("loadgen: cannot write {}: {e}", file.display());
            return ExitCode::from(3);
        }
    }
    if report.partial {
        eprintln!("loadgen: the run was stopped early; the report is marked partial");
        ExitCode::from(3)
    } else if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
