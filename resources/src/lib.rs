//! Plinth's AWS resource kinds. One module per service, one file per kind; shared per service:
//! finders, waiters and tag sync; shared by all: the tag difference (`tags`). The only crate that
//! depends on the AWS SDK.

pub mod acm;
pub mod appautoscaling;
pub mod budgets;
pub mod cloudfront;
pub mod cloudtrail;
pub mod cloudwatch;
pub mod context;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elasticache;
pub mod elbv2;
pub mod error;
pub mod guardduty;
pub mod guardrails;
pub mod iam;
pub mod kit;
pub mod kms;
pub mod logs;
pub mod policy;
pub mod prices;
pub mod rds;
pub mod s3;
pub mod secretsmanager;
pub mod sensitive;
pub mod sns;
pub mod ssm;
pub mod tags;
pub mod wafv2;
pub mod wait;

pub use context::{AwsContext, Connection};

/// Every kind this crate implements, by KIND: what the engine needs to delete a resource that
/// left the program. Each kind registers itself in its own file (`crate::kit::kind!`).
pub fn registry() -> engine::Registry {
    kit::registry()
}
