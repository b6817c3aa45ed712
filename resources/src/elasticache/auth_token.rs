//! Redis AUTH for `aws:elasticache:ReplicationGroup`, with the token kept in Secrets Manager.
//!
//! The program names a secret (its ARN) and the secret version to take the token from (the
//! secret's `version_id` output), never a value. The kind reads that version's value with
//! GetSecretValue only inside the call that needs it (CreateReplicationGroup, or a
//! ModifyReplicationGroup with `AuthTokenUpdateStrategy=ROTATE`), as a
//! [`crate::sensitive::SecretValue`]: it is never an input, an output, a state row or a log line.
//! (The ElastiCache model does not mark `AuthToken` sensitive, so those request inputs are never
//! formatted with `Debug`; no error message built here carries the value.)
//!
//! Rotation: when the secret's version changes (a new value was put), the recorded version
//! differs from the program's, and the update rotates the group's token to the new version's
//! value. With ROTATE AWS keeps accepting the previous token next to the new one, so clients
//! still holding the old one keep working until they read the secret again. AWS never reports the
//! token, only whether AUTH is on (`AuthTokenEnabled`): that is what `read` compares. Turning AUTH
//! off in place is refused (AWS allows it only while migrating to RBAC user groups).

use super::replication_group::ReplicationGroup;
use super::wait::CACHE_UPDATE_TIMEOUT;
use crate::error::classify;
use crate::sensitive::SecretValue;
use crate::AwsContext;
use aws_sdk_elasticache::types::AuthTokenUpdateStrategyType;
use engine::{ErrorClass, Input, ProviderError};
use serde::{Deserialize, Serialize};

/// What `read` reports as the token source when AUTH is on but the program names none.
pub const SET_OUTSIDE_PLINTH: &str = "(AUTH token set outside Plinth)";

/// Where a replication group's AUTH token comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthToken {
    /// The Secrets Manager secret holding the token (a SecretString of 16-128 printable
    /// characters without `@`, `"` or `/`).
    pub secret_arn: Input<String>,
    /// The secret version the token is taken from (the secret's `version_id`); a change rotates
    /// the token. Empty takes `AWSCURRENT`, untracked.
    pub secret_version_id: Input<String>,
}

/// Problems with the AUTH settings of `group`.
pub fn problems(group: &ReplicationGroup) -> Vec<String> {
    let Some(token) = &group.auth_token else { return Vec::new() };
    let mut problems = Vec::new();
    if !group.transit_encryption {
        problems.push("auth_token needs transit_encryption = true (AWS accepts an AUTH token only over TLS)".into());
    }
    if let Some(arn) = token.secret_arn.known().filter(|a| !a.starts_with("arn:") || !a.contains(":secret:")) {
        problems.push(format!("auth_token.secret_arn `{arn}` is not a Secrets Manager secret ARN"));
    }
    problems
}

/// AWS's rule for an AUTH token; the message never contains the value.
fn token_problem(value: &str) -> Option<&'static str> {
    let printable = |c: char| c.is_ascii_graphic() && !matches!(c, '@' | '"' | '/');
    if !(16..=128).contains(&value.len()) {
        Some("must be 16 to 128 characters long")
    } else if !value.chars().all(printable) {
        Some("may contain only printable ASCII characters other than @, \" and /")
    } else {
        None
    }
}

/// The token: the named version of the secret (or `AWSCURRENT`), checked against AWS's rules.
pub async fn value(cx: &AwsContext, token: &AuthToken) -> Result<SecretValue, ProviderError> {
    let arn = token.secret_arn.as_str();
    let version = Some(token.secret_version_id.value().clone()).filter(|v| !v.is_empty());
    let out = cx.secrets().get_secret_value().secret_id(arn).set_version_id(version).send().await;
    let out = out.map_err(|e| classify("GetSecretValue (the Redis AUTH token)", e))?;
    let invalid = |what: &str| {
        let message = format!("auth_token: the value of secret `{arn}` {what}");
        ProviderError::new(ErrorClass::Invalid, message)
    };
    let Some(value) = out.secret_string() else { return Err(invalid("is not a SecretString")) };
    if let Some(problem) = token_problem(value) {
        return Err(invalid(&format!("is not a valid AUTH token: it {problem}")));
    }
    Ok(SecretValue::from_cloud(value.to_string()))
}

