//! `aws:applicationautoscaling:ScalingPolicy`: a target tracking policy on a scalable target
//! (keep average CPU or memory of an ECS service, or requests per ALB target, at a value).
//!
//! PutScalingPolicy is an upsert: the metric, target value, cooldowns and scale-in switch change
//! in place; the name and the target it belongs to are its identity (delete first).
//!
//! Target tracking creates its own CloudWatch alarms (`TargetTracking-...-AlarmHigh/Low-...`),
//! managed by AWS: they are outputs ([`ScalingPolicyOutputs::alarm_names`]) so an observability
//! kind can leave them out of its drift, and are never inputs.
//!
//! # Guarantees
//! * Not taggable (AWS does not tag policies): `find` adopts a policy only when its scalable
//!   target carries this stack's `plinth:stack` (see the module docs of
//!   [`crate::appautoscaling`]); otherwise `Err(NotOwned)`.
//! * Create refuses (AlreadyExists) a policy of that name that already exists on the target,
//!   rather than overwriting it through the upsert. PutScalingPolicy is idempotent, so the
//!   SDK's retries after a lost reply cannot make a second policy.
//! * Cooldowns are always sent (default 300 s, AWS's default for ECS), so a read never shows a
//!   default AWS filled in as drift.
//!
//! Emulator gaps (moto 5.2.5): DescribeScalingPolicies ignores PolicyNames (the name is filtered
//! here, as it must be anyway); DeleteScalingPolicy of an unknown policy and PutScalingPolicy on
//! an unregistered target are given AWS's ObjectNotFoundException by
//! `scripts/moto_patches/appautoscaling.py`.

use super::{missing, name_problems, prove_target_stack, resource_id_problems, ScalableDimension};
use super::{ServiceNamespace, TargetKey};
use crate::error::{build_error, classify, ok_if_not_found};
use crate::kit::enums::aws_enum;
use crate::AwsContext;
use aws_sdk_applicationautoscaling::types as sdk;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource};
use serde::{Deserialize, Serialize};

/// A target tracking scaling policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScalingPolicy {
    /// Unique per scalable target; 1 to 256 printable characters.
    pub name: String,
    pub service_namespace: ServiceNamespace,
    /// The scalable target's resource id (`service/<cluster>/<service>`).
    pub resource_id: Input<String>,
    pub scalable_dimension: ScalableDimension,
    pub target_tracking: TargetTracking,
}

/// What the policy keeps at which value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetTracking {
    pub metric: PredefinedMetric,
    /// Only for `ALBRequestCountPerTarget`: `app/<lb>/<id>/targetgroup/<tg>/<id>`.
    pub resource_label: Option<Input<String>>,
    /// E.g. 70.0 for 70 % CPU.
    pub target_value: f64,
    pub scale_in_cooldown_secs: i32,
    pub scale_out_cooldown_secs: i32,
    /// Only scale out; never remove capacity.
    pub disable_scale_in: bool,
}

impl Default for TargetTracking {
    fn default() -> Self {
        Self {
            metric: PredefinedMetric::default(),
            resource_label: None,
            target_value: 0.0,
            scale_in_cooldown_secs: 300,
            scale_out_cooldown_secs: 300,
            disable_scale_in: false,
        }
    }
}

