//! Observability: a log group per service with a retention; alarms (tagged for the stack) on the
//! load balancer's 5xx and response time, unhealthy hosts per target group, ECS CPU and memory
//! per service, RDS CPU, free storage and connections, Redis engine CPU, memory and evictions,
//! each with actions to an SNS topic of the stack (CloudWatch.15); one dashboard for the
//! environment (found through the outputs: dashboards carry no tags); the alarm topic encrypted
//! with KMS (SNS.1).

mod alarms;

use super::target::Target;
use super::{blocked, discover, error_text, Check};

const AREA: &str = "observability";

/// The log group's retention in days: `None` when it keeps events forever or does not exist.
pub async fn retention(logs: &aws_sdk_cloudwatchlogs::Client, group: &str) -> Result<Option<i32>, String> {
    let out = logs.describe_log_groups().log_group_name_prefix(group).send().await;
    let out = out.map_err(|e| format!("DescribeLogGroups {group} failed: {}", error_text(e)))?;
    Ok(out.log_groups().iter().find(|g| g.log_group_name() == Some(group)).and_then(|g| g.retention_in_days()))
}

pub async fn checks(t: &Target) -> Vec<Check> {
    let (groups, topics, dashboard) = tokio::join!(service_log_groups(t), topics(t), dashboard(t));
    let mut checks = vec![groups];
    let (topic_arns, encrypted) = topics;
    checks.extend(alarms::checks(t, &topic_arns).await);
    checks.push(dashboard);
    checks.push(encrypted);
    checks
}

async fn service_log_groups(t: &Target) -> Check {
    let what = "each service has its own log group with a retention, tagged for the stack";
    let services = match discover::services(t).await {
        Ok(services) => services,
        Err(reason) => return blocked(AREA, None, what, &reason),
    };
    let mut check = Check::new(AREA, None, what);
    let logs = aws_sdk_cloudwatchlogs::Client::new(t.sdk());
    for service in &services {
        let name = service.service_name().unwrap_or_default();
        let task = match discover::task_definition(t, service.task_definition().unwrap_or_default()).await {
            Ok(task) => task,
            Err(e) => {
                check.fail(name, e);
                continue;
            }
        };
        let main = task.container_definitions().iter().find(|c| name.ends_with(c.name().unwrap_or("?")));
        let group = main.and_then(|c| c.log_configuration()).and_then(|l| l.options()).and_then(|o| o.get("awslogs-group"));
        let Some(group) = group else {
            check.expect(name, false, "its container names no awslogs-group");
            continue;
        };
        match retention(&logs, group).await {
            Ok(days) => {
                check.expect(format!("{name} → {group}"), days.is_some(), "missing, or keeps events forever");
            }
            Err(e) => {
                check.fail(name, e);
                continue;
            }
        }
        let arn = format!("arn:aws:logs:{}:{}:log-group:{group}", t.sdk().region().map(|r| r.to_string()).unwrap_or_default(), t.account);
        match logs.list_tags_for_resource().resource_arn(&arn).send().await {
            Ok(out) => {
                let tags = out.tags().map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>()).unwrap_or_default();
                check.expect(group, t.owns(tags.into_iter()), "not tagged plinth:stack");
            }
            Err(e) => {
                check.call_failed(group, "ListTagsForResource", e);
            }
        }
    }
    check
}

/// The stack's SNS topics and the SNS.1 check of their encryption.
async fn topics(t: &Target) -> (Vec<String>, Check) {
    let what = "the stack's SNS alarm topic(s) are encrypted with KMS";
    let sns = aws_sdk_sns::Client::new(t.sdk());
    let listed: Result<Vec<_>, _> = sns.list_topics().into_paginator().items().send().collect().await;
    let listed = match listed {
        Ok(listed) => listed,
        Err(e) => return (vec![], blocked(AREA, Some("SNS.1"), what, &format!("ListTopics: {}", error_text(e)))),
    };
    let mut check = Check::new(AREA, Some("SNS.1"), what);
    let mut owned = Vec::new();
    for topic in listed {
        let arn = topic.topic_arn().unwrap_or_default().to_string();
        let Ok(tags) = sns.list_tags_for_resource().resource_arn(&arn).send().await else { continue };
        if !t.owns(tags.tags().iter().map(|t| (t.key(), t.value()))) {
            continue;
        }
        match sns.get_topic_attributes().topic_arn(&arn).send().await {
            Ok(out) => {
                let key = out.attributes().and_then(|a| a.get("KmsMasterKeyId")).cloned().unwrap_or_default();
                check.expect(&arn, !key.is_empty(), "no KmsMasterKeyId: not encrypted at rest with KMS");
            }
            Err(e) => {
                check.call_failed(&arn, "GetTopicAttributes", e);
            }
        }
        owned.push(arn);
    }
    (owned, check)
}

async fn dashboard(t: &Target) -> Check {
    let mut check = Check::new(AREA, None, "one CloudWatch dashboard for the environment (named in the outputs)");
    let arns = t.output_arns(":dashboard/");
    if arns.len() != 1 {
        check.fail(format!("outputs of {}", t.stack), format!("{} dashboard ARNs: {arns:?}", arns.len()));
    }
    let cloudwatch = aws_sdk_cloudwatch::Client::new(t.sdk());
    for arn in &arns {
        let name = arn.rsplit_once(":dashboard/").map(|(_, n)| n).unwrap_or(arn);
        match cloudwatch.get_dashboard().dashboard_name(name).send().await {
            Ok(out) => {
                let body = out.dashboard_body().unwrap_or_default();
                let widgets = serde_json::from_str::<serde_json::Value>(body).ok().and_then(|b| b["widgets"].as_array().map(Vec::len)).unwrap_or(0);
                check.expect(name, widgets > 0, "the dashboard has no widgets");
            }
            Err(e) => {
                check.call_failed(name, "GetDashboard", e);
            }
        }
    }
    check
}
