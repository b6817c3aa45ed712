//! The bootstrap program: what the environments' remote state and CI need in one AWS account,
//! made once per account by its own binary (`cargo run -p programs --bin bootstrap -- up`) with
//! its own local state (`.plinth/bootstrap-<account>.db`; `.plinth/bootstrap.db` on the
//! emulator).
//!
//! * the state bucket `plinth-state-<account>`: versioned, SSE-S3, public access blocked,
//!   TLS-only policy, Object Ownership `BucketOwnerEnforced`, noncurrent versions kept
//!   `noncurrent_days` (the history to roll a state back from);
//! * the GitHub Actions OpenID Connect provider (`token.actions.githubusercontent.com`,
//!   audience `sts.amazonaws.com`);
//! * per environment of the account a deploy role `plinth-deploy-<env>` (trusted only by jobs of
//!   this repository in GitHub environment `<env>`) and one read-only `plinth-preview` role for
//!   pull requests ([`policies`] has the documents and what IAM cannot scope).
//!
//! Environments name their accounts (`env.rs`); each account gets its own bootstrap, with the
//! environments pinned to it. Everything here is data ([`Bootstrap`]), checked before any call
//! ([`Bootstrap::validate`]).

pub mod policies;

use crate::env::{self, Env, Target};
use engine::cli::{AccountPin, App};
use engine::{Handle, Stack};
use resources::iam::{OpenIdConnectProvider, Role};
use resources::s3::{bucket_arn, with_tls_only, Bucket, Encryption, LifecycleRule, ObjectOwnership, SseAlgorithm};
use std::collections::BTreeMap;

/// Selects the emulator data set (`emulator`) instead of AWS.
pub const TARGET_VAR: &str = "PLINTH_BOOTSTRAP_TARGET";
/// On AWS: the account to bootstrap (one of the environments' accounts).
pub const ACCOUNT_VAR: &str = "PLINTH_BOOTSTRAP_ACCOUNT";

/// AWS's documented thumbprints of GitHub's OIDC issuer (IAM now trusts its CA library for
/// GitHub and keeps these for the API's sake).
pub const GITHUB_THUMBPRINTS: &[&str] =
    &["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"];

/// The GitHub repository whose workflows may assume the roles (PLACEHOLDER: replace with yours).
pub const REPOSITORY: &str = "plinth-platform/plinth";

/// What one bootstrap stack makes, as data.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// Stack name (`plinth:stack`).
    pub stack: String,
    pub target: Target,
    /// The account everything is made in (checked against the credentials before any call).
    pub account: &'static str,
    /// `OWNER/REPO` on GitHub.
    pub repository: &'static str,
    /// The state bucket: `<bucket>/<env>.db` and `<bucket>/<env>.db.lease` per environment.
    pub bucket: String,
    /// Days a replaced or deleted state version is kept before it expires.
    pub noncurrent_days: i32,
    /// The environments deployed from this account.
    pub environments: Vec<Env>,
    /// Delete the bucket with its states on `destroy` (the emulator only).
    pub disposable: bool,
}

/// A bootstrap data set that cannot be used; nothing has been called yet.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BootstrapError {
    #[error("repository `{0}` is not OWNER/REPO (owner: letters, digits, inner hyphens, at most 39; repo: letters, digits, . _ -)")]
    Repository(String),
    #[error("bucket `{bucket}` {why}")]
    Bucket { bucket: String, why: String },
    #[error("noncurrent_days: {0} must be at least 1 (the state history to roll back from)")]
    NoncurrentDays(i32),
    #[error("no environment runs in account `{account}`; the environments' accounts are {known}")]
    NoEnvironment { account: String, known: String },
    #[error("{ACCOUNT_VAR} is not set: name the account to bootstrap (one of {0}), or set {TARGET_VAR}=emulator")]
    NoAccount(String),
    #[error("{TARGET_VAR}=`{0}`: only `emulator` (or unset, for AWS) is known")]
    Target(String),
}

/// The name of the state bucket of `account`.
pub fn state_bucket(account: &str) -> String {
    format!("plinth-state-{account}")
}

