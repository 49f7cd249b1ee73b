//! `switchyard`: the command line of the Switchyard integration hub.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
