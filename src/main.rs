//! `spbe-desk`: serves the API (default) or runs an operator command.

use std::process::ExitCode;

use clap::Parser;
use spbe_desk::cli::{run, Cli};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