fn deployed() -> Vec<Env> {
    vec![env::dev(), env::staging(), env::prod()]
}

impl Bootstrap {
    /// The emulator: every environment in the emulator's account, disposable.
    pub fn emulator() -> Bootstrap {
        let local = env::local();
        Bootstrap {
            stack: "bootstrap".into(),
            target: Target::Emulator,
            account: local.account,
            repository: REPOSITORY,
            bucket: state_bucket(local.account),
            noncurrent_days: 30,
            environments: deployed(),
            disposable: true,
        }
    }

    /// AWS account `account`: the environments pinned to it; the bucket is protected.
    pub fn aws(account: &str) -> Result<Bootstrap, BootstrapError> {
        let environments: Vec<Env> = deployed().into_iter().filter(|e| e.account == account).collect();
        let Some(first) = environments.first() else {
            return Err(BootstrapError::NoEnvironment { account: account.into(), known: known_accounts() });
        };
        Ok(Bootstrap {
            stack: format!("bootstrap-{account}"),
            target: Target::Aws,
            account: first.account,
            repository: REPOSITORY,
            bucket: state_bucket(account),
            noncurrent_days: 90,
            environments,
            disposable: false,
        })
    }

    /// The data set the process environment selects ([`TARGET_VAR`], [`ACCOUNT_VAR`]).
    pub fn from_process_env() -> Result<Bootstrap, BootstrapError> {
        match std::env::var(TARGET_VAR).ok().as_deref() {
            Some("emulator") => Ok(Bootstrap::emulator()),
            Some(other) if !other.is_empty() && other != "aws" => Err(BootstrapError::Target(other.into())),
            _ => match std::env::var(ACCOUNT_VAR) {
                Ok(account) => Bootstrap::aws(account.trim()),
                Err(_) => Err(BootstrapError::NoAccount(known_accounts())),
            },
        }
    }

    /// Every problem of the data that would otherwise reach AWS, the first one found.
    pub fn validate(&self) -> Result<(), BootstrapError> {
        if !valid_repository(self.repository) {
            return Err(BootstrapError::Repository(self.repository.into()));
        }
        if let Some(why) = resources::s3::bucket::bucket_name_problem(&self.bucket) {
            return Err(BootstrapError::Bucket { bucket: self.bucket.clone(), why });
        }
        if self.noncurrent_days < 1 {
            return Err(BootstrapError::NoncurrentDays(self.noncurrent_days));
        }
        Ok(())
    }

    /// `arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`.
    pub fn provider_arn(&self) -> String {
        format!("arn:aws:iam::{}:oidc-provider/{}", self.account, policies::GITHUB_ISSUER)
    }

