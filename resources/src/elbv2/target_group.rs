//! `aws:elbv2:TargetGroup`: an HTTP(S) target group of IP targets in a VPC, with an explicit
//! health check and deregistration delay.
//!
//! Target group names are unique per region and at most 32 characters, and port, protocol, VPC
//! and target type cannot change in place. So the AWS name is the program's `name` plus `-` and
//! six hex characters of a hash of those four inputs ([`TargetGroup::aws_name`]): a replacement
//! gets another name and is created before the old group is deleted, while listeners and rules
//! are repointed in between (the engine deletes a replaced object only after everything that
//! referenced it was updated). The health check (ModifyTargetGroup) and the deregistration delay
//! (ModifyTargetGroupAttributes) change in place.
//!
//! # Guarantees
//! * The health check is validated against ELB's limits before anything is called: interval 5 to
//!   300 s, timeout 2 to 120 s and below the interval, thresholds 2 to 10, a matcher of codes
//!   200 to 499 (`200`, `200,202`, `200-299`).

use super::tags::Elb;
use super::{arn_suffix, missing, name_problems, sdk, target_group_by_arn, target_group_by_name, Protocol};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use sdk::types::{Matcher, TargetGroup as SdkTargetGroup, TargetGroupAttribute};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const DEREGISTRATION_DELAY: &str = "deregistration_delay.timeout_seconds";
/// `-` plus six hex characters.
const SUFFIX_LEN: usize = 7;

crate::kit::enums::aws_enum! {
    /// What the group's targets are.
    pub enum TargetType: sdk::types::TargetTypeEnum { Ip = "ip", Instance = "instance" }
}

/// How ELB decides a target is healthy (all explicit: no AWS defaults are relied on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthCheck {
    /// Starts with `/` (default "/health").
    pub path: String,
    pub interval_secs: i32,
    pub timeout_secs: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
    /// HTTP codes: "200", "200,202" or "200-299".
    pub matcher: String,
}

impl Default for HealthCheck {
    fn default() -> Self {
        Self {
            path: "/health".into(),
            interval_secs: 15,
            timeout_secs: 5,
            healthy_threshold: 2,
            unhealthy_threshold: 3,
            matcher: "200".into(),
        }
    }
}

/// An ELBv2 target group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetGroup {
    /// The base of the AWS name (at most 25 characters; the kind appends `-` and 6 hex characters).
    pub name: String,
    pub port: i32,
    pub protocol: Protocol,
    pub vpc_id: Input<String>,
    pub target_type: TargetType,
    pub health_check: HealthCheck,
    /// 0 to 3600 seconds (default 300).
    pub deregistration_delay_secs: i32,
    pub tags: Tags,
}

