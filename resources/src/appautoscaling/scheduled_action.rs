//! `aws:applicationautoscaling:ScheduledAction`: sets a scalable target's minimum and/or maximum
//! capacity on a schedule (`cron(...)`, `rate(...)` or a one-off `at(...)`) in a time zone.
//!
//! PutScheduledAction is an upsert: schedule, time zone and capacities change in place; the name
//! and the target it belongs to are its identity (delete first).
//!
//! # Guarantees
//! * Not taggable (AWS does not tag scheduled actions): `find` adopts an action only when its
//!   scalable target carries this stack's `plinth:stack` (see [`crate::appautoscaling`]).
//! * Create refuses (AlreadyExists) an action of that name that already exists on the target.
//!   PutScheduledAction is idempotent, so a retry after a lost reply makes no second action.
//! * The time zone is always sent (default `UTC`), so AWS never fills in one a read would show.
//!
//! Emulator gaps (moto 5.2.5): DeleteScheduledAction of an unknown action succeeds silently and
//! PutScheduledAction accepts an unregistered target; `scripts/moto_patches/appautoscaling.py`
//! gives both AWS's ObjectNotFoundException.

use super::TargetKey;
use super::{name_problems, prove_target_stack, resource_id_problems, ScalableDimension, ServiceNamespace};
use crate::error::{classify, ok_if_not_found};
use crate::AwsContext;
use aws_sdk_applicationautoscaling::types as sdk;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource};
use serde::{Deserialize, Serialize};

/// A scheduled capacity change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduledAction {
    /// Unique per scalable target; 1 to 256 printable characters.
    pub name: String,
    pub service_namespace: ServiceNamespace,
    /// The scalable target's resource id (`service/<cluster>/<service>`).
    pub resource_id: Input<String>,
    pub scalable_dimension: ScalableDimension,
    /// `cron(minutes hours day-of-month month day-of-week year)`, `rate(5 minutes)` or
    /// `at(2026-12-24T18:00:00)`.
    pub schedule: String,
    /// An IANA time zone such as `Europe/Berlin`; `UTC` by default.
    pub timezone: String,
    pub min_capacity: Option<i32>,
    pub max_capacity: Option<i32>,
}