    fn tags(&self) -> [(&'static str, String); 4] {
        [
            ("Environment", self.stack.clone()),
            ("Project", "plinth-platform".into()),
            ("ManagedBy", "plinth".into()),
            ("CostCenter", "platform".into()),
        ]
    }
}

fn known_accounts() -> String {
    let mut accounts: Vec<String> = deployed().iter().map(|e| format!("{} ({})", e.account, e.name)).collect();
    accounts.dedup();
    accounts.join(", ")
}

/// `OWNER/REPO` as GitHub allows them.
pub fn valid_repository(slug: &str) -> bool {
    let Some((owner, repo)) = slug.split_once('/') else { return false };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !owner.starts_with('-')
        && !owner.ends_with('-');
    let repo_ok = (1..=100).contains(&repo.len())
        && repo.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && repo != "."
        && repo != "..";
    owner_ok && repo_ok
}

/// Declares the bootstrap stack.
pub fn bootstrap(stack: &mut Stack, b: &Bootstrap) {
    for (k, v) in b.tags() {
        stack.default_tag(k, v);
    }
    let bucket = stack.add("state-bucket", state_bucket_resource(b));
    let provider = stack.add(
        "github-oidc",
        OpenIdConnectProvider {
            url: format!("https://{}", policies::GITHUB_ISSUER),
            client_ids: vec![policies::AUDIENCE.into()],
            thumbprints: GITHUB_THUMBPRINTS.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        },
    );
    if !b.disposable {
        bucket.protect();
    }
    for env in &b.environments {
        let inline = BTreeMap::from([
            ("state".to_string(), policies::deploy_state(b, env.name).into()),
            ("deploy-platform".to_string(), policies::deploy_platform(b, env).into()),
        ]);
        let subject = policies::environment_subject(b.repository, env.name);
        let description = format!("GitHub Actions deploys of {} (environment {})", b.repository, env.name);
        role(stack, b, &provider, &format!("deploy-{}", env.name), &[subject], description, inline);
    }
    let inline = BTreeMap::from([
        ("state-read".to_string(), policies::preview_state(b).into()),
        ("describe".to_string(), policies::preview_describe(b).into()),
    ]);
    // Pull requests, and the read-only jobs on main (plans of promote/rollback, scheduled drift).
    let subjects = [policies::pull_request_subject(b.repository), policies::main_branch_subject(b.repository)];
    let description = format!("GitHub Actions read-only previews of {} (pull requests, main)", b.repository);
    role(stack, b, &provider, "preview", &subjects, description, inline);
}

/// Role `plinth-<what>` trusted by the provider for `subjects` (created after the provider).
fn role(
    stack: &mut Stack,
    b: &Bootstrap,
    provider: &Handle<OpenIdConnectProvider>,
    what: &str,
    subjects: &[String],
    description: String,
    inline_policies: BTreeMap<String, engine::Input<String>>,
) {
    let role = Role {
        name: format!("plinth-{what}"),
        description: Some(description),
        assume_role_policy: policies::github_trust(&b.provider_arn(), subjects).into(),
        inline_policies,
        ..Default::default()
    };
    stack.add(format!("{what}-role"), role).depends_on(provider);
}

fn state_bucket_resource(b: &Bootstrap) -> Bucket {
    let arn = bucket_arn(crate::platform::REGION, &b.bucket);
    Bucket {
        bucket: b.bucket.clone(),
        versioning: true,
        // SSE-S3: see the README ("Team setup: bootstrap") for why not SSE-KMS.
        encryption: Some(Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: None }),
        block_public_access: true,
        lifecycle_rules: vec![LifecycleRule {
            id: "expire-old-state-versions".into(),
            prefix: None,
            expire_noncurrent_after_days: Some(b.noncurrent_days),
            expire_after_days: None,
            abort_incomplete_multipart_after_days: Some(7),
        }],
        policy: Some(with_tls_only(None, &arn).to_string().into()),
        force_destroy: b.disposable,
        object_ownership: Some(ObjectOwnership::BucketOwnerEnforced),
        ..Default::default()
    }
}

/// The CLI application of the bootstrap stack `b`.
pub fn app(b: Bootstrap) -> App {
    let program_data = b.clone();
    let connect_target = b.target.clone();
    App {
        env: b.stack.clone(),
        program: Box::new(move |stack| bootstrap(stack, &program_data)),
        registry: resources::registry(),
        connect: Box::new(move || {
            let target = connect_target.clone();
            Box::pin(async move { crate::connect::connect_to(&target).await })
        }),
        account: Some(AccountPin {
            expected: b.account.to_string(),
            caller: Box::new(|cx| Box::pin(crate::connect::caller_account(cx))),
        }),
        create_may_land_within: crate::connect::create_may_land_within(),
        // Its own local state by default (the bucket is what it makes); `--state s3://…` works
        // once the bucket exists.
        state: None,
        objects: Some(Box::new(|cx, bucket| Box::pin(crate::connect::state_bucket(cx, bucket)))),
        // No images: nothing to record as a release.
        release: None,
        program_dir: Some(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
    }
}

/// Runs the bootstrap CLI with the data set the process environment selects; bad data stops it
/// before any call (exit 2, naming what is wrong).
pub fn main() -> std::process::ExitCode {
    match Bootstrap::from_process_env().and_then(|b| b.validate().map(|()| b)) {
        Ok(b) => engine::cli::main(app(b)),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests;
