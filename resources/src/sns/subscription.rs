//! `aws:sns:Subscription`: one endpoint (an e-mail address, an HTTPS URL, a queue, a function)
//! subscribed to a topic. Every field forces a replacement (SNS changes none of them in place).
//!
//! Subscribe is sent with `ReturnSubscriptionArn=true`, so even a subscription that waits for
//! its endpoint's confirmation (e-mail, e-mail-JSON, HTTP/S) has its real ARN from the start.
//! Waiting for confirmation is a status, not drift: the outputs say `pending_confirmation`, the
//! inputs read back unchanged. Subscribe is idempotent in AWS (a second call for the same topic,
//! protocol and endpoint answers the same subscription), so it needs no idempotency token.
//!
//! # Ownership
//! A subscription has no tags. SNS keeps at most one subscription per (topic, protocol,
//! endpoint), and the topic is a tagged object: a subscription is this resource's exactly when
//! it is the one for this protocol and endpoint on a topic whose `plinth:stack` is this stack.
//! `find` proves that from the topic's live tags (a topic of another stack, or of none, is
//! `Err(NotOwned)` naming it) and then looks the pair up with ListSubscriptionsByTopic.
//!
//! # Deleting a subscription pending confirmation
//! AWS refuses to unsubscribe a subscription that is still pending confirmation (InvalidParameter);
//! it deletes it itself 48 hours after it was made, or with its topic (DeleteTopic removes every
//! subscription of the topic). Until then anyone holding the confirmation link can still confirm
//! it. `delete` does as Terraform's provider does: it forgets the pending subscription and logs a
//! warning saying that AWS removes it within 48 hours (at once when its topic goes, as on
//! `destroy`), so a stack whose subscriber never confirmed can still be destroyed.
//!
//! Emulator gaps (moto 5.2.5): every subscription is confirmed at once, ListSubscriptionsByTopic
//! shows pending ones with their real ARN, and Unsubscribe deletes pending ones;
//! `scripts/moto_patches/sns.py` gives e-mail and HTTP/S subscriptions AWS's pending state.

use super::{missing, sdk};
use crate::error::{absent_if, classify};
use crate::tags;
use crate::AwsContext;
use aws_sdk_sns::operation::get_subscription_attributes::GetSubscriptionAttributesError;
use aws_sdk_sns::operation::list_subscriptions_by_topic::ListSubscriptionsByTopicError;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, STACK_TAG};
use serde::{Deserialize, Serialize};

pub use values::SubscriptionProtocol;

/// What ListSubscriptionsByTopic shows instead of the ARN of a subscription pending confirmation.
const PENDING_ARN: &str = "PendingConfirmation";

/// Enumerations whose values the SDK carries as plain strings.
#[allow(clippy::ptr_arg)]
mod values {
    use crate::kit::enums::aws_enum;

    aws_enum! {
        /// How SNS delivers to the endpoint.
        pub enum SubscriptionProtocol: String {
            Email = "email",
            EmailJson = "email-json",
            Https = "https",
            Http = "http",
            Sqs = "sqs",
            Lambda = "lambda",
            Firehose = "firehose",
            Application = "application",
            Sms = "sms",
        }
    }
}

impl SubscriptionProtocol {
    /// Protocols whose endpoint is an ARN (a queue, a function, a stream, an app endpoint).
    fn takes_arn(self) -> bool {
        matches!(self, Self::Sqs | Self::Lambda | Self::Firehose | Self::Application)
    }
}

/// A subscription of an endpoint to a topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subscription {
    /// The topic's ARN (`aws:sns:Topic` output `arn`).
    pub topic_arn: Input<String>,
    pub protocol: SubscriptionProtocol,
    /// An e-mail address, a URL, a phone number or an ARN, as the protocol wants.
    pub endpoint: Input<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionOutputs {
    /// The subscription's ARN (`PendingConfirmation` only for a pending subscription this
    /// resource found but did not make: SNS lists no ARN for those).
    pub arn: String,
    /// The endpoint has not confirmed yet (e-mail, HTTP/S): a status, not drift.
    pub pending_confirmation: bool,
}

