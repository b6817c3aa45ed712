//! WAFv2 kinds (regional scope): web ACLs for load balancers ([`WebAcl`]), their association
//! with a load balancer ([`WebAclAssociation`]) and their request logging
//! ([`LoggingConfiguration`]); and what they share: the finder by name and id, the listing by
//! name, the lock-token protocol every write needs ([`with_lock_token`]), tags ([`tags`]) and
//! the rule mapping ([`rules`]).

pub mod rules;
pub mod tags;

mod logging;
mod web_acl;
mod web_acl_association;

pub use logging::{LoggingConfiguration, LoggingConfigurationOutputs, RedactedField, WAF_LOGS_PREFIX};
pub use rules::{AclDefault, ManagedRuleGroup, RateAction, RateLimit};
pub use web_acl::{WebAcl, WebAclOutputs};
pub use web_acl_association::{WebAclAssociation, WebAclAssociationOutputs, ASSOCIATE_TIMEOUT};

use crate::error::{classify, none_if_not_found};
use crate::AwsContext;
use aws_sdk_wafv2::types::{Scope, WebAclSummary};
use engine::{ErrorClass, ProviderError};
use std::future::Future;

crate::service_client!(wafv2, aws_sdk_wafv2);

crate::error_codes!(
    "wafv2",
    NotFound: ["WAFNonexistentItemException"],
    AlreadyExists: ["WAFDuplicateItemException", "WafV2DuplicateItem"],
    Conflict: ["WAFOptimisticLockException", "WAFAssociatedItemException"],
    Invalid: ["WAFInvalidParameterException", "WAFLimitsExceededException"],
);

/// Plinth's web ACLs protect regional resources (ALBs); CloudFront ACLs would live in us-east-1
/// under `CLOUDFRONT`.
pub const SCOPE: Scope = Scope::Regional;

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the WAFv2 response has no {what}"))
}

/// The web ACL and its current lock token, or `None` when it is gone.
pub async fn find_web_acl(
    cx: &AwsContext,
    name: &str,
    id: &str,
) -> Result<Option<(aws_sdk_wafv2::types::WebAcl, String)>, ProviderError> {
    let out = cx.wafv2().get_web_acl().name(name).id(id).scope(SCOPE).send().await;
    let Some(out) = none_if_not_found(out.map_err(|e| classify("GetWebACL", e)))? else { return Ok(None) };
    let token = out.lock_token().ok_or_else(|| missing("GetWebACL lock token"))?.to_string();
    let acl = out.web_acl().ok_or_else(|| missing("GetWebACL web ACL"))?.clone();
    Ok(Some((acl, token)))
}

/// The summary of the regional web ACL called `name` (names are unique per scope and region).
pub async fn find_by_name(cx: &AwsContext, name: &str) -> Result<Option<WebAclSummary>, ProviderError> {
    let mut marker: Option<String> = None;
    loop {
        let call = cx.wafv2().list_web_acls().scope(SCOPE).limit(100).set_next_marker(marker.clone());
        let out = call.send().await.map_err(|e| classify("ListWebACLs", e))?;
        if let Some(found) = out.web_acls().iter().find(|s| s.name() == Some(name)) {
            return Ok(Some(found.clone()));
        }
        match out.next_marker() {
            Some(next) if !next.is_empty() && !out.web_acls().is_empty() => marker = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// Runs a write that needs the ACL's lock token. The token comes from `fetch` (GetWebACL); a
/// Conflict (WAFOptimisticLockException: someone changed the ACL in between) is retried once
/// with a fresh token. `Ok(None)` when `fetch` finds the ACL gone.
pub async fn with_lock_token<T, F, FFut, O, OFut>(mut fetch: F, mut op: O) -> Result<Option<T>, ProviderError>
where
    F: FnMut() -> FFut,
    FFut: Future<Output = Result<Option<String>, ProviderError>>,
    O: FnMut(String) -> OFut,
    OFut: Future<Output = Result<T, ProviderError>>,
{
    let Some(token) = fetch().await? else { return Ok(None) };
    match op(token).await {
        Err(e) if e.class == ErrorClass::Conflict => {
            tracing::debug!(error = %e.message, "WAF lock token went stale; retrying once with a fresh one");
        }
        other => return other.map(Some),
    }
    let Some(token) = fetch().await? else { return Ok(None) };
    op(token).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn conflict() -> ProviderError {
        ProviderError::new(ErrorClass::Conflict, "UpdateWebACL: WAFOptimisticLockException")
    }

    #[tokio::test]
    async fn stale_token_is_retried_once_with_a_fresh_one() {
        let fetches = AtomicUsize::new(0);
        let got = with_lock_token(
            || async { Ok(Some(format!("token-{}", fetches.fetch_add(1, Ordering::SeqCst)))) },
            |token| async move {
                if token == "token-0" {
                    Err(conflict())
                } else {
                    Ok(token)
                }
            },
        )
        .await
        .expect("second attempt succeeds");
        assert_eq!(got.as_deref(), Some("token-1"));
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_second_conflict_is_returned() {
        let ops = AtomicUsize::new(0);
        let err = with_lock_token(
            || async { Ok(Some("t".to_string())) },
            |_| async {
                ops.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(conflict())
            },
        )
        .await
        .expect_err("gives up");
        assert_eq!(err.class, ErrorClass::Conflict);
        assert_eq!(ops.load(Ordering::SeqCst), 2, "one retry, no more");
    }

    #[tokio::test]
    async fn other_errors_are_not_retried_and_gone_is_none() {
        let ops = AtomicUsize::new(0);
        let err = with_lock_token(
            || async { Ok(Some("t".to_string())) },
            |_| async {
                ops.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(ProviderError::new(ErrorClass::Invalid, "bad"))
            },
        )
        .await
        .expect_err("fails");
        assert_eq!(err.class, ErrorClass::Invalid);
        assert_eq!(ops.load(Ordering::SeqCst), 1);
        let gone = with_lock_token(|| async { Ok(None) }, |_| async { Ok(()) }).await.expect("ok");
        assert_eq!(gone, None);
    }
}
