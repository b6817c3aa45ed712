//! The data tier: PostgreSQL (RDS) for the API and Redis (ElastiCache) for the orchestrator's
//! job queue, both in the private subnets behind their security groups. The database password
//! lives only in Secrets Manager (`ManageMasterUserPassword`).

use super::security::Groups;
use super::Network;
use crate::env::Env;
use engine::{Handle, Input, Stack};
use resources::elasticache::{CacheSubnetGroup, ReplicationGroup};
use resources::rds::{DbInstance, DbParameterGroup, DbSubnetGroup};
use std::collections::BTreeMap;

/// What the services need from the data tier.
pub struct Data {
    pub database: Handle<DbInstance>,
    pub cache: Handle<ReplicationGroup>,
}

fn private_subnet_ids(network: &Network) -> Vec<Input<String>> {
    network.private.iter().map(|s| s.output(|o| o.subnet_id.clone())).collect()
}

/// Marks stateful resources protected where the environment says so (prod).
fn guard<R: engine::Resource>(handle: Handle<R>, env: &Env) -> Handle<R> {
    if env.protect_data {
        handle.protect()
    } else {
        handle
    }
}

pub fn declare(stack: &mut Stack, env: &Env, network: &Network, groups: &Groups) -> Data {
    Data { database: database(stack, env, network, groups), cache: cache(stack, env, network, groups) }
}

fn database(stack: &mut Stack, env: &Env, network: &Network, groups: &Groups) -> Handle<DbInstance> {
    let subnets = stack.add(
        "db-subnets",
        DbSubnetGroup {
            name: env.prefixed("db"),
            description: "PostgreSQL in the private subnets".into(),
            subnet_ids: private_subnet_ids(network),
            ..Default::default()
        },
    );
    let parameters = stack.add(
        "db-parameters",
        DbParameterGroup {
            name: env.prefixed("postgres16"),
            family: "postgres16".into(),
            description: "Plinth platform PostgreSQL settings".into(),
            parameters: BTreeMap::from([
                ("log_min_duration_statement".to_string(), "500".to_string()),
                ("log_connections".to_string(), "1".to_string()),
            ]),
            ..Default::default()
        },
    );
    let sizing = &env.database;
    let db = stack.add(
        "database",
        DbInstance {
            identifier: env.prefixed("db"),
            engine: "postgres".into(),
            instance_class: sizing.instance_class.into(),
            allocated_storage: sizing.allocated_storage_gb,
            storage_type: "gp3".into(),
            storage_encrypted: true,
            publicly_accessible: false,
            db_subnet_group_name: subnets.output(|o| o.name.clone()),
            vpc_security_group_ids: vec![groups.database.output(|o| o.group_id.clone())],
            db_parameter_group_name: Some(parameters.output(|o| o.name.clone())),
            master_username: "plinth".into(),
            manage_master_user_password: true,
            backup_retention_period: sizing.backup_retention_days,
            multi_az: sizing.multi_az,
            deletion_protection: sizing.deletion_protection,
            apply_immediately: sizing.apply_immediately,
            skip_final_snapshot: sizing.skip_final_snapshot,
            final_snapshot_identifier: (!sizing.skip_final_snapshot).then(|| env.prefixed("db-final")),
            ..Default::default()
        },
    );
    guard(db, env)
}

fn cache(stack: &mut Stack, env: &Env, network: &Network, groups: &Groups) -> Handle<ReplicationGroup> {
    let subnets = stack.add(
        "cache-subnets",
        CacheSubnetGroup {
            name: env.prefixed("cache"),
            description: "Redis in the private subnets".into(),
            subnet_ids: private_subnet_ids(network),
            ..Default::default()
        },
    );
    let sizing = &env.cache;
    let failover = sizing.nodes >= 2;
    let cache = stack.add(
        "cache",
        ReplicationGroup {
            id: env.prefixed("jobs"),
            description: "Job queue and cache for the orchestrator".into(),
            engine: "redis".into(),
            node_type: sizing.node_type.into(),
            num_cache_clusters: sizing.nodes,
            cache_subnet_group_name: subnets.output(|o| o.name.clone()),
            security_group_ids: vec![groups.cache.output(|o| o.group_id.clone())],
            at_rest_encryption: true,
            transit_encryption: true,
            automatic_failover: failover,
            multi_az: failover,
            snapshot_retention_limit: sizing.snapshot_retention_days,
            port: 6379,
            delete_wait_seconds: sizing.delete_wait_seconds,
            ..Default::default()
        },
    );
    guard(cache, env)
}
