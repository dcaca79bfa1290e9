fn main() -> std::process::ExitCode {
    // No arguments: started from the Start menu, Explorer or a desktop shortcut, for the window.
    if std::env::args_os().len() <= 1 {
        adphoto::console::detach_if_own();
    }
    adphoto::cli::main()
}
