//! Account pinning: every environment names the cloud account it runs against. The CLI asks the
//! cloud who the credentials belong to (STS GetCallerIdentity, through a hook the programs crate
//! provides: the engine has no SDK) before any other call, and refuses a mismatch naming both
//! accounts; the state file records its account and refuses another.
//!
//! # Guarantees
//! * With a pin, no other cloud call is made before the caller's account was read and matched.
//! * Read-only verbs compare with the state's account but never write it; writing verbs record
//!   it in a state that has none yet.

use super::terminal::escape;
use super::App;
use crate::registry::Context;
use anyhow::{bail, Context as _};
use futures::future::BoxFuture;
use state::Store;

/// Asks the cloud which account the credentials belong to.
pub type CallerAccount = Box<dyn Fn(Context) -> BoxFuture<'static, anyhow::Result<String>> + Send + Sync>;

/// The account an environment is pinned to, and how to ask the cloud for the caller's.
pub struct AccountPin {
    /// e.g. `123456789012`.
    pub expected: String,
    pub caller: CallerAccount,
}

/// Checks the caller's account against the environment's pin and the state's record (recorded
/// when `record` and the state has none). Returns the caller's account.
pub async fn verify(app: &App, cx: &Context, store: Option<&Store>, record: bool) -> anyhow::Result<Option<String>> {
    let Some(pin) = &app.account else { return Ok(None) };
    let actual = (pin.caller)(cx.clone()).await.context("checking which AWS account the credentials belong to")?;
    if actual != pin.expected {
        bail!(
            "the credentials are for AWS account {}, but environment `{}` is pinned to account {} \
             (programs/src/env.rs): refusing before any other call; use credentials for account {}",
            escape(&actual),
            app.env,
            pin.expected,
            pin.expected
        );
    }
    if let Some(store) = store {
        store.check_account(&actual, record)?;
    }
    Ok(Some(actual))
}
