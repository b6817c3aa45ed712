//! `bootstrap`: the state bucket, the GitHub OIDC provider and the CI roles of one account
//! (`PLINTH_BOOTSTRAP_ACCOUNT=<account>`, or `PLINTH_BOOTSTRAP_TARGET=emulator`).

fn main() -> std::process::ExitCode {
    programs::bootstrap::main()
}
