//! `aws:applicationautoscaling:ScalableTarget`: registers a resource (an ECS service's desired
//! count) with Application Auto Scaling between a minimum and a maximum capacity. Policies and
//! scheduled actions attach to it.
//!
//! RegisterScalableTarget is an upsert: it creates the target or changes an existing one in
//! place, so min/max capacity and the suspended state are updates; the namespace, resource id
//! and dimension are the target's identity (a change deletes first: only one target per key).
//!
//! # Guarantees
//! * Create refuses (AlreadyExists) when a target with this key is already registered, instead
//!   of silently taking it over: an upsert would otherwise overwrite someone else's target.
//! * No blind duplicate: RegisterScalableTarget is idempotent for one key (a retry after a lost
//!   reply registers the same values again; AWS applies `Tags` only when it creates the target),
//!   so the SDK's retries cannot make a second object and no `no_retry!` is needed.
//! * Tags are sent with RegisterScalableTarget; `find` adopts only a target whose tags prove
//!   both `plinth:stack` and `plinth:name`.
//!
//! Emulator gaps (moto 5.2.5), filled by `scripts/moto_patches/appautoscaling.py`: no
//! ListTagsForResource / TagResource / UntagResource and `Tags` of RegisterScalableTarget
//! dropped; DeregisterScalableTarget of an unknown target answers ValidationException (AWS:
//! ObjectNotFoundException). moto requires the ECS service to exist, as AWS does.

use super::tags::{to_map, AppScaling};
use super::{find_target, missing, resource_id_problems, ScalableDimension, ServiceNamespace, TargetKey};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::tags;
use crate::AwsContext;
use aws_sdk_applicationautoscaling::types as sdk;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// A scalable target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScalableTarget {
    pub service_namespace: ServiceNamespace,
    /// ECS: `service/<cluster name>/<service name>` (may be another resource's output).
    pub resource_id: Input<String>,
    pub scalable_dimension: ScalableDimension,
    pub min_capacity: i32,
    pub max_capacity: i32,
    /// `None`: nothing suspended.
    pub suspended_state: Option<SuspendedState>,
    pub tags: Tags,
}

/// Which scaling activities are suspended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SuspendedState {
    pub dynamic_scaling_in_suspended: bool,
    pub dynamic_scaling_out_suspended: bool,
    pub scheduled_scaling_suspended: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalableTargetOutputs {
    /// The ScalableTargetARN (what tags are attached to).
    pub arn: String,
    pub resource_id: String,
}

impl Resource for ScalableTarget {
    const KIND: &'static str = "aws:applicationautoscaling:ScalableTarget";
    const SERVICE: &'static str = "applicationautoscaling";
    const REPLACE_FIELDS: &'static [&'static str] = &["service_namespace", "resource_id", "scalable_dimension"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = ScalableTargetOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &ScalableTargetOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = resource_id_problems(self.service_namespace, self.resource_id.known());
        if self.min_capacity < 0 {
            problems.push(format!("min_capacity {} must not be negative", self.min_capacity));
        }
        if self.min_capacity > self.max_capacity {
            problems
                .push(format!("min_capacity {} is greater than max_capacity {}", self.min_capacity, self.max_capacity));
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ScalableTargetOutputs, ProviderError> {
        let key = self.key();
        if let Some(existing) = find_target(cx, key).await? {
            let arn = existing.scalable_target_arn().unwrap_or("(no ARN)");
            let message = format!("a scalable target for {key} is already registered ({arn}): not taken over");
            return Err(ProviderError::new(ErrorClass::AlreadyExists, message));
        }
        let arn = self.register(cx, Some(&self.tags)).await?;
        Ok(ScalableTargetOutputs { arn, resource_id: self.resource_id.as_str().to_string() })
    }

    async fn read(
        &self,
        out: &ScalableTargetOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = find_target(cx, self.key_of(&out.resource_id)).await? else { return Ok(None) };
        if live.scalable_target_arn().is_some_and(|arn| arn != out.arn) {
            return Ok(None); // deregistered and registered again: not the object state records
        }
        let mut seen = self.clone();
        seen.resource_id = Input::Value(live.resource_id().to_string());
        seen.min_capacity = live.min_capacity();
        seen.max_capacity = live.max_capacity();
        seen.suspended_state = observed_suspended(self.suspended_state, live.suspended_state());
        seen.tags = tags::read::<AppScaling>(cx, &out.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &ScalableTargetOutputs,
        cx: &AwsContext,
    ) -> Result<ScalableTargetOutputs, ProviderError> {
        let bare = |t: &Self| Self { tags: Tags::new(), ..t.clone() };
        if bare(self) != bare(old) {
            self.register(cx, None).await?;
        }
        tags::sync::<AppScaling>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &ScalableTargetOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let key = self.key_of(&out.resource_id);
        let call = cx
            .appautoscaling()
            .deregister_scalable_target()
            .service_namespace(key.namespace.to_sdk())
            .resource_id(key.resource_id)
            .scalable_dimension(key.dimension.to_sdk());
        ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeregisterScalableTarget", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ScalableTargetOutputs>, ProviderError> {
        let key = self.key();
        let Some(target) = find_target(cx, key).await? else { return Ok(None) };
        let arn = target.scalable_target_arn().ok_or_else(|| missing("ScalableTargetARN"))?;
        let live = tags::read::<AppScaling>(cx, arn).await?;
        let found = ScalableTargetOutputs { arn: arn.to_string(), resource_id: key.resource_id.to_string() };
        adopt(&format!("scalable target {key}"), &live, meta, found)
    }
}

impl ScalableTarget {
    fn key(&self) -> TargetKey<'_> {
        self.key_of(self.resource_id.as_str())
    }

    fn key_of<'a>(&self, resource_id: &'a str) -> TargetKey<'a> {
        TargetKey { namespace: self.service_namespace, resource_id, dimension: self.scalable_dimension }
    }

    /// RegisterScalableTarget with this target's capacities; `tags` only when creating. Returns
    /// the target's ARN.
    async fn register(&self, cx: &AwsContext, tags: Option<&Tags>) -> Result<String, ProviderError> {
        let key = self.key();
        let call = cx
            .appautoscaling()
            .register_scalable_target()
            .service_namespace(key.namespace.to_sdk())
            .resource_id(key.resource_id)
            .scalable_dimension(key.dimension.to_sdk())
            .min_capacity(self.min_capacity)
            .max_capacity(self.max_capacity)
            .suspended_state(to_sdk_suspended(self.suspended_state.unwrap_or_default()))
            .set_tags(tags.and_then(to_map));
        let out = call.send().await.map_err(|e| classify("RegisterScalableTarget", e))?;
        Ok(out.scalable_target_arn().ok_or_else(|| missing("RegisterScalableTarget ScalableTargetARN"))?.to_string())
    }
}

