fn main() -> std::process::ExitCode {
    // Before any thread starts: the local time zone can only be read safely now (Unix).
    adphoto::clock::init_local_offset();
    // No arguments: started from the Start menu, Explorer or a desktop shortcut, for the window.
    if std::env::args_os().len() <= 1 {
        adphoto::console::detach_if_own();
    }
    adphoto::cli::main()
}
