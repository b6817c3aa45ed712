//! `aws:cloudwatch:MetricAlarm`: an alarm on one metric (a statistic of a namespace / name /
//! dimensions over a period) compared with a threshold, notifying SNS topics (or other action
//! ARNs) when it goes to ALARM, back to OK, or lacks data.
//!
//! The name is unique in the region: a rename deletes first. PutMetricAlarm is an upsert, so every
//! other field changes in place (the whole alarm is sent again); tags go on the creating call
//! (AWS ignores Tags when the call updates an alarm) and change by TagResource / UntagResource.
//!
//! # Guarantees
//! * Create refuses (AlreadyExists) an alarm of that name that already exists, rather than
//!   overwriting it through the upsert, and is sent without blind retries (`no_retry!`).
//! * `treat_missing_data` and `actions_enabled` are always sent, so a read never shows a default
//!   AWS filled in as drift.
//!
//! Metric-math alarms (the `Metrics` queries) are not modeled: one metric per alarm. A live
//! alarm that has become a math alarm reads with empty metric fields, which shows as drift.

use super::tags::CloudWatch;
use super::{alarm_arn, delete_alarm, find_alarm, missing, shared_problems};
use super::{observed_actions, refuse_existing, sdk, sent_actions, LiveAlarm};
use crate::error::classify;
use crate::kit::enums::aws_enum;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use sdk::types::{AlarmType, Dimension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A metric alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricAlarm {
    /// 1 to 255 characters; unique in the region.
    pub name: String,
    pub description: String,
    /// E.g. `AWS/ApplicationELB`.
    pub namespace: String,
    /// E.g. `HTTPCode_Target_5XX_Count`.
    pub metric_name: String,
    /// At most 30; values may reference other resources (a load balancer's ARN suffix).
    pub dimensions: BTreeMap<String, Input<String>>,
    /// One of `statistic` and `extended_statistic` (a percentile such as `p99`).
    pub statistic: Option<Statistic>,
    pub extended_statistic: Option<String>,
    /// 10, 30 or a multiple of 60.
    pub period_secs: i32,
    pub evaluation_periods: i32,
    /// M of the N evaluation periods that must breach; `None` means all of them.
    pub datapoints_to_alarm: Option<i32>,
    /// Required.
    pub threshold: Option<f64>,
    pub comparison_operator: ComparisonOperator,
    pub treat_missing_data: TreatMissingData,
    /// Action ARNs (SNS topics) for each state; AWS keeps each list as a set.
    pub alarm_actions: Vec<Input<String>>,
    pub ok_actions: Vec<Input<String>>,
    pub insufficient_data_actions: Vec<Input<String>>,
    pub actions_enabled: bool,
    pub tags: Tags,
}

impl Default for MetricAlarm {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            namespace: String::new(),
            metric_name: String::new(),
            dimensions: BTreeMap::new(),
            statistic: None,
            extended_statistic: None,
            period_secs: 60,
            evaluation_periods: 1,
            datapoints_to_alarm: None,
            threshold: None,
            comparison_operator: ComparisonOperator::default(),
            treat_missing_data: TreatMissingData::default(),
            alarm_actions: Vec::new(),
            ok_actions: Vec::new(),
            insufficient_data_actions: Vec::new(),
            actions_enabled: true,
            tags: Tags::new(),
        }
    }
}

aws_enum! {
    /// How the statistic is compared with the threshold.
    pub enum ComparisonOperator: sdk::types::ComparisonOperator {
        GreaterThanOrEqualToThreshold = "GreaterThanOrEqualToThreshold",
        GreaterThanThreshold = "GreaterThanThreshold",
        LessThanThreshold = "LessThanThreshold",
        LessThanOrEqualToThreshold = "LessThanOrEqualToThreshold",
    }
}

aws_enum! {
    /// A statistic of the metric's data points in a period.
    pub enum Statistic: sdk::types::Statistic {
        Average = "Average",
        Sum = "Sum",
        Minimum = "Minimum",
        Maximum = "Maximum",
        SampleCount = "SampleCount",
    }
}

