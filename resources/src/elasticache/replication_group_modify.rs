//! The in-place side of `aws:elasticache:ReplicationGroup`: input validation and the ordered
//! steps of an update. Every step applies immediately and waits for `available` before the next.
//!
//! Order: replicas are added before failover is turned on and removed after it is turned off
//! (AWS refuses failover with fewer than two nodes); transit encryption moves through the
//! `preferred` mode, which AWS requires for an in-place change; a new AUTH token goes on last
//! (AWS needs transit encryption for it).

use super::auth_token;
use super::replication_group::ReplicationGroup;
use super::wait::CACHE_UPDATE_TIMEOUT;
use crate::error::classify;
use crate::AwsContext;
use aws_sdk_elasticache::types::TransitEncryptionMode;
use engine::{Input, ProviderError};

/// Problems with the known inputs, each naming the field and value.
pub fn validate(group: &ReplicationGroup) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, message: String| {
        if !ok {
            problems.push(message);
        }
    };
    check(valid_id(&group.id), format!(
        "id `{}` must be 1-40 lowercase letters, digits and hyphens, start with a letter, and have no trailing or double hyphen",
        group.id
    ));
    check(
        !group.description.trim().is_empty(),
        "description must not be empty (CreateReplicationGroup requires one)".into(),
    );
    check(
        matches!(group.engine.as_str(), "redis" | "valkey"),
        format!("engine `{}` must be `redis` or `valkey`", group.engine),
    );
    check(
        group.engine_version.as_deref() != Some(""),
        "engine_version must not be empty (omit it to let AWS choose)".into(),
    );
    check(
        group.node_type.starts_with("cache."),
        format!("node_type `{}` is not a cache node type (cache.*)", group.node_type),
    );
    let n = group.num_cache_clusters;
    check((1..=6).contains(&n), format!("num_cache_clusters {n} must be between 1 and 6"));
    check(!group.automatic_failover || n >= 2, format!("automatic_failover needs num_cache_clusters >= 2 (it is {n})"));
    check(!group.multi_az || n >= 2, format!("multi_az needs num_cache_clusters >= 2 (it is {n})"));
    check(!group.multi_az || group.automatic_failover, "multi_az needs automatic_failover".into());
    let days = group.snapshot_retention_limit;
    check((0..=35).contains(&days), format!("snapshot_retention_limit {days} must be between 0 and 35"));
    check((1..=65535).contains(&group.port), format!("port {} must be between 1 and 65535", group.port));
    if let Some(name) = group.cache_subnet_group_name.known() {
        check(!name.is_empty(), "cache_subnet_group_name must not be empty".into());
    }
    for id in group.security_group_ids.iter().filter_map(Input::known) {
        check(id.starts_with("sg-"), format!("security_group_ids entry `{id}` is not a security group id (sg-...)"));
    }
    problems.extend(auth_token::problems(group));
    problems
}

/// AWS's rule for replication group ids (it stores them lowercase, so only lowercase is accepted).
fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.ends_with('-')
        && !id.contains("--")
}

/// The ModifyReplicationGroup fields that differ between `old` and `new`.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub description: Option<String>,
    pub node_type: Option<String>,
    pub engine_version: Option<String>,
    pub security_group_ids: Option<Vec<String>>,
    pub automatic_failover: Option<bool>,
    pub multi_az: Option<bool>,
    pub snapshot_retention_limit: Option<i32>,
}

fn changed<T: PartialEq + Clone>(new: &T, old: &T) -> Option<T> {
    (new != old).then(|| new.clone())
}

/// What one ModifyReplicationGroup call must carry. Unpinning the engine version changes nothing.
pub fn changes(new: &ReplicationGroup, old: &ReplicationGroup) -> Changes {
    let ids = |g: &ReplicationGroup| {
        let mut ids: Vec<String> = g.security_group_ids.iter().map(|s| s.value().clone()).collect();
        ids.sort();
        ids
    };
    Changes {
        description: changed(&new.description, &old.description),
        node_type: changed(&new.node_type, &old.node_type),
        engine_version: changed(&new.engine_version, &old.engine_version).flatten(),
        security_group_ids: changed(&ids(new), &ids(old)).filter(|ids| !ids.is_empty()),
        automatic_failover: changed(&new.automatic_failover, &old.automatic_failover),
        multi_az: changed(&new.multi_az, &old.multi_az),
        snapshot_retention_limit: changed(&new.snapshot_retention_limit, &old.snapshot_retention_limit),
    }
}

/// Moves the group from `old` to `new` (tags aside), waiting for `available` after each step.
/// A refused AUTH change fails before any call; a new token goes on after transit encryption.
pub async fn apply(new: &ReplicationGroup, old: &ReplicationGroup, cx: &AwsContext) -> Result<(), ProviderError> {
    let rotate = auth_token::needs_rotation(new, old)?;
    if new.num_cache_clusters > old.num_cache_clusters {
        set_replicas(cx, new, true).await?;
    }
    let fields = changes(new, old);
    if fields != Changes::default() {
        modify(cx, new, fields).await?;
    }
    if new.num_cache_clusters < old.num_cache_clusters {
        set_replicas(cx, new, false).await?;
    }
    if new.transit_encryption != old.transit_encryption {
        change_transit_encryption(cx, new).await?;
    }
    if rotate {
        auth_token::rotate(cx, new).await?;
    }
    Ok(())
}

