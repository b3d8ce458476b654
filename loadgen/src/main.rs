//! `loadgen`: glue between the command line and the library. Exit codes: 0 passed, 1 a threshold failed,
//! 2 an invalid scenario or arguments, 3 the run could not be carried out or was cut short (Ctrl-C, SIGTERM:
//! the report is written, its verdict `incomplete`); 130 / 143 a second signal quit at once, without a report.

use clap::{Parser, Subcommand};
use std::future::Future;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio::signal::unix::{signal, Signal, SignalKind};

use loadgen::run::{Options, Stop};
use loadgen::scenario;
use loadgen::target::Restorer;

/// How long a second signal waits for the target's callback URL to be put back before quitting.
const RESTORE_ON_QUIT: Duration = Duration::from_secs(3);

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
        /// Where report.json goes (default: target/loadgen/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress line.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        opts: Options,
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
            out,
            quiet,
            mut opts,
        } => {
            if let Err(e) = opts.resolve_shard() {
                eprintln!("loadgen: {e}");
                return ExitCode::from(2);
            }
            let plan = match scenario::load(&path) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            };
            use scenario::plan::{Fixture, Target};
            // A fixture of the scenario's own, which a running target given on the command line ignores.
            let own_fixture = matches!(&plan.target, Target::Embedded(f)
                if !matches!(f, Fixture::Demo { users: 0, customers: 0 }));
            if opts.target.is_some() && own_fixture {
                eprintln!(
                    "loadgen: note: --target given; the scenario's fixture is not loaded there"
                );
            }
            let out = out.unwrap_or_else(|| PathBuf::from("target/loadgen").join(&plan.name));
            opts.progress = !quiet && std::io::stderr().is_terminal();
            run(plan, opts, out)
        }
    }
}

/// Resolves on the first Ctrl-C or SIGTERM. Both are caught from now, so one that comes while the target is
/// being set up still stops the run with a report. A second quits at once, without a report, once the
/// target's callback URL is put back (or [`RESTORE_ON_QUIT`] has passed).
fn stop_signals(restorer: Restorer) -> impl Future<Output = Stop> {
    let mut int = signal(SignalKind::interrupt()).ok();
    let mut term = signal(SignalKind::terminate()).ok();
    async move {
        let how = tokio::select! {
            () = next(&mut int) => Stop::Interrupt,
            () = next(&mut term) => Stop::Terminate,
        };
        let name = if how == Stop::Terminate {
            "SIGTERM"
        } else {
            "Ctrl-C"
        };
        eprintln!("loadgen: stopping on {name} (a second signal quits at once, without a report)");
        tokio::spawn(async move {
            let code = tokio::select! {
                () = next(&mut int) => 130,
                () = next(&mut term) => 143,
            };
            let _ = tokio::time::timeout(RESTORE_ON_QUIT, restorer.restore()).await;
            std::process::exit(code);
        });
        how
    }
}

/// The next delivery of a signal; never, when it could not be caught.
async fn next(s: &mut Option<Signal>) {
    if let Some(s) = s {
        if s.recv().await.is_some() {
            return;
        }
    }
    std::future::pending().await
}

#[tokio::main]
async fn run(plan: scenario::Plan, opts: Options, out: PathBuf) -> ExitCode {
    let stop = stop_signals(opts.restorer.clone());
    let report = match loadgen::run::execute(plan, &opts, stop).await {
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
        eprintln!("loadgen: the run was cut short; the report is partial, its verdict incomplete");
        ExitCode::from(3)
    } else if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
