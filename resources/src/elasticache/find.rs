//! ElastiCache finders: one object by name or id, `None` when it is gone, whatever shape "gone"
//! takes (a `...NotFound` code, or a replication group already `deleting`, which nothing can
//! stop or change any more). Ownership is `crate::kit::adopt`.

use crate::error::absent_if;
use crate::AwsContext;
use aws_sdk_elasticache::operation::describe_cache_clusters::DescribeCacheClustersError;
use aws_sdk_elasticache::operation::describe_cache_subnet_groups::DescribeCacheSubnetGroupsError;
use aws_sdk_elasticache::operation::describe_replication_groups::DescribeReplicationGroupsError;
use aws_sdk_elasticache::types::{CacheCluster, CacheSubnetGroup, ReplicationGroup};
use engine::{ErrorClass, ProviderError};
/// The status of a replication group whose deletion AWS has accepted.
pub const DELETING: &str = "deleting";

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the ElastiCache response has no {what}"))
}

/// The cache subnet group, or `None` when it is gone.
pub async fn find_subnet_group(cx: &AwsContext, name: &str) -> Result<Option<CacheSubnetGroup>, ProviderError> {
    let out = cx.elasticache().describe_cache_subnet_groups().cache_subnet_group_name(name).send().await;
    let not_found = DescribeCacheSubnetGroupsError::is_cache_subnet_group_not_found_fault;
    let out = absent_if("DescribeCacheSubnetGroups", out, not_found)?;
    Ok(out.and_then(|o| o.cache_subnet_groups().iter().find(|g| g.cache_subnet_group_name() == Some(name)).cloned()))
}

/// The replication group in any state (callers decide what `deleting` means for them), or
/// `None` when AWS no longer knows the id.
pub async fn find_replication_group(cx: &AwsContext, id: &str) -> Result<Option<ReplicationGroup>, ProviderError> {
    let out = cx.elasticache().describe_replication_groups().replication_group_id(id).send().await;
    let not_found = DescribeReplicationGroupsError::is_replication_group_not_found_fault;
    let out = absent_if("DescribeReplicationGroups", out, not_found)?;
    Ok(out.and_then(|o| o.replication_groups().iter().find(|g| g.replication_group_id() == Some(id)).cloned()))
}

/// The replication group unless it is gone or already `deleting`: what `read` and `find` see.
pub async fn find_live_replication_group(cx: &AwsContext, id: &str) -> Result<Option<ReplicationGroup>, ProviderError> {
    Ok(find_replication_group(cx, id).await?.filter(|g| g.status() != Some(DELETING)))
}

/// A member cache cluster of a replication group, or `None` when it cannot be described.
/// Only the member clusters report the subnet group, security groups and engine version.
pub async fn find_cache_cluster(cx: &AwsContext, id: &str) -> Result<Option<CacheCluster>, ProviderError> {
    let out = cx.elasticache().describe_cache_clusters().cache_cluster_id(id).send().await;
    let not_found = DescribeCacheClustersError::is_cache_cluster_not_found_fault;
    let out = absent_if("DescribeCacheClusters", out, not_found)?;
    Ok(out.and_then(|o| o.cache_clusters().iter().find(|c| c.cache_cluster_id() == Some(id)).cloned()))
}

/// The status a waiter sees: the group's status, except that an `available` group with
/// modifications still pending is reported as `available (changes pending)`, so a wait that
/// starts before AWS has picked a modification up does not end early.
pub fn wait_status(group: &ReplicationGroup) -> String {
    let status = group.status().unwrap_or("unknown");
    let pending = group.pending_modified_values().is_some_and(|p| {
        p.primary_cluster_id().is_some()
            || p.automatic_failover_status().is_some()
            || p.resharding().is_some()
            || p.auth_token_status().is_some()
            || p.user_groups().is_some()
            || !p.log_delivery_configurations().is_empty()
            || p.transit_encryption_enabled().is_some()
            || p.transit_encryption_mode().is_some()
            || p.cluster_mode().is_some()
    });
    if status == "available" && pending {
        "available (changes pending)".to_string()
    } else {
        status.to_string()
    }
}

/// The waiter's status source for a real group: its wait status, `None` when it is gone.
pub async fn group_status(cx: &AwsContext, id: &str) -> Result<Option<String>, ProviderError> {
    Ok(find_replication_group(cx, id).await?.map(|g| wait_status(&g)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticache::types::{PendingAutomaticFailoverStatus, ReplicationGroupPendingModifiedValues};

    #[test]
    fn pending_changes_are_not_available() {
        let group = |pending: Option<ReplicationGroupPendingModifiedValues>| {
            ReplicationGroup::builder().status("available").set_pending_modified_values(pending).build()
        };
        assert_eq!(wait_status(&group(None)), "available");
        let empty = ReplicationGroupPendingModifiedValues::builder().build();
        assert_eq!(wait_status(&group(Some(empty))), "available");
        let failover = ReplicationGroupPendingModifiedValues::builder()
            .automatic_failover_status(PendingAutomaticFailoverStatus::Enabled)
            .build();
        assert_eq!(wait_status(&group(Some(failover))), "available (changes pending)");
        let modifying = ReplicationGroup::builder().status("modifying").build();
        assert_eq!(wait_status(&modifying), "modifying");
    }
}
