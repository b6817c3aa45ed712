//! `aws:logs:MetricFilter`: turns matching log events of one log group into a CloudWatch metric
//! (e.g. a count of `ERROR` lines, or the latency field of JSON logs), which alarms then watch.
//!
//! Identity is the log group's name plus the filter's name (unique per group): changing either
//! deletes first. PutMetricFilter is an upsert, so the pattern and the transformation change in
//! place. AWS takes exactly one metric transformation per filter ("fixed number of 1 item"), so
//! the kind has one [`MetricTransformation`], not a list.
//!
//! # Ownership
//! Metric filters are not taggable. A filter belongs to exactly one log group and is deleted with
//! it, so `find` adopts a filter only when its log group carries this stack's `plinth:stack` tag
//! (read from the cloud just before the check, `kit::prove_parent_stack`); a filter on another
//! stack's group, or on an untagged one, is `Err(NotOwned)` naming the filter and the group's
//! tags. Within the stack the filter name identifies it. Create refuses (AlreadyExists) a filter
//! of that name that already exists on the group, rather than overwriting it through the upsert.
//!
//! Emulator gaps (moto 5.2.5): PutMetricFilter appends a second filter of the same name instead of
//! replacing it, accepts a log group that does not exist, and DeleteMetricFilter of an unknown
//! filter answers 200; `scripts/moto_patches/logs.py` gives all three AWS's
//! semantics (replace in place, ResourceNotFoundException, ResourceNotFoundException).

use super::{missing, prove_group_stack, sdk};
use crate::error::{build_error, classify, ok_if_not_found};
use crate::kit::enums::aws_enum;
use crate::kit::retry::no_retry;
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A metric filter on a log group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricFilter {
    /// 1 to 512 characters, no `:` or `*`; unique per log group.
    pub name: String,
    /// The log group the filter reads (its name, e.g. the log group's `name` output).
    pub log_group_name: Input<String>,
    /// A CloudWatch Logs filter pattern (`ERROR`, `{ $.level = "error" }`); empty matches every
    /// event. At most 1024 characters.
    pub pattern: String,
    pub transformation: MetricTransformation,
}

/// What a matching event publishes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricTransformation {
    /// The metric's namespace, e.g. `Plinth/Api` (not `AWS/...`).
    pub namespace: String,
    pub metric_name: String,
    /// What a match publishes: a number (`1`) or a field of the event (`$.latency`, `$size`).
    pub value: String,
    /// Published when an event does not match; `None` publishes nothing. Not allowed together
    /// with dimensions (AWS's rule).
    pub default_value: Option<f64>,
    pub unit: Option<MetricUnit>,
    /// At most 3; values are fields of the event (`$.status`).
    pub dimensions: BTreeMap<String, String>,
}

