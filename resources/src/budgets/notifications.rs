//! Budget notifications and their subscribers (e-mail addresses and at most one SNS topic): the SDK shapes, reading them back, and
//! moving a budget from one notification list to another with the fewest calls.
//!
//! A notification is identified by (type, comparison, threshold). Same identity: only its
//! subscribers are synced (CreateSubscriber / DeleteSubscriber). A changed threshold or
//! comparison of a notification of the same type is an UpdateNotification (subscribers stay);
//! what is left is DeleteNotification / CreateNotification.

use super::missing;
use crate::error::{build_error, classify, none_if_not_found};
use crate::AwsContext;
use aws_sdk_budgets::types::{
    ComparisonOperator, Notification, NotificationWithSubscribers, Subscriber, SubscriptionType, ThresholdType,
};
use engine::{Input, ProviderError};
use serde::{Deserialize, Serialize};

/// At most this many notifications per budget (an AWS quota).
pub const MAX_NOTIFICATIONS: usize = 5;
/// At most this many email subscribers per notification (an AWS quota).
pub const MAX_EMAIL_SUBSCRIBERS: usize = 10;

crate::kit::enums::aws_enum! {
    /// What a notification watches: spending so far, or spending expected by the period's end.
    pub enum NotificationType: aws_sdk_budgets::types::NotificationType { Actual = "ACTUAL", Forecasted = "FORECASTED" }
}

crate::kit::enums::aws_enum! {
    /// How spending is compared with the threshold.
    pub enum Comparison: ComparisonOperator {
        GreaterThan = "GREATER_THAN",
        LessThan = "LESS_THAN",
        EqualTo = "EQUAL_TO",
    }
}

/// An alert when spending passes a percentage of the budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetNotification {
    pub notification_type: NotificationType,
    /// Percent of the budgeted amount, e.g. 80.0.
    pub threshold_percent: f64,
    pub comparison: Comparison,
    pub subscriber_emails: Vec<String>,
    /// The SNS topic also notified (at most one per notification, an AWS quota); its policy
    /// must let `budgets.amazonaws.com` publish. Left out of the serialized form when `None`, so
    /// notifications recorded before it existed read back unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber_sns_topic: Option<Input<String>>,
}

/// Who a notification tells.
#[derive(Debug, Clone, PartialEq)]
pub enum Addressee {
    Email(String),
    /// A topic ARN.
    Sns(String),
}

impl Addressee {
    fn to_sdk(&self) -> Result<Subscriber, ProviderError> {
        let (kind, address) = match self {
            Addressee::Email(a) => (SubscriptionType::Email, a),
            Addressee::Sns(a) => (SubscriptionType::Sns, a),
        };
        let built = Subscriber::builder().subscription_type(kind).address(address).build();
        built.map_err(|e| build_error("budget subscriber", e))
    }
}

impl Default for BudgetNotification {
    fn default() -> Self {
        Self {
            notification_type: NotificationType::Actual,
            threshold_percent: 80.0,
            comparison: Comparison::GreaterThan,
            subscriber_emails: Vec::new(),
            subscriber_sns_topic: None,
        }
    }
}

impl BudgetNotification {
    /// What identifies the notification in the Budgets API.
    pub fn same_identity(&self, other: &Self) -> bool {
        self.notification_type == other.notification_type
            && self.comparison == other.comparison
            && self.threshold_percent == other.threshold_percent
    }

    /// Everyone the notification tells: its e-mail addresses, then its topic.
    pub fn addressees(&self) -> Vec<Addressee> {
        let emails = self.subscriber_emails.iter().cloned().map(Addressee::Email);
        let topic = self.subscriber_sns_topic.as_ref().and_then(Input::known).cloned().map(Addressee::Sns);
        emails.chain(topic).collect()
    }

    /// The SDK notification (percentage threshold).
    pub fn to_sdk(&self) -> Result<Notification, ProviderError> {
        Notification::builder()
            .notification_type(self.notification_type.to_sdk())
            .comparison_operator(self.comparison.to_sdk())
            .threshold(self.threshold_percent)
            .threshold_type(ThresholdType::Percentage)
            .build()
            .map_err(|e| build_error("budget notification", e))
    }

    /// The notification with its email subscribers, for CreateBudget.
    pub fn with_subscribers(&self) -> Result<NotificationWithSubscribers, ProviderError> {
        NotificationWithSubscribers::builder()
            .notification(self.to_sdk()?)
            .set_subscribers(Some(subscribers(&self.addressees())?))
            .build()
            .map_err(|e| build_error("budget notification", e))
    }

