//! The health of replication groups (`plinth health`): one DescribeReplicationGroups per group
//! (the API takes one id, or lists the whole account), all concurrently.
//!
//! * **healthy**: `available` with every node group `available`.
//! * **degraded**: `creating`, `modifying`, `snapshotting`, or a node group not `available`.
//! * **unhealthy**: `create-failed`, `deleting`, or missing.
//!
//! Pending modifications are details (and named in the reason); they do not change the status by
//! themselves. Service updates (DescribeUpdateActions) are not read.
//!
//! Emulator (moto 5.2.5): groups read `available` at once, with no node groups' status.

use super::replication_group::{ReplicationGroup, ReplicationGroupOutputs};
use crate::error::classify;
use crate::AwsContext;
use aws_sdk_elasticache::types::{ReplicationGroup as Live, ReplicationGroupPendingModifiedValues};
use engine::health::Check;
use futures::future::join_all;

/// One check per member, in order.
pub async fn check(batch: Vec<(ReplicationGroup, ReplicationGroupOutputs)>, cx: &AwsContext) -> Vec<Check> {
    join_all(batch.iter().map(|(_, out)| one(cx, &out.id))).await
}

async fn one(cx: &AwsContext, id: &str) -> Check {
    match cx.elasticache().describe_replication_groups().replication_group_id(id).send().await {
        Ok(out) => match out.replication_groups().iter().find(|g| g.replication_group_id() == Some(id)) {
            Some(live) => classify_group(live),
            None => Check::unhealthy("replication group not found"),
        },
        Err(e) => {
            let e = classify("DescribeReplicationGroups", e);
            if e.is_not_found() {
                Check::unhealthy(format!("replication group not found: {e}"))
            } else {
                Check::unknown(format!("could not describe: {e}"))
            }
        }
    }
}

/// The group's status from its own and its node groups' states. Pure.
pub fn classify_group(live: &Live) -> Check {
    let status = live.status().unwrap_or("unknown");
    let mut details = modifications(live.pending_modified_values());
    let troubled: Vec<String> = live
        .node_groups()
        .iter()
        .filter(|n| n.status().is_some_and(|s| s != "available"))
        .map(|n| format!("node group {} is {}", n.node_group_id().unwrap_or("?"), n.status().unwrap_or("?")))
        .collect();
    let text = match details.len() {
        0 => format!("status {status}"),
        n => format!("status {status} ({n} pending modifications)"),
    };
    let check = match status {
        "available" if troubled.is_empty() => Check::healthy(text),
        "available" => Check::degraded(format!("{text}, but {}", troubled.join(", "))),
        "creating" | "modifying" | "snapshotting" => Check::degraded(text),
        "create-failed" | "deleting" => Check::unhealthy(text),
        _ => Check::unknown(text),
    };
    details.extend(troubled);
    details.push(format!("{} member clusters", live.member_clusters().len()));
    check.with_details(details)
}

fn modifications(p: Option<&ReplicationGroupPendingModifiedValues>) -> Vec<String> {
    let Some(p) = p else { return Vec::new() };
    let mut out = Vec::new();
    let mut add = |what: &str, value: Option<String>| {
        if let Some(v) = value {
            out.push(format!("pending modification: {what} → {v}"));
        }
    };
    add("primary cluster", p.primary_cluster_id().map(str::to_string));
    add("automatic failover", p.automatic_failover_status().map(|s| s.as_str().to_string()));
    add("auth token", p.auth_token_status().map(|s| s.as_str().to_string()));
    add("transit encryption", p.transit_encryption_enabled().map(|b| b.to_string()));
    add("cluster mode", p.cluster_mode().map(|m| m.as_str().to_string()));
    add("resharding", p.resharding().map(|_| "in progress".to_string()));
    out
}
