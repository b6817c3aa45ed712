//! Reading alarms in batches, for refresh: one DescribeAlarms for many names (all pages) while
//! each alarm's tags are read at the same time (CloudWatch has no batch tag read: one
//! ListTagsForResource per alarm ARN, which the outputs already hold).

use super::tags::CloudWatch;
use super::{classify, LiveAlarm};
use crate::AwsContext;
use aws_sdk_cloudwatch::types::AlarmType;
use engine::{Observed, ProviderError, Resource, Tags};
use futures::future::{join, join_all};
use std::collections::BTreeMap;

/// The most names one DescribeAlarms takes (its `AlarmNames` limit).
pub const ALARM_READ_BATCH: usize = 100;

/// The alarms of type `kind` called exactly `names`, each `None` when there is none, in the
/// order of `names`: one DescribeAlarms, every page followed.
pub async fn describe_alarms(
    cx: &AwsContext,
    names: &[&str],
    kind: AlarmType,
) -> Result<Vec<Option<LiveAlarm>>, ProviderError> {
    let names_sent = names.iter().map(|n| n.to_string()).collect();
    let call = cx.cloudwatch().describe_alarms().set_alarm_names(Some(names_sent)).alarm_types(kind.clone());
    let mut pages = call.max_records(100).into_paginator().send();
    let mut found: BTreeMap<String, LiveAlarm> = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("DescribeAlarms", e))?;
        let composite = page.composite_alarms().iter().map(|a| (a.alarm_name(), LiveAlarm::Composite(a.clone())));
        let metric = page.metric_alarms().iter().map(|a| (a.alarm_name(), LiveAlarm::Metric(a.clone())));
        let of_kind: Vec<_> = if kind == AlarmType::CompositeAlarm { composite.collect() } else { metric.collect() };
        found.extend(of_kind.into_iter().filter_map(|(name, alarm)| Some((name?.to_string(), alarm))));
    }
    Ok(names.iter().map(|n| found.remove(*n)).collect())
}

/// `Resource::read_batch` of an alarm kind of type `kind`: the members' alarms in one
/// [`describe_alarms`] while their tags are read concurrently, then `observe` of each member's
/// live alarm and tags. A member whose alarm is gone is `None` (its tag read's NotFound is then
/// moot); a failed tag read is that member's error. A failed DescribeAlarms is a failure of the
/// whole call, not of a name, and is every member's error.
pub async fn read_alarms<R, F>(
    batch: &[(R, R::Outputs)],
    cx: &AwsContext,
    kind: AlarmType,
    name_and_arn: fn(&R::Outputs) -> (&str, &str),
    observe: F,
) -> Vec<Result<Option<Observed<R>>, ProviderError>>
where
    R: Resource,
    F: Fn(&R, &R::Outputs, LiveAlarm, Tags) -> Result<Observed<R>, ProviderError>,
{
    let names: Vec<&str> = batch.iter().map(|(_, out)| name_and_arn(out).0).collect();
    let tag_reads = join_all(batch.iter().map(|(_, out)| crate::tags::read::<CloudWatch>(cx, name_and_arn(out).1)));
    let (found, live_tags) = join(describe_alarms(cx, &names, kind), tag_reads).await;
    let found = match found {
        Ok(found) => found,
        Err(e) => return batch.iter().map(|_| Err(ProviderError::new(e.class, e.message.clone()))).collect(),
    };
    let members = batch.iter().zip(found).zip(live_tags);
    members
        .map(|(((r, out), alarm), tags)| match alarm {
            None => Ok(None),
            Some(alarm) => observe(r, out, alarm, tags?).map(Some),
        })
        .collect()
}
