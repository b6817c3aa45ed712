//! `aws:sns:Topic`: a standard SNS topic that alarms and budgets publish to, with an optional
//! display name (the sender name of e-mail notifications), KMS encryption (`KmsMasterKeyId`) and
//! access policy. The name is unique per account and region, so a rename deletes first; the
//! attributes change in place (SetTopicAttributes), tags by ARN (TagResource / UntagResource).
//!
//! CreateTopic is idempotent by name in AWS: for a name that is already taken it answers the
//! existing topic's ARN (or refuses, when that topic has other tags or attributes). So `create`
//! reports the topic it got only when it carries exactly the tags the call sent (`plinth:*`
//! included; otherwise `Err(NotOwned)` naming it), and `find` adopts a topic by name only when its
//! tags prove ownership (`kit::adopt`).
//!
//! The policy is compared by meaning (`crate::policy`). A topic without a policy of its own has
//! AWS's default one ([`default_policy`]): a program that sets none reads back `None` while the
//! live policy is that default, and removing a policy writes the default back.
//!
//! Emulator gap (moto 5.2.5): CreateTopic for a taken name returns the existing topic even when
//! its tags or attributes differ; `scripts/moto_patches/sns.py` refuses it as AWS does.

use super::tags::Sns;
use super::{account_of, find_topic_arn, missing, topic_attributes, topic_name_of};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::import::found;
use crate::kit::retry::no_retry;
use crate::policy::{decode_document, observed_document, same_policy};
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

const DISPLAY_NAME: &str = "DisplayName";
const KMS_KEY: &str = "KmsMasterKeyId";
const POLICY: &str = "Policy";

/// An SNS topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Topic {
    /// 1 to 256 letters, digits, `-` or `_`; unique per account and region.
    pub name: String,
    /// Up to 100 characters; empty for none.
    pub display_name: String,
    /// The KMS key (id, alias or ARN) that encrypts messages at rest; `None` for no encryption.
    pub kms_master_key_id: Option<Input<String>>,
    /// The topic's access policy (JSON); `None` for AWS's default ([`default_policy`]).
    /// [`super::alarm_publish_policy`] builds the one alarms and budgets need.
    pub policy: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicOutputs {
    pub name: String,
    /// `arn:aws:sns:<region>:<account>:<name>`: what alarms, budgets and subscriptions name.
    pub arn: String,
}

