//! `reports`: the report commands as their own binary (the same as `loadgen report …`).

fn main() -> std::process::ExitCode {
    use clap::Parser;
    reports::cli::run(reports::cli::Cli::parse().command)
}
