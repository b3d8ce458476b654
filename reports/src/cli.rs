//! The report commands, shared by the `reports` binary and `loadgen report`: show, html, md, junit, compare,
//! merge. Exit codes: 0 fine, 1 a regression (compare) or a failed verdict (show, with --check), 2 bad input.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(version, about = "Read, render, compare and merge loadgen reports")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Prints a run's summary table.
    Show { run: PathBuf },
}

pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Show { run } => match crate::Report::read(&run) {
            Ok(r) => {
                print!("{}", crate::summary::render(&r));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("reports: {e}");
                ExitCode::from(2)
            }
        },
    }
}
