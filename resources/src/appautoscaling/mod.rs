//! Application Auto Scaling kinds: scalable targets, scaling policies and scheduled actions, and
//! what they share: the enumerations of what is scaled ([`ServiceNamespace`],
//! [`ScalableDimension`]), the target finder ([`find_target`]), the tag API ([`tags`]) and the
//! ownership rule of the two untaggable kinds ([`prove_target_stack`]).
//!
//! # Ownership of policies and scheduled actions
//! AWS does not tag scaling policies or scheduled actions; each belongs to exactly one scalable
//! target (namespace + resource id + dimension) and is deleted with it. A policy or action is
//! therefore adopted only when its scalable target carries this stack's `plinth:stack` tag (read
//! from the cloud just before the check); a target of another stack, or an untagged one, is
//! `Err(NotOwned)` naming the object and the target's tags. The name of the policy or action
//! (unique per target) is what identifies it within the stack.

pub mod tags;

mod scalable_target;
mod scaling_policy;
mod scheduled_action;

pub use aws_sdk_applicationautoscaling as sdk;
pub use scalable_target::{ScalableTarget, ScalableTargetOutputs, SuspendedState};
pub use scaling_policy::{PredefinedMetric, ScalingPolicy, ScalingPolicyOutputs, TargetTracking};
pub use scheduled_action::{ScheduledAction, ScheduledActionOutputs};

use crate::error::classify;
use crate::kit::enums::aws_enum;
use crate::AwsContext;
use engine::{ErrorClass, Meta, ProviderError, Tags};

crate::service_client!(appautoscaling, aws_sdk_applicationautoscaling);

crate::error_codes!(
    "appautoscaling",
    Conflict: ["ConcurrentUpdateException"],
    Transient: ["InternalServiceException"],
    Invalid: ["FailedResourceAccessException"],
);

aws_enum! {
    /// The AWS service whose resource is scaled.
    pub enum ServiceNamespace: sdk::types::ServiceNamespace { Ecs = "ecs" }
}

aws_enum! {
    /// What is scaled.
    pub enum ScalableDimension: sdk::types::ScalableDimension { EcsServiceDesiredCount = "ecs:service:DesiredCount" }
}

/// The key of a scalable target: what every Application Auto Scaling call names.
#[derive(Debug, Clone, Copy)]
pub struct TargetKey<'a> {
    pub namespace: ServiceNamespace,
    pub resource_id: &'a str,
    pub dimension: ScalableDimension,
}

impl std::fmt::Display for TargetKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.namespace, self.resource_id, self.dimension)
    }
}

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the Application Auto Scaling response has no {what}"))
}

/// The registered scalable target with this key, or `None`.
pub async fn find_target(
    cx: &AwsContext,
    key: TargetKey<'_>,
) -> Result<Option<sdk::types::ScalableTarget>, ProviderError> {
    let call = cx
        .appautoscaling()
        .describe_scalable_targets()
        .service_namespace(key.namespace.to_sdk())
        .resource_ids(key.resource_id)
        .scalable_dimension(key.dimension.to_sdk());
    let out = call.send().await.map_err(|e| classify("DescribeScalableTargets", e))?;
    let found = out.scalable_targets().iter().find(|t| {
        t.resource_id() == key.resource_id
            && t.scalable_dimension().as_str() == key.dimension.as_str()
            && t.service_namespace().as_str() == key.namespace.as_str()
    });
    Ok(found.cloned())
}

/// `Ok(())` when the scalable target of `key` carries `plinth:stack` = `meta.stack`; otherwise
/// `Err(NotOwned)` naming `object` and the target's tags (see the module docs).
pub async fn prove_target_stack(
    cx: &AwsContext,
    key: TargetKey<'_>,
    object: &str,
    meta: &Meta,
) -> Result<(), ProviderError> {
    let target = find_target(cx, key).await?;
    let arn = target.as_ref().and_then(|t| t.scalable_target_arn());
    let live = match arn {
        Some(arn) => crate::tags::read::<tags::AppScaling>(cx, arn).await?,
        None => Tags::new(),
    };
    stack_verdict(object, &key.to_string(), &live, meta)
}

/// The ownership verdict of [`prove_target_stack`] on the target's live tags.
fn stack_verdict(object: &str, target: &str, live: &Tags, meta: &Meta) -> Result<(), ProviderError> {
    crate::kit::prove_parent_stack(object, &format!("scalable target {target}"), live, meta)
}

/// Problems with a policy or action name (1 to 256 printable characters).
fn name_problems(field: &str, name: &str) -> Vec<String> {
    if name.is_empty() || name.chars().count() > 256 || name.chars().any(char::is_control) {
        vec![format!("{field} `{name}` must be 1 to 256 printable characters")]
    } else {
        Vec::new()
    }
}

/// Problems with a resource id, when known (ECS: `service/<cluster>/<service>`).
fn resource_id_problems(namespace: ServiceNamespace, resource_id: Option<&String>) -> Vec<String> {
    let Some(id) = resource_id else { return Vec::new() };
    let parts: Vec<&str> = id.split('/').collect();
    match namespace {
        ServiceNamespace::Ecs if parts.len() != 3 || parts[0] != "service" || parts.iter().any(|p| p.is_empty()) => {
            vec![format!("resource_id `{id}` must be `service/<cluster name>/<service name>` for ecs")]
        }
        ServiceNamespace::Ecs => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::from_pairs;

    #[test]
    fn only_this_stacks_target_proves_ownership() {
        let meta = Meta::new("cpu", "prod");
        let ours = from_pairs(&[("plinth:stack", "prod"), ("plinth:name", "api-scaling")]);
        assert!(stack_verdict("policy cpu", "t", &ours, &meta).is_ok());
        for live in [from_pairs(&[("plinth:stack", "dev")]), from_pairs(&[("plinth:name", "x")]), Tags::new()] {
            let err = stack_verdict("policy cpu", "ecs service/c/s", &live, &meta).expect_err("refused");
            assert_eq!(err.class, ErrorClass::NotOwned);
            assert!(err.message.contains("policy cpu") && err.message.contains("ecs service/c/s"), "{}", err.message);
        }
    }

    #[test]
    fn resource_ids_are_checked_per_namespace() {
        let ok = "service/main/api".to_string();
        assert!(resource_id_problems(ServiceNamespace::Ecs, Some(&ok)).is_empty());
        assert!(resource_id_problems(ServiceNamespace::Ecs, None).is_empty(), "unknown until apply");
        let bad = "main/api".to_string();
        assert!(resource_id_problems(ServiceNamespace::Ecs, Some(&bad))[0].starts_with("resource_id `main/api`"));
        assert!(!name_problems("name", "").is_empty());
        assert!(name_problems("name", "cpu-70").is_empty());
    }
}
