//! CloudWatch kinds: metric alarms ([`MetricAlarm`]), composite alarms ([`CompositeAlarm`]) and
//! dashboards ([`Dashboard`]), and what they share: the client, the service's error codes, the
//! tag API ([`tags`], by ARN), the alarm finder by name ([`describe_alarm`]), batched alarm reads for refresh (`read`) and the checks and
//! read-back of alarm actions ([`action_problems`], [`observed_actions`]).
//!
//! Alarms are taggable (Tags on PutMetricAlarm / PutCompositeAlarm at creation) and found by
//! their unique name, adopted only when their tags prove ownership. Dashboards are not taggable:
//! their ownership rule is in [`dashboard`]'s module doc.

pub mod tags;

mod composite_alarm;
pub mod dashboard;
mod metric_alarm;
mod read;
pub mod widgets;

pub use aws_sdk_cloudwatch as sdk;
pub use composite_alarm::{CompositeAlarm, CompositeAlarmOutputs};
pub use dashboard::{Dashboard, DashboardOutputs};
pub use metric_alarm::{ComparisonOperator, MetricAlarm, MetricAlarmOutputs, Statistic, TreatMissingData};
pub use read::ALARM_READ_BATCH;
pub use widgets::{AlarmWidget, MetricLine, MetricView, MetricWidget, TextWidget, Widget, WidgetContent};

use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, ProviderError};
use sdk::types::AlarmType;

crate::service_client!(cloudwatch, aws_sdk_cloudwatch);

crate::error_codes!(
    "cloudwatch",
    Conflict: ["ConcurrentModificationException"],
    Invalid: ["MissingParameter", "InvalidParameterInput", "InvalidFormat"],
    Transient: ["InternalServiceError", "InternalServiceFault"],
);

/// At most this many actions per alarm state (AWS's limit).
pub const MAX_ACTIONS: usize = 5;

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the CloudWatch response has no {what}"))
}

/// One live alarm, of the type asked for (short-lived: boxing would buy nothing).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum LiveAlarm {
    Metric(sdk::types::MetricAlarm),
    Composite(sdk::types::CompositeAlarm),
}

impl LiveAlarm {
    /// The alarm's ARN.
    pub fn arn(&self) -> Result<String, ProviderError> {
        let arn = match self {
            LiveAlarm::Metric(a) => a.alarm_arn(),
            LiveAlarm::Composite(a) => a.alarm_arn(),
        };
        arn.map(str::to_string).ok_or_else(|| missing("alarm ARN"))
    }
}

/// The alarm called exactly `name` of type `kind`, or `None` (DescribeAlarms by name).
pub async fn describe_alarm(cx: &AwsContext, name: &str, kind: AlarmType) -> Result<Option<LiveAlarm>, ProviderError> {
    Ok(read::describe_alarms(cx, &[name], kind).await?.pop().flatten())
}

/// `Err(AlreadyExists)` when an alarm of that name (of either type) exists: PutMetricAlarm and
/// PutCompositeAlarm are upserts, and a create must never overwrite an alarm it did not make.
/// One DescribeAlarms asks for both types (without `AlarmTypes` AWS answers metric alarms only).
pub async fn refuse_existing(cx: &AwsContext, name: &str) -> Result<(), ProviderError> {
    let both = vec![AlarmType::MetricAlarm, AlarmType::CompositeAlarm];
    let call = cx.cloudwatch().describe_alarms().alarm_names(name).set_alarm_types(Some(both));
    let out = call.send().await.map_err(|e| classify("DescribeAlarms", e))?;
    let metric = out.metric_alarms().iter().filter(|a| a.alarm_name() == Some(name)).map(|a| a.alarm_arn());
    let composite = out.composite_alarms().iter().filter(|a| a.alarm_name() == Some(name)).map(|a| a.alarm_arn());
    match metric.chain(composite).next() {
        Some(arn) => {
            let message = format!("alarm {name} already exists ({})", arn.unwrap_or("no ARN in the answer"));
            Err(ProviderError::new(ErrorClass::AlreadyExists, message))
        }
        None => Ok(()),
    }
}

/// `find` of an alarm kind: the alarm of that name and type, adopted only when its live tags
/// prove ownership (`kit::adopt`).
pub async fn find_alarm(
    cx: &AwsContext,
    name: &str,
    kind: AlarmType,
    meta: &Meta,
) -> Result<Option<(LiveAlarm, String)>, ProviderError> {
    let Some(live) = describe_alarm(cx, name, kind).await? else { return Ok(None) };
    let arn = live.arn()?;
    let live_tags = crate::tags::read::<tags::CloudWatch>(cx, &arn).await?;
    adopt(&format!("alarm {name} ({arn})"), &live_tags, meta, (live, arn))
}

