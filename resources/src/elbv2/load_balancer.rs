//! `aws:elbv2:LoadBalancer`: an application load balancer in the program's subnets, with its
//! security groups, deletion protection, access logs, invalid-header dropping and idle timeout.
//!
//! The name is unique per region and the scheme cannot change: both replace, deleting first.
//! Subnets (SetSubnets), security groups (SetSecurityGroups), the IP address type
//! (SetIpAddressType) and the attributes (ModifyLoadBalancerAttributes) change in place. A create
//! waits until the load balancer is `active` ([`LB_CREATE_TIMEOUT`]), a delete until it is gone.
//!
//! # Guarantees
//! * Deletion protection is never turned off behind the program's back: deleting a protected
//!   load balancer fails (Conflict) naming it and `deletion_protection.enabled`; an update that
//!   sets `deletion_protection: false` must be applied first.
//!
//! Emulator gaps (moto 5.2.5): DeleteLoadBalancer ignores deletion protection (AWS answers
//! OperationNotPermitted): `scripts/moto_patches/elbv2.py` adds AWS's refusal. moto does not
//! refuse a second load balancer with the same name.

use super::tags::Elb;
use super::wait::{until_active, until_gone, LB_CREATE_TIMEOUT, LB_DELETE_TIMEOUT};
use super::{arn_suffix, load_balancer_by_arn, load_balancer_by_name, missing, name_problems, sdk};
use crate::error::classify;
use crate::kit::retry::no_retry;
use crate::kit::{adopt, observed_ids};
use crate::tags;
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use sdk::types::{LoadBalancer as SdkLoadBalancer, LoadBalancerAttribute, LoadBalancerTypeEnum};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const DELETION_PROTECTION: &str = "deletion_protection.enabled";
const LOGS_ENABLED: &str = "access_logs.s3.enabled";
const LOGS_BUCKET: &str = "access_logs.s3.bucket";
const LOGS_PREFIX: &str = "access_logs.s3.prefix";
const DROP_INVALID: &str = "routing.http.drop_invalid_header_fields.enabled";
const IDLE_TIMEOUT: &str = "idle_timeout.timeout_seconds";
/// ELB's idle timeout when none was set.
const DEFAULT_IDLE_TIMEOUT: i32 = 60;

crate::kit::enums::aws_enum! {
    /// Whether the load balancer has public addresses.
    pub enum Scheme: sdk::types::LoadBalancerSchemeEnum { InternetFacing = "internet-facing", Internal = "internal" }
}

crate::kit::enums::aws_enum! {
    /// IPv4 only, or IPv4 and IPv6.
    pub enum IpAddressType: sdk::types::IpAddressType { Ipv4 = "ipv4", Dualstack = "dualstack" }
}

/// Where access logs go: an S3 bucket whose policy lets ELB write, under `prefix`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessLogs {
    pub bucket: Input<String>,
    /// Empty for the bucket's root; must not start or end with `/` nor contain `AWSLogs`.
    pub prefix: String,
}

/// An application load balancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadBalancer {
    /// Unique per region: 1 to 32 letters, digits or `-`, not starting with `internal-`.
    pub name: String,
    pub scheme: Scheme,
    /// At least two subnets in different availability zones (a set).
    pub subnets: Vec<Input<String>>,
    /// A set.
    pub security_groups: Vec<Input<String>>,
    pub ip_address_type: IpAddressType,
    /// While true, ELB refuses to delete the load balancer (and so does Plinth).
    pub deletion_protection: bool,
    /// `None`: access logs off.
    pub access_logs: Option<AccessLogs>,
    /// Drop headers whose names are not valid HTTP (default true).
    pub drop_invalid_header_fields: bool,
    /// 1 to 4000 seconds (default 60).
    pub idle_timeout_secs: i32,
    pub tags: Tags,
}