impl Default for TargetGroup {
    fn default() -> Self {
        Self {
            name: String::new(),
            port: 80,
            protocol: Protocol::Http,
            vpc_id: Input::default(),
            target_type: TargetType::Ip,
            health_check: HealthCheck::default(),
            deregistration_delay_secs: 300,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetGroupOutputs {
    pub arn: String,
    /// `targetgroup/<name>/<id>`: CloudWatch's `TargetGroup` dimension.
    pub arn_suffix: String,
    /// The AWS name (`<name>-<6 hex>`).
    pub name: String,
}

impl Resource for TargetGroup {
    const KIND: &'static str = "aws:elbv2:TargetGroup";
    const SERVICE: &'static str = "elbv2";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "port", "protocol", "vpc_id", "target_type"];
    const HEALTH_CHECKED: bool = true;
    type Outputs = TargetGroupOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &TargetGroupOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = name_problems("name", &self.name, 32 - SUFFIX_LEN);
        if !(1..=65535).contains(&self.port) {
            problems.push(format!("port {} must be 1 to 65535", self.port));
        }
        if !(0..=3600).contains(&self.deregistration_delay_secs) {
            problems.push(format!("deregistration_delay_secs {} must be 0 to 3600", self.deregistration_delay_secs));
        }
        problems.extend(self.health_check.problems());
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<TargetGroupOutputs, ProviderError> {
        let hc = &self.health_check;
        let call = cx
            .elbv2()
            .create_target_group()
            .name(self.aws_name())
            .port(self.port)
            .protocol(self.protocol.to_sdk())
            .vpc_id(self.vpc_id.value())
            .target_type(self.target_type.to_sdk())
            .health_check_enabled(true)
            .health_check_protocol(self.protocol.to_sdk())
            .health_check_path(&hc.path)
            .health_check_interval_seconds(hc.interval_secs)
            .health_check_timeout_seconds(hc.timeout_secs)
            .healthy_threshold_count(hc.healthy_threshold)
            .unhealthy_threshold_count(hc.unhealthy_threshold)
            .matcher(Matcher::builder().http_code(&hc.matcher).build())
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_elasticloadbalancingv2)).send().await;
        let out = out.map_err(|e| classify("CreateTargetGroup", e))?;
        let tg = out.target_groups().first().ok_or_else(|| missing("CreateTargetGroup target group"))?;
        let outputs = outputs_of(tg)?;
        self.write_delay(cx, &outputs.arn).await?;
        Ok(outputs)
    }

    async fn read(&self, out: &TargetGroupOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(tg) = target_group_by_arn(cx, &out.arn).await? else { return Ok(None) };
        let mut seen = self.clone();
        let live_name = tg.target_group_name().ok_or_else(|| missing("target group name"))?;
        seen.name = base_name(live_name).to_string();
        seen.port = tg.port().ok_or_else(|| missing("target group port"))?;
        seen.protocol = tg.protocol().and_then(Protocol::from_sdk).ok_or_else(|| missing("a modeled protocol"))?;
        seen.vpc_id = Input::Value(tg.vpc_id().ok_or_else(|| missing("target group VPC"))?.to_string());
        seen.target_type =
            tg.target_type().and_then(TargetType::from_sdk).ok_or_else(|| missing("a modeled target type"))?;
        seen.health_check = HealthCheck {
            path: tg.health_check_path().unwrap_or_default().to_string(),
            interval_secs: tg.health_check_interval_seconds().unwrap_or_default(),
            timeout_secs: tg.health_check_timeout_seconds().unwrap_or_default(),
            healthy_threshold: tg.healthy_threshold_count().unwrap_or_default(),
            unhealthy_threshold: tg.unhealthy_threshold_count().unwrap_or_default(),
            matcher: tg.matcher().and_then(|m| m.http_code()).unwrap_or_default().to_string(),
        };
        seen.deregistration_delay_secs = deregistration_delay(cx, &out.arn).await?;
        seen.tags = tags::read::<Elb>(cx, &out.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: outputs_of(&tg)? }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &TargetGroupOutputs,
        cx: &AwsContext,
    ) -> Result<TargetGroupOutputs, ProviderError> {
        if self.health_check != old.health_check {
            let hc = &self.health_check;
            let call = cx
                .elbv2()
                .modify_target_group()
                .target_group_arn(&out.arn)
                .health_check_path(&hc.path)
                .health_check_interval_seconds(hc.interval_secs)
                .health_check_timeout_seconds(hc.timeout_secs)
                .healthy_threshold_count(hc.healthy_threshold)
                .unhealthy_threshold_count(hc.unhealthy_threshold)
                .matcher(Matcher::builder().http_code(&hc.matcher).build());
            call.send().await.map_err(|e| classify("ModifyTargetGroup", e))?;
        }
        if self.deregistration_delay_secs != old.deregistration_delay_secs {
            self.write_delay(cx, &out.arn).await?;
        }
        tags::sync::<Elb>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &TargetGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.elbv2().delete_target_group().target_group_arn(&out.arn).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteTargetGroup", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<TargetGroupOutputs>, ProviderError> {
        let name = self.aws_name();
        let Some(tg) = target_group_by_name(cx, &name).await? else { return Ok(None) };
        let found = outputs_of(&tg)?;
        let live_tags = tags::read::<Elb>(cx, &found.arn).await?;
        adopt(&format!("target group {name} ({})", found.arn), &live_tags, meta, found)
    }

    async fn health(batch: Vec<(Self, TargetGroupOutputs)>, cx: &AwsContext) -> Vec<engine::health::Check> {
        super::health::target_groups(batch, cx).await
    }
}

impl TargetGroup {
    /// The AWS name: `name`, `-`, and the first 6 hex characters of a SHA-256 of port,
    /// protocol, VPC and target type (the inputs that force a replacement besides the name).
    pub fn aws_name(&self) -> String {
        let identity = format!("{}|{}|{}|{}", self.port, self.protocol, self.vpc_id.as_str(), self.target_type);
        let digest = hex::encode(Sha256::digest(identity.as_bytes()));
        format!("{}-{}", self.name, &digest[..SUFFIX_LEN - 1])
    }

    async fn write_delay(&self, cx: &AwsContext, arn: &str) -> Result<(), ProviderError> {
        let attr = TargetGroupAttribute::builder()
            .key(DEREGISTRATION_DELAY)
            .value(self.deregistration_delay_secs.to_string())
            .build();
        let call = cx.elbv2().modify_target_group_attributes().target_group_arn(arn).attributes(attr);
        call.send().await.map_err(|e| classify("ModifyTargetGroupAttributes", e))?;
        Ok(())
    }
}

impl HealthCheck {
    /// Problems against ELB's limits, naming the field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let f = "health_check";
        if !self.path.starts_with('/') || self.path.len() > 1024 {
            problems.push(format!("{f}.path `{}` must start with `/` and be at most 1024 characters", self.path));
        }
        if !(5..=300).contains(&self.interval_secs) {
            problems.push(format!("{f}.interval_secs {} must be 5 to 300", self.interval_secs));
        }
        if !(2..=120).contains(&self.timeout_secs) {
            problems.push(format!("{f}.timeout_secs {} must be 2 to 120", self.timeout_secs));
        }
        if self.timeout_secs >= self.interval_secs {
            problems.push(format!(
                "{f}.timeout_secs {} must be less than interval_secs {}",
                self.timeout_secs, self.interval_secs
            ));
        }
        for (name, v) in
            [("healthy_threshold", self.healthy_threshold), ("unhealthy_threshold", self.unhealthy_threshold)]
        {
            if !(2..=10).contains(&v) {
                problems.push(format!("{f}.{name} {v} must be 2 to 10"));
            }
        }
        if !matcher_is_valid(&self.matcher) {
            problems.push(format!(
                "{f}.matcher `{}` must be HTTP codes 200 to 499: \"200\", \"200,202\" or \"200-299\"",
                self.matcher
            ));
        }
        problems
    }
}

