//! The CLI every environment binary runs: parse, set up logging, dispatch to a verb.
//! Errors here are `anyhow`: this is the binary's edge.

mod account;
mod args;
mod drift;
mod files;
mod health;
mod import;
mod live;
mod locking;
mod logging;
mod mutate;
mod progress;
mod releases;
mod remote_session;
mod run;
mod signals;
mod state_cmd;
mod state_transfer;
mod targeting;
mod timings;
pub mod terminal;
mod views;

pub use account::{AccountPin, CallerAccount};
pub use args::{Cli, Command, Format, GraphFormat, LogFormat, StateCommand};
pub use signals::{EXIT_INTERRUPTED, GRACE};

use crate::registry::{Context, Registry};
use crate::stack::Stack;
use clap::Parser;
use futures::future::BoxFuture;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Builds the connection to the cloud; called only after validation, and only by verbs that
/// talk to the cloud.
pub type Connect = Box<dyn Fn() -> BoxFuture<'static, anyhow::Result<Context>> + Send + Sync>;

/// Builds the bucket that holds remote state, from a connection [`Connect`] made (after the
/// account check) and the bucket's name.
pub type ConnectObjects = Box<
    dyn Fn(Context, String) -> BoxFuture<'static, anyhow::Result<Arc<dyn crate::remote::ObjectStore>>> + Send + Sync,
>;

/// One environment: its program, its kinds and how it reaches the cloud.
pub struct App {
    /// Stack name (`plinth:stack`), e.g. `local`, `prod`.
    pub env: String,
    pub program: Box<dyn Fn(&mut Stack) + Send + Sync>,
    pub registry: Registry,
    pub connect: Connect,
    /// The cloud account this environment must run against, checked before any other call
    /// (`None`: not pinned, e.g. engine tests without accounts).
    pub account: Option<AccountPin>,
    /// How long after its journal row a create sent by a dead run may still land: the
    /// connection's whole-call timeout with margin (recovery waits that long before concluding
    /// "never created"). `None`: [`crate::recover::CREATE_MAY_LAND_WITHIN`].
    pub create_may_land_within: Option<std::time::Duration>,
    /// The release data the program runs with (opaque JSON, e.g. the image per service), which
    /// `up` records in history and `releases show ID --release-file` prints back for a rollback.
    pub release: Option<serde_json::Value>,
    /// Where the program's source is, for `git rev-parse HEAD` when neither
    /// `PLINTH_PROGRAM_COMMIT` nor `GITHUB_SHA` names its commit (`None`: the current directory).
    pub program_dir: Option<PathBuf>,
    /// Where this environment's state lives when neither `--state` nor `PLINTH_STATE` says: a
    /// path or `s3://BUCKET/KEY` (`None`: `.plinth/<env>.db`).
    pub state: Option<String>,
    /// How to reach a bucket for remote state (`None`: remote state is refused).
    pub objects: Option<ConnectObjects>,
}

impl App {
    fn stack(&self) -> Stack {
        let mut stack = Stack::new(self.env.clone());
        (self.program)(&mut stack);
        stack
    }

    fn default_state_path(&self) -> PathBuf {
        PathBuf::from(".plinth").join(format!("{}.db", self.env))
    }
}

/// Exit codes: 0 ok or no changes, 1 error, 2 changes present (`--detailed-exitcode`).
pub const EXIT_CHANGES: u8 = 2;

/// Parses the process arguments and runs the verb.
pub fn main(app: App) -> ExitCode {
    ExitCode::from(run(app, std::env::args_os()))
}

/// Runs with explicit arguments and returns the exit code.
pub fn run<I, T>(app: App, args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    let run_id = uuid::Uuid::new_v4().to_string();
    logging::init(cli.global.log_format, cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let json_logs = cli.global.log_format == LogFormat::Json;
    let span = tracing::info_span!("run", run_id = %run_id, env = %app.env);
    let result = runtime.block_on(async {
        let _enter = span.enter();
        run::dispatch(&app, &cli, &run_id).await
    });
    // A prompt cancelled by Ctrl-C leaves a thread blocked on stdin: don't wait for it.
    runtime.shutdown_background();
    match result {
        Ok(code) => code,
        Err(e) if json_logs => {
            let _enter = span.enter();
            tracing::error!(error = %error_line(&e, cli.global.verbose), "command failed");
            exit_code_of(&e)
        }
        Err(e) => {
            eprintln!("error: {}", terminal::sanitize(&error_line(&e, cli.global.verbose), false));
            exit_code_of(&e)
        }
    }
}

/// 130 for a run stopped by a signal, 1 for every other error.
fn exit_code_of(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<signals::Interrupted>().is_some() {
        EXIT_INTERRUPTED
    } else {
        1
    }
}

/// One line: every context and cause down to the cloud's own error (operation, code,
/// message); the SDK's chain below it only with `-v`.
pub fn error_line(e: &anyhow::Error, verbose: u8) -> String {
    if verbose > 0 {
        return format!("{e:#}");
    }
    let mut parts = Vec::new();
    for cause in e.chain() {
        parts.push(cause.to_string());
        if cause.downcast_ref::<crate::resource::ProviderError>().is_some() {
            break;
        }
    }
    parts.join(": ")
}