impl Resource for Subscription {
    const KIND: &'static str = "aws:sns:Subscription";
    const SERVICE: &'static str = "sns";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["topic_arn", "protocol", "endpoint"];
    type Outputs = SubscriptionOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &SubscriptionOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match self.topic_arn.known() {
            Some(arn) if super::topic_name_of(arn).is_none() => {
                problems.push(format!("topic_arn `{arn}` is not an SNS topic ARN"));
            }
            _ => {}
        }
        if let Some(endpoint) = self.endpoint.known() {
            problems.extend(endpoint_problem(self.protocol, endpoint));
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<SubscriptionOutputs, ProviderError> {
        let call = cx
            .sns()
            .subscribe()
            .topic_arn(self.topic_arn.as_str())
            .protocol(self.protocol.as_str())
            .endpoint(self.endpoint.as_str())
            .return_subscription_arn(true);
        let out = call.send().await.map_err(|e| classify("Subscribe", e))?;
        let arn = out.subscription_arn().ok_or_else(|| missing("Subscribe subscription ARN"))?;
        let live = attributes(cx, arn).await?.ok_or_else(|| missing("subscription after Subscribe"))?;
        Ok(live.outputs())
    }

    async fn read(&self, out: &SubscriptionOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = self.locate(cx, out).await? else { return Ok(None) };
        let seen = Subscription {
            topic_arn: Input::Value(live.topic_arn.clone()),
            protocol: live.protocol.unwrap_or(self.protocol),
            endpoint: Input::Value(live.endpoint.clone()),
        };
        Ok(Some(Observed { inputs: seen, outputs: live.outputs() }))
    }

    async fn update(
        &self,
        _old: &Self,
        out: &SubscriptionOutputs,
        _cx: &AwsContext,
    ) -> Result<SubscriptionOutputs, ProviderError> {
        // Every field forces a replacement: nothing changes in place.
        Ok(out.clone())
    }

    async fn delete(&self, out: &SubscriptionOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let Some(live) = self.locate(cx, out).await? else { return Ok(()) };
        if live.pending && live.arn.is_none() {
            return {
                forget_pending(out, None);
                Ok(())
            };
        }
        let arn = live.arn.clone().unwrap_or_else(|| out.arn.clone());
        match cx.sns().unsubscribe().subscription_arn(&arn).send().await.map_err(|e| classify("Unsubscribe", e)) {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) if live.pending && e.class == ErrorClass::Invalid => {
                forget_pending(out, Some(e));
                Ok(())
            },
            Err(e) => Err(e),
        }
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<SubscriptionOutputs>, ProviderError> {
        let topic = self.topic_arn.as_str();
        let Some(topic_tags) = topic_tags(cx, topic).await? else { return Ok(None) };
        if topic_tags.get(STACK_TAG) != Some(&meta.stack) {
            let has =
                topic_tags.get(STACK_TAG).map_or("no plinth:stack tag".to_string(), |s| format!("{STACK_TAG}={s}"));
            let message = format!(
                "the subscription of {}:{} to SNS topic {topic} is not resource `{}` of stack `{}`: the topic is not \
                 this stack's (it has {has}); Plinth will not adopt, change or delete it",
                self.protocol,
                self.endpoint.as_str(),
                meta.name,
                meta.stack
            );
            return Err(ProviderError::new(ErrorClass::NotOwned, message));
        }
        let listed = self.listed(cx).await?;
        Ok(listed.map(|l| l.outputs()))
    }
}

/// A subscription as SNS reports it.
#[derive(Debug, Clone)]
struct Live {
    /// `None` while SNS lists it as pending without an ARN.
    arn: Option<String>,
    topic_arn: String,
    protocol: Option<SubscriptionProtocol>,
    endpoint: String,
    pending: bool,
}

impl Live {
    fn outputs(&self) -> SubscriptionOutputs {
        SubscriptionOutputs {
            arn: self.arn.clone().unwrap_or_else(|| PENDING_ARN.to_string()),
            pending_confirmation: self.pending,
        }
    }
}

impl Subscription {
    /// The live subscription: by its ARN when the outputs have one, else by (protocol, endpoint)
    /// on the topic; `None` when it is gone.
    async fn locate(&self, cx: &AwsContext, out: &SubscriptionOutputs) -> Result<Option<Live>, ProviderError> {
        if out.arn != PENDING_ARN {
            return attributes(cx, &out.arn).await;
        }
        let Some(listed) = self.listed(cx).await? else { return Ok(None) };
        match &listed.arn {
            Some(arn) => attributes(cx, arn).await,
            None => Ok(Some(listed)),
        }
    }

    /// The topic's subscription for this protocol and endpoint (ListSubscriptionsByTopic,
    /// paged), or `None` (also when the topic is gone).
    async fn listed(&self, cx: &AwsContext) -> Result<Option<Live>, ProviderError> {
        let (topic, endpoint) = (self.topic_arn.as_str(), self.endpoint.as_str());
        let mut token: Option<String> = None;
        loop {
            let call = cx.sns().list_subscriptions_by_topic().topic_arn(topic).set_next_token(token.clone());
            let out = call.send().await;
            let Some(out) =
                absent_if("ListSubscriptionsByTopic", out, ListSubscriptionsByTopicError::is_not_found_exception)?
            else {
                return Ok(None);
            };
            let mine = |s: &&sdk::types::Subscription| {
                s.protocol() == Some(self.protocol.as_str()) && s.endpoint() == Some(endpoint)
            };
            if let Some(found) = out.subscriptions().iter().find(mine) {
                let arn = found.subscription_arn().filter(|a| a.starts_with("arn:")).map(str::to_string);
                let pending = found.subscription_arn() == Some(PENDING_ARN);
                let live = Live {
                    arn,
                    topic_arn: topic.to_string(),
                    protocol: Some(self.protocol),
                    endpoint: endpoint.to_string(),
                    pending,
                };
                return Ok(Some(live));
            }
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(None),
            }
        }
    }
}

