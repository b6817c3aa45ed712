//! What production needs beyond the other environments: deletion protection and multi-AZ.

use super::must_be_true;
use crate::elasticache::ReplicationGroup;
use crate::elbv2::LoadBalancer;
use crate::rds::DbInstance;
use engine::policy::Severity;
use engine::{PlannedResource, PolicyRule, Resource};

/// Stack names that are production.
pub const PRODUCTION: &[&str] = &["prod", "production"];

fn production(r: &PlannedResource<'_>) -> bool {
    PRODUCTION.contains(&r.environment)
}

/// In production, databases and load balancers cannot be deleted by a single call.
pub struct ProdDeletionProtection;

impl PolicyRule for ProdDeletionProtection {
    fn id(&self) -> &'static str {
        "prod-deletion-protection"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        if !production(r) || !matches!(r.kind, DbInstance::KIND | LoadBalancer::KIND) {
            return vec![];
        }
        must_be_true(r, "deletion_protection", "a production object can be deleted by one call").into_iter().collect()
    }
}

/// In production, the database and the cache survive the loss of an availability zone.
pub struct ProdMultiAz;

impl PolicyRule for ProdMultiAz {
    fn id(&self) -> &'static str {
        "prod-multi-az"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        if !production(r) || !matches!(r.kind, DbInstance::KIND | ReplicationGroup::KIND) {
            return vec![];
        }
        must_be_true(r, "multi_az", "production data lives in one availability zone").into_iter().collect()
    }
}
