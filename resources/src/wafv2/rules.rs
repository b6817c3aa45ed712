//! The rules Plinth manages in a web ACL — AWS managed rule groups and one per-IP rate limit —
//! as SDK `Rule`s and back, plus the checks on their names, priorities and limits.

use crate::error::build_error;
use aws_sdk_wafv2::types::{
    BlockAction, CountAction, ManagedRuleGroupStatement, NoneAction, OverrideAction, RateBasedStatement,
    RateBasedStatementAggregateKeyType, Rule, RuleAction, Statement, VisibilityConfig,
};
use engine::ProviderError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The smallest rate limit WAF accepts (requests per window per IP; the API model's `RateLimit`).
pub const RATE_LIMIT_MIN: i64 = 10;
/// The largest rate limit WAF accepts.
pub const RATE_LIMIT_MAX: i64 = 2_000_000_000;
/// The rate limit's evaluation window: five minutes, WAF's default, sent explicitly.
pub const RATE_WINDOW_SECONDS: i64 = 300;
/// The longest CloudWatch metric name WAF accepts.
pub const METRIC_NAME_MAX: usize = 128;

/// An AWS (or Marketplace) managed rule group, evaluated as one rule of the ACL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManagedRuleGroup {
    /// The group, e.g. "AWSManagedRulesCommonRuleSet"; also the rule's name in the ACL.
    pub name: String,
    /// "AWS" for the AWS managed groups.
    pub vendor: String,
    /// Evaluation order; unique across the ACL's rules, lowest first.
    pub priority: i32,
    /// Count matches instead of applying the group's actions (to tune a group before enforcing).
    pub override_to_count: bool,
}

impl Default for ManagedRuleGroup {
    fn default() -> Self {
        Self { name: String::new(), vendor: "AWS".to_string(), priority: 0, override_to_count: false }
    }
}

/// What the rate limit does to requests above its limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateAction {
    #[default]
    Block,
    /// Count only: observe before enforcing.
    Count,
}

/// What a web ACL does with a request no rule decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AclDefault {
    #[default]
    Allow,
    Block,
}

/// A rate-based rule on the client IP address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimit {
    /// The rule's name in the ACL.
    pub name: String,
    /// Requests per five minutes per IP address above which the action applies.
    pub limit: i64,
    pub priority: i32,
    pub action: RateAction,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self { name: "rate-limit".to_string(), limit: 2000, priority: 0, action: RateAction::Block }
    }
}

/// What the rules of a live ACL say, in Plinth's shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedRules {
    pub managed_rule_groups: Vec<ManagedRuleGroup>,
    pub rate_limit: Option<RateLimit>,
    /// Names of rules Plinth does not model (added outside the program).
    pub unmanaged: Vec<String>,
}

/// The CloudWatch metric name of one rule: the ACL's metric name, a hyphen, the rule's name.
pub fn rule_metric(acl_metric: &str, rule_name: &str) -> String {
    format!("{acl_metric}-{rule_name}")
}

/// Metrics and sampled requests on, under `metric_name`.
pub fn visibility(metric_name: &str) -> Result<VisibilityConfig, ProviderError> {
    VisibilityConfig::builder()
        .cloud_watch_metrics_enabled(true)
        .sampled_requests_enabled(true)
        .metric_name(metric_name)
        .build()
        .map_err(|e| build_error("WAF visibility config", e))
}

/// The SDK rules for the managed groups and the rate limit, each with its own metric.
pub fn to_sdk(
    groups: &[ManagedRuleGroup],
    rate: Option<&RateLimit>,
    acl_metric: &str,
) -> Result<Vec<Rule>, ProviderError> {
    let mut rules = Vec::with_capacity(groups.len() + 1);
    for group in groups {
        let statement = ManagedRuleGroupStatement::builder()
            .vendor_name(&group.vendor)
            .name(&group.name)
            .build()
            .map_err(|e| build_error("WAF managed rule group statement", e))?;
        let override_action = if group.override_to_count {
            OverrideAction::builder().count(CountAction::builder().build()).build()
        } else {
            OverrideAction::builder().none(NoneAction::builder().build()).build()
        };
        let rule = Rule::builder()
            .name(&group.name)
            .priority(group.priority)
            .statement(Statement::builder().managed_rule_group_statement(statement).build())
            .override_action(override_action)
            .visibility_config(visibility(&rule_metric(acl_metric, &group.name))?)
            .build()
            .map_err(|e| build_error("WAF managed rule group rule", e))?;
        rules.push(rule);
    }
    if let Some(rate) = rate {
        rules.push(rate_rule(rate, acl_metric)?);
    }
    Ok(rules)
}

