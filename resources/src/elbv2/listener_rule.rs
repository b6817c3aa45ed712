//! `aws:elbv2:ListenerRule`: a rule of a listener: when the path patterns and/or host headers
//! match, its action ([`Action`], shared with listeners) runs instead of the default.
//!
//! Only the listener forces a replacement; the priority changes with SetRulePriorities,
//! conditions and action with ModifyRule.
//!
//! Emulator gap (moto 5.2.5): DeleteRule of a rule that does not exist succeeds (AWS answers
//! RuleNotFound); both are "already gone" for Plinth.

use super::actions::Action;
use super::tags::Elb;
use super::{missing, rule_by_arn, rule_with_priority, sdk};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use sdk::types::{HostHeaderConditionConfig, PathPatternConditionConfig, Rule, RuleCondition, RulePriorityPair};
use serde::{Deserialize, Serialize};

/// Values one condition may hold (ELB's limit of match evaluations per condition).
const MAX_VALUES: usize = 3;
/// Values all conditions of one rule may hold together.
const MAX_RULE_VALUES: usize = 5;

/// A listener rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListenerRule {
    pub listener_arn: Input<String>,
    /// 1 to 50000, unique per listener; lower is evaluated first.
    pub priority: i32,
    /// e.g. ["/api/*"]; empty for no path condition.
    pub path_patterns: Vec<String>,
    /// e.g. ["api.example.com"]; empty for no host condition.
    pub host_headers: Vec<String>,
    pub action: Action,
    pub tags: Tags,
}

impl Default for ListenerRule {
    fn default() -> Self {
        Self {
            listener_arn: Input::default(),
            priority: 100,
            path_patterns: Vec::new(),
            host_headers: Vec::new(),
            action: Action::default(),
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerRuleOutputs {
    pub arn: String,
}

impl Resource for ListenerRule {
    const KIND: &'static str = "aws:elbv2:ListenerRule";
    const SERVICE: &'static str = "elbv2";
    const REPLACE_FIELDS: &'static [&'static str] = &["listener_arn"];
    type Outputs = ListenerRuleOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &ListenerRuleOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(1..=50000).contains(&self.priority) {
            problems.push(format!("priority {} must be 1 to 50000", self.priority));
        }
        if self.path_patterns.is_empty() && self.host_headers.is_empty() {
            problems.push("a rule needs a condition: set path_patterns and/or host_headers".to_string());
        }
        for (field, values) in [("path_patterns", &self.path_patterns), ("host_headers", &self.host_headers)] {
            if values.len() > MAX_VALUES {
                problems.push(format!("{field} holds {} values; ELB allows {MAX_VALUES} per condition", values.len()));
            }
            if let Some(bad) = values.iter().find(|v| v.is_empty() || v.len() > 128) {
                problems.push(format!("{field}: `{bad}` must be 1 to 128 characters"));
            }
        }
        if self.path_patterns.len() + self.host_headers.len() > MAX_RULE_VALUES {
            problems.push(format!("path_patterns and host_headers hold more than {MAX_RULE_VALUES} values together"));
        }
        problems.extend(self.action.problems("action"));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ListenerRuleOutputs, ProviderError> {
        let call = cx
            .elbv2()
            .create_rule()
            .listener_arn(self.listener_arn.value())
            .priority(self.priority)
            .set_conditions(Some(self.conditions()))
            .actions(self.action.to_sdk()?)
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_elasticloadbalancingv2)).send().await;
        let out = out.map_err(|e| classify("CreateRule", e))?;
        let rule = out.rules().first().ok_or_else(|| missing("CreateRule rule"))?;
        Ok(ListenerRuleOutputs { arn: rule.rule_arn().ok_or_else(|| missing("rule ARN"))?.to_string() })
    }