impl Default for ScheduledAction {
    fn default() -> Self {
        Self {
            name: String::new(),
            service_namespace: ServiceNamespace::default(),
            resource_id: Input::default(),
            scalable_dimension: ScalableDimension::default(),
            schedule: String::new(),
            timezone: "UTC".to_string(),
            min_capacity: None,
            max_capacity: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledActionOutputs {
    pub arn: String,
}

impl Resource for ScheduledAction {
    const KIND: &'static str = "aws:applicationautoscaling:ScheduledAction";
    const SERVICE: &'static str = "applicationautoscaling";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "service_namespace", "resource_id", "scalable_dimension"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = ScheduledActionOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &ScheduledActionOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = name_problems("name", &self.name);
        problems.extend(resource_id_problems(self.service_namespace, self.resource_id.known()));
        if let Some(p) = schedule_problem(&self.schedule) {
            problems.push(format!("schedule `{}` {p}", self.schedule));
        }
        if !is_timezone(&self.timezone) {
            problems
                .push(format!("timezone `{}` must be `UTC` or an IANA zone such as `Europe/Berlin`", self.timezone));
        }
        problems.extend(capacity_problems(self.min_capacity, self.max_capacity));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ScheduledActionOutputs, ProviderError> {
        if let Some(existing) = self.describe(cx).await? {
            let message = format!(
                "scheduled action {} already exists on {} ({})",
                self.name,
                self.key(),
                existing.scheduled_action_arn()
            );
            return Err(ProviderError::new(ErrorClass::AlreadyExists, message));
        }
        self.put(cx).await?;
        let live = self.describe(cx).await?.ok_or_else(|| super::missing("the scheduled action just put"))?;
        Ok(ScheduledActionOutputs { arn: live.scheduled_action_arn().to_string() })
    }

    async fn read(
        &self,
        out: &ScheduledActionOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = self.describe(cx).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.schedule = live.schedule().to_string();
        seen.timezone = live.timezone().unwrap_or("UTC").to_string();
        let action = live.scalable_target_action();
        seen.min_capacity = action.and_then(|a| a.min_capacity());
        seen.max_capacity = action.and_then(|a| a.max_capacity());
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(
        &self,
        _old: &Self,
        out: &ScheduledActionOutputs,
        cx: &AwsContext,
    ) -> Result<ScheduledActionOutputs, ProviderError> {
        self.put(cx).await?;
        Ok(out.clone())
    }

    async fn delete(&self, _out: &ScheduledActionOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let key = self.key();
        let call = cx
            .appautoscaling()
            .delete_scheduled_action()
            .scheduled_action_name(&self.name)
            .service_namespace(key.namespace.to_sdk())
            .resource_id(key.resource_id)
            .scalable_dimension(key.dimension.to_sdk());
        ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteScheduledAction", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ScheduledActionOutputs>, ProviderError> {
        let Some(live) = self.describe(cx).await? else { return Ok(None) };
        prove_target_stack(cx, self.key(), &format!("scheduled action {}", self.name), meta).await?;
        Ok(Some(ScheduledActionOutputs { arn: live.scheduled_action_arn().to_string() }))
    }
}

impl ScheduledAction {
    fn key(&self) -> TargetKey<'_> {
        TargetKey {
            namespace: self.service_namespace,
            resource_id: self.resource_id.as_str(),
            dimension: self.scalable_dimension,
        }
    }

    async fn describe(&self, cx: &AwsContext) -> Result<Option<sdk::ScheduledAction>, ProviderError> {
        let key = self.key();
        let mut next: Option<String> = None;
        loop {
            let call = cx
                .appautoscaling()
                .describe_scheduled_actions()
                .scheduled_action_names(&self.name)
                .service_namespace(key.namespace.to_sdk())
                .resource_id(key.resource_id)
                .scalable_dimension(key.dimension.to_sdk())
                .set_next_token(next.clone());
            let out = call.send().await.map_err(|e| classify("DescribeScheduledActions", e))?;
            let actions = out.scheduled_actions();
            let found =
                actions.iter().find(|a| a.scheduled_action_name() == self.name && a.resource_id() == key.resource_id);
            if let Some(found) = found {
                return Ok(Some(found.clone()));
            }
            match out.next_token() {
                Some(token) if !token.is_empty() && !actions.is_empty() => next = Some(token.to_string()),
                _ => return Ok(None),
            }
        }
    }

    async fn put(&self, cx: &AwsContext) -> Result<(), ProviderError> {
        let key = self.key();
        let action = sdk::ScalableTargetAction::builder()
            .set_min_capacity(self.min_capacity)
            .set_max_capacity(self.max_capacity);
        let call = cx
            .appautoscaling()
            .put_scheduled_action()
            .scheduled_action_name(&self.name)
            .service_namespace(key.namespace.to_sdk())
            .resource_id(key.resource_id)
            .scalable_dimension(key.dimension.to_sdk())
            .schedule(&self.schedule)
            .timezone(&self.timezone)
            .scalable_target_action(action.build());
        call.send().await.map_err(|e| classify("PutScheduledAction", e))?;
        Ok(())
    }
}

/// What is wrong with a schedule expression, if anything.
fn schedule_problem(schedule: &str) -> Option<String> {
    let inner = |prefix: &str| schedule.strip_prefix(prefix).and_then(|s| s.strip_suffix(')'));
    if let Some(body) = inner("cron(") {
        let fields = body.split_whitespace().count();
        return (fields != 6).then(|| {
            format!("has {fields} cron fields; AWS needs 6 (minutes hours day-of-month month day-of-week year)")
        });
    }
    if let Some(body) = inner("rate(") {
        return rate_problem(body);
    }
    if let Some(body) = inner("at(") {
        return (!is_timestamp(body)).then(|| "needs a time as yyyy-mm-ddThh:mm:ss inside at(...)".to_string());
    }
    Some("must be cron(...), rate(...) or at(...)".to_string())
}

fn rate_problem(body: &str) -> Option<String> {
    let mut parts = body.split_whitespace();
    let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Some("needs rate(<value> <unit>), e.g. rate(5 minutes)".to_string());
    };
    let Ok(n) = value.parse::<u32>() else {
        return Some(format!("has rate value `{value}`; a positive whole number is needed"));
    };
    let singular = ["minute", "hour", "day"];
    let plural = ["minutes", "hours", "days"];
    match n {
        0 => Some("has rate value 0; a positive whole number is needed".to_string()),
        1 if !singular.contains(&unit) => Some(format!("has unit `{unit}`; rate(1 ...) takes minute, hour or day")),
        n if n > 1 && !plural.contains(&unit) => Some(format!("has unit `{unit}`; use minutes, hours or days")),
        _ => None,
    }
}

/// `yyyy-mm-ddThh:mm:ss`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    b.len() == 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
}

/// `UTC` or an IANA name (`Area/Location`, letters, digits, `_+-`).
fn is_timezone(tz: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+-/".contains(c);
    tz == "UTC"
        || (tz.contains('/') && tz.chars().all(allowed) && !tz.starts_with('/') && !tz.ends_with('/'))
        || (tz.len() <= 5 && tz.chars().all(|c| c.is_ascii_uppercase()))
}

fn capacity_problems(min: Option<i32>, max: Option<i32>) -> Vec<String> {
    let mut problems = Vec::new();
    match (min, max) {
        (None, None) => problems.push("min_capacity and max_capacity are both unset: set at least one".to_string()),
        (Some(min), Some(max)) if min > max => {
            problems.push(format!("min_capacity {min} is greater than max_capacity {max}"));
        }
        _ => {}
    }
    for (field, value) in [("min_capacity", min), ("max_capacity", max)] {
        if let Some(v) = value.filter(|v| *v < 0) {
            problems.push(format!("{field} {v} must not be negative"));
        }
    }
    problems
}

crate::kit::kind!(ScheduledAction);

#[cfg(test)]
mod tests {
    use super::*;

