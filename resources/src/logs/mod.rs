//! CloudWatch Logs kinds: log groups ([`LogGroup`]), and what they share: the tag API
//! ([`tags`], by ARN) and the finder by name.

pub mod tags;

mod log_group;

pub use aws_sdk_cloudwatchlogs as sdk;
pub use log_group::{LogGroup, LogGroupOutputs, RETENTION_DAYS};

use crate::error::classify;
use crate::AwsContext;
use engine::{ErrorClass, ProviderError};

crate::service_client!(logs, aws_sdk_cloudwatchlogs);

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the CloudWatch Logs response has no {what}"))
}

/// The log group called exactly `name`, or `None` (DescribeLogGroups by prefix, paged).
pub async fn find_log_group(cx: &AwsContext, name: &str) -> Result<Option<sdk::types::LogGroup>, ProviderError> {
    let mut token: Option<String> = None;
    loop {
        let call = cx.logs().describe_log_groups().log_group_name_prefix(name).set_next_token(token.clone());
        let out = call.send().await.map_err(|e| classify("DescribeLogGroups", e))?;
        if let Some(found) = out.log_groups().iter().find(|g| g.log_group_name() == Some(name)) {
            return Ok(Some(found.clone()));
        }
        match out.next_token() {
            Some(next) if !next.is_empty() && !out.log_groups().is_empty() => token = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// The group's ARN without the `:*` DescribeLogGroups appends to `arn`: what ListTagsForResource,
/// WAF logging and IAM policies on the group itself name. `logGroupArn` where the answer has it.
pub fn group_arn(group: &sdk::types::LogGroup) -> Option<String> {
    group.log_group_arn().or(group.arn()).map(|arn| arn.strip_suffix(":*").unwrap_or(arn).to_string())
}
