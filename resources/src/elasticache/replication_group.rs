//! `aws:elasticache:ReplicationGroup`: a Redis/Valkey primary with up to five replicas (cluster
//! mode disabled). Stateful. The id, engine, subnet group, at-rest encryption and port force a
//! replacement (old group deleted first: the id is unique); everything else changes in place
//! with ApplyImmediately, then waits for `available` (see [`super::replication_group_modify`]).
//!
//! Redis AUTH: the token comes from a Secrets Manager secret named by ARN and is read only inside
//! the create or rotate call ([`super::auth_token`]); `read` reports whether AUTH is on.
//!
//! Reading: DescribeReplicationGroups has no subnet group, security groups or engine version;
//! those come from the primary member cache cluster. A group in `deleting` reads as gone: its
//! deletion is accepted and irreversible, so for planning it no longer exists.
//!
//! Emulator gaps (moto 5.2): groups are `available` at once; NumCacheClusters is ignored (always
//! one member); member clusters are not modeled (DescribeCacheClusters answers CacheClusterNotFound,
//! so the member-only fields keep their recorded values, with a warning); ModifyReplicationGroup
//! ignores security groups, engine version and transit encryption; Increase/DecreaseReplicaCount
//! are not implemented (HTTP 500); a deleted group stays `deleting` forever. moto accepts an AUTH
//! token without transit encryption and ignores AuthToken on ModifyReplicationGroup:
//! `scripts/moto_patches/elasticache.py` gives it AWS's checks and the ROTATE / SET / DELETE
//! strategies.

use super::auth_token::{self, AuthToken};
use super::find::{
    find_cache_cluster, find_live_replication_group, find_replication_group, group_status, missing, DELETING,
};
use super::replication_group_modify as modify;
use super::tags::ElastiCache;
use super::wait::{
    until_available, until_gone, DeleteOutcome, CACHE_CREATE_TIMEOUT, CACHE_DELETE_TIMEOUT, CACHE_UPDATE_TIMEOUT,
};
use crate::error::{classify, ok_if_not_found};
use crate::kit::retry::no_retry;
use crate::kit::{adopt, observed_ids};
use crate::tags;
use crate::AwsContext;
use aws_sdk_elasticache::types::{AutomaticFailoverStatus, MultiAzStatus};
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplicationGroup {
    /// The replication group id: 1-40 lowercase letters, digits and hyphens, starting with a letter.
    pub id: String,
    pub description: String,
    /// `redis` (default) or `valkey`.
    pub engine: String,
    /// `None` lets AWS pick its default and never reports the live version as drift. A pinned
    /// `7.1` matches a live `7.1.x`. Upgrades happen in place.
    pub engine_version: Option<String>,
    /// For example `cache.t4g.micro` (default).
    pub node_type: String,
    /// Nodes in the group, primary included (1 = primary only, at most 6).
    pub num_cache_clusters: i32,
    pub cache_subnet_group_name: Input<String>,
    /// VPC security groups; empty lets AWS use the VPC's default group (not compared then).
    pub security_group_ids: Vec<Input<String>>,
    /// Encryption at rest (Plinth default: on; it cannot change after creation).
    pub at_rest_encryption: bool,
    /// TLS between clients and nodes (default off, as in AWS: clients must speak TLS when on).
    /// Changes in place through the `preferred` transit mode (AWS needs Redis 7+ / Valkey for it).
    pub transit_encryption: bool,
    /// Needs `num_cache_clusters >= 2`.
    pub automatic_failover: bool,
    /// Needs `automatic_failover`.
    pub multi_az: bool,
    /// Days of automatic snapshots kept (0 = none, at most 35).
    pub snapshot_retention_limit: i32,
    pub port: i32,
    /// How long delete waits for a `deleting` group to disappear (default: `CACHE_DELETE_TIMEOUT`,
    /// 45 min). After it, delete reports success with a warning that the group is still being
    /// deleted: AWS has accepted a deletion nothing can undo. 0 = do not wait (the emulator,
    /// where deletion never finishes).
    pub delete_wait_seconds: Option<u64>,
    /// Redis AUTH with a token from a Secrets Manager secret, never a value (see
    /// [`super::auth_token`]); needs `transit_encryption`. A new secret version rotates the token.
    pub auth_token: Option<AuthToken>,
    pub tags: Tags,
}