aws_enum! {
    /// The units a metric filter can publish in (the common subset of CloudWatch's).
    pub enum MetricUnit: sdk::types::StandardUnit {
        Count = "Count",
        CountPerSecond = "Count/Second",
        Seconds = "Seconds",
        Milliseconds = "Milliseconds",
        Microseconds = "Microseconds",
        Bytes = "Bytes",
        Kilobytes = "Kilobytes",
        Megabytes = "Megabytes",
        BytesPerSecond = "Bytes/Second",
        Percent = "Percent",
        NoUnit = "None",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFilterOutputs {
    pub log_group_name: String,
    pub name: String,
}

impl Resource for MetricFilter {
    const KIND: &'static str = "aws:logs:MetricFilter";
    const SERVICE: &'static str = "logs";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "log_group_name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = MetricFilterOutputs;
    type Context = AwsContext;

    /// `<log group>:<filter>` (neither name may contain `:`).
    fn cloud_id(outputs: &MetricFilterOutputs) -> String {
        format!("{}:{}", outputs.log_group_name, outputs.name)
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.is_empty() || self.name.chars().count() > 512 || self.name.contains([':', '*']) {
            problems.push(format!("name `{}` must be 1 to 512 characters without `:` or `*`", self.name));
        }
        if self.log_group_name.known().is_some_and(|g| g.is_empty()) {
            problems.push("log_group_name must not be empty".to_string());
        }
        if self.pattern.chars().count() > 1024 {
            problems.push(format!("pattern is {} characters; at most 1024", self.pattern.chars().count()));
        }
        problems.extend(self.transformation.problems());
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<MetricFilterOutputs, ProviderError> {
        if self.describe(cx, self.log_group_name.as_str()).await?.is_some() {
            let message =
                format!("metric filter {} already exists on log group {}", self.name, self.log_group_name.as_str());
            return Err(ProviderError::new(ErrorClass::AlreadyExists, message));
        }
        self.put(cx, true).await
    }

    async fn read(&self, out: &MetricFilterOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = self.describe(cx, &out.log_group_name).await? else { return Ok(None) };
        let transformation = live.metric_transformations().first().ok_or_else(|| missing("metric transformation"))?;
        let mut seen = self.clone();
        seen.pattern = live.filter_pattern().unwrap_or_default().to_string();
        seen.transformation = MetricTransformation::observed(transformation)?;
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(
        &self,
        _old: &Self,
        _out: &MetricFilterOutputs,
        cx: &AwsContext,
    ) -> Result<MetricFilterOutputs, ProviderError> {
        self.put(cx, false).await
    }

    async fn delete(&self, out: &MetricFilterOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let call = cx.logs().delete_metric_filter().log_group_name(&out.log_group_name).filter_name(&out.name);
        ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteMetricFilter", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<MetricFilterOutputs>, ProviderError> {
        let group = self.log_group_name.as_str();
        if self.describe(cx, group).await?.is_none() {
            return Ok(None);
        }
        prove_group_stack(cx, group, &format!("metric filter {} on log group {group}", self.name), meta).await?;
        Ok(Some(self.outputs()))
    }
}

impl MetricFilter {
    fn outputs(&self) -> MetricFilterOutputs {
        MetricFilterOutputs { log_group_name: self.log_group_name.as_str().to_string(), name: self.name.clone() }
    }

    /// The live filter of this name on `group`, or `None` (also when the group is gone).
    async fn describe(&self, cx: &AwsContext, group: &str) -> Result<Option<sdk::types::MetricFilter>, ProviderError> {
        let mut token: Option<String> = None;
        loop {
            let call = cx
                .logs()
                .describe_metric_filters()
                .log_group_name(group)
                .filter_name_prefix(&self.name)
                .set_next_token(token.clone());
            let Some(out) = crate::error::none_if_not_found(call.send().await.map_err(|e| classify("DescribeMetricFilters", e)))?
            else {
                return Ok(None);
            };
            let found = out.metric_filters().iter().find(|f| f.filter_name() == Some(self.name.as_str()));
            if let Some(found) = found {
                return Ok(Some(found.clone()));
            }
            match out.next_token() {
                Some(next) if !next.is_empty() && !out.metric_filters().is_empty() => token = Some(next.to_string()),
                _ => return Ok(None),
            }
        }
    }

    /// PutMetricFilter (creates or replaces in place); a create is sent without blind retries.
    async fn put(&self, cx: &AwsContext, creating: bool) -> Result<MetricFilterOutputs, ProviderError> {
        let call = cx
            .logs()
            .put_metric_filter()
            .log_group_name(self.log_group_name.as_str())
            .filter_name(&self.name)
            .filter_pattern(&self.pattern)
            .metric_transformations(self.transformation.to_sdk()?);
        let sent = if creating {
            call.customize().config_override(no_retry!(aws_sdk_cloudwatchlogs)).send().await
        } else {
            call.send().await
        };
        sent.map_err(|e| classify("PutMetricFilter", e))?;
        Ok(self.outputs())
    }
}

impl MetricTransformation {
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let name_ok = |s: &str| !s.is_empty() && s.chars().count() <= 255;
        if !name_ok(&self.namespace) || self.namespace.starts_with("AWS/") {
            problems.push(format!(
                "transformation.namespace `{}` must be 1 to 255 characters and not an `AWS/` namespace",
                self.namespace
            ));
        }
        if !name_ok(&self.metric_name) || self.metric_name.contains([':', '*', '$']) {
            problems.push(format!(
                "transformation.metric_name `{}` must be 1 to 255 characters without `:`, `*` or `$`",
                self.metric_name
            ));
        }
        if self.value.is_empty() || self.value.chars().count() > 100 {
            problems.push(format!("transformation.value `{}` must be 1 to 100 characters (`1`, `$.field`)", self.value));
        }
        if self.default_value.is_some_and(|v| !v.is_finite()) {
            problems.push("transformation.default_value must be a finite number".to_string());
        }
        if self.dimensions.len() > 3 {
            problems.push(format!("transformation.dimensions has {}; at most 3", self.dimensions.len()));
        }
        if self.default_value.is_some() && !self.dimensions.is_empty() {
            problems.push("transformation.default_value cannot be set together with dimensions (AWS's rule)".to_string());
        }
        problems
    }

    fn to_sdk(&self) -> Result<sdk::types::MetricTransformation, ProviderError> {
        let dimensions = (!self.dimensions.is_empty()).then(|| self.dimensions.clone().into_iter().collect());
        sdk::types::MetricTransformation::builder()
            .metric_namespace(&self.namespace)
            .metric_name(&self.metric_name)
            .metric_value(&self.value)
            .set_default_value(self.default_value)
            .set_unit(self.unit.map(MetricUnit::to_sdk))
            .set_dimensions(dimensions)
            .build()
            .map_err(|e| build_error("metric transformation", e))
    }

    /// The live transformation in the program's shape (a unit Plinth does not model is an error
    /// naming it).
    fn observed(live: &sdk::types::MetricTransformation) -> Result<Self, ProviderError> {
        let unit = match live.unit() {
            None => None,
            Some(unit) => Some(MetricUnit::from_sdk(unit).ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::Other,
                    format!("the metric filter publishes in unit {}, which Plinth does not model", unit.as_str()),
                )
            })?),
        };
        Ok(MetricTransformation {
            namespace: live.metric_namespace().to_string(),
            metric_name: live.metric_name().to_string(),
            value: live.metric_value().to_string(),
            default_value: live.default_value(),
            unit,
            dimensions: live.dimensions().map(|d| d.clone().into_iter().collect()).unwrap_or_default(),
        })
    }
}

