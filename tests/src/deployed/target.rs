//! The environment under test: its name, what its data requires, SDK clients and the outputs its
//! binary recorded. Either the emulator a test started (after the local binary's `up`) or a
//! deployed environment reached through the default credential chain, chosen by environment
//! variables (see [`Target::from_env`]).

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::types::{Filter, Tag};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Selects a deployed environment (`dev`, `staging`, `prod`) instead of the emulator.
pub const ENV_VAR: &str = "PLINTH_DEPLOYED_ENV";
/// The environment's state file (default `<repo>/.plinth/<env>.db`, as the binaries use).
pub const STATE_VAR: &str = "PLINTH_STATE";
/// The public URL whose endpoints the endpoint test checks, e.g. `https://dev.plinth.example.com`.
pub const URL_VAR: &str = "PLINTH_PUBLIC_URL";

/// Why a target could not be set up (a readable sentence).
#[derive(Debug)]
pub struct TargetError(pub String);

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TargetError {}

/// One environment to check from the outside.
pub struct Target {
    /// The stack name: the `plinth:stack` tag value.
    pub stack: String,
    /// The environment's data (what it requires: deletion protection, multi-AZ, GuardDuty, ...).
    pub env: programs::Env,
    /// The account the credentials answer as.
    pub account: String,
    /// True against the emulator (S3 path-style addressing).
    pub emulated: bool,
    sdk: SdkConfig,
    /// Resource name → its outputs, as `outputs --format json` prints them.
    pub outputs: Map<String, Value>,
}

/// The environment's data by name.
pub fn environment(name: &str) -> Result<programs::Env, TargetError> {
    match name {
        "local" => Ok(programs::env::local()),
        "dev" => Ok(programs::env::dev()),
        "staging" => Ok(programs::env::staging()),
        "prod" => Ok(programs::env::prod()),
        other => Err(TargetError(format!("{ENV_VAR}=`{other}` is not an environment (local, dev, staging, prod)"))),
    }
}

/// The live outputs in a state file, by resource name (read-only: the file is not written).
pub fn read_outputs(state: &Path) -> Result<Map<String, Value>, TargetError> {
    let store = state::Store::open_read_only(state)
        .map_err(|e| TargetError(format!("cannot read the state file {}: {e}", state.display())))?;
    let rows = store.resources().map_err(|e| TargetError(format!("{}: {e}", state.display())))?;
    Ok(rows.into_iter().filter(|r| !r.outputs.is_null()).map(|r| (r.name, r.outputs)).collect())
}

impl Target {
    /// The deployed environment named by [`ENV_VAR`], or `None` when it is not set. Uses the
    /// default credential chain and region (us-east-1 unless `AWS_REGION` says otherwise).
    pub async fn from_env() -> Result<Option<Target>, TargetError> {
        let Ok(name) = std::env::var(ENV_VAR) else { return Ok(None) };
        let env = environment(name.trim())?;
        let state = std::env::var_os(STATE_VAR)
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::repo_root().join(".plinth").join(format!("{}.db", env.name)));
        let outputs = read_outputs(&state)?;
        let sdk = aws_config::defaults(BehaviorVersion::latest()).region(region()).load().await;
        Target::new(env, sdk, outputs, false).await.map(Some)
    }

    /// The local environment the emulator `emu` holds, with the outputs in `state`.
    pub async fn emulator(emu: &crate::Emulator, state: &Path) -> Result<Target, TargetError> {
        Target::new(programs::env::local(), emu.sdk_config().await, read_outputs(state)?, true).await
    }

    async fn new(env: programs::Env, sdk: SdkConfig, outputs: Map<String, Value>, emulated: bool) -> Result<Target, TargetError> {
        let identity = resources::AwsContext::from_sdk_config(&sdk).sts().get_caller_identity().send().await;
        let account = identity
            .map_err(|e| TargetError(format!("GetCallerIdentity failed: {}", crate::deployed::error_text(e))))?
            .account
            .unwrap_or_default();
        if account != env.account {
            return Err(TargetError(format!(
                "the credentials answer as account {account}, but {} runs in {}: refusing to check another account",
                env.name, env.account
            )));
        }
        Ok(Target { stack: env.name.to_string(), env, account, emulated, sdk, outputs })
    }

    pub fn sdk(&self) -> &SdkConfig {
        &self.sdk
    }

    /// Clients of the resources crate (RDS, ElastiCache, STS) on the same configuration.
    pub fn aws(&self) -> resources::AwsContext {
        resources::AwsContext::from_sdk_config(&self.sdk)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(self.emulated).build();
        aws_sdk_s3::Client::from_conf(config)
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk)
    }

    /// The EC2 filter `tag:plinth:stack = <stack>`.
    pub fn stack_filter(&self) -> Filter {
        Filter::builder().name("tag:plinth:stack").values(&self.stack).build()
    }

    /// Whether `tags` (key, value) carry this stack's `plinth:stack`.
    pub fn owns<'a>(&self, mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        tags.any(|(k, v)| k == "plinth:stack" && v == self.stack)
    }

    /// Every string value named `field` in the outputs (e.g. every `bucket`).
    pub fn output_values(&self, field: &str) -> Vec<String> {
        self.outputs.values().filter_map(|o| o.get(field)?.as_str().map(str::to_string)).collect()
    }

    /// Every output string that is an ARN containing `marker` (e.g. `:dashboard/`).
    pub fn output_arns(&self, marker: &str) -> Vec<String> {
        let mut arns: Vec<String> = self
            .outputs
            .values()
            .filter_map(Value::as_object)
            .flat_map(|o| o.values().filter_map(Value::as_str))
            .filter(|v| v.starts_with("arn:") && v.contains(marker))
            .map(str::to_string)
            .collect();
        arns.sort();
        arns.dedup();
        arns
    }

    /// Whether the environment is prod (deletion protection everywhere).
    pub fn is_prod(&self) -> bool {
        self.stack == "prod"
    }
}

/// EC2 tags as a map.
pub fn ec2_tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string()))).collect()
}

fn region() -> Region {
    Region::new(std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_string()))
}
