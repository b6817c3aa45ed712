//! IAM: the ECS task execution role, and a task role per service with least-privilege inline
//! policies on its own bucket prefixes (no wildcard actions).

use super::storage::Buckets;
use crate::env::Env;
use engine::{Handle, Stack};
use resources::iam::Role;
use serde_json::json;
use std::collections::BTreeMap;

/// The AWS-managed policy ECS needs to pull images and write logs.
pub const ECS_TASK_EXECUTION_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

fn ecs_trust() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" }]
    })
    .to_string()
}

/// Read/write objects under `prefix` of `bucket`, and list only that prefix.
fn prefix_access(bucket: &str, prefix: &str, actions: &[&str]) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "Objects", "Effect": "Allow", "Action": actions, "Resource": format!("arn:aws:s3:::{bucket}/{prefix}/*") },
            { "Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{bucket}"),
              "Condition": { "StringLike": { "s3:prefix": [format!("{prefix}/*")] } } }
        ]
    })
    .to_string()
}

fn role(
    stack: &mut Stack,
    env: &Env,
    name: &str,
    description: &str,
    inline: BTreeMap<String, String>,
    managed: &[&str],
) -> Handle<Role> {
    stack.add(
        format!("{name}-role"),
        Role {
            name: env.prefixed(name),
            path: "/".into(),
            description: Some(description.into()),
            assume_role_policy: ecs_trust().into(),
            inline_policies: inline.into_iter().map(|(k, v)| (k, v.into())).collect(),
            managed_policy_arns: managed.iter().map(|a| a.to_string().into()).collect(),
            ..Default::default()
        },
    )
}

pub fn declare(stack: &mut Stack, env: &Env, buckets: &Buckets) {
    let execution = "ECS task execution: pull images, write logs";
    role(stack, env, "task-execution", execution, BTreeMap::new(), &[ECS_TASK_EXECUTION_POLICY]);
    let api = BTreeMap::from([
        ("reports".to_string(), prefix_access(&buckets.reports_name, "api", &["s3:GetObject", "s3:PutObject"])),
        ("static-assets".to_string(), prefix_access(&buckets.assets_name, "web", &["s3:GetObject"])),
    ]);
    role(stack, env, "api-task", "API service task role", api, &[])
        .depends_on(&buckets.reports)
        .depends_on(&buckets.assets);
    let orchestrator = BTreeMap::from([(
        "job-reports".to_string(),
        prefix_access(&buckets.reports_name, "jobs", &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
    )]);
    role(stack, env, "orchestrator-task", "Job orchestrator task role", orchestrator, &[]).depends_on(&buckets.reports);
}