/// `200`, `200,202` or `200-299`, every code 200 to 499.
fn matcher_is_valid(matcher: &str) -> bool {
    let code = |s: &str| s.len() == 3 && s.parse::<u16>().is_ok_and(|c| (200..=499).contains(&c));
    match matcher.split_once('-') {
        Some((lo, hi)) => code(lo) && code(hi) && lo < hi,
        None => !matcher.is_empty() && matcher.split(',').all(code),
    }
}

/// The program's name in an AWS name (the suffix cut off).
fn base_name(aws_name: &str) -> &str {
    aws_name.len().checked_sub(SUFFIX_LEN).and_then(|n| aws_name.get(..n)).unwrap_or(aws_name)
}

fn outputs_of(tg: &SdkTargetGroup) -> Result<TargetGroupOutputs, ProviderError> {
    let arn = tg.target_group_arn().ok_or_else(|| missing("target group ARN"))?.to_string();
    Ok(TargetGroupOutputs {
        arn_suffix: arn_suffix(&arn, "")?,
        name: tg.target_group_name().ok_or_else(|| missing("target group name"))?.to_string(),
        arn,
    })
}

async fn deregistration_delay(cx: &AwsContext, arn: &str) -> Result<i32, ProviderError> {
    let out = cx.elbv2().describe_target_group_attributes().target_group_arn(arn).send().await;
    let out = out.map_err(|e| classify("DescribeTargetGroupAttributes", e))?;
    let value = out.attributes().iter().find(|a| a.key() == Some(DEREGISTRATION_DELAY)).and_then(|a| a.value());
    let value = value.ok_or_else(|| missing(DEREGISTRATION_DELAY))?;
    value.parse().map_err(|_| missing(&format!("a numeric {DEREGISTRATION_DELAY} (got `{value}`)")))
}

crate::kit::kind!(TargetGroup);

#[cfg(test)]
mod tests {
    use super::*;

    fn tg() -> TargetGroup {
        TargetGroup { name: "api".into(), port: 8080, vpc_id: "vpc-1".into(), ..Default::default() }
    }

    #[test]
    fn the_aws_name_changes_exactly_with_the_replacing_inputs() {
        let name = tg().aws_name();
        assert!(name.starts_with("api-") && name.len() == 3 + SUFFIX_LEN, "{name}");
        assert_eq!(base_name(&name), "api");
        assert_eq!(tg().aws_name(), name, "deterministic");
        assert_ne!(TargetGroup { port: 8081, ..tg() }.aws_name(), name);
        assert_ne!(TargetGroup { protocol: Protocol::Https, ..tg() }.aws_name(), name);
        assert_ne!(TargetGroup { vpc_id: "vpc-2".into(), ..tg() }.aws_name(), name);
        assert_ne!(TargetGroup { target_type: TargetType::Instance, ..tg() }.aws_name(), name);
        assert_eq!(TargetGroup { deregistration_delay_secs: 5, ..tg() }.aws_name(), name);
        let longest = TargetGroup { name: "a".repeat(25), ..tg() };
        assert!(longest.validate().is_empty() && longest.aws_name().len() == 32);
        let too_long = TargetGroup { name: "a".repeat(26), ..tg() };
        assert!(too_long.validate()[0].contains("1 to 25"), "{:?}", too_long.validate());
    }

    #[test]
    fn health_check_limits_name_the_field() {
        assert!(tg().validate().is_empty(), "{:?}", tg().validate());
        let bad = HealthCheck {
            path: "health".into(),
            interval_secs: 5,
            timeout_secs: 5,
            healthy_threshold: 1,
            unhealthy_threshold: 11,
            matcher: "200-".into(),
        };
        let problems = bad.problems();
        for needle in [
            "health_check.path `health`",
            "timeout_secs 5 must be less than interval_secs 5",
            "healthy_threshold 1",
            "unhealthy_threshold 11",
            "matcher `200-`",
        ] {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:?}");
        }
    }

    #[test]
    fn matchers() {
        for ok in ["200", "200,202", "200-299", "404"] {
            assert!(matcher_is_valid(ok), "{ok}");
        }
        for bad in ["", "2000", "100", "500", "299-200", "200,", "ok"] {
            assert!(!matcher_is_valid(bad), "{bad}");
        }
    }
}
