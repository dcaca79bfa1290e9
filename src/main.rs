fn main() -> std::process::ExitCode {
    adphoto::cli::main()
}
