//! Where alarms go: one SNS topic per environment, encrypted with a customer managed KMS key
//! whose policy lets CloudWatch and AWS Budgets use it (AWS's own `alias/aws/sns` key does
//! not: alarms could not publish), and the environment's e-mail subscribers. A subscription
//! stays pending until its owner confirms it; that is a status, not drift.

use super::iam::REGION;
use crate::env::Env;
use engine::{Handle, Stack};
use resources::kms::{publish_key_policy, Key};
use resources::sns::{alarm_publish_policy, Subscription, SubscriptionProtocol, Topic};

/// The services that publish to the alarm topic.
pub const PUBLISHERS: &[&str] = &["cloudwatch.amazonaws.com", "budgets.amazonaws.com"];

/// The alarm topic; alarms and the budget name its ARN.
pub fn declare(stack: &mut Stack, env: &Env) -> Handle<Topic> {
    let key = stack.add(
        "alarms-key",
        Key {
            description: format!("{}: encrypts the alarm topic; CloudWatch and Budgets may publish", env.name),
            policy: publish_key_policy(env.account, PUBLISHERS).into(),
            enable_key_rotation: true,
            ..Default::default()
        },
    );
    let name = env.prefixed("alarms");
    let arn = format!("arn:aws:sns:{REGION}:{}:{name}", env.account);
    let topic = stack.add(
        "alarms-topic",
        Topic {
            name: name.clone(),
            display_name: format!("Plinth {} alarms", env.name),
            kms_master_key_id: Some(key.output(|o| o.arn.clone())),
            policy: Some(alarm_publish_policy(&arn, env.account)),
            ..Default::default()
        },
    );
    for (i, email) in env.observability.alarm_emails.iter().enumerate() {
        stack.add(
            format!("alarms-email-{i}"),
            Subscription {
                topic_arn: topic.output(|o| o.arn.clone()),
                protocol: SubscriptionProtocol::Email,
                endpoint: email.to_string().into(),
            },
        );
    }
    topic
}