/// GetSubscriptionAttributes of `arn`, or `None` when the subscription is gone.
async fn attributes(cx: &AwsContext, arn: &str) -> Result<Option<Live>, ProviderError> {
    let out = cx.sns().get_subscription_attributes().subscription_arn(arn).send().await;
    let Some(out) =
        absent_if("GetSubscriptionAttributes", out, GetSubscriptionAttributesError::is_not_found_exception)?
    else {
        return Ok(None);
    };
    let attrs = out.attributes().cloned().unwrap_or_default();
    let get = |key: &str| attrs.get(key).cloned().unwrap_or_default();
    Ok(Some(Live {
        arn: Some(arn.to_string()),
        topic_arn: get("TopicArn"),
        protocol: SubscriptionProtocol::from_sdk(&get("Protocol")),
        endpoint: get("Endpoint"),
        pending: get("PendingConfirmation").eq_ignore_ascii_case("true"),
    }))
}

/// The topic's live tags, or `None` when the topic is gone.
async fn topic_tags(cx: &AwsContext, topic_arn: &str) -> Result<Option<engine::Tags>, ProviderError> {
    match tags::read::<super::tags::Sns>(cx, topic_arn).await {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Why a subscription pending confirmation cannot be deleted yet, in words the user can act on.
/// A pending subscription cannot be unsubscribed: say what happens to it instead.
fn forget_pending(out: &SubscriptionOutputs, cause: Option<ProviderError>) {
    tracing::warn!(
        subscription = %out.arn,
        cause = cause.map(|e| e.message).unwrap_or_default(),
        "SNS subscription is pending confirmation and AWS does not unsubscribe a pending subscription: \
         AWS deletes it 48 hours after it was made unless its endpoint confirms it first, and deleting its \
         topic deletes it at once; Plinth forgets it"
    );
}

/// What is wrong with `endpoint` for `protocol`, if anything.
fn endpoint_problem(protocol: SubscriptionProtocol, endpoint: &str) -> Option<String> {
    use SubscriptionProtocol as P;
    let ok = match protocol {
        P::Email | P::EmailJson => endpoint.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.')),
        P::Https => endpoint.starts_with("https://"),
        P::Http => endpoint.starts_with("http://"),
        P::Sms => endpoint.trim_start_matches('+').chars().all(|c| c.is_ascii_digit()) && endpoint.len() > 1,
        p if p.takes_arn() => endpoint.starts_with("arn:"),
        _ => !endpoint.is_empty(),
    };
    let wanted = match protocol {
        P::Email | P::EmailJson => "an e-mail address",
        P::Https => "an https:// URL",
        P::Http => "an http:// URL",
        P::Sms => "a phone number in E.164 form (+ and digits)",
        _ => "an ARN",
    };
    (!ok).then(|| format!("endpoint `{endpoint}` is not {wanted}, as protocol {protocol} needs"))
}

crate::kit::kind!(Subscription);

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alarms";

    fn sub(protocol: SubscriptionProtocol, endpoint: &str) -> Subscription {
        Subscription { topic_arn: TOPIC.into(), protocol, endpoint: endpoint.into() }
    }

    #[test]
    fn endpoints_must_fit_the_protocol() {
        assert!(sub(SubscriptionProtocol::Email, "ops@example.com").validate().is_empty());
        assert!(sub(SubscriptionProtocol::Sqs, "arn:aws:sqs:us-east-1:123456789012:q").validate().is_empty());
        assert!(sub(SubscriptionProtocol::Https, "https://hooks.example.com/x").validate().is_empty());
        for (protocol, endpoint) in [
            (SubscriptionProtocol::Email, "ops"),
            (SubscriptionProtocol::Https, "http://insecure.example.com"),
            (SubscriptionProtocol::Lambda, "my-function"),
            (SubscriptionProtocol::Sms, "call me"),
        ] {
            let problems = sub(protocol, endpoint).validate();
            assert_eq!(problems.len(), 1, "{protocol} {endpoint}: {problems:?}");
            assert!(problems[0].starts_with(&format!("endpoint `{endpoint}`")), "{problems:?}");
        }
        let bad_topic = Subscription { topic_arn: "alarms".into(), ..sub(SubscriptionProtocol::Email, "a@b.co") };
        assert_eq!(bad_topic.validate(), ["topic_arn `alarms` is not an SNS topic ARN"]);
    }

    #[test]
    fn protocols_serialize_as_sns_spells_them() {
        assert_eq!(serde_json::to_value(SubscriptionProtocol::EmailJson).expect("json"), "email-json");
        assert_eq!(SubscriptionProtocol::from_sdk(&"https".to_string()), Some(SubscriptionProtocol::Https));
    }
}
