//! The report commands, shared by the `reports` binary and `loadgen report`: show, html, md, junit, compare,
//! merge. Exit codes: 0 fine, 1 a regression (compare) or a failed run (show --check), 2 bad input, 3 a run cut
//! short (show --check): the codes `loadgen run` exited with for that run.

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::compare::{self, Tolerances};
use crate::Report;

#[derive(Parser)]
#[command(version, about = "Read, render, compare and merge loadgen reports")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Prints a run's summary table.
    Show {
        run: PathBuf,
        /// Exit as `loadgen run` did for the run: 1 when it failed a threshold, 3 when it was cut short
        /// (verdict `incomplete`), 0 when it passed.
        #[arg(long)]
        check: bool,
    },
    /// Writes one self-contained HTML page (default: report.html beside the report).
    Html {
        run: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Markdown for a pull-request comment (stdout, or --out).
    Md {
        run: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// JUnit XML: a test case per threshold and per step (stdout, or --out).
    Junit {
        run: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compares two runs; exit 1 when a regression beyond tolerance is found.
    Compare {
        base: PathBuf,
        new: PathBuf,
        /// `10%` (the default for every figure), `p99=20%`, `roundtrip=15%`, `roundtrip.p99=5%`,
        /// `error_rate=1%` (an absolute increase); repeat as needed.
        #[arg(long = "tolerance")]
        tolerances: Vec<String>,
        /// Compare runs of different scenario files, and count regressions between different machines.
        #[arg(long)]
        allow_different: bool,
        /// Exit 2 when the runs cannot be judged (other machines) instead of passing with a warning: for CI
        /// gates whose runners may differ from the baseline's.
        #[arg(long)]
        require_comparable: bool,
        /// Also write the comparison as Markdown here.
        #[arg(long)]
        md: Option<PathBuf>,
        /// Also write an HTML page with the percentile curves of both runs overlaid.
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// Merges the shards of one run (`loadgen run --shard i/N`) into one report.
    Merge {
        #[arg(required = true, num_args = 2..)]
        runs: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
}

/// A failure to act on: said on stderr, exit 2.
struct Bad(String);

impl<E: std::fmt::Display> From<E> for Bad {
    fn from(e: E) -> Bad {
        Bad(e.to_string())
    }
}

pub fn run(command: Command) -> ExitCode {
    match exec(command) {
        Ok(code) => code,
        Err(Bad(msg)) => {
            eprintln!("reports: {msg}");
            ExitCode::from(2)
        }
    }
}

/// `text` into the file `out`, its path then printed (every command that writes a file says where), or to stdout.
fn write(out: Option<&Path>, text: &str) -> Result<(), Bad> {
    match out {
        Some(p) => {
            std::fs::write(p, text)
                .map_err(|e| Bad(format!("cannot write {}: {e}", p.display())))?;
            println!("{}", p.display());
            Ok(())
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn exec(command: Command) -> Result<ExitCode, Bad> {
    match command {
        Command::Show { run, check } => {
            let r = Report::read(&run)?;
            print!("{}", crate::summary::render(&r));
            Ok(match check {
                false => ExitCode::SUCCESS,
                true if r.incomplete() => ExitCode::from(3),
                true if r.passed() => ExitCode::SUCCESS,
                true => ExitCode::from(1),
            })
        }
        Command::Html { run, out } => {
            let r = Report::read(&run)?;
            let out = out.unwrap_or_else(|| run.with_file_name("report.html"));
            write(Some(&out), &crate::html::render(&r))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Md { run, out } => {
            write(
                out.as_deref(),
                &crate::markdown::report(&Report::read(&run)?),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Junit { run, out } => {
            write(out.as_deref(), &crate::junit::render(&Report::read(&run)?))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare {
            base,
            new,
            tolerances,
            allow_different,
            require_comparable,
            md,
            html,
        } => {
            let mut tol = Tolerances::default();
            for t in &tolerances {
                tol.add(t)?;
            }
            let (b, n) = (Report::read(&base)?, Report::read(&new)?);
            let names = (base.display().to_string(), new.display().to_string());
            let c = compare::runs(&b, &n, (&names.0, &names.1), &tol, allow_different)?;
            print!("{}", compare::render::text(&c));
            if let Some(p) = md {
                write(Some(&p), &crate::markdown::comparison(&c))?;
            }
            if let Some(p) = html {
                write(
                    Some(&p),
                    &crate::html::compare_page(&b, &n, &compare::render::html_table(&c)),
                )?;
            }
            if require_comparable && !c.comparable {
                return Err(Bad(
                    "the runs cannot be judged against each other (see the warnings)".into(),
                ));
            }
            Ok(if c.failed() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Merge { runs, out } => {
            let reports = runs
                .iter()
                .map(|p| Report::read(p))
                .collect::<Result<Vec<_>, _>>()?;
            let names: Vec<String> = runs.iter().map(|p| p.display().to_string()).collect();
            let merged = crate::merge::reports(&reports, &names)?;
            print!("{}", crate::summary::render(&merged));
            write(Some(&out), &merged.to_json())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