aws_enum! {
    /// The predefined metrics Plinth's ECS services scale on.
    pub enum PredefinedMetric: sdk::MetricType {
        EcsServiceAverageCpuUtilization = "ECSServiceAverageCPUUtilization",
        EcsServiceAverageMemoryUtilization = "ECSServiceAverageMemoryUtilization",
        AlbRequestCountPerTarget = "ALBRequestCountPerTarget",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingPolicyOutputs {
    pub arn: String,
    /// The CloudWatch alarms target tracking created for itself (AWS-managed: not drift).
    pub alarm_names: Vec<String>,
}

impl Resource for ScalingPolicy {
    const KIND: &'static str = "aws:applicationautoscaling:ScalingPolicy";
    const SERVICE: &'static str = "applicationautoscaling";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "service_namespace", "resource_id", "scalable_dimension"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = ScalingPolicyOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &ScalingPolicyOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = name_problems("name", &self.name);
        problems.extend(resource_id_problems(self.service_namespace, self.resource_id.known()));
        problems.extend(self.target_tracking.problems());
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ScalingPolicyOutputs, ProviderError> {
        if let Some(existing) = self.describe(cx).await? {
            let message =
                format!("scaling policy {} already exists on {} ({})", self.name, self.key(), existing.policy_arn());
            return Err(ProviderError::new(ErrorClass::AlreadyExists, message));
        }
        self.put(cx).await
    }

    async fn read(&self, out: &ScalingPolicyOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = self.describe(cx).await? else { return Ok(None) };
        if live.policy_arn() != out.arn {
            return Ok(None); // deleted and made again: not the object state records
        }
        let config = live.target_tracking_scaling_policy_configuration().ok_or_else(|| {
            ProviderError::new(ErrorClass::Other, format!("scaling policy {} is not target tracking", self.name))
        })?;
        let mut seen = self.clone();
        seen.target_tracking = observed_tracking(&self.target_tracking, config)?;
        let outputs = ScalingPolicyOutputs { arn: out.arn.clone(), alarm_names: alarm_names(live.alarms()) };
        Ok(Some(Observed { inputs: seen, outputs }))
    }

    async fn update(
        &self,
        _old: &Self,
        _out: &ScalingPolicyOutputs,
        cx: &AwsContext,
    ) -> Result<ScalingPolicyOutputs, ProviderError> {
        self.put(cx).await
    }

    async fn delete(&self, _out: &ScalingPolicyOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let key = self.key();
        let call = cx
            .appautoscaling()
            .delete_scaling_policy()
            .policy_name(&self.name)
            .service_namespace(key.namespace.to_sdk())
            .resource_id(key.resource_id)
            .scalable_dimension(key.dimension.to_sdk());
        ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteScalingPolicy", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ScalingPolicyOutputs>, ProviderError> {
        let Some(live) = self.describe(cx).await? else { return Ok(None) };
        prove_target_stack(cx, self.key(), &format!("scaling policy {}", self.name), meta).await?;
        Ok(Some(ScalingPolicyOutputs { arn: live.policy_arn().to_string(), alarm_names: alarm_names(live.alarms()) }))
    }
}

impl ScalingPolicy {
    fn key(&self) -> TargetKey<'_> {
        TargetKey {
            namespace: self.service_namespace,
            resource_id: self.resource_id.as_str(),
            dimension: self.scalable_dimension,
        }
    }

    /// The live policy of this name on this target, or `None`.
    async fn describe(&self, cx: &AwsContext) -> Result<Option<sdk::ScalingPolicy>, ProviderError> {
        let key = self.key();
        let mut next: Option<String> = None;
        loop {
            let call = cx
                .appautoscaling()
                .describe_scaling_policies()
                .policy_names(&self.name)
                .service_namespace(key.namespace.to_sdk())
                .resource_id(key.resource_id)
                .scalable_dimension(key.dimension.to_sdk())
                .set_next_token(next.clone());
            let out = call.send().await.map_err(|e| classify("DescribeScalingPolicies", e))?;
            let found = out
                .scaling_policies()
                .iter()
                .find(|p| p.policy_name() == self.name && p.resource_id() == key.resource_id);
            if let Some(found) = found {
                return Ok(Some(found.clone()));
            }
            match out.next_token() {
                Some(token) if !token.is_empty() && !out.scaling_policies().is_empty() => {
                    next = Some(token.to_string())
                }
                _ => return Ok(None),
            }
        }
    }

    /// PutScalingPolicy (creates or changes in place).
    async fn put(&self, cx: &AwsContext) -> Result<ScalingPolicyOutputs, ProviderError> {
        let key = self.key();
        let call = cx
            .appautoscaling()
            .put_scaling_policy()
            .policy_name(&self.name)
            .service_namespace(key.namespace.to_sdk())
            .resource_id(key.resource_id)
            .scalable_dimension(key.dimension.to_sdk())
            .policy_type(sdk::PolicyType::TargetTrackingScaling)
            .target_tracking_scaling_policy_configuration(self.target_tracking.to_sdk()?);
        let out = call.send().await.map_err(|e| classify("PutScalingPolicy", e))?;
        if out.policy_arn().is_empty() {
            return Err(missing("PutScalingPolicy PolicyARN"));
        }
        Ok(ScalingPolicyOutputs { arn: out.policy_arn().to_string(), alarm_names: alarm_names(out.alarms()) })
    }
}

impl TargetTracking {
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(self.target_value.is_finite() && self.target_value > 0.0) {
            problems.push(format!("target_tracking.target_value {} must be a positive number", self.target_value));
        }
        for (field, secs) in [
            ("scale_in_cooldown_secs", self.scale_in_cooldown_secs),
            ("scale_out_cooldown_secs", self.scale_out_cooldown_secs),
        ] {
            if secs < 0 {
                problems.push(format!("target_tracking.{field} {secs} must not be negative"));
            }
        }
        match (self.metric, &self.resource_label) {
            (PredefinedMetric::AlbRequestCountPerTarget, None) => problems.push(
                "target_tracking.resource_label is required for ALBRequestCountPerTarget (app/<lb>/<id>/targetgroup/<tg>/<id>)"
                    .to_string(),
            ),
            (PredefinedMetric::AlbRequestCountPerTarget, Some(_)) => {}
            (metric, Some(_)) => problems.push(format!("target_tracking.resource_label is only for ALBRequestCountPerTarget, not {metric}")),
            (_, None) => {}
        }
        problems
    }

    fn to_sdk(&self) -> Result<sdk::TargetTrackingScalingPolicyConfiguration, ProviderError> {
        let metric = sdk::PredefinedMetricSpecification::builder()
            .predefined_metric_type(self.metric.to_sdk())
            .set_resource_label(self.resource_label.as_ref().map(|l| l.as_str().to_string()))
            .build()
            .map_err(|e| build_error("predefined metric", e))?;
        sdk::TargetTrackingScalingPolicyConfiguration::builder()
            .target_value(self.target_value)
            .predefined_metric_specification(metric)
            .scale_in_cooldown(self.scale_in_cooldown_secs)
            .scale_out_cooldown(self.scale_out_cooldown_secs)
            .disable_scale_in(self.disable_scale_in)
            .build()
            .map_err(|e| build_error("target tracking configuration", e))
    }
}