    /// Problems with this notification, naming `field` (e.g. `notifications[0]`).
    pub fn problems(&self, field: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.threshold_percent.is_finite() || self.threshold_percent <= 0.0 {
            problems
                .push(format!("{field}.threshold_percent {} must be a positive percentage", self.threshold_percent));
        }
        if self.subscriber_emails.len() > MAX_EMAIL_SUBSCRIBERS {
            problems.push(format!("{field}.subscriber_emails has more than {MAX_EMAIL_SUBSCRIBERS} addresses"));
        }
        if self.subscriber_emails.is_empty() && self.subscriber_sns_topic.is_none() {
            problems.push(format!("{field} tells no one: give subscriber_emails or subscriber_sns_topic"));
        }
        if let Some(topic) = self.subscriber_sns_topic.as_ref().and_then(Input::known) {
            if !topic.starts_with("arn:aws:sns:") {
                problems.push(format!("{field}.subscriber_sns_topic `{topic}` is not an SNS topic ARN"));
            }
        }
        for email in self.subscriber_emails.iter().filter(|e| !is_email(e)) {
            problems.push(format!("{field}.subscriber_emails: `{email}` is not an email address"));
        }
        problems
    }
}

/// A plausible email address: one `@`, a local part, a dotted domain, no whitespace.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

fn subscribers(addressees: &[Addressee]) -> Result<Vec<Subscriber>, ProviderError> {
    addressees.iter().map(Addressee::to_sdk).collect()
}

/// One call's worth of change, in the order [`plan`] returns them.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Delete(BudgetNotification),
    Update { old: BudgetNotification, new: BudgetNotification },
    AddSubscriber { notification: BudgetNotification, subscriber: Addressee },
    RemoveSubscriber { notification: BudgetNotification, subscriber: Addressee },
    Create(BudgetNotification),
}

/// The calls that move a budget's notifications from `old` to `new`: deletes, updates, new
/// subscribers before removed ones (a notification must keep one), then creates.
pub fn plan(old: &[BudgetNotification], new: &[BudgetNotification]) -> Vec<Change> {
    let mut unmatched_old: Vec<&BudgetNotification> = old.iter().collect();
    let mut pairs: Vec<(&BudgetNotification, &BudgetNotification)> = Vec::new();
    let mut unmatched_new: Vec<&BudgetNotification> = Vec::new();
    for n in new {
        match unmatched_old.iter().position(|o| o.same_identity(n)) {
            Some(i) => pairs.push((unmatched_old.remove(i), n)),
            None => unmatched_new.push(n),
        }
    }
    let (mut updates, mut creates) = (Vec::new(), Vec::new());
    for n in unmatched_new {
        match unmatched_old.iter().position(|o| o.notification_type == n.notification_type) {
            Some(i) => updates.push((unmatched_old.remove(i), n)),
            None => creates.push(Change::Create(n.clone())),
        }
    }
    let mut changes: Vec<Change> = unmatched_old.into_iter().map(|o| Change::Delete(o.clone())).collect();
    changes.extend(updates.iter().map(|(o, n)| Change::Update { old: (*o).clone(), new: (*n).clone() }));
    for (o, n) in pairs.into_iter().chain(updates) {
        let (was, will) = (o.addressees(), n.addressees());
        let adds = will.iter().filter(|a| !was.contains(a)).cloned();
        changes.extend(adds.map(|subscriber| Change::AddSubscriber { notification: n.clone(), subscriber }));
        let removes = was.into_iter().filter(|a| !will.contains(a));
        changes.extend(removes.map(|subscriber| Change::RemoveSubscriber { notification: n.clone(), subscriber }));
    }
    changes.extend(creates);
    changes
}

/// Makes the calls [`plan`] lists for moving `budget` from `old` to `new`.
pub async fn sync(
    cx: &AwsContext,
    account: &str,
    budget: &str,
    old: &[BudgetNotification],
    new: &[BudgetNotification],
) -> Result<(), ProviderError> {
    let api = &cx.budgets();
    for change in plan(old, new) {
        match change {
            Change::Delete(n) => {
                let call = api.delete_notification().account_id(account).budget_name(budget).notification(n.to_sdk()?);
                call.send().await.map_err(|e| classify("DeleteNotification", e))?;
            }
            Change::Update { old, new } => {
                let call = api.update_notification().account_id(account).budget_name(budget);
                let call = call.old_notification(old.to_sdk()?).new_notification(new.to_sdk()?);
                call.send().await.map_err(|e| classify("UpdateNotification", e))?;
            }
            Change::AddSubscriber { notification, subscriber } => {
                let call = api.create_subscriber().account_id(account).budget_name(budget);
                let call = call.notification(notification.to_sdk()?).subscriber(subscriber.to_sdk()?);
                call.send().await.map_err(|e| classify("CreateSubscriber", e))?;
            }
            Change::RemoveSubscriber { notification, subscriber } => {
                let call = api.delete_subscriber().account_id(account).budget_name(budget);
                let call = call.notification(notification.to_sdk()?).subscriber(subscriber.to_sdk()?);
                call.send().await.map_err(|e| classify("DeleteSubscriber", e))?;
            }
            Change::Create(n) => {
                let call = api.create_notification().account_id(account).budget_name(budget).notification(n.to_sdk()?);
                let call = call.set_subscribers(Some(subscribers(&n.addressees())?));
                call.send().await.map_err(|e| classify("CreateNotification", e))?;
            }
        }
    }
    Ok(())
}