fn rate_rule(rate: &RateLimit, acl_metric: &str) -> Result<Rule, ProviderError> {
    let statement = RateBasedStatement::builder()
        .limit(rate.limit)
        .evaluation_window_sec(RATE_WINDOW_SECONDS)
        .aggregate_key_type(RateBasedStatementAggregateKeyType::Ip)
        .build()
        .map_err(|e| build_error("WAF rate-based statement", e))?;
    let action = match rate.action {
        RateAction::Count => RuleAction::builder().count(CountAction::builder().build()).build(),
        RateAction::Block => RuleAction::builder().block(BlockAction::builder().build()).build(),
    };
    Rule::builder()
        .name(&rate.name)
        .priority(rate.priority)
        .statement(Statement::builder().rate_based_statement(statement).build())
        .action(action)
        .visibility_config(visibility(&rule_metric(acl_metric, &rate.name))?)
        .build()
        .map_err(|e| build_error("WAF rate-based rule", e))
}

/// Plinth's view of live rules. A rule of any other shape (or a second rate rule) is listed by
/// name in `unmanaged`, so it shows as drift instead of vanishing from the read.
pub fn from_sdk(rules: &[Rule]) -> ObservedRules {
    let mut seen = ObservedRules::default();
    let mut sorted: Vec<&Rule> = rules.iter().collect();
    sorted.sort_by_key(|r| r.priority());
    for rule in sorted {
        let statement = rule.statement();
        if let Some(group) = statement.and_then(|s| s.managed_rule_group_statement()) {
            seen.managed_rule_groups.push(ManagedRuleGroup {
                name: group.name().to_string(),
                vendor: group.vendor_name().to_string(),
                priority: rule.priority(),
                override_to_count: rule.override_action().is_some_and(|o| o.count().is_some()),
            });
        } else if let (Some(rate), None) = (statement.and_then(|s| s.rate_based_statement()), &seen.rate_limit) {
            let counts = rule.action().is_some_and(|a| a.count().is_some());
            seen.rate_limit = Some(RateLimit {
                name: rule.name().to_string(),
                limit: rate.limit(),
                priority: rule.priority(),
                action: if counts { RateAction::Count } else { RateAction::Block },
            });
        } else {
            seen.unmanaged.push(rule.name().to_string());
        }
    }
    seen
}

/// `live` reordered to follow `program` where the same group (vendor and name) appears in
/// both, the rest after it in priority order: a read of an unchanged ACL equals its inputs.
pub fn align_groups(program: &[ManagedRuleGroup], live: Vec<ManagedRuleGroup>) -> Vec<ManagedRuleGroup> {
    let mut rest = live;
    let mut out = Vec::with_capacity(rest.len());
    for wanted in program {
        if let Some(i) = rest.iter().position(|g| g.vendor == wanted.vendor && g.name == wanted.name) {
            out.push(rest.remove(i));
        }
    }
    out.extend(rest);
    out
}

