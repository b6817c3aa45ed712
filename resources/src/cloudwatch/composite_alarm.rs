//! `aws:cloudwatch:CompositeAlarm`: an alarm whose state is a rule over other alarms' states
//! (`ALARM("api-5xx") AND ALARM("api-latency")`), notifying action ARNs like a metric alarm.
//!
//! The name is unique in the region (shared with metric alarms): a rename deletes first.
//! PutCompositeAlarm is an upsert, so the rule, description and actions change in place; tags go
//! on the creating call (AWS ignores them on updates) and change by TagResource / UntagResource.
//! The rule names alarms as strings: a program orders the composite after the alarms it watches
//! with `depends_on` (AWS refuses to delete an alarm a composite rule still names).
//!
//! # Guarantees
//! * Create refuses (AlreadyExists) an alarm of that name that already exists, and is sent
//!   without blind retries (`no_retry!`).
//!
//! Emulator gap (moto 5.2.5): PutCompositeAlarm is missing (moto keeps composite alarms in its
//! model but has no handler); `scripts/moto_patches/cloudwatch.py` adds it with AWS's semantics.

use super::tags::CloudWatch;
use super::{alarm_arn, delete_alarm, find_alarm, shared_problems};
use super::{observed_actions, refuse_existing, sent_actions, LiveAlarm};
use crate::error::classify;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_cloudwatch::operation::put_composite_alarm::builders::PutCompositeAlarmFluentBuilder;
use aws_sdk_cloudwatch::types::AlarmType;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// The state functions a rule may use, and its constants.
const RULE_WORDS: &[&str] = &["ALARM(", "OK(", "INSUFFICIENT_DATA(", "TRUE", "FALSE"];

/// A composite alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompositeAlarm {
    /// 1 to 255 characters; unique in the region among all alarms.
    pub name: String,
    pub description: String,
    /// The alarm rule: `ALARM(name)`, `OK(name)`, `INSUFFICIENT_DATA(name)`, `TRUE`, `FALSE`,
    /// combined with `AND`, `OR`, `NOT` and parentheses; at most 10240 characters.
    pub rule: String,
    pub alarm_actions: Vec<Input<String>>,
    pub ok_actions: Vec<Input<String>>,
    pub insufficient_data_actions: Vec<Input<String>>,
    pub actions_enabled: bool,
    pub tags: Tags,
}

impl Default for CompositeAlarm {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            rule: String::new(),
            alarm_actions: Vec::new(),
            ok_actions: Vec::new(),
            insufficient_data_actions: Vec::new(),
            actions_enabled: true,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompositeAlarmOutputs {
    pub name: String,
    pub arn: String,
}

impl Resource for CompositeAlarm {
    const KIND: &'static str = "aws:cloudwatch:CompositeAlarm";
    const SERVICE: &'static str = "cloudwatch";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const PRICED: bool = true;
    const READ_BATCH: usize = super::ALARM_READ_BATCH;
    type Outputs = CompositeAlarmOutputs;
    type Context = AwsContext;

    /// One composite alarm.
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let cw = &crate::prices::table().cloudwatch;
        let item = engine::cost::CostItem::new("composite alarm", 1.0, "alarms", cw.composite_alarm_month);
        Ok(crate::prices::estimate(vec![item], vec![]))
    }

    fn cloud_id(outputs: &CompositeAlarmOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let actions = [
            ("alarm_actions", &self.alarm_actions[..]),
            ("ok_actions", &self.ok_actions[..]),
            ("insufficient_data_actions", &self.insufficient_data_actions[..]),
        ];
        let mut problems = shared_problems(&self.name, &self.description, actions);
        problems.extend(rule_problems(&self.rule));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<CompositeAlarmOutputs, ProviderError> {
        refuse_existing(cx, &self.name).await?;
        let call = self.put(cx).set_tags(tags::to_sdk(&self.tags)?);
        let sent = call.customize().config_override(no_retry!(aws_sdk_cloudwatch)).send().await;
        sent.map_err(|e| classify("PutCompositeAlarm", e))?;
        let arn = alarm_arn(cx, &self.name).await?;
        Ok(CompositeAlarmOutputs { name: self.name.clone(), arn })
    }

    async fn read(
        &self,
        out: &CompositeAlarmOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        crate::kit::only_result(Self::read_batch(vec![(self.clone(), out.clone())], cx).await, &out.name)
    }

    /// One DescribeAlarms for the batch, each alarm's tags read at the same time.
    async fn read_batch(
        batch: Vec<(Self, CompositeAlarmOutputs)>,
        cx: &AwsContext,
    ) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        let observe = |r: &Self,
                       out: &CompositeAlarmOutputs,
                       alarm: LiveAlarm,
                       tags: Tags|
         -> Result<Observed<Self>, ProviderError> {
            let LiveAlarm::Composite(live) = alarm else { return Err(super::missing("composite alarm")) };
            Ok(Observed { inputs: r.observed(&live, tags), outputs: out.clone() })
        };
        let name_and_arn: fn(&CompositeAlarmOutputs) -> (&str, &str) = |out| (out.name.as_str(), out.arn.as_str());
        super::read::read_alarms(&batch, cx, AlarmType::CompositeAlarm, name_and_arn, observe).await
    }