/// The budget's notifications with their subscribers, or `None` when the budget is gone.
/// Thresholds are read as percentages.
pub async fn read(
    cx: &AwsContext,
    account: &str,
    budget: &str,
) -> Result<Option<Vec<BudgetNotification>>, ProviderError> {
    let mut live = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let call = cx.budgets().describe_notifications_for_budget().account_id(account).budget_name(budget);
        let out = call.set_next_token(token.clone()).send().await;
        let Some(out) = none_if_not_found(out.map_err(|e| classify("DescribeNotificationsForBudget", e)))? else {
            return Ok(None);
        };
        live.extend(out.notifications().iter().cloned());
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    let mut seen = Vec::with_capacity(live.len());
    for n in live {
        let Some(addressees) = addressees(cx, account, budget, &n).await? else { return Ok(None) };
        let emails = addressees.iter().filter_map(|a| if let Addressee::Email(e) = a { Some(e.clone()) } else { None });
        let topic = addressees.iter().find_map(|a| if let Addressee::Sns(t) = a { Some(t.clone()) } else { None });
        let unmodeled = |what: &str, value: &str| missing(&format!("{what} Plinth models (it has `{value}`)"));
        seen.push(BudgetNotification {
            notification_type: NotificationType::from_sdk(n.notification_type())
                .ok_or_else(|| unmodeled("notification type", n.notification_type().as_str()))?,
            threshold_percent: n.threshold(),
            comparison: Comparison::from_sdk(n.comparison_operator())
                .ok_or_else(|| unmodeled("comparison", n.comparison_operator().as_str()))?,
            subscriber_emails: emails.collect(),
            subscriber_sns_topic: topic.map(Input::Value),
        });
    }
    Ok(Some(seen))
}

async fn addressees(
    cx: &AwsContext,
    account: &str,
    budget: &str,
    notification: &Notification,
) -> Result<Option<Vec<Addressee>>, ProviderError> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let call = cx.budgets().describe_subscribers_for_notification().account_id(account).budget_name(budget);
        let out = call.notification(notification.clone()).set_next_token(token.clone()).send().await;
        let Some(out) = none_if_not_found(out.map_err(|e| classify("DescribeSubscribersForNotification", e)))? else {
            return Ok(None);
        };
        found.extend(out.subscribers().iter().filter_map(|s| match s.subscription_type() {
            SubscriptionType::Email => Some(Addressee::Email(s.address().to_string())),
            SubscriptionType::Sns => Some(Addressee::Sns(s.address().to_string())),
            _ => None,
        }));
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(Some(found)),
        }
    }
}

/// `live` in the program's order where the same notification (identity) appears in both, with
/// each one's emails in the program's order when they are the same set; the rest after.
pub fn align(program: &[BudgetNotification], live: Vec<BudgetNotification>) -> Vec<BudgetNotification> {
    let mut rest = live;
    let mut out = Vec::with_capacity(rest.len());
    for wanted in program {
        if let Some(i) = rest.iter().position(|n| n.same_identity(wanted)) {
            let mut n = rest.remove(i);
            n.subscriber_emails = align_set(&wanted.subscriber_emails, n.subscriber_emails);
            out.push(n);
        }
    }
    out.extend(rest);
    out
}

