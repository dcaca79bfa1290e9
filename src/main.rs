//! `adphoto`: the window without a command, the command line with one. The choice is made here,
//! so neither face knows the other.

use std::process::ExitCode;

use adphoto::cli::{self, Cli};
use adphoto::gui;

fn main() -> ExitCode {
    // Before any thread starts: the local time zone can only be read safely now (Unix).
    adphoto::clock::init_local_offset();
    // No arguments: started from the Start menu, Explorer or a desktop shortcut, for the window.
    if std::env::args_os().len() <= 1 {
        adphoto::console::detach_if_own();
    }
    let args = match cli::parse() {
        Ok(args) => args,
        Err(code) => return code,
    };
    let Cli {
        connection,
        demo,
        command,
        ..
    } = args;
    match command {
        Some(command) => cli::run(connection, demo, command),
        // `--ldif FILE` and `--demo` open a directory at once; the rest fills in the dialog.
        None => {
            let mut env = gui::AppEnv::from_system();
            env.start_demo = demo;
            env.prefill = gui::Prefill {
                server: connection.server,
                user: connection.user,
                ca_file: connection.ca_file,
            };
            env.start_ldif = connection.ldif;
            gui::run(env)
        }
    }
}
