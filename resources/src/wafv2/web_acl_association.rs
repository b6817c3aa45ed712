//! `aws:wafv2:WebAclAssociation`: a regional web ACL protecting one resource (an ALB). Both
//! fields force a replacement, deleting first: a replacement that re-associates the same pair
//! (after another ACL was associated out of band) must not disassociate the new association when
//! it deletes the old one. A swap of ACLs leaves the resource unprotected for the moment between
//! the two calls.
//!
//! AssociateWebACL is retried while WAF answers WAFUnavailableEntityException (a load balancer
//! that was just created is not visible to WAF yet), for at most [`ASSOCIATE_TIMEOUT`]. A repeated
//! association of the same pair changes nothing, so the call needs no idempotency token.
//!
//! # Ownership
//! An association has no tags. Both objects it joins are this stack's own resources, each
//! proven by its own tags when it was adopted, so the association is this resource's exactly when
//! the resource is associated with exactly this web ACL: `find` returns it then, `None` when the
//! resource has no web ACL, and `Err(NotOwned)` (naming both ACLs) when another web ACL protects
//! it. Delete never disassociates another web ACL: a resource protected by another ACL counts as
//! this association already gone.
//!
//! Emulator gaps (moto 5.2.5): AssociateWebACL neither checks the resource exists nor drops the
//! resource's previous association (AWS replaces it).

use super::missing;
use crate::error::classify;
use crate::wait::{wait_for, Poll};
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::time::Duration;

/// How long WAF may take to see a just-created load balancer.
pub const ASSOCIATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Time between two association attempts.
pub const ASSOCIATE_INTERVAL: Duration = Duration::from_secs(10);

/// A web ACL associated with a regional resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebAclAssociation {
    /// The regional web ACL's ARN (`aws:wafv2:WebAcl` output `arn`).
    pub web_acl_arn: Input<String>,
    /// The protected resource's ARN (an application load balancer).
    pub resource_arn: Input<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebAclAssociationOutputs {
    pub web_acl_arn: String,
    pub resource_arn: String,
}

impl Resource for WebAclAssociation {
    const KIND: &'static str = "aws:wafv2:WebAclAssociation";
    const SERVICE: &'static str = "wafv2";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["web_acl_arn", "resource_arn"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = WebAclAssociationOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &WebAclAssociationOutputs) -> String {
        format!("{} → {}", outputs.web_acl_arn, outputs.resource_arn)
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        problems.extend(web_acl_arn_problem("web_acl_arn", &self.web_acl_arn));
        if let Some(arn) = self.resource_arn.known() {
            if !arn.starts_with("arn:") {
                problems.push(format!(
                    "resource_arn `{arn}` is not an ARN (a load balancer's arn:aws:elasticloadbalancing:...)"
                ));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<WebAclAssociationOutputs, ProviderError> {
        let out = self.outputs();
        let what = format!("web ACL {} to be associated with {}", out.web_acl_arn, out.resource_arn);
        until_accepted(&what, ASSOCIATE_TIMEOUT, || async {
            let call = cx.wafv2().associate_web_acl().web_acl_arn(&out.web_acl_arn).resource_arn(&out.resource_arn);
            match call.send().await {
                Ok(_) => Ok(true),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_waf_unavailable_entity_exception()) => Ok(false),
                Err(e) => Err(classify("AssociateWebACL", e)),
            }
        })
        .await?;
        Ok(out)
    }

    async fn read(
        &self,
        out: &WebAclAssociationOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live_acl) = acl_for(cx, &out.resource_arn).await? else { return Ok(None) };
        let mut seen = self.clone();
        if live_acl != out.web_acl_arn {
            // Another web ACL protects the resource: drift (a replacement re-associates ours). The
            // outputs keep naming ours, so a delete never disassociates the other one.
            seen.web_acl_arn = Input::Value(live_acl);
        }
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(
        &self,
        _old: &Self,
        out: &WebAclAssociationOutputs,
        _cx: &AwsContext,
    ) -> Result<WebAclAssociationOutputs, ProviderError> {
        // Every field forces a replacement: nothing changes in place.
        Ok(out.clone())
    }

    async fn delete(&self, out: &WebAclAssociationOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        match acl_for(cx, &out.resource_arn).await? {
            Some(live) if live == out.web_acl_arn => {
                let call = cx.wafv2().disassociate_web_acl().resource_arn(&out.resource_arn);
                let done = call.send().await.map(|_| ()).map_err(|e| classify("DisassociateWebACL", e));
                crate::error::ok_if_not_found(done)
            }
            // No ACL, or another one: this association is gone; another ACL is not ours to remove.
            _ => Ok(()),
        }
    }

    async fn find(&self, _meta: &Meta, cx: &AwsContext) -> Result<Option<WebAclAssociationOutputs>, ProviderError> {
        let out = self.outputs();
        match acl_for(cx, &out.resource_arn).await? {
            None => Ok(None),
            Some(live) if live == out.web_acl_arn => Ok(Some(out)),
            Some(other) => {
                let message = format!(
                    "{} is protected by web ACL {other}, not by {}: that association is not this resource's",
                    out.resource_arn, out.web_acl_arn
                );
                Err(ProviderError::new(ErrorClass::NotOwned, message))
            }
        }
    }
}

impl WebAclAssociation {
    fn outputs(&self) -> WebAclAssociationOutputs {
        WebAclAssociationOutputs {
            web_acl_arn: self.web_acl_arn.value().clone(),
            resource_arn: self.resource_arn.value().clone(),
        }
    }
}

/// The ARN of the web ACL protecting `resource_arn`; `None` when there is none or the resource
/// is gone (WAFNonexistentItemException).
pub(super) async fn acl_for(cx: &AwsContext, resource_arn: &str) -> Result<Option<String>, ProviderError> {
    let out = cx.wafv2().get_web_acl_for_resource().resource_arn(resource_arn).send().await;
    let out = crate::error::none_if_not_found(out.map_err(|e| classify("GetWebACLForResource", e)))?;
    match out.and_then(|o| o.web_acl().cloned()) {
        None => Ok(None),
        Some(acl) if acl.arn().is_empty() => Err(missing("GetWebACLForResource web ACL ARN")),
        Some(acl) => Ok(Some(acl.arn().to_string())),
    }
}

/// A problem with a regional web ACL ARN in `field`, if it is known and is not one.
pub(super) fn web_acl_arn_problem(field: &str, arn: &Input<String>) -> Option<String> {
    let arn = arn.known()?;
    let regional = arn.starts_with("arn:") && arn.contains(":wafv2:") && arn.contains(":regional/webacl/");
    (!regional).then(|| {
        format!("{field} `{arn}` is not a regional web ACL ARN (arn:aws:wafv2:<region>:<account>:regional/webacl/...)")
    })
}

/// Runs `attempt` until it answers `true` (accepted), again every [`ASSOCIATE_INTERVAL`] while
/// it answers `false` (the resource is not available to WAF yet), for at most `timeout`.
async fn until_accepted<F, Fut>(what: &str, timeout: Duration, mut attempt: F) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, ProviderError>>,
{
    wait_for(what, timeout, ASSOCIATE_INTERVAL, || {
        let tried = attempt();
        async move {
            Ok(match tried.await? {
                true => Poll::Ready(()),
                false => {
                    Poll::Pending("WAFUnavailableEntityException (the resource is not available to WAF yet)".into())
                }
            })
        }
    })
    .await
}

crate::kit::kind!(WebAclAssociation);

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::time::Instant;