/// `program` when `live` holds the same strings in another order, `live` otherwise.
pub fn align_set(program: &[String], mut live: Vec<String>) -> Vec<String> {
    let mut a = program.to_vec();
    a.sort();
    live.sort();
    if a == live {
        program.to_vec()
    } else {
        live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use NotificationType::{Actual as ACTUAL, Forecasted as FORECASTED};

    fn n(kind: NotificationType, threshold: f64, emails: &[&str]) -> BudgetNotification {
        BudgetNotification {
            notification_type: kind,
            threshold_percent: threshold,
            comparison: Comparison::GreaterThan,
            subscriber_emails: emails.iter().map(|e| e.to_string()).collect(),
            subscriber_sns_topic: None,
        }
    }

    #[test]
    fn unchanged_notifications_need_no_call() {
        let list = vec![n(ACTUAL, 80.0, &["a@x.io"]), n(FORECASTED, 100.0, &["a@x.io"])];
        assert_eq!(plan(&list, &list), Vec::<Change>::new());
    }

    #[test]
    fn added_and_removed_notifications() {
        let old = vec![n(ACTUAL, 80.0, &["a@x.io"])];
        let new = vec![n(FORECASTED, 100.0, &["a@x.io"])];
        assert_eq!(plan(&old, &new), vec![Change::Delete(old[0].clone()), Change::Create(new[0].clone())]);
    }

    #[test]
    fn a_new_threshold_of_the_same_type_is_an_update_keeping_subscribers() {
        let old = vec![n(ACTUAL, 80.0, &["a@x.io"])];
        let new = vec![n(ACTUAL, 90.0, &["a@x.io", "b@x.io"])];
        assert_eq!(
            plan(&old, &new),
            vec![
                Change::Update { old: old[0].clone(), new: new[0].clone() },
                Change::AddSubscriber { notification: new[0].clone(), subscriber: Addressee::Email("b@x.io".into()) },
            ]
        );
    }

    #[test]
    fn subscribers_are_added_before_removed() {
        let old = vec![n(ACTUAL, 80.0, &["a@x.io"])];
        let new = vec![n(ACTUAL, 80.0, &["b@x.io"])];
        assert_eq!(
            plan(&old, &new),
            vec![
                Change::AddSubscriber { notification: new[0].clone(), subscriber: Addressee::Email("b@x.io".into()) },
                Change::RemoveSubscriber { notification: new[0].clone(), subscriber: Addressee::Email("a@x.io".into()) },
            ]
        );
    }

    #[test]
    fn live_order_follows_the_program() {
        let program = vec![n(FORECASTED, 100.0, &["b@x.io", "a@x.io"]), n(ACTUAL, 80.0, &["a@x.io"])];
        let live = vec![n(ACTUAL, 80.0, &["a@x.io"]), n(FORECASTED, 100.0, &["a@x.io", "b@x.io"])];
        assert_eq!(align(&program, live), program);
    }

    #[test]
    fn emails_and_problems() {
        assert!(is_email("ops@example.com"));
        for bad in ["ops", "ops@", "@example.com", "ops@example", "o ps@example.com", "a@b@c.com", "a@b..com"] {
            assert!(!is_email(bad), "{bad}");
        }
        let bad = BudgetNotification { threshold_percent: -1.0, ..n(ACTUAL, 1.0, &["x"]) };
        let problems = bad.problems("notifications[0]");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("notifications[0].threshold_percent -1"));
        assert!(problems[1].contains("`x` is not an email address"));
        // A type that is not ACTUAL or FORECASTED no longer compiles, nor decodes from state.
        let odd = serde_json::json!({"notification_type": "SOON", "comparison": "GREATER_THAN"});
        assert!(serde_json::from_value::<BudgetNotification>(odd).is_err());
        let old_state = serde_json::json!({"notification_type": "FORECASTED", "comparison": "LESS_THAN",
            "threshold_percent": 100.0, "subscriber_emails": ["a@x.io"]});
        let read: BudgetNotification = serde_json::from_value(old_state.clone()).expect("old state reads");
        assert_eq!((read.notification_type, read.comparison), (FORECASTED, Comparison::LessThan));
        assert_eq!(serde_json::to_value(&read).expect("json"), old_state, "the serialized form is unchanged");
    }

    #[test]
    fn a_topic_is_one_more_subscriber() {
        let topic = "arn:aws:sns:us-east-1:123456789012:alarms";
        let old = vec![n(ACTUAL, 80.0, &["a@x.io"])];
        let new = vec![BudgetNotification { subscriber_sns_topic: Some(topic.to_string().into()), ..old[0].clone() }];
        let add = Change::AddSubscriber { notification: new[0].clone(), subscriber: Addressee::Sns(topic.into()) };
        assert_eq!(plan(&old, &new), vec![add]);
        let only_topic = BudgetNotification { subscriber_emails: vec![], ..new[0].clone() };
        assert_eq!(only_topic.problems("n"), Vec::<String>::new());
        let no_one = BudgetNotification { subscriber_sns_topic: None, ..only_topic.clone() };
        assert_eq!(no_one.problems("n"), ["n tells no one: give subscriber_emails or subscriber_sns_topic"]);
        let not_arn = BudgetNotification { subscriber_sns_topic: Some("alarms".to_string().into()), ..only_topic };
        assert_eq!(not_arn.problems("n"), ["n.subscriber_sns_topic `alarms` is not an SNS topic ARN"]);
    }
}
