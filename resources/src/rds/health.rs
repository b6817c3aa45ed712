//! The health of DB instances (`plinth health`): one DescribeDBInstances for the whole batch
//! (filter `db-instance-id`) and one DescribePendingMaintenanceActions (same filter), both at
//! once.
//!
//! * **healthy**: `available`.
//! * **degraded**: passing states that still serve or will soon (`backing-up`, `modifying`,
//!   `maintenance`, `upgrading`, `rebooting`, `starting`, `configuring-*`, `storage-optimization`,
//!   `renaming`, `resetting-master-credentials`, `creating`, ...).
//! * **unhealthy**: `stopped`, `stopping`, `failed`, `storage-full`, `incompatible-*`,
//!   `inaccessible-encryption-credentials*`, `restore-error`, `deleting`, or missing.
//!
//! Pending modifications and pending maintenance are details (and named in the reason); they do
//! not change the status by themselves. A failed maintenance lookup is a detail, not a failure
//! of the check.
//!
//! Emulator: moto 5.2.5 lacks DescribePendingMaintenanceActions; `scripts/moto_patches/rds.py`
//! adds it with AWS's answer for instances nothing is scheduled on (an empty list, filters
//! checked). Instances read `available` at once.

use super::db_instance::{DbInstance, DbInstanceOutputs};
use crate::error::classify;
use crate::AwsContext;
use aws_sdk_rds::types::{DbInstance as Live, Filter, PendingModifiedValues, ResourcePendingMaintenanceActions};
use engine::health::Check;

/// One check per member, in order.
pub async fn check(batch: Vec<(DbInstance, DbInstanceOutputs)>, cx: &AwsContext) -> Vec<Check> {
    let ids: Vec<String> = batch.iter().map(|(_, out)| out.identifier.clone()).collect();
    let filter = || Filter::builder().name("db-instance-id").set_values(Some(ids.clone())).build();
    let instances = async {
        let pages = cx.rds().describe_db_instances().filters(filter()).into_paginator().items().send();
        pages.collect::<Result<Vec<Live>, _>>().await.map_err(|e| classify("DescribeDBInstances", e))
    };
    let maintenance = async {
        let call = cx.rds().describe_pending_maintenance_actions().filters(filter()).send().await;
        call.map(|o| o.pending_maintenance_actions().to_vec()).map_err(|e| classify("DescribePendingMaintenanceActions", e))
    };
    let (instances, maintenance) = futures::join!(instances, maintenance);
    let instances = match instances {
        Ok(all) => all,
        Err(e) => return ids.iter().map(|_| Check::unknown(format!("could not describe: {e}"))).collect(),
    };
    batch
        .iter()
        .map(|(_, out)| {
            let Some(live) = instances.iter().find(|i| i.db_instance_identifier() == Some(out.identifier.as_str()))
            else {
                return Check::unhealthy("DB instance not found");
            };
            let pending = match &maintenance {
                Ok(actions) => Ok(pending_maintenance(actions, &out.arn)),
                Err(e) => Err(e.to_string()),
            };
            classify_instance(live, pending)
        })
        .collect()
}

fn pending_maintenance(actions: &[ResourcePendingMaintenanceActions], arn: &str) -> Vec<String> {
    actions
        .iter()
        .filter(|a| a.resource_identifier() == Some(arn))
        .flat_map(|a| a.pending_maintenance_action_details())
        .map(|d| {
            let when = d.current_apply_date().or(d.auto_applied_after_date()).map(|t| format!(" (applies {t})"));
            let what = d.description().map(|s| format!(": {s}")).unwrap_or_default();
            format!("pending maintenance {}{what}{}", d.action().unwrap_or("?"), when.unwrap_or_default())
        })
        .collect()
}

/// The instance's status from its state, with pending modifications and maintenance
/// (`Err`: the lookup failed) as details. Pure.
pub fn classify_instance(live: &Live, maintenance: Result<Vec<String>, String>) -> Check {
    let status = live.db_instance_status().unwrap_or("unknown");
    let mut details = modifications(live.pending_modified_values());
    let mut notes = Vec::new();
    if !details.is_empty() {
        notes.push(format!("{} pending modifications", details.len()));
    }
    match maintenance {
        Ok(actions) => {
            if !actions.is_empty() {
                notes.push(format!("{} pending maintenance actions", actions.len()));
            }
            details.extend(actions);
        }
        Err(e) => details.push(format!("pending maintenance unknown: {e}")),
    }
    let text = if notes.is_empty() { format!("status {status}") } else { format!("status {status} ({})", notes.join(", ")) };
    let check = match status {
        "available" => Check::healthy(text),
        "stopped" | "stopping" | "failed" | "storage-full" | "restore-error" | "deleting" => Check::unhealthy(text),
        s if s.starts_with("incompatible-") || s.starts_with("inaccessible-encryption-credentials") => {
            Check::unhealthy(text)
        }
        "unknown" => Check::unknown(text),
        _ => Check::degraded(text),
    };
    check.with_details(details)
}

fn modifications(p: Option<&PendingModifiedValues>) -> Vec<String> {
    let Some(p) = p else { return Vec::new() };
    let mut out = Vec::new();
    let mut add = |what: &str, value: Option<String>| {
        if let Some(v) = value {
            out.push(format!("pending modification: {what} → {v}"));
        }
    };
    add("instance class", p.db_instance_class().map(str::to_string));
    add("allocated storage", p.allocated_storage().map(|g| format!("{g} GiB")));
    add("storage type", p.storage_type().map(str::to_string));
    add("iops", p.iops().map(|i| i.to_string()));
    add("engine version", p.engine_version().map(str::to_string));
    add("multi-AZ", p.multi_az().map(|m| m.to_string()));
    add("backup retention", p.backup_retention_period().map(|d| format!("{d} days")));
    add("port", p.port().map(|p| p.to_string()));
    add("subnet group", p.db_subnet_group_name().map(str::to_string));
    add("CA certificate", p.ca_certificate_identifier().map(str::to_string));
    add("master password", p.master_user_password().map(|_| "being changed".to_string()));
    out
}
