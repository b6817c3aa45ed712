//! The `bootstrap` binary, built inside the e2e crate so its tests can run it as a subprocess
//! (`CARGO_BIN_EXE_plinth-bootstrap`), as a user runs it.

fn main() -> std::process::ExitCode {
    programs::bootstrap::main()
}