    async fn read(&self, out: &ListenerRuleOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(rule) = rule_by_arn(cx, &out.arn).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.listener_arn = Input::Value(listener_of(&out.arn)?);
        let priority = rule.priority().ok_or_else(|| missing("rule priority"))?;
        seen.priority =
            priority.parse().map_err(|_| missing(&format!("a numeric rule priority (got `{priority}`)")))?;
        (seen.path_patterns, seen.host_headers) = condition_values(&rule);
        seen.action = Action::from_sdk(rule.actions())?;
        seen.tags = tags::read::<Elb>(cx, &out.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &ListenerRuleOutputs,
        cx: &AwsContext,
    ) -> Result<ListenerRuleOutputs, ProviderError> {
        if self.priority != old.priority {
            let pair = RulePriorityPair::builder().rule_arn(&out.arn).priority(self.priority).build();
            let call = cx.elbv2().set_rule_priorities().rule_priorities(pair);
            call.send().await.map_err(|e| classify("SetRulePriorities", e))?;
        }
        let matches = |r: &Self| (r.path_patterns.clone(), r.host_headers.clone(), r.action.clone());
        if matches(self) != matches(old) {
            let call = cx
                .elbv2()
                .modify_rule()
                .rule_arn(&out.arn)
                .set_conditions(Some(self.conditions()))
                .actions(self.action.to_sdk()?);
            call.send().await.map_err(|e| classify("ModifyRule", e))?;
        }
        tags::sync::<Elb>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &ListenerRuleOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.elbv2().delete_rule().rule_arn(&out.arn).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteRule", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ListenerRuleOutputs>, ProviderError> {
        let listener = self.listener_arn.value();
        let Some(rule) = rule_with_priority(cx, listener, self.priority).await? else { return Ok(None) };
        let arn = rule.rule_arn().ok_or_else(|| missing("rule ARN"))?.to_string();
        let live_tags = tags::read::<Elb>(cx, &arn).await?;
        let what = format!("listener rule {arn} (priority {} of {listener})", self.priority);
        adopt(&what, &live_tags, meta, ListenerRuleOutputs { arn })
    }
}

impl ListenerRule {
    fn conditions(&self) -> Vec<RuleCondition> {
        let mut conditions = Vec::new();
        if !self.path_patterns.is_empty() {
            let config = PathPatternConditionConfig::builder().set_values(Some(self.path_patterns.clone())).build();
            conditions.push(RuleCondition::builder().field("path-pattern").path_pattern_config(config).build());
        }
        if !self.host_headers.is_empty() {
            let config = HostHeaderConditionConfig::builder().set_values(Some(self.host_headers.clone())).build();
            conditions.push(RuleCondition::builder().field("host-header").host_header_config(config).build());
        }
        conditions
    }
}

/// The live path patterns and host headers (from the condition's config, or its legacy `Values`).
fn condition_values(rule: &Rule) -> (Vec<String>, Vec<String>) {
    let (mut paths, mut hosts) = (Vec::new(), Vec::new());
    for c in rule.conditions() {
        match c.field() {
            Some("path-pattern") => {
                let configured = c.path_pattern_config().map(|p| p.values().to_vec()).unwrap_or_default();
                paths.extend(if configured.is_empty() { c.values().to_vec() } else { configured });
            }
            Some("host-header") => {
                let configured = c.host_header_config().map(|h| h.values().to_vec()).unwrap_or_default();
                hosts.extend(if configured.is_empty() { c.values().to_vec() } else { configured });
            }
            _ => {}
        }
    }
    (paths, hosts)
}

/// The listener ARN a rule ARN belongs to (`…:listener-rule/app/<lb>/<lb-id>/<listener-id>/<rule-id>`).
fn listener_of(rule_arn: &str) -> Result<String, ProviderError> {
    let (base, _rule_id) = rule_arn.rsplit_once('/').ok_or_else(|| missing(&format!("a rule id in `{rule_arn}`")))?;
    if !base.contains(":listener-rule/") {
        return Err(missing(&format!("`:listener-rule/` in `{rule_arn}`")));
    }
    Ok(base.replacen(":listener-rule/", ":listener/", 1))
}

crate::kit::kind!(ListenerRule);

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> ListenerRule {
        ListenerRule {
            listener_arn: "arn:listener".into(),
            priority: 10,
            path_patterns: vec!["/api/*".into()],
            action: Action::Forward { target_group_arn: "arn:tg".into() },
            ..Default::default()
        }
    }

    #[test]
    fn a_rule_needs_a_condition_and_a_valid_priority() {
        assert!(rule().validate().is_empty(), "{:?}", rule().validate());
        let none = ListenerRule { path_patterns: vec![], priority: 0, ..rule() };
        let problems = none.validate();
        assert!(problems.iter().any(|p| p.contains("priority 0")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("needs a condition")), "{problems:?}");
        let many = ListenerRule { path_patterns: vec!["/a".into(); 4], ..rule() };
        assert!(many.validate().iter().any(|p| p.contains("path_patterns holds 4")), "{:?}", many.validate());
    }

    #[test]
    fn conditions_read_back_as_written() {
        let both = ListenerRule { host_headers: vec!["api.example.com".into()], ..rule() };
        let live = Rule::builder().set_conditions(Some(both.conditions())).build();
        assert_eq!(condition_values(&live), (both.path_patterns.clone(), both.host_headers.clone()));
    }

    #[test]
    fn the_listener_is_derived_from_the_rule_arn() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/web/50dc/f2f7/9683";
        assert_eq!(
            listener_of(arn).expect("listener"),
            "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/web/50dc/f2f7"
        );
        assert!(listener_of("arn:x:listener/app/web/1/2").is_err());
    }
}
