//! The health of ECS services (`plinth health`): one DescribeServices per cluster and batch of
//! at most 10 services (the API's limit), all concurrently.
//!
//! * **unhealthy**: the service is missing, DRAINING or INACTIVE; its PRIMARY deployment's
//!   rollout FAILED; or it wants tasks and none runs.
//! * **degraded**: fewer tasks run than desired, or the PRIMARY deployment is still rolling out.
//! * **healthy**: every desired task runs (or it is scaled to 0) and the rollout COMPLETED.
//!
//! Details: desired / running / pending counts, each deployment's state and rollout, and the
//! last [`EVENTS`] service events. A failed call makes every service of its batch `unknown`.
//!
//! Emulator (moto 5.2.5 with `scripts/moto_patches/ecs_services.py`): deployments complete at
//! the next DescribeServices, so services read healthy (desired = running, COMPLETED).

use super::service::{Service, ServiceOutputs};
use crate::error::classify;
use crate::AwsContext;
use aws_sdk_ecs::types::{Deployment, Service as Live};
use engine::health::Check;
use futures::future::join_all;
use std::collections::BTreeMap;

/// How many of the newest service events the details show.
pub const EVENTS: usize = 3;
/// DescribeServices' limit of services per call.
const BATCH: usize = 10;

/// One check per member, in order.
pub async fn check(batch: Vec<(Service, ServiceOutputs)>, cx: &AwsContext) -> Vec<Check> {
    let mut by_cluster: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for (i, (_, out)) in batch.iter().enumerate() {
        by_cluster.entry(out.cluster_arn.clone()).or_default().push((i, out.arn.clone()));
    }
    let calls = by_cluster.into_iter().flat_map(|(cluster, members)| {
        members.chunks(BATCH).map(|chunk| describe(cx, cluster.clone(), chunk.to_vec())).collect::<Vec<_>>()
    });
    let mut checks: Vec<Option<Check>> = vec![None; batch.len()];
    for (i, check) in join_all(calls).await.into_iter().flatten() {
        checks[i] = Some(check);
    }
    checks.into_iter().map(|c| c.unwrap_or_else(|| Check::unknown("DescribeServices reported nothing"))).collect()
}

async fn describe(cx: &AwsContext, cluster: String, members: Vec<(usize, String)>) -> Vec<(usize, Check)> {
    let arns: Vec<String> = members.iter().map(|(_, arn)| arn.clone()).collect();
    let answer = cx.ecs().describe_services().cluster(&cluster).set_services(Some(arns)).send().await;
    let out = match answer {
        Ok(out) => out,
        Err(e) => {
            let reason = format!("could not describe: {}", classify("DescribeServices", e));
            return members.into_iter().map(|(i, _)| (i, Check::unknown(reason.clone()))).collect();
        }
    };
    members
        .into_iter()
        .map(|(i, arn)| {
            let live = out.services().iter().find(|s| s.service_arn() == Some(arn.as_str()));
            let check = match live {
                Some(live) => classify_service(live),
                None => {
                    let failure = out.failures().iter().find(|f| f.arn() == Some(arn.as_str()));
                    let why = failure.and_then(|f| f.reason()).unwrap_or("not returned");
                    Check::unhealthy(format!("service not found ({why})"))
                }
            };
            (i, check)
        })
        .collect()
}

fn primary(live: &Live) -> Option<&Deployment> {
    live.deployments().iter().find(|d| d.status() == Some("PRIMARY"))
}

/// The service's status from its counts and its PRIMARY deployment. Pure.
pub fn classify_service(live: &Live) -> Check {
    let (desired, running, pending) = (live.desired_count(), live.running_count(), live.pending_count());
    let counts = format!("{running}/{desired} tasks running, {pending} pending");
    let rollout = primary(live).and_then(|d| d.rollout_state()).map(|r| r.as_str().to_string());
    let rollout_reason = primary(live).and_then(|d| d.rollout_state_reason()).unwrap_or_default();
    let status = live.status().unwrap_or("UNKNOWN");
    let check = if status != "ACTIVE" {
        Check::unhealthy(format!("service is {status}"))
    } else if rollout.as_deref() == Some("FAILED") {
        Check::unhealthy(format!("the deployment failed: {rollout_reason}"))
    } else if desired > 0 && running == 0 {
        Check::unhealthy(format!("no task running: {counts}"))
    } else if running < desired {
        Check::degraded(format!("fewer tasks than desired: {counts}"))
    } else if rollout.as_deref() == Some("IN_PROGRESS") {
        Check::degraded(format!("a deployment is rolling out: {counts}"))
    } else if desired == 0 {
        Check::healthy("scaled to 0 tasks")
    } else {
        Check::healthy(counts.clone())
    };
    check.with_details(details(live, &counts))
}

fn details(live: &Live, counts: &str) -> Vec<String> {
    let mut lines = vec![counts.to_string()];
    for d in live.deployments() {
        let rollout = d.rollout_state().map(|r| r.as_str()).unwrap_or("-");
        let reason = d.rollout_state_reason().map(|r| format!(" ({r})")).unwrap_or_default();
        lines.push(format!(
            "deployment {} {}: rollout {rollout}{reason}, {}/{} running, {} failed tasks",
            d.id().unwrap_or("?"),
            d.status().unwrap_or("?"),
            d.running_count(),
            d.desired_count(),
            d.failed_tasks()
        ));
    }
    let mut events: Vec<_> = live.events().iter().collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.created_at().map(|t| t.secs())));
    for e in events.into_iter().take(EVENTS) {
        lines.push(format!("event: {}", e.message().unwrap_or_default()));
    }
    lines
}
