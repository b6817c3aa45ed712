//! CloudWatch Logs kinds: log groups.

pub use aws_sdk_cloudwatchlogs as sdk;

crate::service_client!(logs, aws_sdk_cloudwatchlogs);
