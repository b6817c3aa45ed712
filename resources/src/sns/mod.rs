//! SNS kinds: topics ([`Topic`]) and their subscriptions ([`Subscription`]), and what they
//! share: the tag API ([`tags`], by topic ARN), the topic finder by name and attribute read, and
//! the topic policy that lets CloudWatch alarms and budgets publish ([`alarm_publish_policy`]).

pub mod tags;

mod subscription;
mod topic;

pub use aws_sdk_sns as sdk;
pub use subscription::{Subscription, SubscriptionOutputs, SubscriptionProtocol};
pub use topic::{default_policy, Topic, TopicOutputs};

use crate::error::{absent_if, classify};
use crate::AwsContext;
use aws_sdk_sns::operation::get_topic_attributes::GetTopicAttributesError;
use engine::{ErrorClass, ProviderError};
use serde_json::json;
use std::collections::HashMap;

crate::service_client!(sns, aws_sdk_sns);

crate::error_codes!(
    "sns",
    AccessDenied: ["AuthorizationError"],
    Throttled: ["Throttled"],
    Conflict: ["ConcurrentAccess"],
);

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the SNS response has no {what}"))
}

/// The last part of a topic ARN (`arn:aws:sns:<region>:<account>:<name>`): its name.
pub fn topic_name_of(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    (parts.len() == 6 && parts[0] == "arn" && parts[2] == "sns").then(|| parts[5])
}

/// The account part of an SNS ARN (a topic's or a subscription's).
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The ARN of the topic called `name` in this account and region, or `None` (ListTopics, paged:
/// names are unique per account and region, the ARN ends with `:<name>`).
pub async fn find_topic_arn(cx: &AwsContext, name: &str) -> Result<Option<String>, ProviderError> {
    let mut token: Option<String> = None;
    loop {
        let out = cx.sns().list_topics().set_next_token(token.clone()).send().await;
        let out = out.map_err(|e| classify("ListTopics", e))?;
        let found = out.topics().iter().filter_map(|t| t.topic_arn()).find(|arn| topic_name_of(arn) == Some(name));
        if let Some(arn) = found {
            return Ok(Some(arn.to_string()));
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// The topic's attributes (GetTopicAttributes), or `None` when the topic is gone.
pub async fn topic_attributes(cx: &AwsContext, arn: &str) -> Result<Option<HashMap<String, String>>, ProviderError> {
    let out = cx.sns().get_topic_attributes().topic_arn(arn).send().await;
    let out = absent_if("GetTopicAttributes", out, GetTopicAttributesError::is_not_found_exception)?;
    Ok(out.map(|o| o.attributes().cloned().unwrap_or_default()))
}

/// The topic policy that lets CloudWatch alarms (`cloudwatch.amazonaws.com`) and AWS Budgets
/// (`budgets.amazonaws.com`) publish to `topic_arn`, only on behalf of `account_id`
/// (`aws:SourceAccount`), and the account itself manage the topic (AWS's default statement).
/// Put it in [`Topic::policy`].
pub fn alarm_publish_policy(topic_arn: &str, account_id: &str) -> String {
    let default = default_policy(topic_arn, account_id);
    let mut doc: serde_json::Value = serde_json::from_str(&default).unwrap_or_else(|_| json!({ "Statement": [] }));
    let publish = json!({
        "Sid": "AllowAlarmsAndBudgetsToPublish",
        "Effect": "Allow",
        "Principal": { "Service": ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"] },
        "Action": "SNS:Publish",
        "Resource": topic_arn,
        "Condition": { "StringEquals": { "aws:SourceAccount": account_id } },
    });
    if let Some(list) = doc.get_mut("Statement").and_then(|s| s.as_array_mut()) {
        list.push(publish);
    }
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:sns:us-east-1:123456789012:alarms";

    #[test]
    fn arns_give_their_name_and_account() {
        assert_eq!(topic_name_of(ARN), Some("alarms"));
        assert_eq!(topic_name_of("arn:aws:sqs:us-east-1:123456789012:alarms"), None);
        assert_eq!(topic_name_of(&format!("{ARN}:1f0c")), None, "a subscription ARN is no topic");
        assert_eq!(account_of(ARN), Some("123456789012"));
    }

    #[test]
    fn the_alarm_policy_lets_cloudwatch_and_budgets_publish_for_the_account_only() {
        let doc: serde_json::Value = serde_json::from_str(&alarm_publish_policy(ARN, "123456789012")).expect("json");
        let statements = doc["Statement"].as_array().expect("statements");
        let publish = statements.iter().find(|s| s["Sid"] == "AllowAlarmsAndBudgetsToPublish").expect("statement");
        assert_eq!(publish["Principal"]["Service"], json!(["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]));
        assert_eq!(publish["Action"], "SNS:Publish");
        assert_eq!(publish["Resource"], ARN);
        assert_eq!(publish["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012");
        assert!(statements.iter().any(|s| s["Sid"] == "__default_statement_ID"), "the owner keeps managing it");
    }
}