    const ACL: &str = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/1";

    #[test]
    fn arns_are_checked_and_references_are_not() {
        let ok = WebAclAssociation { web_acl_arn: ACL.into(), resource_arn: "arn:aws:elasticloadbalancing:x".into() };
        assert!(ok.validate().is_empty());
        let bad = WebAclAssociation { web_acl_arn: "web".into(), resource_arn: "alb-1".into() };
        let problems = bad.validate();
        assert!(problems[0].starts_with("web_acl_arn `web`"), "{problems:?}");
        assert!(problems[1].starts_with("resource_arn `alb-1`"), "{problems:?}");
        let global = WebAclAssociation { web_acl_arn: "arn:aws:wafv2:us-east-1:1:global/webacl/w/1".into(), ..ok };
        assert_eq!(global.validate().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unavailable_load_balancer_is_retried_until_accepted() {
        let tries = AtomicUsize::new(0);
        let start = Instant::now();
        until_accepted("acl → alb", ASSOCIATE_TIMEOUT, || async { Ok(tries.fetch_add(1, Ordering::SeqCst) >= 3) })
            .await
            .expect("accepted");
        assert_eq!(tries.load(Ordering::SeqCst), 4);
        assert_eq!(start.elapsed(), ASSOCIATE_INTERVAL * 3);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_other_errors_are_not_retried() {
        let start = Instant::now();
        let err = until_accepted("acl → alb", ASSOCIATE_TIMEOUT, || async { Ok(false) }).await.expect_err("gives up");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(
            err.message.contains("acl → alb") && err.message.contains("WAFUnavailableEntityException"),
            "{}",
            err.message
        );
        assert_eq!(start.elapsed(), ASSOCIATE_TIMEOUT);
        let tries = AtomicUsize::new(0);
        let err = until_accepted("acl → alb", ASSOCIATE_TIMEOUT, || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::new(ErrorClass::Invalid, "WAFInvalidParameterException"))
        })
        .await
        .expect_err("fails");
        assert_eq!((err.class, tries.load(Ordering::SeqCst)), (ErrorClass::Invalid, 1));
    }
}
