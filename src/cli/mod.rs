//! The headless command line over the same engine the window uses.

use std::process::ExitCode;

pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}

pub mod match_cmd;