crate::kit::kind!(MetricFilter);

#[cfg(test)]
mod tests {
    use super::*;

    fn errors() -> MetricFilter {
        MetricFilter {
            name: "errors".into(),
            log_group_name: "/plinth/dev/api".into(),
            pattern: "ERROR".into(),
            transformation: MetricTransformation {
                namespace: "Plinth/Api".into(),
                metric_name: "Errors".into(),
                value: "1".into(),
                default_value: Some(0.0),
                unit: Some(MetricUnit::Count),
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_counting_filter_is_valid() {
        assert!(errors().validate().is_empty(), "{:?}", errors().validate());
        let json = serde_json::to_value(errors()).expect("json");
        assert_eq!(json["transformation"]["unit"], "Count");
    }

    #[test]
    fn bad_fields_are_named() {
        let mut bad = errors();
        bad.name = "a:b".into();
        bad.transformation.namespace = "AWS/Logs".into();
        bad.transformation.value = String::new();
        bad.transformation.dimensions = [("status".to_string(), "$.status".to_string())].into();
        let problems = bad.validate();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("name `a:b`"));
        assert!(problems[1].starts_with("transformation.namespace `AWS/Logs`"));
        assert!(problems[2].starts_with("transformation.value ``"));
        assert!(problems[3].contains("default_value cannot be set together with dimensions"));
    }

    #[test]
    fn the_sent_transformation_reads_back_unchanged() {
        let mut dims = errors().transformation;
        dims.default_value = None;
        dims.dimensions = [("status".to_string(), "$.status".to_string())].into();
        for t in [errors().transformation, dims] {
            assert_eq!(MetricTransformation::observed(&t.to_sdk().expect("builds")).expect("reads"), t);
        }
    }
}