async fn modify(cx: &AwsContext, group: &ReplicationGroup, c: Changes) -> Result<(), ProviderError> {
    cx.elasticache()
        .modify_replication_group()
        .replication_group_id(&group.id)
        .apply_immediately(true)
        .set_replication_group_description(c.description)
        .set_cache_node_type(c.node_type)
        .set_engine_version(c.engine_version)
        .set_security_group_ids(c.security_group_ids)
        .set_automatic_failover_enabled(c.automatic_failover)
        .set_multi_az_enabled(c.multi_az)
        .set_snapshot_retention_limit(c.snapshot_retention_limit)
        .send()
        .await
        .map_err(|e| classify("ModifyReplicationGroup", e))?;
    group.wait_available(cx, CACHE_UPDATE_TIMEOUT).await
}

/// Increase/DecreaseReplicaCount to `num_cache_clusters - 1` replicas (moto 5.2: HTTP 500).
async fn set_replicas(cx: &AwsContext, group: &ReplicationGroup, increase: bool) -> Result<(), ProviderError> {
    let replicas = group.num_cache_clusters - 1;
    if increase {
        let call = cx.elasticache().increase_replica_count().replication_group_id(&group.id);
        let call = call.new_replica_count(replicas).apply_immediately(true);
        call.send().await.map_err(|e| classify("IncreaseReplicaCount", e))?;
    } else {
        let call = cx.elasticache().decrease_replica_count().replication_group_id(&group.id);
        let call = call.new_replica_count(replicas).apply_immediately(true);
        call.send().await.map_err(|e| classify("DecreaseReplicaCount", e))?;
    }
    group.wait_available(cx, CACHE_UPDATE_TIMEOUT).await
}

/// On: enable in `preferred` mode, then require TLS. Off: back to `preferred`, then disable.
async fn change_transit_encryption(cx: &AwsContext, group: &ReplicationGroup) -> Result<(), ProviderError> {
    let steps: [(Option<bool>, Option<TransitEncryptionMode>); 2] = if group.transit_encryption {
        [(Some(true), Some(TransitEncryptionMode::Preferred)), (None, Some(TransitEncryptionMode::Required))]
    } else {
        [(None, Some(TransitEncryptionMode::Preferred)), (Some(false), None)]
    };
    for (enabled, mode) in steps {
        cx.elasticache()
            .modify_replication_group()
            .replication_group_id(&group.id)
            .apply_immediately(true)
            .set_transit_encryption_enabled(enabled)
            .set_transit_encryption_mode(mode)
            .send()
            .await
            .map_err(|e| classify("ModifyReplicationGroup", e))?;
        group.wait_available(cx, CACHE_UPDATE_TIMEOUT).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> ReplicationGroup {
        ReplicationGroup {
            id: "jobs-queue".into(),
            description: "job queue".into(),
            cache_subnet_group_name: "jobs-cache".into(),
            security_group_ids: vec!["sg-1".into()],
            ..Default::default()
        }
    }

    #[test]
    fn valid_group_passes() {
        assert!(validate(&group()).is_empty(), "{:?}", validate(&group()));
    }

    #[test]
    fn ids_follow_aws_rules() {
        for bad in ["", "1jobs", "Jobs", "jobs_queue", "jobs-", "jobs--queue", &"a".repeat(41)] {
            let problems = validate(&ReplicationGroup { id: bad.to_string(), ..group() });
            assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
            assert!(problems[0].starts_with(&format!("id `{bad}`")), "{problems:?}");
        }
        assert!(valid_id(&"a".repeat(40)));
    }

    #[test]
    fn failover_and_multi_az_need_two_nodes() {
        let problems = validate(&ReplicationGroup { automatic_failover: true, multi_az: true, ..group() });
        assert_eq!(
            problems,
            [
                "automatic_failover needs num_cache_clusters >= 2 (it is 1)",
                "multi_az needs num_cache_clusters >= 2 (it is 1)"
            ]
        );
        let problems = validate(&ReplicationGroup { multi_az: true, num_cache_clusters: 2, ..group() });
        assert_eq!(problems, ["multi_az needs automatic_failover"]);
        let ok = ReplicationGroup { automatic_failover: true, multi_az: true, num_cache_clusters: 2, ..group() };
        assert!(validate(&ok).is_empty());
    }

    #[test]
    fn other_fields_are_named() {
        let bad = ReplicationGroup {
            engine: "memcached".into(),
            node_type: "t4g.micro".into(),
            port: 0,
            snapshot_retention_limit: 36,
            security_group_ids: vec!["subnet-1".into()],
            ..group()
        };
        let problems = validate(&bad);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("engine `memcached`")));
        assert!(problems.iter().any(|p| p.contains("node_type `t4g.micro`")));
        assert!(problems.iter().any(|p| p.contains("port 0")));
        assert!(problems.iter().any(|p| p.contains("snapshot_retention_limit 36")));
        assert!(problems.iter().any(|p| p.contains("`subnet-1`")));
    }

    #[test]
    fn only_changed_fields_are_sent() {
        let old = group();
        assert_eq!(changes(&old, &old), Changes::default());
        let new = ReplicationGroup { node_type: "cache.t4g.small".into(), snapshot_retention_limit: 3, ..group() };
        let expected = Changes {
            node_type: Some("cache.t4g.small".into()),
            snapshot_retention_limit: Some(3),
            ..Default::default()
        };
        assert_eq!(changes(&new, &old), expected);
        let reordered = ReplicationGroup { security_group_ids: vec!["sg-2".into(), "sg-1".into()], ..group() };
        let old2 = ReplicationGroup { security_group_ids: vec!["sg-1".into(), "sg-2".into()], ..group() };
        assert_eq!(changes(&reordered, &old2), Changes::default(), "order alone is no change");
        let unpinned = ReplicationGroup { engine_version: None, ..group() };
        let pinned = ReplicationGroup { engine_version: Some("7.1".into()), ..group() };
        assert_eq!(changes(&unpinned, &pinned), Changes::default(), "unpinning changes nothing");
    }
}
