//! The health of target groups and load balancers (`plinth health`).
//!
//! **Target groups**: one DescribeTargetHealth per group (the API takes one group), all
//! concurrently. Healthy when every target that is not draining is healthy; degraded when some
//! are unhealthy or still `initial` (registering, health checks not passed yet); unhealthy when
//! none is healthy and some are unhealthy, or when no target is registered (the load balancer
//! answers 503); unknown when health checks are `unavailable` / the group is `unused`. Details:
//! each target that is not healthy, with its state, reason code and description.
//!
//! **Load balancers**: one DescribeLoadBalancers for up to 20 ARNs (the API's limit). `active`
//! is healthy, `provisioning` and `active_impaired` degraded, `failed` or missing unhealthy.
//!
//! Emulator (moto 5.2.5): load balancers are `active` at once; ECS registers no task in a target
//! group (moto runs no tasks), so the platform's target groups read unhealthy "no registered
//! targets" there.

use super::load_balancer::{LoadBalancer, LoadBalancerOutputs};
use super::target_group::{TargetGroup, TargetGroupOutputs};
use crate::error::classify;
use crate::AwsContext;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer as LiveLb, TargetHealthDescription};
use engine::health::Check;
use futures::future::join_all;

/// DescribeLoadBalancers' limit of ARNs per call.
const LB_BATCH: usize = 20;

/// One check per target group, in order.
pub async fn target_groups(batch: Vec<(TargetGroup, TargetGroupOutputs)>, cx: &AwsContext) -> Vec<Check> {
    join_all(batch.iter().map(|(_, out)| target_group(cx, &out.arn))).await
}

async fn target_group(cx: &AwsContext, arn: &str) -> Check {
    match cx.elbv2().describe_target_health().target_group_arn(arn).send().await {
        Ok(out) => classify_targets(out.target_health_descriptions()),
        Err(e) => {
            let e = classify("DescribeTargetHealth", e);
            if e.is_not_found() {
                Check::unhealthy(format!("target group not found: {e}"))
            } else {
                Check::unknown(format!("could not describe target health: {e}"))
            }
        }
    }
}

fn state(t: &TargetHealthDescription) -> &str {
    t.target_health().and_then(|h| h.state()).map(|s| s.as_str()).unwrap_or("unknown")
}

/// The group's status from its targets' states. Pure.
pub fn classify_targets(targets: &[TargetHealthDescription]) -> Check {
    let count = |s: &str| targets.iter().filter(|t| state(t) == s).count();
    let (healthy, unhealthy, initial) = (count("healthy"), count("unhealthy"), count("initial"));
    let serving = targets.len() - count("draining");
    let summary = format!("{healthy} of {serving} targets healthy");
    let check = if targets.is_empty() {
        Check::unhealthy("no registered targets: the load balancer answers 503")
    } else if serving > 0 && healthy == serving {
        Check::healthy(summary)
    } else if healthy == 0 && unhealthy > 0 {
        Check::unhealthy(summary)
    } else if unhealthy > 0 || initial > 0 || healthy > 0 {
        Check::degraded(summary)
    } else {
        Check::unknown(format!("no target reports health: {}", states(targets)))
    };
    check.with_details(targets.iter().filter(|t| state(t) != "healthy").map(describe_target))
}

fn states(targets: &[TargetHealthDescription]) -> String {
    targets.iter().map(state).collect::<Vec<_>>().join(", ")
}

fn describe_target(t: &TargetHealthDescription) -> String {
    let target = t.target().map(|t| format!("{}:{}", t.id().unwrap_or("?"), t.port().unwrap_or_default()));
    let health = t.target_health();
    let reason = health.and_then(|h| h.reason()).map(|r| r.as_str().to_string()).unwrap_or_default();
    let description = health.and_then(|h| h.description()).unwrap_or_default();
    format!("target {} {}: {reason} {description}", target.unwrap_or_default(), state(t)).trim_end().to_string()
}

/// One check per load balancer, in order.
pub async fn load_balancers(batch: Vec<(LoadBalancer, LoadBalancerOutputs)>, cx: &AwsContext) -> Vec<Check> {
    let arns: Vec<String> = batch.iter().map(|(_, out)| out.arn.clone()).collect();
    let calls = arns.chunks(LB_BATCH).map(|chunk| describe_lbs(cx, chunk.to_vec()));
    join_all(calls).await.into_iter().flatten().collect()
}

async fn describe_lbs(cx: &AwsContext, arns: Vec<String>) -> Vec<Check> {
    let answer = cx.elbv2().describe_load_balancers().set_load_balancer_arns(Some(arns.clone())).send().await;
    let live: Vec<LiveLb> = match answer {
        Ok(out) => out.load_balancers().to_vec(),
        Err(e) => {
            let e = classify("DescribeLoadBalancers", e);
            // One missing ARN fails the whole call: ask for each alone to tell which.
            if e.is_not_found() && arns.len() > 1 {
                let each = arns.into_iter().map(|arn| describe_lbs_one(cx, arn));
                return join_all(each).await;
            }
            let check = if e.is_not_found() { Check::unhealthy(format!("load balancer not found: {e}")) } else {
                Check::unknown(format!("could not describe: {e}"))
            };
            return arns.iter().map(|_| check.clone()).collect();
        }
    };
    arns.iter()
        .map(|arn| match live.iter().find(|lb| lb.load_balancer_arn() == Some(arn.as_str())) {
            Some(lb) => classify_load_balancer(lb),
            None => Check::unhealthy("load balancer not found"),
        })
        .collect()
}

async fn describe_lbs_one(cx: &AwsContext, arn: String) -> Check {
    Box::pin(describe_lbs(cx, vec![arn])).await.pop().unwrap_or_else(|| Check::unknown("not described"))
}

/// The load balancer's status from its state code. Pure.
pub fn classify_load_balancer(lb: &LiveLb) -> Check {
    let code = lb.state().and_then(|s| s.code()).map(|c| c.as_str()).unwrap_or("unknown");
    let reason = lb.state().and_then(|s| s.reason()).map(|r| format!(": {r}")).unwrap_or_default();
    let text = format!("state {code}{reason}");
    let check = match code {
        "active" => Check::healthy(text),
        "provisioning" | "active_impaired" => Check::degraded(text),
        "failed" => Check::unhealthy(text),
        _ => Check::unknown(text),
    };
    check.with_details(lb.dns_name().map(|d| format!("dns name: {d}")))
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
