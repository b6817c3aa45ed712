//! `local`: the platform in the local environment.

fn main() -> std::process::ExitCode {
    programs::main(programs::env::local())
}