impl Default for LoadBalancer {
    fn default() -> Self {
        Self {
            name: String::new(),
            scheme: Scheme::InternetFacing,
            subnets: Vec::new(),
            security_groups: Vec::new(),
            ip_address_type: IpAddressType::Ipv4,
            deletion_protection: false,
            access_logs: None,
            drop_invalid_header_fields: true,
            idle_timeout_secs: DEFAULT_IDLE_TIMEOUT,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancerOutputs {
    pub arn: String,
    /// The part after `loadbalancer/` (`app/<name>/<id>`): CloudWatch's `LoadBalancer` dimension.
    pub arn_suffix: String,
    pub dns_name: String,
    /// The Route 53 zone of `dns_name`, for alias records.
    pub canonical_hosted_zone_id: String,
    pub name: String,
}

impl Resource for LoadBalancer {
    const KIND: &'static str = "aws:elbv2:LoadBalancer";
    const SERVICE: &'static str = "elbv2";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "scheme"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const HEALTH_CHECKED: bool = true;
    const PRICED: bool = true;
    type Outputs = LoadBalancerOutputs;
    type Context = AwsContext;

    /// ALB hours, assumed LCUs, and a public IPv4 address per subnet when internet-facing.
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let t = crate::prices::table();
        let lcu = t.assumed.alb_lcu;
        let mut items = vec![
            engine::cost::CostItem::new("load balancer", t.hours(), "hours", t.elb.alb_hour),
            engine::cost::CostItem::new(
                "load balancer capacity units",
                lcu * t.hours(),
                "LCU-hours",
                t.elb.alb_lcu_hour,
            ),
        ];
        if self.scheme == Scheme::InternetFacing {
            let ip_hours = t.hours() * self.subnets.len() as f64;
            items.push(engine::cost::CostItem::new(
                "public IPv4 (one per subnet)",
                ip_hours,
                "hours",
                t.ec2.public_ipv4_hour,
            ));
        }
        Ok(crate::prices::estimate(items, vec![format!("{lcu} LCU on average")]))
    }

    fn cloud_id(outputs: &LoadBalancerOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = name_problems("name", &self.name, 32);
        if self.name.starts_with("internal-") {
            problems.push(format!("name `{}` must not start with `internal-`", self.name));
        }
        if self.subnets.len() < 2 {
            problems
                .push(format!("subnets: an application load balancer needs at least 2 (got {})", self.subnets.len()));
        }
        if !(1..=4000).contains(&self.idle_timeout_secs) {
            problems.push(format!("idle_timeout_secs {} must be 1 to 4000", self.idle_timeout_secs));
        }
        if let Some(logs) = &self.access_logs {
            let p = &logs.prefix;
            if p.starts_with('/') || p.ends_with('/') || p.contains("AWSLogs") {
                problems.push(format!("access_logs.prefix `{p}` must not start or end with `/` nor contain `AWSLogs`"));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<LoadBalancerOutputs, ProviderError> {
        let call = cx
            .elbv2()
            .create_load_balancer()
            .name(&self.name)
            .r#type(LoadBalancerTypeEnum::Application)
            .scheme(self.scheme.to_sdk())
            .ip_address_type(self.ip_address_type.to_sdk())
            .set_subnets(Some(values(&self.subnets)))
            .set_security_groups(Some(values(&self.security_groups)))
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_elasticloadbalancingv2)).send().await;
        let out = out.map_err(|e| classify("CreateLoadBalancer", e))?;
        let lb = out.load_balancers().first().ok_or_else(|| missing("CreateLoadBalancer load balancer"))?;
        let outputs = outputs_of(lb)?;
        // The attributes apply while the load balancer provisions (as Terraform writes them before
        // its wait): the write and the wait for `active` go out together.
        futures::try_join!(
            self.write_attributes(cx, &outputs.arn),
            until_active(&self.name, LB_CREATE_TIMEOUT, || state_of(cx, &outputs.arn)),
        )?;
        Ok(outputs)
    }

    async fn read(&self, out: &LoadBalancerOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(lb) = load_balancer_by_arn(cx, &out.arn).await? else { return Ok(None) };
        let attrs = attributes(cx, &out.arn).await?;
        let flag = |k: &str| attrs.get(k).is_some_and(|v| v == "true");
        let mut seen = self.clone();
        seen.name = lb.load_balancer_name().unwrap_or_default().to_string();
        seen.scheme = lb.scheme().and_then(Scheme::from_sdk).ok_or_else(|| missing("load balancer scheme"))?;
        let live_subnets = lb.availability_zones().iter().filter_map(|z| z.subnet_id().map(str::to_string)).collect();
        seen.subnets = observed_ids(&self.subnets, live_subnets);
        seen.security_groups = observed_ids(&self.security_groups, lb.security_groups().to_vec());
        seen.ip_address_type =
            lb.ip_address_type().and_then(IpAddressType::from_sdk).ok_or_else(|| missing("IP address type"))?;
        seen.deletion_protection = flag(DELETION_PROTECTION);
        seen.access_logs = flag(LOGS_ENABLED).then(|| AccessLogs {
            bucket: Input::Value(attrs.get(LOGS_BUCKET).cloned().unwrap_or_default()),
            prefix: attrs.get(LOGS_PREFIX).cloned().unwrap_or_default(),
        });
        seen.drop_invalid_header_fields = flag(DROP_INVALID);
        seen.idle_timeout_secs = match attrs.get(IDLE_TIMEOUT) {
            Some(v) => v.parse().map_err(|_| missing(&format!("a numeric {IDLE_TIMEOUT} (got `{v}`)")))?,
            None => DEFAULT_IDLE_TIMEOUT,
        };
        seen.tags = tags::read::<Elb>(cx, &out.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: outputs_of(&lb)? }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &LoadBalancerOutputs,
        cx: &AwsContext,
    ) -> Result<LoadBalancerOutputs, ProviderError> {
        let arn = &out.arn;
        if !same_set(&self.subnets, &old.subnets) {
            let call = cx.elbv2().set_subnets().load_balancer_arn(arn).set_subnets(Some(values(&self.subnets)));
            call.send().await.map_err(|e| classify("SetSubnets", e))?;
        }
        if !same_set(&self.security_groups, &old.security_groups) {
            let groups = Some(values(&self.security_groups));
            let call = cx.elbv2().set_security_groups().load_balancer_arn(arn).set_security_groups(groups);
            call.send().await.map_err(|e| classify("SetSecurityGroups", e))?;
        }
        if self.ip_address_type != old.ip_address_type {
            let call =
                cx.elbv2().set_ip_address_type().load_balancer_arn(arn).ip_address_type(self.ip_address_type.to_sdk());
            call.send().await.map_err(|e| classify("SetIpAddressType", e))?;
        }
        if self.attribute_values() != old.attribute_values() {
            self.write_attributes(cx, arn).await?;
        }
        tags::sync::<Elb>(cx, arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &LoadBalancerOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.elbv2().delete_load_balancer().load_balancer_arn(&out.arn).send().await;
        if let Err(e) = result {
            let refused = e.as_service_error().is_some_and(|e| e.is_operation_not_permitted_exception());
            let e = classify("DeleteLoadBalancer", e);
            if e.is_not_found() {
                return Ok(());
            }
            return Err(if refused { protected(out, e) } else { e });
        }
        until_gone(&out.name, LB_DELETE_TIMEOUT, || state_of(cx, &out.arn)).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<LoadBalancerOutputs>, ProviderError> {
        let Some(lb) = load_balancer_by_name(cx, &self.name).await? else { return Ok(None) };
        let found = outputs_of(&lb)?;
        let live_tags = tags::read::<Elb>(cx, &found.arn).await?;
        adopt(&format!("load balancer {} ({})", self.name, found.arn), &live_tags, meta, found)
    }

    async fn health(batch: Vec<(Self, LoadBalancerOutputs)>, cx: &AwsContext) -> Vec<engine::health::Check> {
        super::health::load_balancers(batch, cx).await
    }
}

impl LoadBalancer {
    /// The attributes Plinth manages, as ELB spells them.
    fn attribute_values(&self) -> Vec<(&'static str, String)> {
        let logs = self.access_logs.as_ref();
        vec![
            (DELETION_PROTECTION, self.deletion_protection.to_string()),
            (LOGS_ENABLED, logs.is_some().to_string()),
            (LOGS_BUCKET, logs.map(|l| l.bucket.value().clone()).unwrap_or_default()),
            (LOGS_PREFIX, logs.map(|l| l.prefix.clone()).unwrap_or_default()),
            (DROP_INVALID, self.drop_invalid_header_fields.to_string()),
            (IDLE_TIMEOUT, self.idle_timeout_secs.to_string()),
        ]
    }

    async fn write_attributes(&self, cx: &AwsContext, arn: &str) -> Result<(), ProviderError> {
        let attrs =
            self.attribute_values().into_iter().map(|(k, v)| LoadBalancerAttribute::builder().key(k).value(v).build());
        let call =
            cx.elbv2().modify_load_balancer_attributes().load_balancer_arn(arn).set_attributes(Some(attrs.collect()));
        call.send().await.map_err(|e| classify("ModifyLoadBalancerAttributes", e))?;
        Ok(())
    }
}

fn values(ids: &[Input<String>]) -> Vec<String> {
    ids.iter().map(|i| i.value().clone()).collect()
}

/// Whether two id lists hold the same ids (AWS keeps them as a set).
fn same_set(a: &[Input<String>], b: &[Input<String>]) -> bool {
    let set = |ids: &[Input<String>]| values(ids).into_iter().collect::<std::collections::BTreeSet<_>>();
    set(a) == set(b)
}

fn outputs_of(lb: &SdkLoadBalancer) -> Result<LoadBalancerOutputs, ProviderError> {
    let field = |v: Option<&str>, what: &str| v.map(str::to_string).ok_or_else(|| missing(what));
    let arn = field(lb.load_balancer_arn(), "load balancer ARN")?;
    Ok(LoadBalancerOutputs {
        arn_suffix: arn_suffix(&arn, "loadbalancer/")?,
        arn,
        dns_name: field(lb.dns_name(), "load balancer DNS name")?,
        canonical_hosted_zone_id: field(lb.canonical_hosted_zone_id(), "canonical hosted zone id")?,
        name: field(lb.load_balancer_name(), "load balancer name")?,
    })
}

/// The live attributes by key.
async fn attributes(cx: &AwsContext, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    let out = cx.elbv2().describe_load_balancer_attributes().load_balancer_arn(arn).send().await;
    let out = out.map_err(|e| classify("DescribeLoadBalancerAttributes", e))?;
    Ok(out.attributes().iter().filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string()))).collect())
}

/// The load balancer's state code, `None` when it is gone.
async fn state_of(cx: &AwsContext, arn: &str) -> Result<Option<String>, ProviderError> {
    let lb = load_balancer_by_arn(cx, arn).await?;
    Ok(lb.map(|lb| lb.state().and_then(|s| s.code()).map_or("unknown", |c| c.as_str()).to_string()))
}

fn protected(out: &LoadBalancerOutputs, cause: ProviderError) -> ProviderError {
    let message = format!(
        "load balancer {} ({}) has deletion protection on ({DELETION_PROTECTION} = true): Plinth does not turn it \
         off; set deletion_protection: false and apply before deleting it ({})",
        out.name, out.arn, cause.message
    );
    ProviderError { class: ErrorClass::Conflict, message, source: cause.source }
}

crate::kit::kind!(LoadBalancer, unordered: ["subnets", "security_groups"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn lb() -> LoadBalancer {
        LoadBalancer { name: "web".into(), subnets: vec!["subnet-a".into(), "subnet-b".into()], ..Default::default() }
    }

    #[test]
    fn defaults_are_secure_and_valid() {
        let lb = lb();
        assert!(lb.validate().is_empty(), "{:?}", lb.validate());
        assert!(lb.drop_invalid_header_fields);
        assert_eq!(lb.idle_timeout_secs, 60);
        let json = serde_json::to_value(&lb).expect("json");
        assert_eq!(
            (&json["scheme"], &json["ip_address_type"]),
            (&serde_json::json!("internet-facing"), &serde_json::json!("ipv4"))
        );
    }

    #[test]
    fn problems_name_the_field() {
        let bad = LoadBalancer {
            name: "internal-web".into(),
            subnets: vec!["subnet-a".into()],
            idle_timeout_secs: 0,
            access_logs: Some(AccessLogs { bucket: "logs".into(), prefix: "/alb".into() }),
            ..lb()
        };
        let problems = bad.validate();
        for needle in ["name `internal-web`", "subnets:", "idle_timeout_secs 0", "access_logs.prefix `/alb`"] {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:?}");
        }
    }

    #[test]
    fn attributes_cover_logs_off_and_on() {
        let off = lb().attribute_values();
        assert!(off.contains(&(LOGS_ENABLED, "false".into())) && off.contains(&(LOGS_BUCKET, String::new())));
        let on = LoadBalancer { access_logs: Some(AccessLogs { bucket: "logs".into(), prefix: "alb".into() }), ..lb() };
        let on = on.attribute_values();
        assert!(on.contains(&(LOGS_ENABLED, "true".into())) && on.contains(&(LOGS_PREFIX, "alb".into())));
    }

    #[test]
    fn a_protected_delete_names_the_load_balancer_and_the_attribute() {
        let out = LoadBalancerOutputs {
            arn: "arn:lb".into(),
            arn_suffix: "app/web/1".into(),
            dns_name: "d".into(),
            canonical_hosted_zone_id: "Z".into(),
            name: "web".into(),
        };
        let err =
            protected(&out, ProviderError::new(ErrorClass::Conflict, "DeleteLoadBalancer: OperationNotPermitted"));
        assert_eq!(err.class, ErrorClass::Conflict);
        assert!(err.message.contains("load balancer web (arn:lb)") && err.message.contains(DELETION_PROTECTION));
    }
}