/// The live configuration in the program's shape (a metric Plinth does not model is an error
/// naming it: reads never guess).
fn observed_tracking(
    program: &TargetTracking,
    live: &sdk::TargetTrackingScalingPolicyConfiguration,
) -> Result<TargetTracking, ProviderError> {
    let spec = live.predefined_metric_specification().ok_or_else(|| {
        ProviderError::new(ErrorClass::Other, "the policy tracks a customized metric, which Plinth does not model")
    })?;
    let metric = PredefinedMetric::from_sdk(spec.predefined_metric_type()).ok_or_else(|| {
        let name = spec.predefined_metric_type().as_str();
        ProviderError::new(ErrorClass::Other, format!("the policy tracks {name}, which Plinth does not model"))
    })?;
    let resource_label = match (spec.resource_label(), &program.resource_label) {
        (None, _) => None,
        (Some(live), Some(ours)) if ours.known().is_none_or(|o| o == live) => Some(ours.clone()),
        (Some(live), _) => Some(Input::Value(live.to_string())),
    };
    Ok(TargetTracking {
        metric,
        resource_label,
        target_value: live.target_value(),
        scale_in_cooldown_secs: live.scale_in_cooldown().unwrap_or(300),
        scale_out_cooldown_secs: live.scale_out_cooldown().unwrap_or(300),
        disable_scale_in: live.disable_scale_in().unwrap_or(false),
    })
}

fn alarm_names(alarms: &[sdk::Alarm]) -> Vec<String> {
    alarms.iter().map(|a| a.alarm_name().to_string()).collect()
}

crate::kit::kind!(ScalingPolicy);

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu() -> ScalingPolicy {
        ScalingPolicy {
            name: "cpu-70".into(),
            resource_id: "service/main/api".into(),
            target_tracking: TargetTracking { target_value: 70.0, ..Default::default() },
            ..Default::default()
        }
    }

    #[test]
    fn a_cpu_policy_is_valid_and_serializes_aws_strings() {
        assert!(cpu().validate().is_empty(), "{:?}", cpu().validate());
        let json = serde_json::to_value(cpu()).expect("json");
        assert_eq!(json["target_tracking"]["metric"], "ECSServiceAverageCPUUtilization");
    }

    #[test]
    fn alb_metric_needs_a_resource_label_and_others_refuse_one() {
        let mut alb = cpu();
        alb.target_tracking.metric = PredefinedMetric::AlbRequestCountPerTarget;
        assert!(alb.validate()[0].contains("resource_label is required"), "{:?}", alb.validate());
        alb.target_tracking.resource_label = Some("app/lb/1/targetgroup/tg/2".into());
        assert!(alb.validate().is_empty());
        let mut labelled = cpu();
        labelled.target_tracking.resource_label = Some("x".into());
        assert!(labelled.validate()[0].contains("only for ALBRequestCountPerTarget"));
    }

    #[test]
    fn bad_values_are_named() {
        let mut bad = cpu();
        bad.target_tracking.target_value = 0.0;
        bad.target_tracking.scale_in_cooldown_secs = -1;
        let problems = bad.validate();
        assert!(problems.iter().any(|p| p.starts_with("target_tracking.target_value 0")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("target_tracking.scale_in_cooldown_secs -1")), "{problems:?}");
    }

    #[test]
    fn the_sent_configuration_reads_back_unchanged() {
        let tracking = TargetTracking {
            metric: PredefinedMetric::EcsServiceAverageMemoryUtilization,
            target_value: 75.5,
            scale_in_cooldown_secs: 120,
            scale_out_cooldown_secs: 60,
            disable_scale_in: true,
            resource_label: None,
        };
        let live = tracking.to_sdk().expect("builds");
        assert_eq!(observed_tracking(&tracking, &live).expect("reads"), tracking);
    }
}