/// Whether moving from `old` to `new` needs a new token on the group.
pub fn needs_rotation(new: &ReplicationGroup, old: &ReplicationGroup) -> Result<bool, ProviderError> {
    match (&new.auth_token, &old.auth_token) {
        (None, None) => Ok(false),
        (Some(n), Some(o)) => Ok(n != o),
        (Some(_), None) => Ok(true),
        (None, Some(_)) => Err(ProviderError::new(
            ErrorClass::Invalid,
            format!(
                "auth_token: replication group `{}` has Redis AUTH on; AWS turns it off in place only while \
                 migrating to RBAC user groups, so keep auth_token or replace the group",
                new.id
            ),
        )),
    }
}

/// Sets the group's token to the value of `new`'s secret with the ROTATE strategy (AUTH goes
/// on if it was off; a token already set stays valid beside the new one), then waits.
pub async fn rotate(cx: &AwsContext, new: &ReplicationGroup) -> Result<(), ProviderError> {
    let Some(token) = &new.auth_token else { return Ok(()) };
    let secret = value(cx, token).await?;
    cx.elasticache()
        .modify_replication_group()
        .replication_group_id(&new.id)
        .apply_immediately(true)
        .auth_token(secret.expose())
        .auth_token_update_strategy(AuthTokenUpdateStrategyType::Rotate)
        .send()
        .await
        .map_err(|e| classify("ModifyReplicationGroup (rotate the AUTH token)", e))?;
    new.wait_available(cx, CACHE_UPDATE_TIMEOUT).await
}

/// The token source in input shape: the program's while AUTH is on (AWS never shows which token
/// is set), `None` while it is off, a marker when AUTH is on but the program names no secret.
pub fn observed(program: Option<&AuthToken>, enabled: bool) -> Option<AuthToken> {
    match (program, enabled) {
        (_, false) => None,
        (Some(p), true) => Some(p.clone()),
        (None, true) => Some(AuthToken {
            secret_arn: Input::Value(SET_OUTSIDE_PLINTH.into()),
            secret_version_id: Input::Value(String::new()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(version: &str) -> AuthToken {
        AuthToken {
            secret_arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:plinth/dev/redis-auth-token-AbCdEf".into(),
            secret_version_id: version.into(),
        }
    }

    fn group(auth: Option<AuthToken>, transit: bool) -> ReplicationGroup {
        ReplicationGroup { id: "jobs".into(), auth_token: auth, transit_encryption: transit, ..Default::default() }
    }

    #[test]
    fn auth_needs_transit_encryption_and_a_secret_arn() {
        assert!(problems(&group(Some(token("v1")), true)).is_empty());
        assert!(problems(&group(None, false)).is_empty());
        assert_eq!(
            problems(&group(Some(token("v1")), false)),
            ["auth_token needs transit_encryption = true (AWS accepts an AUTH token only over TLS)"]
        );
        let plain = AuthToken { secret_arn: "plinth/dev/redis".into(), ..token("v1") };
        assert_eq!(
            problems(&group(Some(plain), true)),
            ["auth_token.secret_arn `plinth/dev/redis` is not a Secrets Manager secret ARN"]
        );
    }

    #[test]
    fn token_rules_are_aws_rules() {
        assert_eq!(token_problem(&"a".repeat(64)), None);
        assert!(token_problem("short").is_some_and(|p| p.contains("16 to 128")));
        assert!(token_problem(&"a".repeat(129)).is_some());
        assert!(token_problem(&format!("{}@", "a".repeat(20))).is_some_and(|p| p.contains("printable")));
        assert!(token_problem(&format!("{} ", "a".repeat(20))).is_some(), "no spaces");
    }

    #[test]
    fn a_new_secret_version_rotates_and_removal_is_refused() {
        let v1 = group(Some(token("v1")), true);
        let v2 = group(Some(token("v2")), true);
        let off = group(None, true);
        assert!(!needs_rotation(&v1, &v1).expect("same"));
        assert!(needs_rotation(&v2, &v1).expect("new version"));
        assert!(needs_rotation(&v1, &off).expect("AUTH on"));
        let err = needs_rotation(&off, &v1).expect_err("AUTH off is refused");
        assert!(err.message.starts_with("auth_token: replication group `jobs` has Redis AUTH on"), "{}", err.message);
    }

    #[test]
    fn read_reports_whether_auth_is_on() {
        assert_eq!(observed(Some(&token("v1")), true), Some(token("v1")));
        assert_eq!(observed(Some(&token("v1")), false), None);
        assert_eq!(observed(None, false), None);
        let outside = observed(None, true).expect("AUTH on shows");
        assert_eq!(outside.secret_arn.known().map(String::as_str), Some(SET_OUTSIDE_PLINTH));
    }
}