/// True for a WAF entity name (ACL, rule): 1 to 128 word characters or hyphens.
pub fn is_entity_name(name: &str) -> bool {
    (1..=128).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Problems with the CloudWatch metric name: 1 to 128 letters, digits, hyphens or underscores,
/// not one WAF reserves.
pub fn metric_name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > METRIC_NAME_MAX {
        return Some(format!("must be 1 to {METRIC_NAME_MAX} characters long"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Some("may contain only letters, digits, hyphens and underscores".to_string());
    }
    if name == "All" || name == "Default_Action" {
        return Some("is reserved by WAF".to_string());
    }
    None
}

/// Problems with the rules: names, vendors, limits, actions, and priorities and names unique
/// across the ACL, and each rule's derived metric name within WAF's length limit.
pub fn problems(groups: &[ManagedRuleGroup], rate: Option<&RateLimit>, acl_metric: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut priorities: BTreeMap<i32, usize> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        let field = format!("managed_rule_groups[{i}]");
        if !is_entity_name(&g.name) {
            problems.push(format!("{field}.name `{}` must be 1 to 128 letters, digits, `_` or `-`", g.name));
        }
        if g.vendor.trim().is_empty() {
            problems.push(format!("{field}.vendor must not be empty (\"AWS\" for the AWS managed groups)"));
        }
        problems.extend(rule_common(&field, &g.name, g.priority, acl_metric));
        *names.entry(&g.name).or_default() += 1;
        *priorities.entry(g.priority).or_default() += 1;
    }
    if let Some(r) = rate {
        problems.extend(rate_problems(r, acl_metric));
        *names.entry(&r.name).or_default() += 1;
        *priorities.entry(r.priority).or_default() += 1;
    }
    problems.extend(
        names.iter().filter(|(_, n)| **n > 1).map(|(name, _)| format!("rule name `{name}` is used by several rules")),
    );
    problems.extend(
        priorities.iter().filter(|(_, n)| **n > 1).map(|(p, _)| format!("rule priority {p} is used by several rules")),
    );
    problems
}

fn rate_problems(r: &RateLimit, acl_metric: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !is_entity_name(&r.name) {
        problems.push(format!("rate_limit.name `{}` must be 1 to 128 letters, digits, `_` or `-`", r.name));
    }
    if !(RATE_LIMIT_MIN..=RATE_LIMIT_MAX).contains(&r.limit) {
        problems.push(format!(
            "rate_limit.limit {} is outside WAF's range {RATE_LIMIT_MIN}..={RATE_LIMIT_MAX} (requests per 5 minutes per IP)",
            r.limit
        ));
    }
    problems.extend(rule_common("rate_limit", &r.name, r.priority, acl_metric));
    problems
}

fn rule_common(field: &str, name: &str, priority: i32, acl_metric: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if priority < 0 {
        problems.push(format!("{field}.priority {priority} must not be negative"));
    }
    let metric = rule_metric(acl_metric, name);
    if !acl_metric.is_empty() && metric.len() > METRIC_NAME_MAX {
        problems.push(format!(
            "{field}: the rule's metric name `{metric}` (metric_name + \"-\" + rule name) is longer than {METRIC_NAME_MAX} characters"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, priority: i32, count: bool) -> ManagedRuleGroup {
        ManagedRuleGroup { name: name.into(), vendor: "AWS".into(), priority, override_to_count: count }
    }

    fn rate() -> RateLimit {
        RateLimit { name: "per-ip".into(), limit: 1000, priority: 10, action: RateAction::Block }
    }

    #[test]
    fn rules_round_trip_through_the_sdk_shape() {
        let groups = vec![
            group("AWSManagedRulesCommonRuleSet", 1, false),
            group("AWSManagedRulesKnownBadInputsRuleSet", 2, true),
        ];
        let rules = to_sdk(&groups, Some(&rate()), "web").expect("builds");
        assert_eq!(rules.len(), 3);
        let metric = rules[2].visibility_config().map(|v| v.metric_name().to_string());
        assert_eq!(metric.as_deref(), Some("web-per-ip"));
        assert!(rules[0].override_action().and_then(|o| o.none()).is_some());
        let seen = from_sdk(&rules);
        assert_eq!(seen.managed_rule_groups, groups);
        assert_eq!(seen.rate_limit, Some(rate()));
        assert!(seen.unmanaged.is_empty());
    }

    #[test]
    fn foreign_rules_are_named_not_dropped() {
        let other = Rule::builder()
            .name("hand-made")
            .priority(5)
            .statement(Statement::builder().build())
            .visibility_config(visibility("x").expect("builds"))
            .build()
            .expect("builds");
        assert_eq!(from_sdk(&[other]).unmanaged, ["hand-made"]);
    }

    #[test]
    fn live_groups_follow_program_order() {
        let program = vec![group("B", 2, false), group("A", 1, false)];
        let live = vec![group("A", 1, false), group("C", 3, false), group("B", 2, false)];
        let names: Vec<String> = align_groups(&program, live).into_iter().map(|g| g.name).collect();
        assert_eq!(names, ["B", "A", "C"]);
    }

    #[test]
    fn rate_limit_range_follows_waf() {
        let mut r = rate();
        r.limit = 9;
        assert!(problems(&[], Some(&r), "web")[0].contains("rate_limit.limit 9 is outside"));
        r.limit = RATE_LIMIT_MIN;
        assert!(problems(&[], Some(&r), "web").is_empty());
        r.limit = RATE_LIMIT_MAX + 1;
        assert_eq!(problems(&[], Some(&r), "web").len(), 1);
    }

    #[test]
    fn duplicate_priorities_and_names_are_named() {
        let groups = vec![group("A", 1, false), group("A", 1, false)];
        let found = problems(&groups, None, "web");
        assert!(found.contains(&"rule name `A` is used by several rules".to_string()), "{found:?}");
        assert!(found.contains(&"rule priority 1 is used by several rules".to_string()), "{found:?}");
    }

    #[test]
    fn metric_names_are_checked() {
        assert_eq!(metric_name_problem("web-acl_1"), None);
        assert!(metric_name_problem("web acl").is_some());
        assert!(metric_name_problem("All").is_some());
        assert!(metric_name_problem(&"m".repeat(129)).is_some());
        let long = "m".repeat(120);
        assert!(
            problems(&[group("AWSManagedRulesCommonRuleSet", 1, false)], None, &long)[0].contains("longer than 128")
        );
    }
}
