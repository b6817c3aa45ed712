//! Elastic Load Balancing v2 kinds: application load balancers, target groups, listeners and
//! listener rules, and what they share: the finders (by ARN, by unique name, by parent and port
//! or priority), the protocol enum, the action enum of listeners and rules ([`actions`]), the tag
//! API ([`tags`]), the load balancer waiters ([`wait`]) and the service's error codes.
//!
//! Every object is tagged at creation (the create calls take `Tags`) and found by what is unique
//! about it, then adopted only when its live tags prove ownership ([`crate::kit::adopt`]).
//!
//! # Assumptions
//! * ARNs have the documented shape `arn:<partition>:elasticloadbalancing:<region>:<account>:<resource>`,
//!   `<resource>` being `loadbalancer/app/<name>/<id>`, `targetgroup/<name>/<id>`, ...

pub mod actions;
pub mod headers;
pub mod tags;
pub mod wait;

mod health;
mod listener;
mod listener_rule;
mod load_balancer;
mod target_group;

pub use actions::{Action, ContentType};
pub use headers::{Cors, ResponseHeaders};
pub use listener::{Listener, ListenerOutputs, DEFAULT_SSL_POLICY};
pub use listener_rule::{ListenerRule, ListenerRuleOutputs};
pub use load_balancer::{AccessLogs, IpAddressType, LoadBalancer, LoadBalancerOutputs, Scheme};
pub use target_group::{HealthCheck, TargetGroup, TargetGroupOutputs, TargetType};

pub use aws_sdk_elasticloadbalancingv2 as sdk;

use crate::error::absent_if;
use crate::AwsContext;
use engine::{ErrorClass, ProviderError};
use sdk::operation::describe_listeners::DescribeListenersError;
use sdk::operation::describe_load_balancers::DescribeLoadBalancersError;
use sdk::operation::describe_rules::DescribeRulesError;
use sdk::operation::describe_target_groups::DescribeTargetGroupsError;
use sdk::types::{Listener as SdkListener, LoadBalancer as SdkLoadBalancer, Rule, TargetGroup as SdkTargetGroup};

crate::service_client!(elbv2, aws_sdk_elasticloadbalancingv2);

// `LoadBalancerNotFound`, `TargetGroupNotFound`, `ListenerNotFound`, `RuleNotFound` and
// `CertificateNotFound` are NotFound by the shared convention; `Invalid*` codes are Invalid.
crate::error_codes!(
    "elbv2",
    AlreadyExists: ["DuplicateLoadBalancerName", "DuplicateTargetGroupName", "DuplicateListener"],
    Conflict: ["ResourceInUse", "PriorityInUse", "OperationNotPermitted", "UnsupportedCertificate"],
    Invalid: [
        "TooManyLoadBalancers",
        "TooManyTargetGroups",
        "TooManyListeners",
        "TooManyRules",
        "TooManyTags",
        "TooManyActions",
        "TooManyCertificates",
        "DuplicateTagKeys",
        "IncompatibleProtocols",
        "UnsupportedProtocol",
        "TargetGroupAssociationLimit",
        "AvailabilityZoneNotSupported",
    ],
);

crate::kit::enums::aws_enum! {
    /// The protocol of an application load balancer's listener or target group.
    pub enum Protocol: sdk::types::ProtocolEnum { Http = "HTTP", Https = "HTTPS" }
}

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the ELBv2 response has no {what}"))
}

/// The part of `arn` after `marker` (`loadbalancer/` → `app/<name>/<id>`), as CloudWatch
/// dimensions want it; the part after the ARN's last `:` with `marker` empty.
pub fn arn_suffix(arn: &str, marker: &str) -> Result<String, ProviderError> {
    let resource = arn.splitn(6, ':').nth(5).ok_or_else(|| missing(&format!("resource part in ARN `{arn}`")))?;
    if marker.is_empty() {
        return Ok(resource.to_string());
    }
    resource.strip_prefix(marker).map(str::to_string).ok_or_else(|| missing(&format!("`{marker}` in ARN `{arn}`")))
}

/// The load balancer with this ARN, or `None` when it is gone.
pub async fn load_balancer_by_arn(cx: &AwsContext, arn: &str) -> Result<Option<SdkLoadBalancer>, ProviderError> {
    let out = cx.elbv2().describe_load_balancers().load_balancer_arns(arn).send().await;
    let found =
        absent_if("DescribeLoadBalancers", out, DescribeLoadBalancersError::is_load_balancer_not_found_exception)?;
    Ok(found.and_then(|o| o.load_balancers().first().cloned()))
}

/// The load balancer called `name` (unique per region), or `None`.
pub async fn load_balancer_by_name(cx: &AwsContext, name: &str) -> Result<Option<SdkLoadBalancer>, ProviderError> {
    let out = cx.elbv2().describe_load_balancers().names(name).send().await;
    let found =
        absent_if("DescribeLoadBalancers", out, DescribeLoadBalancersError::is_load_balancer_not_found_exception)?;
    Ok(found.and_then(|o| o.load_balancers().iter().find(|lb| lb.load_balancer_name() == Some(name)).cloned()))
}

