//! Guard rails and cost: the web ACL in front of the load balancer (AWS managed rule groups
//! and a per-IP rate limit) and the environment's monthly budget with its alerts (e-mail, and
//! the alarm topic for actual spend past the environment's threshold).

use crate::env::Env;
use engine::{Handle, Stack};
use resources::budgets::{Budget, BudgetNotification, BudgetPeriod, Comparison, NotificationType};
use resources::sns::Topic;
use resources::wafv2::{AclDefault, ManagedRuleGroup, RateAction, RateLimit, WebAcl};
use std::collections::BTreeMap;

/// Declares the web ACL and the budget; the web ACL is returned for the load balancer.
pub fn declare(stack: &mut Stack, env: &Env, alarm_topic: &Handle<Topic>) -> Handle<WebAcl> {
    let acl = web_acl(stack, env);
    budget(stack, env, alarm_topic);
    acl
}

fn web_acl(stack: &mut Stack, env: &Env) -> Handle<WebAcl> {
    let managed = |name: &str, priority| ManagedRuleGroup {
        name: name.into(),
        vendor: "AWS".into(),
        priority,
        override_to_count: false,
    };
    stack.add(
        "web-acl",
        WebAcl {
            name: env.prefixed("web"),
            description: "Front door of the platform load balancer".into(),
            default_action: AclDefault::Allow,
            managed_rule_groups: vec![
                managed("AWSManagedRulesCommonRuleSet", 1),
                managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
            ],
            rate_limit: Some(RateLimit {
                name: "per-ip-rate-limit".into(),
                limit: env.rate_limit_per_ip,
                priority: 0,
                action: RateAction::Block,
            }),
            metric_name: env.prefixed("web"),
            ..Default::default()
        },
    )
}

fn budget(stack: &mut Stack, env: &Env, alarm_topic: &Handle<Topic>) {
    let emails: Vec<String> = env.budget_emails.iter().map(|e| e.to_string()).collect();
    let alert = |kind: NotificationType, percent: f64| BudgetNotification {
        notification_type: kind,
        threshold_percent: percent,
        comparison: Comparison::GreaterThan,
        subscriber_emails: emails.clone(),
        subscriber_sns_topic: None,
    };
    // Actual spend past the environment's threshold also reaches the alarm topic.
    let actual = BudgetNotification {
        subscriber_sns_topic: Some(alarm_topic.output(|o| o.arn.clone())),
        ..alert(NotificationType::Actual, env.observability.thresholds.budget_percent)
    };
    stack.add(
        "budget",
        Budget {
            name: env.prefixed("monthly"),
            limit_amount: env.budget_usd.into(),
            time_unit: BudgetPeriod::Monthly,
            cost_filters: BTreeMap::from([("TagKeyValue".to_string(), vec![format!("user:Environment${}", env.name)])]),
            notifications: vec![actual, alert(NotificationType::Forecasted, 100.0)],
            ..Default::default()
        },
    );
}