fn to_sdk_suspended(s: SuspendedState) -> sdk::SuspendedState {
    sdk::SuspendedState::builder()
        .dynamic_scaling_in_suspended(s.dynamic_scaling_in_suspended)
        .dynamic_scaling_out_suspended(s.dynamic_scaling_out_suspended)
        .scheduled_scaling_suspended(s.scheduled_scaling_suspended)
        .build()
}

/// The live suspended state in the program's shape: nothing suspended reads as the program's
/// `None` or all-false, whichever it wrote.
fn observed_suspended(program: Option<SuspendedState>, live: Option<&sdk::SuspendedState>) -> Option<SuspendedState> {
    let live = live.map_or_else(SuspendedState::default, |s| SuspendedState {
        dynamic_scaling_in_suspended: s.dynamic_scaling_in_suspended().unwrap_or(false),
        dynamic_scaling_out_suspended: s.dynamic_scaling_out_suspended().unwrap_or(false),
        scheduled_scaling_suspended: s.scheduled_scaling_suspended().unwrap_or(false),
    });
    if program.is_none() && live == SuspendedState::default() {
        None
    } else {
        Some(live)
    }
}

crate::kit::kind!(ScalableTarget);

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> ScalableTarget {
        ScalableTarget {
            resource_id: "service/main/api".into(),
            min_capacity: 2,
            max_capacity: 10,
            ..Default::default()
        }
    }

    #[test]
    fn min_above_max_is_refused_naming_both() {
        assert!(target().validate().is_empty());
        let problems = ScalableTarget { min_capacity: 11, ..target() }.validate();
        assert_eq!(problems, vec!["min_capacity 11 is greater than max_capacity 10".to_string()]);
        let reference = Input::Ref(engine::input::Reference { resource: "api-service".into(), key: 0 });
        let unknown = ScalableTarget { resource_id: reference, ..target() };
        assert!(unknown.validate().is_empty(), "a reference is checked once known");
    }

    #[test]
    fn enums_serialize_as_aws_strings() {
        let json = serde_json::to_value(target()).expect("json");
        assert_eq!(json["service_namespace"], "ecs");
        assert_eq!(json["scalable_dimension"], "ecs:service:DesiredCount");
    }

    #[test]
    fn nothing_suspended_reads_as_the_program_wrote_it() {
        let none = sdk::SuspendedState::builder().build();
        assert_eq!(observed_suspended(None, Some(&none)), None);
        assert_eq!(observed_suspended(None, None), None);
        assert_eq!(observed_suspended(Some(SuspendedState::default()), None), Some(SuspendedState::default()));
        let live = to_sdk_suspended(SuspendedState { scheduled_scaling_suspended: true, ..Default::default() });
        let seen = observed_suspended(None, Some(&live)).expect("drift shows");
        assert!(seen.scheduled_scaling_suspended && !seen.dynamic_scaling_in_suspended);
    }
}