/// DeleteAlarms of one alarm; one that is gone is fine.
pub async fn delete_alarm(cx: &AwsContext, name: &str) -> Result<(), ProviderError> {
    let call = cx.cloudwatch().delete_alarms().alarm_names(name);
    ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteAlarms", e)))
}

/// The checks both alarm kinds share: the name, the description's length and the three action
/// lists (`field` → actions).
pub fn shared_problems(name: &str, description: &str, actions: [(&str, &[Input<String>]); 3]) -> Vec<String> {
    let mut problems = alarm_name_problems(name);
    problems.extend(action_problems(&actions));
    if description.chars().count() > 1024 {
        problems.push("description must be at most 1024 characters".to_string());
    }
    problems
}

/// The ARN of the alarm a Put just made, what `create` records: CloudWatch's documented form
/// `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>` (the Put answers nothing, and a
/// read-back by name would be one more round trip on every chain through an alarm). The account
/// is the context's, known from the pre-run account check.
pub async fn alarm_arn(cx: &AwsContext, name: &str) -> Result<String, ProviderError> {
    let (partition, region) = (crate::budgets::partition(&cx.region), &cx.region);
    Ok(format!("arn:{partition}:cloudwatch:{region}:{}:alarm:{name}", cx.account_id().await?))
}

/// A dashboard's ARN: `arn:<partition>:cloudwatch::<account>:dashboard/<name>` (dashboards are
/// global: no region), as GetDashboard reports it.
pub async fn dashboard_arn(cx: &AwsContext, name: &str) -> Result<String, ProviderError> {
    let partition = crate::budgets::partition(&cx.region);
    Ok(format!("arn:{partition}:cloudwatch::{}:dashboard/{name}", cx.account_id().await?))
}

/// Problems with an alarm name (1 to 255 characters, no control characters).
pub fn alarm_name_problems(name: &str) -> Vec<String> {
    if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        vec![format!("name `{name}` must be 1 to 255 printable characters")]
    } else {
        Vec::new()
    }
}

/// Problems with action lists (`field` → actions): at most [`MAX_ACTIONS`] each, every known
/// value an ARN (SNS topics, Auto Scaling or SSM actions).
pub fn action_problems(lists: &[(&str, &[Input<String>])]) -> Vec<String> {
    let mut problems = Vec::new();
    for (field, actions) in lists {
        if actions.len() > MAX_ACTIONS {
            problems.push(format!("{field} has {} actions; at most {MAX_ACTIONS}", actions.len()));
        }
        for action in actions.iter().filter_map(Input::known) {
            if !action.starts_with("arn:") {
                problems.push(format!("{field}: `{action}` must be an ARN (e.g. an SNS topic's arn:aws:sns:…)"));
            }
        }
    }
    problems
}

/// Resolved actions as the SDK takes them (an empty list clears them on update).
pub fn sent_actions(actions: &[Input<String>]) -> Option<Vec<String>> {
    Some(actions.iter().map(|a| a.as_str().to_string()).collect())
}

/// Live actions in the program's shape: AWS keeps them as a set, so the program's order is kept
/// when only the order differs (`kit::observed_ids`).
pub fn observed_actions(program: &[Input<String>], live: &[String]) -> Vec<Input<String>> {
    crate::kit::observed_ids(program, live.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_must_be_arns_and_few() {
        let topic: Input<String> = "arn:aws:sns:us-east-1:123456789012:alerts".into();
        assert!(action_problems(&[("alarm_actions", std::slice::from_ref(&topic))]).is_empty());
        let problems = action_problems(&[("ok_actions", &["alerts".into()])]);
        assert!(problems[0].starts_with("ok_actions: `alerts` must be an ARN"), "{problems:?}");
        let many = vec![topic; 6];
        assert!(action_problems(&[("alarm_actions", &many)])[0].contains("at most 5"));
    }

    #[test]
    fn names_are_checked() {
        assert!(alarm_name_problems("api-5xx").is_empty());
        assert!(!alarm_name_problems("").is_empty());
        assert!(!alarm_name_problems(&"x".repeat(256)).is_empty());
    }
}
