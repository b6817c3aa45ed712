//! The `local` environment's binary, built inside the e2e crate so its tests can run it as a
//! subprocess (`CARGO_BIN_EXE_plinth-local`) and read what a user would read.

fn main() -> std::process::ExitCode {
    programs::main(programs::env::local())
}
