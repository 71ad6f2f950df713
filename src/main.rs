fn main() -> std::process::ExitCode {
    kumiai::cli::run()
}
