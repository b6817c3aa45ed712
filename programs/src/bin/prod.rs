//! `prod`: the platform in the prod environment.

fn main() -> std::process::ExitCode {
    programs::main(programs::env::prod())
}