impl Resource for Topic {
    const KIND: &'static str = "aws:sns:Topic";
    const SERVICE: &'static str = "sns";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = TopicOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &TopicOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if self.name.is_empty() || self.name.len() > 256 || !self.name.chars().all(allowed) {
            problems.push(format!("name `{}` must be 1 to 256 letters, digits, `-` or `_`", self.name));
        }
        if self.display_name.chars().count() > 100 {
            problems.push("display_name must be at most 100 characters".to_string());
        }
        if self.kms_master_key_id.as_ref().and_then(Input::known).is_some_and(|k| k.trim().is_empty()) {
            problems.push("kms_master_key_id must not be empty (use None for no encryption)".to_string());
        }
        if let Some(policy) = &self.policy {
            if let Err(e) = decode_document(policy) {
                problems.push(format!("policy: {}", e.message));
            }
        }
        problems
    }

    async fn create(&self, meta: &Meta, cx: &AwsContext) -> Result<TopicOutputs, ProviderError> {
        let mut attributes = HashMap::new();
        if !self.display_name.is_empty() {
            attributes.insert(DISPLAY_NAME.to_string(), self.display_name.clone());
        }
        if let Some(key) = self.kms_key() {
            attributes.insert(KMS_KEY.to_string(), key);
        }
        if let Some(policy) = &self.policy {
            attributes.insert(POLICY.to_string(), policy.clone());
        }
        let call = cx
            .sns()
            .create_topic()
            .name(&self.name)
            .set_attributes(Some(attributes).filter(|a| !a.is_empty()))
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_sns)).send().await;
        let out = out.map_err(|e| classify("CreateTopic", e))?;
        let arn = out.topic_arn().ok_or_else(|| missing("CreateTopic topic ARN"))?.to_string();
        // A taken name answers the existing topic: report it only when it carries exactly the
        // tags asked for (`plinth:*` included), which a topic made out of band does not.
        let live = tags::read::<Sns>(cx, &arn).await?;
        if live != self.tags {
            return Err(taken(&arn, &live, meta));
        }
        Ok(TopicOutputs { name: self.name.clone(), arn })
    }

    async fn read(&self, out: &TopicOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(attributes) = topic_attributes(cx, &out.arn).await? else { return Ok(None) };
        let live = |key: &str| attributes.get(key).filter(|v| !v.is_empty()).cloned();
        let seen = Topic {
            name: out.name.clone(),
            display_name: live(DISPLAY_NAME).unwrap_or_default(),
            kms_master_key_id: live(KMS_KEY).map(Input::Value),
            policy: observed_policy(self.policy.as_deref(), live(POLICY).as_deref(), &out.arn),
            tags: tags::read::<Sns>(cx, &out.arn).await?,
        };
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(&self, old: &Self, out: &TopicOutputs, cx: &AwsContext) -> Result<TopicOutputs, ProviderError> {
        if self.display_name != old.display_name {
            set_attribute(cx, &out.arn, DISPLAY_NAME, &self.display_name).await?;
        }
        if self.kms_key() != old.kms_key() {
            // An empty key turns encryption off.
            set_attribute(cx, &out.arn, KMS_KEY, &self.kms_key().unwrap_or_default()).await?;
        }
        if self.policy != old.policy {
            let account = account_of(&out.arn).ok_or_else(|| missing("account in the topic ARN"))?;
            let policy = self.policy.clone().unwrap_or_else(|| default_policy(&out.arn, account));
            set_attribute(cx, &out.arn, POLICY, &policy).await?;
        }
        tags::sync::<Sns>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &TopicOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        // DeleteTopic is idempotent in AWS (a missing topic is no error); NotFound is Ok too.
        let deleted = cx.sns().delete_topic().topic_arn(&out.arn).send().await;
        ok_if_not_found(deleted.map(|_| ()).map_err(|e| classify("DeleteTopic", e)))
    }

    /// `id` is the topic's ARN (its cloud id).
    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<TopicOutputs, ProviderError> {
        found(Self::KIND, id, topic_attributes(cx, id).await?)?;
        let name = topic_name_of(id).ok_or_else(|| missing("topic name in the ARN"))?;
        Ok(TopicOutputs { name: name.to_string(), arn: id.to_string() })
    }

    async fn write_tags(out: &TopicOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Sns>(cx, &out.arn, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<TopicOutputs>, ProviderError> {
        let Some(arn) = find_topic_arn(cx, &self.name).await? else { return Ok(None) };
        let live = tags::read::<Sns>(cx, &arn).await?;
        adopt(&format!("SNS topic {arn}"), &live, meta, TopicOutputs { name: self.name.clone(), arn })
    }
}

impl Topic {
    fn kms_key(&self) -> Option<String> {
        self.kms_master_key_id.as_ref().map(|k| k.value().clone())
    }
}

/// CreateTopic answered a topic that already held the name with other tags.
fn taken(arn: &str, live: &Tags, meta: &Meta) -> ProviderError {
    let message = engine::ownership::not_owned_message(
        &format!("SNS topic {arn} (CreateTopic answered the existing topic)"),
        live,
        meta,
    );
    ProviderError::new(engine::ErrorClass::NotOwned, message)
}

async fn set_attribute(cx: &AwsContext, arn: &str, name: &str, value: &str) -> Result<(), ProviderError> {
    let call = cx.sns().set_topic_attributes().topic_arn(arn).attribute_name(name).attribute_value(value);
    call.send().await.map_err(|e| classify("SetTopicAttributes", e))?;
    Ok(())
}

/// The policy AWS gives a topic that has none of its own: the owning account may manage,
/// subscribe to and publish to the topic.
pub fn default_policy(topic_arn: &str, account_id: &str) -> String {
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": { "AWS": "*" },
            "Action": [
                "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish",
            ],
            "Resource": topic_arn,
            "Condition": { "StringEquals": { "AWS:SourceOwner": account_id } },
        }],
    })
    .to_string()
}

/// What `read` reports for the policy: `None` while a program without one sees AWS's default,
/// the program's text while the live policy means the same, the live one otherwise.
fn observed_policy(program: Option<&str>, live: Option<&str>, arn: &str) -> Option<String> {
    let live = live?;
    match program {
        Some(program) => Some(observed_document(program, live)),
        None => {
            let default = account_of(arn).map(|account| default_policy(arn, account));
            if default.is_some_and(|d| same_policy(&d, live)) {
                None
            } else {
                Some(observed_document(live, live))
            }
        }
    }
}

crate::kit::kind!(Topic, documents: ["policy"]);

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:sns:us-east-1:123456789012:alarms";

    #[test]
    fn names_display_names_and_policies_are_checked() {
        let ok = Topic { name: "alarms".into(), ..Default::default() };
        assert!(ok.validate().is_empty());
        let bad = Topic {
            name: "alarms.fifo".into(),
            display_name: "x".repeat(101),
            kms_master_key_id: Some("".into()),
            policy: Some("{not json".into()),
            tags: Tags::new(),
        };
        let problems = bad.validate();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("name `alarms.fifo`"));
        assert!(problems[1].starts_with("display_name"));
        assert!(problems[2].starts_with("kms_master_key_id"));
        assert!(problems[3].starts_with("policy:"));
    }

    #[test]
    fn the_default_policy_reads_as_none_and_others_as_themselves() {
        let default = default_policy(ARN, "123456789012");
        assert_eq!(observed_policy(None, Some(&default), ARN), None);
        assert_eq!(observed_policy(None, None, ARN), None);
        let ours = super::super::alarm_publish_policy(ARN, "123456789012");
        let reordered: serde_json::Value = serde_json::from_str(&ours).expect("json");
        assert_eq!(observed_policy(Some(&ours), Some(&reordered.to_string()), ARN), Some(ours.clone()));
        let drifted = observed_policy(None, Some(&ours), ARN).expect("a policy of its own is reported");
        assert!(same_policy(&drifted, &ours));
        assert!(!same_policy(&default, &ours));
    }
}