aws_enum! {
    /// How periods without data count (AWS's default is `missing`).
    pub enum TreatMissingData: String {
        Missing = "missing",
        Breaching = "breaching",
        NotBreaching = "notBreaching",
        Ignore = "ignore",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricAlarmOutputs {
    pub name: String,
    pub arn: String,
}

impl Resource for MetricAlarm {
    const KIND: &'static str = "aws:cloudwatch:MetricAlarm";
    const SERVICE: &'static str = "cloudwatch";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const PRICED: bool = true;
    const READ_BATCH: usize = super::ALARM_READ_BATCH;
    type Outputs = MetricAlarmOutputs;
    type Context = AwsContext;

    /// One alarm metric; periods under a minute are high resolution.
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let cw = &crate::prices::table().cloudwatch;
        let item = if self.period_secs < 60 {
            engine::cost::CostItem::new("high-resolution alarm", 1.0, "alarms", cw.high_resolution_alarm_month)
        } else {
            engine::cost::CostItem::new("standard alarm", 1.0, "alarms", cw.alarm_month)
        };
        Ok(crate::prices::estimate(vec![item], vec![]))
    }

    fn cloud_id(outputs: &MetricAlarmOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let actions = [
            ("alarm_actions", &self.alarm_actions[..]),
            ("ok_actions", &self.ok_actions[..]),
            ("insufficient_data_actions", &self.insufficient_data_actions[..]),
        ];
        let mut problems = shared_problems(&self.name, &self.description, actions);
        problems.extend(self.metric_problems());
        problems.extend(self.evaluation_problems());
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<MetricAlarmOutputs, ProviderError> {
        refuse_existing(cx, &self.name).await?;
        let call = self.put(cx).set_tags(tags::to_sdk(&self.tags)?);
        let sent = call.customize().config_override(no_retry!(aws_sdk_cloudwatch)).send().await;
        sent.map_err(|e| classify("PutMetricAlarm", e))?;
        let arn = alarm_arn(cx, &self.name).await?;
        Ok(MetricAlarmOutputs { name: self.name.clone(), arn })
    }

    async fn read(&self, out: &MetricAlarmOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        crate::kit::only_result(Self::read_batch(vec![(self.clone(), out.clone())], cx).await, &out.name)
    }

    /// One DescribeAlarms for the batch, each alarm's tags read at the same time.
    async fn read_batch(
        batch: Vec<(Self, MetricAlarmOutputs)>,
        cx: &AwsContext,
    ) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        let observe = |r: &Self,
                       out: &MetricAlarmOutputs,
                       alarm: LiveAlarm,
                       tags: Tags|
         -> Result<Observed<Self>, ProviderError> {
            let LiveAlarm::Metric(live) = alarm else { return Err(missing("metric alarm")) };
            Ok(Observed { inputs: Self { tags, ..r.observed(&live)? }, outputs: out.clone() })
        };
        let name_and_arn: fn(&MetricAlarmOutputs) -> (&str, &str) = |out| (out.name.as_str(), out.arn.as_str());
        super::read::read_alarms(&batch, cx, AlarmType::MetricAlarm, name_and_arn, observe).await
    }

    async fn update(
        &self,
        old: &Self,
        out: &MetricAlarmOutputs,
        cx: &AwsContext,
    ) -> Result<MetricAlarmOutputs, ProviderError> {
        if self.without_tags() != old.without_tags() {
            self.put(cx).send().await.map_err(|e| classify("PutMetricAlarm", e))?;
        }
        tags::sync::<CloudWatch>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &MetricAlarmOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        delete_alarm(cx, &out.name).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<MetricAlarmOutputs>, ProviderError> {
        let found = find_alarm(cx, &self.name, AlarmType::MetricAlarm, meta).await?;
        Ok(found.map(|(_, arn)| MetricAlarmOutputs { name: self.name.clone(), arn }))
    }
}

impl MetricAlarm {
    fn without_tags(&self) -> Self {
        Self { tags: Tags::new(), ..self.clone() }
    }

    fn metric_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (field, value) in [("namespace", &self.namespace), ("metric_name", &self.metric_name)] {
            if value.is_empty() || value.chars().count() > 255 {
                problems.push(format!("{field} `{value}` must be 1 to 255 characters"));
            }
        }
        if self.dimensions.len() > 30 {
            problems.push(format!("dimensions has {}; at most 30", self.dimensions.len()));
        }
        match (&self.statistic, &self.extended_statistic) {
            (Some(_), Some(_)) | (None, None) => {
                problems.push("set exactly one of statistic and extended_statistic".to_string())
            }
            (None, Some(p)) if !is_percentile(p) => problems.push(format!(
                "extended_statistic `{p}` must be a percentile such as p99 or p99.9 (also tm, wm, tc or ts)"
            )),
            _ => {}
        }
        problems
    }

    fn evaluation_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let period = self.period_secs;
        if !(period == 10 || period == 30 || (period > 0 && period % 60 == 0)) {
            problems.push(format!("period_secs {period} must be 10, 30 or a positive multiple of 60"));
        }
        if self.evaluation_periods < 1 {
            problems.push(format!("evaluation_periods {} must be at least 1", self.evaluation_periods));
        }
        // AWS: at most one day of evaluation for periods under an hour, seven days otherwise.
        let limit = if period >= 3600 { 7 * 86_400 } else { 86_400 };
        if i64::from(period) * i64::from(self.evaluation_periods) > limit {
            problems.push(format!(
                "period_secs × evaluation_periods ({period} × {}) must not exceed {limit} s",
                self.evaluation_periods
            ));
        }
        if let Some(m) = self.datapoints_to_alarm {
            if m < 1 || m > self.evaluation_periods {
                problems.push(format!(
                    "datapoints_to_alarm {m} must be between 1 and evaluation_periods ({})",
                    self.evaluation_periods
                ));
            }
        }
        match self.threshold {
            None => problems.push("threshold is required".to_string()),
            Some(t) if !t.is_finite() => problems.push(format!("threshold {t} must be a finite number")),
            Some(_) => {}
        }
        problems
    }

    /// PutMetricAlarm with every field (tags added by the caller on create only).
    fn put(
        &self,
        cx: &AwsContext,
    ) -> aws_sdk_cloudwatch::operation::put_metric_alarm::builders::PutMetricAlarmFluentBuilder {
        let dimensions: Vec<Dimension> =
            self.dimensions.iter().map(|(k, v)| Dimension::builder().name(k).value(v.as_str()).build()).collect();
        cx.cloudwatch()
            .put_metric_alarm()
            .alarm_name(&self.name)
            .alarm_description(&self.description)
            .namespace(&self.namespace)
            .metric_name(&self.metric_name)
            .set_dimensions(Some(dimensions))
            .set_statistic(self.statistic.map(Statistic::to_sdk))
            .set_extended_statistic(self.extended_statistic.clone())
            .period(self.period_secs)
            .evaluation_periods(self.evaluation_periods)
            .set_datapoints_to_alarm(self.datapoints_to_alarm)
            .set_threshold(self.threshold)
            .comparison_operator(self.comparison_operator.to_sdk())
            .treat_missing_data(self.treat_missing_data.as_str())
            .set_alarm_actions(sent_actions(&self.alarm_actions))
            .set_ok_actions(sent_actions(&self.ok_actions))
            .set_insufficient_data_actions(sent_actions(&self.insufficient_data_actions))
            .actions_enabled(self.actions_enabled)
    }

    /// The live alarm in the program's shape (tags filled in by the caller).
    fn observed(&self, live: &sdk::types::MetricAlarm) -> Result<Self, ProviderError> {
        let unmodeled = |what: &str, value: &str| {
            ProviderError::new(
                ErrorClass::Other,
                format!("alarm {} has {what} {value}, which Plinth does not model", self.name),
            )
        };
        let statistic = match live.statistic() {
            None => None,
            Some(s) => Some(Statistic::from_sdk(s).ok_or_else(|| unmodeled("statistic", s.as_str()))?),
        };
        let comparison = live.comparison_operator().ok_or_else(|| missing("ComparisonOperator"))?;
        let comparison_operator = ComparisonOperator::from_sdk(comparison)
            .ok_or_else(|| unmodeled("comparison operator", comparison.as_str()))?;
        let treat = live.treat_missing_data().unwrap_or("missing").to_string();
        let treat_missing_data =
            TreatMissingData::from_sdk(&treat).ok_or_else(|| unmodeled("treat_missing_data", &treat))?;
        let dimensions = live
            .dimensions()
            .iter()
            .map(|d| {
                (d.name().unwrap_or_default().to_string(), Input::Value(d.value().unwrap_or_default().to_string()))
            })
            .collect();
        Ok(MetricAlarm {
            name: self.name.clone(),
            description: live.alarm_description().unwrap_or_default().to_string(),
            namespace: live.namespace().unwrap_or_default().to_string(),
            metric_name: live.metric_name().unwrap_or_default().to_string(),
            dimensions,
            statistic,
            extended_statistic: live.extended_statistic().map(str::to_string),
            period_secs: live.period().unwrap_or_default(),
            evaluation_periods: live.evaluation_periods().unwrap_or_default(),
            datapoints_to_alarm: live.datapoints_to_alarm(),
            threshold: live.threshold(),
            comparison_operator,
            treat_missing_data,
            alarm_actions: observed_actions(&self.alarm_actions, live.alarm_actions()),
            ok_actions: observed_actions(&self.ok_actions, live.ok_actions()),
            insufficient_data_actions: observed_actions(
                &self.insufficient_data_actions,
                live.insufficient_data_actions(),
            ),
            actions_enabled: live.actions_enabled().unwrap_or(true),
            tags: Tags::new(),
        })
    }
}

