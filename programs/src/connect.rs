//! How each environment's binary reaches the cloud. `local` talks to the emulator and starts
//! it when nothing answers; the others use the default AWS credential chain, unchanged. Every
//! client has connect, per-attempt and whole-call timeouts (`resources::context`), which
//! `PLINTH_CONNECT_TIMEOUT`, `PLINTH_ATTEMPT_TIMEOUT` and `PLINTH_OPERATION_TIMEOUT` (seconds)
//! override; `caller_account` asks STS which account the credentials belong to.

use crate::env::{Env, Target};
use anyhow::{bail, Context as _};
use resources::{AwsContext, Connection};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// Default emulator port (same as `scripts/emulator`).
pub const DEFAULT_EMULATOR_PORT: u16 = 4566;

fn emulator_port() -> u16 {
    std::env::var("PLINTH_EMULATOR_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(DEFAULT_EMULATOR_PORT)
}

fn answers(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

fn emulator_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("scripts").join("emulator")
}

/// The emulator's endpoint: `AWS_ENDPOINT_URL` when set, else the local emulator, started
/// through `scripts/emulator start` when nothing answers.
fn emulator_endpoint() -> anyhow::Result<String> {
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
        return Ok(url);
    }
    let port = emulator_port();
    if !answers(port) {
        let script = emulator_script();
        eprintln!("nothing answers on 127.0.0.1:{port}; starting the emulator with {}", script.display());
        let status = Command::new(&script)
            .arg("start")
            .env("PLINTH_EMULATOR_PORT", port.to_string())
            .status()
            .with_context(|| format!("running {}", script.display()))?;
        if !status.success() {
            bail!("{} start failed ({status})", script.display());
        }
    }
    Ok(format!("http://127.0.0.1:{port}"))
}

fn env_number<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(text) => text.trim().parse().map(Some).map_err(|_| anyhow::anyhow!("{name}=`{text}` is not a number")),
    }
}

fn env_seconds(name: &str) -> anyhow::Result<Option<Duration>> {
    Ok(env_number::<f64>(name)?.filter(|s| *s > 0.0).map(Duration::from_secs_f64))
}

/// How long a create sent by a dead run may still land: the whole-call timeout in force
/// (`PLINTH_OPERATION_TIMEOUT`, else the SDK clients' default) plus as long again, at most
/// 30 s, for a request the server received just before the client gave up (150 s for the
/// default 120 s). An unreadable setting fails `connect` before any call, so the default is used.
pub fn create_may_land_within() -> Option<Duration> {
    let operation =
        env_seconds("PLINTH_OPERATION_TIMEOUT").ok().flatten().unwrap_or(resources::context::OPERATION_TIMEOUT);
    Some(operation + operation.min(Duration::from_secs(30)))
}

/// Builds the AWS context for `env`.
pub async fn connect(env: &Env) -> anyhow::Result<engine::Context> {
    connect_to(&env.target).await
}

/// Builds the AWS context for `target` (the emulator, or AWS through the default chain).
pub async fn connect_to(target: &Target) -> anyhow::Result<engine::Context> {
    let base = Connection {
        max_attempts: env_number("PLINTH_MAX_ATTEMPTS")?,
        connect_timeout: env_seconds("PLINTH_CONNECT_TIMEOUT")?,
        attempt_timeout: env_seconds("PLINTH_ATTEMPT_TIMEOUT")?,
        operation_timeout: env_seconds("PLINTH_OPERATION_TIMEOUT")?,
        ..Connection::default()
    };
    let connection = match target {
        Target::Emulator => {
            let endpoint = tokio::task::spawn_blocking(emulator_endpoint).await??;
            Connection { endpoint: Some(endpoint), static_credentials: true, ..base }
        }
        Target::Aws => Connection { endpoint: None, static_credentials: false, ..base },
    };
    let cx = AwsContext::connect(&connection).await;
    Ok(Arc::new(cx))
}

/// The AWS account the context's credentials belong to (STS GetCallerIdentity: one call, kept
/// by the context).
pub async fn caller_account(cx: engine::Context) -> anyhow::Result<String> {
    let cx = cx.downcast::<AwsContext>().map_err(|_| anyhow::anyhow!("the context is not an AWS context"))?;
    // Remembered by the context: kinds that build ARNs from the account reuse this answer.
    Ok(cx.account_id().await?)
}

/// The bucket holding remote state, on the context's S3 client (the same connection settings
/// as every other call; path-style addressing when an endpoint is set).
pub async fn state_bucket(cx: engine::Context, bucket: String) -> anyhow::Result<Arc<dyn engine::remote::ObjectStore>> {
    let cx = cx.downcast::<AwsContext>().map_err(|_| anyhow::anyhow!("the context is not an AWS context"))?;
    Ok(Arc::new(resources::s3::objects::S3Objects { client: cx.s3(), bucket }))
}