    async fn update(
        &self,
        old: &Self,
        out: &CompositeAlarmOutputs,
        cx: &AwsContext,
    ) -> Result<CompositeAlarmOutputs, ProviderError> {
        let without_tags = |a: &Self| Self { tags: Tags::new(), ..a.clone() };
        if without_tags(self) != without_tags(old) {
            self.put(cx).send().await.map_err(|e| classify("PutCompositeAlarm", e))?;
        }
        tags::sync::<CloudWatch>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &CompositeAlarmOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        delete_alarm(cx, &out.name).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<CompositeAlarmOutputs>, ProviderError> {
        let found = find_alarm(cx, &self.name, AlarmType::CompositeAlarm, meta).await?;
        Ok(found.map(|(_, arn)| CompositeAlarmOutputs { name: self.name.clone(), arn }))
    }
}

impl CompositeAlarm {
    /// PutCompositeAlarm with every field (tags added by the caller on create only).
    fn put(&self, cx: &AwsContext) -> PutCompositeAlarmFluentBuilder {
        cx.cloudwatch()
            .put_composite_alarm()
            .alarm_name(&self.name)
            .alarm_description(&self.description)
            .alarm_rule(&self.rule)
            .set_alarm_actions(sent_actions(&self.alarm_actions))
            .set_ok_actions(sent_actions(&self.ok_actions))
            .set_insufficient_data_actions(sent_actions(&self.insufficient_data_actions))
            .actions_enabled(self.actions_enabled)
    }
}

/// Problems with a rule: present, short enough, balanced parentheses, built of state functions.
fn rule_problems(rule: &str) -> Vec<String> {
    if rule.trim().is_empty() {
        return vec!["rule is required (e.g. `ALARM(\"api-5xx\") OR ALARM(\"api-latency\")`)".to_string()];
    }
    let mut problems = Vec::new();
    if rule.chars().count() > 10_240 {
        problems.push("rule must be at most 10240 characters".to_string());
    }
    let mut depth = 0i32;
    for c in rule.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            break;
        }
    }
    if depth != 0 {
        problems.push(format!("rule `{rule}` has unbalanced parentheses"));
    }
    if !RULE_WORDS.iter().any(|w| rule.contains(w)) {
        problems.push(format!(
            "rule `{rule}` names no alarm state: use ALARM(…), OK(…), INSUFFICIENT_DATA(…), TRUE or FALSE"
        ));
    }
    problems
}

impl CompositeAlarm {
    /// The alarm as its live description and tags say.
    fn observed(&self, live: &aws_sdk_cloudwatch::types::CompositeAlarm, tags: Tags) -> Self {
        CompositeAlarm {
            name: self.name.clone(),
            description: live.alarm_description().unwrap_or_default().to_string(),
            rule: live.alarm_rule().unwrap_or_default().to_string(),
            alarm_actions: observed_actions(&self.alarm_actions, live.alarm_actions()),
            ok_actions: observed_actions(&self.ok_actions, live.ok_actions()),
            insufficient_data_actions: observed_actions(
                &self.insufficient_data_actions,
                live.insufficient_data_actions(),
            ),
            actions_enabled: live.actions_enabled().unwrap_or(true),
            tags,
        }
    }
}

crate::kit::kind!(CompositeAlarm, unordered: ["alarm_actions", "ok_actions", "insufficient_data_actions"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn api_down() -> CompositeAlarm {
        CompositeAlarm {
            name: "api-down".into(),
            rule: r#"ALARM("api-5xx") AND (ALARM("api-latency") OR NOT OK("api-health"))"#.into(),
            alarm_actions: vec!["arn:aws:sns:us-east-1:123456789012:pager".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_rule_over_alarms_is_valid() {
        assert!(api_down().validate().is_empty(), "{:?}", api_down().validate());
        assert!(CompositeAlarm { rule: "TRUE".into(), ..api_down() }.validate().is_empty());
    }

    #[test]
    fn bad_rules_are_named() {
        assert!(CompositeAlarm { rule: String::new(), ..api_down() }.validate()[0].starts_with("rule is required"));
        let open = CompositeAlarm { rule: r#"ALARM("a""#.into(), ..api_down() };
        assert!(open.validate()[0].contains("unbalanced parentheses"), "{:?}", open.validate());
        let words = CompositeAlarm { rule: "api-5xx".into(), ..api_down() };
        assert!(words.validate()[0].contains("names no alarm state"), "{:?}", words.validate());
    }
}
