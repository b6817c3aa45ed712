//! ElastiCache kinds, one file per kind, and what they share: finders and the ownership check
//! ([`find`]), tag sync by ARN ([`tags`]), waiters with named timeouts and the meaning of
//! `deleting` ([`wait`]), and Redis AUTH from a Secrets Manager secret ([`auth_token`]).

pub mod auth_token;
pub mod find;
pub mod tags;
pub mod wait;

mod health;
mod replication_group;
mod replication_group_modify;
mod subnet_group;

pub use auth_token::AuthToken;
pub use replication_group::{ReplicationGroup, ReplicationGroupOutputs};
pub use subnet_group::{CacheSubnetGroup, CacheSubnetGroupOutputs, CacheSubnets};

pub use aws_sdk_elasticache as sdk;

crate::service_client!(elasticache, aws_sdk_elasticache);

crate::error_codes!(
    "elasticache",
    Conflict: ["InvalidReplicationGroupState", "InvalidCacheClusterState", "CacheSubnetGroupInUse", "SubnetInUse"],
);
