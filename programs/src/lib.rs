//! The platform program and its environments. `src/bin/{local,dev,staging,prod}.rs` are a few
//! lines each: they pick an `Env` and hand it to `main`. `src/bin/bootstrap.rs` runs the
//! [`bootstrap`] stack: the state bucket, GitHub OIDC and the CI roles of one account.

pub mod bootstrap;
pub mod connect;
pub mod env;
pub mod platform;
pub mod release;

pub use env::Env;
pub use platform::platform;
pub use release::Release;

use engine::cli::{AccountPin, App};
use std::process::ExitCode;

/// The CLI application for one environment, running `release`'s images.
pub fn app(env: Env, release: Release) -> App {
    let release_json = release.to_json();
    let program_env = env.clone();
    let connect_env = env.clone();
    App {
        env: env.name.to_string(),
        program: Box::new(move |stack| platform(stack, &program_env, &release)),
        registry: resources::registry(),
        connect: Box::new(move || {
            let env = connect_env.clone();
            Box::pin(async move { connect::connect(&env).await })
        }),
        account: Some(AccountPin {
            expected: env.account.to_string(),
            caller: Box::new(|cx| Box::pin(connect::caller_account(cx))),
        }),
        create_may_land_within: connect::create_may_land_within(),
        release: Some(release_json),
        program_dir: Some(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
        state: env.state.map(str::to_string),
        objects: Some(Box::new(|cx, bucket| Box::pin(connect::state_bucket(cx, bucket)))),
    }
}

/// Runs the CLI for `env` with the process arguments. A release file that cannot be used stops
/// it before any cloud call (exit 2, naming the file and the entry).
pub fn main(env: Env) -> ExitCode {
    match release::load(&env) {
        Ok(release) => engine::cli::main(app(env, release)),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
