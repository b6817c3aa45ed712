//! CloudWatch Logs kinds: log groups ([`LogGroup`]) and their metric filters ([`MetricFilter`]),
//! and what they share: the tag API ([`tags`], by ARN), the finder by name and the ownership rule
//! of the untaggable filters ([`prove_group_stack`]: their log group's `plinth:stack`).

pub mod tags;

mod log_group;
mod metric_filter;

pub use aws_sdk_cloudwatchlogs as sdk;
pub use log_group::{LogGroup, LogGroupOutputs, RETENTION_DAYS};
pub use metric_filter::{MetricFilter, MetricFilterOutputs, MetricTransformation, MetricUnit};

use crate::error::classify;
use crate::AwsContext;
use engine::{ErrorClass, Meta, ProviderError, Tags};

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

/// `Ok(())` when log group `group` carries `plinth:stack` = `meta.stack` (its tags read just
/// now); otherwise `Err(NotOwned)` naming `object` and the group's tags. A group that is gone has
/// no tags, so nothing on it is adopted.
pub async fn prove_group_stack(cx: &AwsContext, group: &str, object: &str, meta: &Meta) -> Result<(), ProviderError> {
    let live = match find_log_group(cx, group).await?.as_ref().and_then(group_arn) {
        Some(arn) => crate::tags::read::<tags::Logs>(cx, &arn).await?,
        None => Tags::new(),
    };
    crate::kit::prove_parent_stack(object, &format!("log group {group}"), &live, meta)
}