/// The target group with this ARN, or `None` when it is gone.
pub async fn target_group_by_arn(cx: &AwsContext, arn: &str) -> Result<Option<SdkTargetGroup>, ProviderError> {
    let out = cx.elbv2().describe_target_groups().target_group_arns(arn).send().await;
    let found = absent_if("DescribeTargetGroups", out, DescribeTargetGroupsError::is_target_group_not_found_exception)?;
    Ok(found.and_then(|o| o.target_groups().first().cloned()))
}

/// The target group called `name` (unique per region), or `None`.
pub async fn target_group_by_name(cx: &AwsContext, name: &str) -> Result<Option<SdkTargetGroup>, ProviderError> {
    let out = cx.elbv2().describe_target_groups().names(name).send().await;
    let found = absent_if("DescribeTargetGroups", out, DescribeTargetGroupsError::is_target_group_not_found_exception)?;
    Ok(found.and_then(|o| o.target_groups().iter().find(|tg| tg.target_group_name() == Some(name)).cloned()))
}

/// The listener with this ARN, or `None` when it (or its load balancer) is gone.
pub async fn listener_by_arn(cx: &AwsContext, arn: &str) -> Result<Option<SdkListener>, ProviderError> {
    let out = cx.elbv2().describe_listeners().listener_arns(arn).send().await;
    let found = absent_if("DescribeListeners", out, DescribeListenersError::is_listener_not_found_exception)?;
    Ok(found.and_then(|o| o.listeners().first().cloned()))
}

/// The listener of load balancer `lb_arn` on `port` (unique per load balancer), or `None`
/// (also when the load balancer is gone).
pub async fn listener_on_port(cx: &AwsContext, lb_arn: &str, port: i32) -> Result<Option<SdkListener>, ProviderError> {
    let mut marker: Option<String> = None;
    loop {
        let call = cx.elbv2().describe_listeners().load_balancer_arn(lb_arn).set_marker(marker.clone());
        let absent = |e: &DescribeListenersError| {
            e.is_load_balancer_not_found_exception() || e.is_listener_not_found_exception()
        };
        let Some(out) = absent_if("DescribeListeners", call.send().await, absent)? else { return Ok(None) };
        if let Some(found) = out.listeners().iter().find(|l| l.port() == Some(port)) {
            return Ok(Some(found.clone()));
        }
        match out.next_marker() {
            Some(next) if !next.is_empty() && !out.listeners().is_empty() => marker = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// The rule with this ARN, or `None` when it (or its listener) is gone.
pub async fn rule_by_arn(cx: &AwsContext, arn: &str) -> Result<Option<Rule>, ProviderError> {
    let out = cx.elbv2().describe_rules().rule_arns(arn).send().await;
    let absent = |e: &DescribeRulesError| e.is_rule_not_found_exception() || e.is_listener_not_found_exception();
    let found = absent_if("DescribeRules", out, absent)?;
    Ok(found.and_then(|o| o.rules().first().cloned()))
}

/// The rule of listener `listener_arn` with `priority` (unique per listener), or `None` (also
/// when the listener is gone).
pub async fn rule_with_priority(
    cx: &AwsContext,
    listener_arn: &str,
    priority: i32,
) -> Result<Option<Rule>, ProviderError> {
    let mut marker: Option<String> = None;
    let wanted = priority.to_string();
    loop {
        let call = cx.elbv2().describe_rules().listener_arn(listener_arn).set_marker(marker.clone());
        let absent = |e: &DescribeRulesError| e.is_listener_not_found_exception();
        let Some(out) = absent_if("DescribeRules", call.send().await, absent)? else { return Ok(None) };
        if let Some(found) = out.rules().iter().find(|r| r.priority() == Some(wanted.as_str())) {
            return Ok(Some(found.clone()));
        }
        match out.next_marker() {
            Some(next) if !next.is_empty() && !out.rules().is_empty() => marker = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// Problems with a load balancer or target group name: 1 to `max` letters, digits or `-`, not
/// starting or ending with `-`.
pub fn name_problems(field: &str, name: &str, max: usize) -> Vec<String> {
    let mut problems = Vec::new();
    if name.is_empty() || name.len() > max {
        problems.push(format!("{field} `{name}` must be 1 to {max} characters long"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        problems.push(format!("{field} `{name}` may contain only letters, digits and `-`"));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        problems.push(format!("{field} `{name}` must not start or end with `-` or contain `--`"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_suffixes_are_the_cloudwatch_dimensions() {
        let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
        assert_eq!(arn_suffix(lb, "loadbalancer/").expect("suffix"), "app/web/50dc6c495c0c9188");
        let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-1a2b3c/73e2d6bc24d8a067";
        assert_eq!(arn_suffix(tg, "").expect("suffix"), "targetgroup/api-1a2b3c/73e2d6bc24d8a067");
        assert!(arn_suffix("not-an-arn", "loadbalancer/").is_err());
        assert!(arn_suffix(tg, "loadbalancer/").is_err());
    }

    #[test]
    fn names_follow_elb_rules() {
        assert!(name_problems("name", "web-prod", 32).is_empty());
        assert_eq!(name_problems("name", "", 32).len(), 1);
        assert!(name_problems("name", "-web", 32)[0].contains("must not start or end"));
        assert!(name_problems("name", "web_1", 32)[0].contains("only letters"));
        assert!(name_problems("name", &"a".repeat(33), 32)[0].contains("1 to 32"));
    }
}