impl Default for ReplicationGroup {
    fn default() -> Self {
        Self {
            id: String::new(),
            description: String::new(),
            engine: "redis".to_string(),
            engine_version: None,
            node_type: "cache.t4g.micro".to_string(),
            num_cache_clusters: 1,
            cache_subnet_group_name: Input::default(),
            security_group_ids: Vec::new(),
            at_rest_encryption: true,
            transit_encryption: false,
            automatic_failover: false,
            multi_az: false,
            snapshot_retention_limit: 0,
            port: 6379,
            delete_wait_seconds: None,
            auth_token: None,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicationGroupOutputs {
    pub id: String,
    pub arn: String,
    /// Where writes go (the primary endpoint of the node group).
    pub primary_endpoint: Option<String>,
    /// Load-balanced reads across the replicas.
    pub reader_endpoint: Option<String>,
    pub port: Option<i32>,
}

impl Resource for ReplicationGroup {
    const KIND: &'static str = "aws:elasticache:ReplicationGroup";
    const SERVICE: &'static str = "elasticache";
    const REPLACE_FIELDS: &'static [&'static str] =
        &["id", "engine", "cache_subnet_group_name", "at_rest_encryption", "port"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const STATEFUL: bool = true;
    const HEALTH_CHECKED: bool = true;
    const PRICED: bool = true;
    type Outputs = ReplicationGroupOutputs;
    type Context = AwsContext;

    /// Node hours of every cache cluster (primary and replicas).
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let t = crate::prices::table();
        let hourly = crate::prices::sized(&t.elasticache_redis.node_hour, &self.node_type, "node type")?;
        let hours = t.hours() * f64::from(self.num_cache_clusters);
        let items = vec![engine::cost::CostItem::new(
            format!("{} nodes × {}", self.node_type, self.num_cache_clusters),
            hours,
            "node-hours",
            hourly,
        )];
        Ok(crate::prices::estimate(items, vec!["snapshots within the free retention not counted".to_string()]))
    }

    fn cloud_id(outputs: &ReplicationGroupOutputs) -> String {
        outputs.id.clone()
    }

    fn validate(&self) -> Vec<String> {
        super::replication_group_modify::validate(self)
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ReplicationGroupOutputs, ProviderError> {
        let security_groups: Vec<String> = self.security_group_ids.iter().map(|s| s.value().clone()).collect();
        let token = match &self.auth_token {
            Some(source) => Some(auth_token::value(cx, source).await?),
            None => None,
        };
        cx.elasticache()
            .create_replication_group()
            .replication_group_id(&self.id)
            .replication_group_description(&self.description)
            .engine(&self.engine)
            .set_engine_version(self.engine_version.clone())
            .cache_node_type(&self.node_type)
            .num_cache_clusters(self.num_cache_clusters)
            .cache_subnet_group_name(self.cache_subnet_group_name.as_str())
            .set_security_group_ids((!security_groups.is_empty()).then_some(security_groups))
            .at_rest_encryption_enabled(self.at_rest_encryption)
            .transit_encryption_enabled(self.transit_encryption)
            .automatic_failover_enabled(self.automatic_failover)
            .multi_az_enabled(self.multi_az)
            .snapshot_retention_limit(self.snapshot_retention_limit)
            .port(self.port)
            .set_auth_token(token.as_ref().map(|t| t.expose().to_string()))
            .set_tags(tags::to_sdk(&self.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_elasticache))
            .send()
            .await
            .map_err(|e| classify("CreateReplicationGroup", e))?;
        self.wait_available(cx, CACHE_CREATE_TIMEOUT).await?;
        let group = find_live_replication_group(cx, &self.id).await?.ok_or_else(|| missing("new replication group"))?;
        outputs_of(&group)
    }

    async fn read(
        &self,
        out: &ReplicationGroupOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(group) = find_live_replication_group(cx, &out.id).await? else { return Ok(None) };
        let outputs = outputs_of(&group)?;
        let mut seen = self.clone();
        seen.id = out.id.clone();
        seen.description = group.description().unwrap_or_default().to_string();
        seen.engine = group.engine().unwrap_or(&self.engine).to_string();
        seen.node_type = group.cache_node_type().unwrap_or(&self.node_type).to_string();
        seen.num_cache_clusters = i32::try_from(group.member_clusters().len()).unwrap_or(i32::MAX);
        seen.at_rest_encryption = group.at_rest_encryption_enabled().unwrap_or(false);
        seen.transit_encryption = group.transit_encryption_enabled().unwrap_or(false);
        seen.automatic_failover = matches!(
            group.automatic_failover(),
            Some(AutomaticFailoverStatus::Enabled | AutomaticFailoverStatus::Enabling)
        );
        seen.multi_az = group.multi_az() == Some(&MultiAzStatus::Enabled);
        seen.snapshot_retention_limit = group.snapshot_retention_limit().unwrap_or(0);
        seen.port = outputs.port.unwrap_or(self.port);
        seen.auth_token = auth_token::observed(self.auth_token.as_ref(), group.auth_token_enabled() == Some(true));
        self.read_primary_member(cx, &group, &mut seen).await?;
        seen.tags = tags::read::<ElastiCache>(cx, &outputs.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &ReplicationGroupOutputs,
        cx: &AwsContext,
    ) -> Result<ReplicationGroupOutputs, ProviderError> {
        modify::apply(self, old, cx).await?;
        tags::sync::<ElastiCache>(cx, &out.arn, &old.tags, &self.tags).await?;
        let group = find_live_replication_group(cx, &out.id).await?.ok_or_else(|| missing("replication group"))?;
        outputs_of(&group)
    }

    async fn delete(&self, out: &ReplicationGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let Some(group) = find_replication_group(cx, &out.id).await? else { return Ok(()) };
        let status = group.status().unwrap_or_default();
        if status != DELETING {
            if matches!(status, "creating" | "modifying" | "snapshotting") {
                // AWS refuses to delete a group in the middle of another operation.
                self.wait_available(cx, CACHE_UPDATE_TIMEOUT).await?;
            }
            let result = cx.elasticache().delete_replication_group().replication_group_id(&out.id).send().await;
            ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteReplicationGroup", e)))?;
        }
        let window = self.delete_wait_seconds.map_or(CACHE_DELETE_TIMEOUT, Duration::from_secs);
        match until_gone(&out.id, window, || group_status(cx, &out.id)).await? {
            DeleteOutcome::Gone => {}
            DeleteOutcome::StillDeleting { waited } => tracing::warn!(
                id = %out.id,
                ?waited,
                "delete accepted: the replication group is still `deleting`; AWS finishes on its own, and its id stays taken until then"
            ),
        }
        Ok(())
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ReplicationGroupOutputs>, ProviderError> {
        let Some(group) = find_live_replication_group(cx, &self.id).await? else { return Ok(None) };
        let outputs = outputs_of(&group)?;
        let live_tags = tags::read::<ElastiCache>(cx, &outputs.arn).await?;
        adopt(&format!("replication group {}", self.id), &live_tags, meta, outputs)
    }

    async fn health(batch: Vec<(Self, ReplicationGroupOutputs)>, cx: &AwsContext) -> Vec<engine::health::Check> {
        super::health::check(batch, cx).await
    }
}

impl ReplicationGroup {
    /// Waits for `available` under `timeout`.
    pub(super) async fn wait_available(&self, cx: &AwsContext, timeout: Duration) -> Result<(), ProviderError> {
        until_available(&self.id, timeout, || group_status(cx, &self.id)).await
    }

    /// Fills the fields only the primary member cluster reports (subnet group, security groups,
    /// engine version). When it cannot be described (the emulator does not model member clusters)
    /// they keep their recorded values: drift in them goes unseen, which the warning says.
    async fn read_primary_member(
        &self,
        cx: &AwsContext,
        group: &aws_sdk_elasticache::types::ReplicationGroup,
        seen: &mut Self,
    ) -> Result<(), ProviderError> {
        let primary = group
            .node_groups()
            .iter()
            .flat_map(|g| g.node_group_members())
            .find(|m| m.current_role() == Some("primary"))
            .and_then(|m| m.cache_cluster_id())
            .or_else(|| group.member_clusters().first().map(String::as_str));
        let member = match primary {
            Some(id) => find_cache_cluster(cx, id).await?,
            None => None,
        };
        let Some(member) = member else {
            tracing::warn!(id = %self.id, "no member cache cluster to read: subnet group, security groups and engine version are not compared");
            return Ok(());
        };
        if let Some(name) = member.cache_subnet_group_name() {
            seen.cache_subnet_group_name = Input::Value(name.to_string());
        }
        if !self.security_group_ids.is_empty() {
            let live = member.security_groups().iter().filter_map(|g| g.security_group_id()).map(str::to_string);
            seen.security_group_ids = observed_ids(&self.security_group_ids, live.collect());
        }
        seen.engine_version = observed_version(self.engine_version.as_deref(), member.engine_version());
        Ok(())
    }
}

/// The outputs AWS reports for a group (cluster mode disabled: one node group).
fn outputs_of(group: &aws_sdk_elasticache::types::ReplicationGroup) -> Result<ReplicationGroupOutputs, ProviderError> {
    let id = group.replication_group_id().ok_or_else(|| missing("replication group id"))?;
    let arn = group.arn().ok_or_else(|| missing("replication group ARN"))?;
    let node_group = group.node_groups().first();
    let primary = node_group.and_then(|g| g.primary_endpoint());
    Ok(ReplicationGroupOutputs {
        id: id.to_string(),
        arn: arn.to_string(),
        primary_endpoint: primary.and_then(|e| e.address()).map(str::to_string),
        reader_endpoint: node_group.and_then(|g| g.reader_endpoint()).and_then(|e| e.address()).map(str::to_string),
        port: primary.and_then(|e| e.port()),
    })
}

/// The engine version in input shape: an unpinned version stays unpinned; a pinned `7.1` (or
/// `6.x`) matches a live `7.1.x` (`6.2.6`); anything else is the live version.
fn observed_version(desired: Option<&str>, live: Option<&str>) -> Option<String> {
    let (Some(want), Some(live)) = (desired, live) else { return desired.map(str::to_string) };
    let prefix = want.strip_suffix(".x").unwrap_or(want);
    let matches = live == want || live.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.'));
    Some(if matches { want } else { live }.to_string())
}

crate::kit::kind!(ReplicationGroup, unordered: ["security_group_ids"]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_versions_match_by_prefix() {
        assert_eq!(observed_version(None, Some("7.1.0")), None);
        assert_eq!(observed_version(Some("7.1"), Some("7.1.0")).as_deref(), Some("7.1"));
        assert_eq!(observed_version(Some("6.x"), Some("6.2.6")).as_deref(), Some("6.x"));
        assert_eq!(observed_version(Some("7.1"), Some("7.10.0")).as_deref(), Some("7.10.0"));
        assert_eq!(observed_version(Some("7.1"), None).as_deref(), Some("7.1"));
    }

    #[test]
    fn defaults() {
        let group: ReplicationGroup = serde_json::from_value(serde_json::json!({ "id": "jobs" })).expect("decodes");
        assert_eq!(group.engine, "redis");
        assert_eq!(group.port, 6379);
        assert_eq!(group.num_cache_clusters, 1);
        assert!(group.at_rest_encryption);
        assert!(!group.transit_encryption);
    }
}
