//! `dev`: the platform in the dev environment.

fn main() -> std::process::ExitCode {
    programs::main(programs::env::dev())
}