/// `p99`, `p99.9`, `tm90`, `wm95`, `tc90`, `ts90`: a prefix and a number from 0 to 100.
fn is_percentile(s: &str) -> bool {
    let number = ["tm", "wm", "tc", "ts", "p"].iter().find_map(|p| s.strip_prefix(p));
    number.and_then(|n| n.parse::<f64>().ok()).is_some_and(|n| (0.0..=100.0).contains(&n))
}

crate::kit::kind!(MetricAlarm, unordered: ["alarm_actions", "ok_actions", "insufficient_data_actions"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn five_xx() -> MetricAlarm {
        MetricAlarm {
            name: "api-5xx".into(),
            namespace: "AWS/ApplicationELB".into(),
            metric_name: "HTTPCode_Target_5XX_Count".into(),
            dimensions: [("LoadBalancer".to_string(), "app/web/123".into())].into(),
            statistic: Some(Statistic::Sum),
            period_secs: 300,
            evaluation_periods: 3,
            datapoints_to_alarm: Some(2),
            threshold: Some(10.0),
            comparison_operator: ComparisonOperator::GreaterThanThreshold,
            alarm_actions: vec!["arn:aws:sns:us-east-1:123456789012:alerts".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_five_xx_alarm_is_valid_and_serializes_aws_strings() {
        assert!(five_xx().validate().is_empty(), "{:?}", five_xx().validate());
        let json = serde_json::to_value(five_xx()).expect("json");
        assert_eq!(json["comparison_operator"], "GreaterThanThreshold");
        assert_eq!(json["treat_missing_data"], "missing");
        assert_eq!(json["statistic"], "Sum");
    }

    #[test]
    fn evaluation_settings_are_checked() {
        let bad = MetricAlarm { period_secs: 45, datapoints_to_alarm: Some(4), threshold: None, ..five_xx() };
        let problems = bad.validate();
        assert!(problems.iter().any(|p| p.starts_with("period_secs 45")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("datapoints_to_alarm 4")), "{problems:?}");
        assert!(problems.iter().any(|p| p == "threshold is required"), "{problems:?}");
        for period in [10, 30, 60, 3600] {
            assert!(MetricAlarm { period_secs: period, ..five_xx() }.validate().is_empty(), "{period}");
        }
        let long = MetricAlarm { period_secs: 600, evaluation_periods: 145, datapoints_to_alarm: None, ..five_xx() };
        assert!(long.validate().iter().any(|p| p.contains("must not exceed 86400")), "{:?}", long.validate());
        assert!(!MetricAlarm { evaluation_periods: 0, ..five_xx() }.validate().is_empty());
    }

    #[test]
    fn exactly_one_statistic_and_actions_are_arns() {
        let both = MetricAlarm { extended_statistic: Some("p99".into()), ..five_xx() };
        assert!(both.validate()[0].contains("exactly one of statistic and extended_statistic"));
        let p99 = MetricAlarm { statistic: None, extended_statistic: Some("p99.9".into()), ..five_xx() };
        assert!(p99.validate().is_empty(), "{:?}", p99.validate());
        let bad = MetricAlarm { statistic: None, extended_statistic: Some("q99".into()), ..five_xx() };
        assert!(bad.validate()[0].starts_with("extended_statistic `q99`"));
        let topic = MetricAlarm { ok_actions: vec!["alerts".into()], ..five_xx() };
        assert!(topic.validate()[0].starts_with("ok_actions: `alerts`"), "{:?}", topic.validate());
    }
}
