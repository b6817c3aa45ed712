//! `staging`: the platform in the staging environment.

fn main() -> std::process::ExitCode {
    programs::main(programs::env::staging())
}
