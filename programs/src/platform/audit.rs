//! Audit and threat detection: the VPC's flow logs (all traffic, to a log group with
//! retention, written through a role only the flow-logs service of this account may assume),
//! a multi-region CloudTrail trail with log file validation into its own bucket (the bucket
//! policy lets exactly this trail write; hardened like every bucket), and GuardDuty where the environment asks for it.

use super::iam::{log_group_arn, REGION};
use super::Network;
use crate::env::Env;
use engine::{Handle, Stack};
use resources::cloudtrail::{bucket_write_statements, trail_arn, Trail};
use resources::ec2::{FlowLog, FlowLogDestinationType, FlowLogTrafficType};
use resources::guardduty::{Detector, FindingFrequency};
use resources::iam::Role;
use resources::logs::LogGroup;
use resources::s3::{Bucket, Encryption, LifecycleRule, SseAlgorithm};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn declare(stack: &mut Stack, env: &Env, network: &Network, access_logs: &Handle<Bucket>) {
    flow_logs(stack, env, network);
    trail(stack, env, access_logs);
    if env.observability.guardduty {
        stack.add(
            "guardduty",
            Detector { enable: true, finding_publishing_frequency: FindingFrequency::FifteenMinutes, ..Default::default() },
        );
    }
}

fn flow_logs(stack: &mut Stack, env: &Env, network: &Network) {
    let group_name = format!("/plinth/{}/vpc-flow-logs", env.name);
    let group = stack.add(
        "flow-logs",
        LogGroup { name: group_name.clone(), retention_days: env.observability.flow_log_retention_days, ..Default::default() },
    );
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "vpc-flow-logs.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": env.account },
                "ArnLike": { "aws:SourceArn": format!("arn:aws:ec2:{REGION}:{}:vpc-flow-log/*", env.account) }
            }
        }]
    });
    let write = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "WriteFlowLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": log_group_arn(env, &group_name)
        }]
    });
    let role = stack.add(
        "flow-logs-role",
        Role {
            name: env.prefixed("flow-logs"),
            path: "/".into(),
            description: Some("VPC flow logs: write to the flow-log group".into()),
            assume_role_policy: trust.to_string().into(),
            inline_policies: BTreeMap::from([("write-flow-logs".to_string(), write.to_string().into())]),
            ..Default::default()
        },
    );
    stack.add(
        "vpc-flow-log",
        FlowLog {
            vpc_id: network.vpc.output(|o| o.vpc_id.clone()),
            traffic_type: FlowLogTrafficType::All,
            destination_type: FlowLogDestinationType::CloudWatchLogs,
            destination: group.output(|o| o.arn.clone()),
            deliver_logs_permission_arn: Some(role.output(|o| o.arn.clone())),
            max_aggregation_interval: 600,
            ..Default::default()
        },
    );
}

/// The trail's bucket policy: CloudTrail may write for this trail only.
pub fn trail_bucket_statements(env: &Env, bucket: &str) -> Vec<Value> {
    let trail = trail_arn(REGION, env.account, &env.prefixed("audit"));
    bucket_write_statements(&format!("arn:aws:s3:::{bucket}"), None, env.account, &trail)
}

fn trail(stack: &mut Stack, env: &Env, access_logs: &Handle<Bucket>) -> Handle<Trail> {
    let bucket_name = format!("{}-audit-trail", env.bucket_prefix);
    let policy = json!({ "Version": "2012-10-17", "Statement": trail_bucket_statements(env, &bucket_name) });
    let bucket = stack.add(
        "audit-trail-bucket",
        super::storage::hardened(Bucket {
            bucket: bucket_name,
            versioning: true,
            encryption: Some(Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: None }),
            block_public_access: true,
            lifecycle_rules: vec![LifecycleRule {
                id: "expire-trail-logs".into(),
                prefix: None,
                expire_noncurrent_after_days: Some(env.observability.trail_retention_days),
                expire_after_days: Some(env.observability.trail_retention_days),
                abort_incomplete_multipart_after_days: Some(7),
            }],
            policy: Some(policy.to_string().into()),
            force_destroy: env.disposable_data,
            ..Default::default()
        }, access_logs),
    );
    stack.add(
        "audit-trail",
        Trail {
            name: env.prefixed("audit"),
            s3_bucket_name: bucket.output(|o| o.bucket.clone()),
            is_multi_region_trail: true,
            include_global_service_events: true,
            enable_log_file_validation: true,
            is_logging: true,
            ..Default::default()
        },
    )
}
