//! The data tier: PostgreSQL (RDS) for the API and Redis (ElastiCache) for the orchestrator's
//! job queue, both in the private subnets behind their security groups. The database password
//! lives only in Secrets Manager (`ManageMasterUserPassword`, rotated by RDS itself).
//!
//! Hardening (Security Hub FSBP): the database pins its engine version to the parameter group's
//! major (PostgreSQL 16), forces TLS (`rds.force_ssl`), exports its `postgresql` and `upgrade`
//! logs to CloudWatch Logs, accepts IAM authentication, copies its tags to snapshots and sends
//! enhanced monitoring (the environment's interval) through a role only RDS monitoring of this
//! account may assume. Redis requires TLS and a Redis AUTH token kept in a generated Secrets
//! Manager secret ([`super::config::redis_auth_token`]).

use super::security::Groups;
use super::Network;
use crate::env::Env;
use engine::{Handle, Input, Stack};
use resources::elasticache::{AuthToken, CacheSubnetGroup, ReplicationGroup};
use resources::iam::Role;
use resources::rds::{DbInstance, DbParameterGroup, DbSubnetGroup};
use resources::secretsmanager::Secret;
use serde_json::json;
use std::collections::BTreeMap;

/// The PostgreSQL version every environment runs: pinned, and of the parameter group's major.
pub const POSTGRES_VERSION: &str = "16.4";
/// The parameter group family of [`POSTGRES_VERSION`].
pub const POSTGRES_FAMILY: &str = "postgres16";
/// The AWS managed policy that lets RDS publish enhanced monitoring metrics.
pub const ENHANCED_MONITORING_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole";

/// What the services need from the data tier.
pub struct Data {
    pub database: Handle<DbInstance>,
    pub cache: Handle<ReplicationGroup>,
    /// The secret holding the Redis AUTH token (injected into the services that use Redis).
    pub cache_auth_token: Handle<Secret>,
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
    let cache_auth_token = super::config::redis_auth_token(stack, env);
    Data {
        database: database(stack, env, network, groups),
        cache: cache(stack, env, network, groups, &cache_auth_token),
        cache_auth_token,
    }
}

/// The role RDS enhanced monitoring assumes: trusted by `monitoring.rds.amazonaws.com` for this
/// account only, with the AWS managed policy and nothing else.
fn monitoring_role(stack: &mut Stack, env: &Env) -> Handle<Role> {
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "monitoring.rds.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": env.account } }
        }]
    });
    stack.add(
        "db-monitoring-role",
        Role {
            name: env.prefixed("rds-monitoring"),
            description: Some("RDS enhanced monitoring of the platform database".into()),
            assume_role_policy: trust.to_string().into(),
            managed_policy_arns: vec![ENHANCED_MONITORING_POLICY.into()],
            ..Default::default()
        },
    )
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
            name: env.prefixed(POSTGRES_FAMILY),
            family: POSTGRES_FAMILY.into(),
            description: "Plinth platform PostgreSQL settings".into(),
            parameters: BTreeMap::from([
                ("log_min_duration_statement".to_string(), "500".to_string()),
                ("log_connections".to_string(), "1".to_string()),
                // Clients must connect over TLS (RDS's default since PostgreSQL 15, set here explicitly).
                ("rds.force_ssl".to_string(), "1".to_string()),
            ]),
            ..Default::default()
        },
    );
    let sizing = &env.database;
    let interval = sizing.monitoring_interval_seconds;
    let monitoring_role = (interval > 0).then(|| monitoring_role(stack, env).output(|o| o.arn.clone()));
    let db = stack.add(
        "database",
        DbInstance {
            identifier: env.prefixed("db"),
            engine: "postgres".into(),
            engine_version: Some(POSTGRES_VERSION.into()),
            parameter_group_family: Some(POSTGRES_FAMILY.into()),
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
            enabled_cloudwatch_logs_exports: vec!["postgresql".into(), "upgrade".into()],
            iam_database_authentication_enabled: true,
            monitoring_interval: interval,
            monitoring_role_arn: monitoring_role,
            copy_tags_to_snapshot: true,
            ..Default::default()
        },
    );
    guard(db, env)
}

fn cache(
    stack: &mut Stack,
    env: &Env,
    network: &Network,
    groups: &Groups,
    token: &Handle<Secret>,
) -> Handle<ReplicationGroup> {
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
            auth_token: Some(AuthToken {
                secret_arn: token.output(|o| o.arn.clone()),
                secret_version_id: token.output(|o| o.version_id.clone().unwrap_or_default()),
            }),
            ..Default::default()
        },
    );
    guard(cache, env)
}
