//! The headless command line over the same engine the window uses.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod convert;

#[derive(Debug, Parser)]
#[command(
    name = "adphoto",
    version,
    about = "Put employee photos into Active Directory"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert a picture into a directory photo (JPEG within the byte budget).
    Convert(convert::ConvertArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Convert(a)) => convert::run(&a),
        None => ExitCode::SUCCESS,
    }
}