    fn nightly() -> ScheduledAction {
        ScheduledAction {
            name: "night".into(),
            resource_id: "service/main/api".into(),
            schedule: "cron(0 22 * * ? *)".into(),
            timezone: "Europe/Berlin".into(),
            min_capacity: Some(1),
            max_capacity: Some(2),
            ..Default::default()
        }
    }

    #[test]
    fn valid_schedules_pass() {
        assert!(nightly().validate().is_empty(), "{:?}", nightly().validate());
        for s in ["rate(5 minutes)", "rate(1 hour)", "at(2026-12-24T18:00:00)", "cron(0 6 ? * MON-FRI *)"] {
            assert_eq!(schedule_problem(s), None, "{s}");
        }
    }

    #[test]
    fn bad_schedules_are_named() {
        for s in
            ["cron(0 22 * * ?)", "rate(1 minutes)", "rate(5 minute)", "rate(0 days)", "at(2026-12-24 18:00)", "daily"]
        {
            let bad = ScheduledAction { schedule: s.into(), ..nightly() };
            let problems = bad.validate();
            assert_eq!(problems.len(), 1, "{s}: {problems:?}");
            assert!(problems[0].starts_with(&format!("schedule `{s}`")), "{problems:?}");
        }
    }

    #[test]
    fn capacities_and_timezone_are_checked() {
        let neither = ScheduledAction { min_capacity: None, max_capacity: None, ..nightly() };
        assert!(neither.validate()[0].contains("set at least one"));
        let inverted = ScheduledAction { min_capacity: Some(5), ..nightly() };
        assert_eq!(inverted.validate(), vec!["min_capacity 5 is greater than max_capacity 2".to_string()]);
        let only_max = ScheduledAction { min_capacity: None, ..nightly() };
        assert!(only_max.validate().is_empty());
        let tz = ScheduledAction { timezone: "Berlin time".into(), ..nightly() };
        assert!(tz.validate()[0].starts_with("timezone `Berlin time`"));
        assert_eq!(ScheduledAction::default().timezone, "UTC");
    }
}
