//! Redis: every replication group tagged for the stack encrypts at rest (ElastiCache.4) and in
//! transit (ElastiCache.5), requires Redis AUTH (ElastiCache.6), and fails over automatically
//! across zones where the environment runs more than one node (ElastiCache.3).

use super::AREA;
use crate::deployed::target::Target;
use crate::deployed::{blocked, discover, Check};

pub async fn checks(t: &Target) -> Vec<Check> {
    let mut at_rest = Check::new(AREA, Some("ElastiCache.4"), "Redis replication groups are encrypted at rest");
    let mut transit = Check::new(AREA, Some("ElastiCache.5"), "Redis replication groups are encrypted in transit");
    let mut auth = Check::new(AREA, Some("ElastiCache.6"), "Redis replication groups require AUTH (AuthTokenEnabled)");
    let mut failover =
        Check::new(AREA, Some("ElastiCache.3"), "Redis fails over automatically across zones where the environment has 2+ nodes");
    let groups = match discover::replication_groups(t).await {
        Ok(groups) => groups,
        Err(reason) => {
            return [at_rest, transit, auth, failover].into_iter().map(|c| blocked(AREA, c.control, &c.what, &reason)).collect()
        }
    };
    let wants_failover = t.env.cache.nodes >= 2;
    for group in &groups {
        let id = group.replication_group_id().unwrap_or_default();
        at_rest.expect(id, group.at_rest_encryption_enabled() == Some(true), "AtRestEncryptionEnabled is false");
        transit.expect(id, group.transit_encryption_enabled() == Some(true), "TransitEncryptionEnabled is false");
        auth.expect(id, group.auth_token_enabled() == Some(true), "AuthTokenEnabled is false: clients connect without a password");
        let automatic = group.automatic_failover().map(|s| s.as_str().to_string()).unwrap_or_default();
        let multi_az = group.multi_az().map(|s| s.as_str().to_string()).unwrap_or_default();
        if wants_failover {
            failover.expect(
                id,
                automatic == "enabled" && multi_az == "enabled",
                format!("AutomaticFailover {automatic:?}, MultiAZ {multi_az:?} with {} nodes", t.env.cache.nodes),
            );
        }
    }
    if !wants_failover && !groups.is_empty() {
        failover.not_required(format!("not required: {} runs a single Redis node", t.stack));
    }
    vec![at_rest, transit, auth, failover]
}
