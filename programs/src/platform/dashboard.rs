//! One dashboard per environment: requests, latency and errors at the load balancer, CPU and
//! memory per service, application errors (from the services' JSON logs), the database, the
//! cache, the month's estimated cost, and the state of every alarm. Widgets are keyed by a
//! stable id, so a preview shows a changed widget as one change.

use super::alarms::Watched;
use super::iam::REGION;
use super::logs::ERRORS_NAMESPACE;
use crate::env::Env;
use engine::{Handle, Input, Stack};
use resources::cloudwatch::{AlarmWidget, Dashboard, MetricAlarm, MetricLine, MetricView, MetricWidget, Widget, WidgetContent};
use std::collections::BTreeMap;

fn line(namespace: &str, metric: &str, dimensions: &[(&str, Input<String>)]) -> MetricLine {
    MetricLine {
        namespace: namespace.into(),
        metric_name: metric.into(),
        dimensions: dimensions.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        ..Default::default()
    }
}

fn graph(title: &str, stat: &str, metrics: Vec<MetricLine>) -> WidgetContent {
    WidgetContent::Metric(MetricWidget {
        title: title.into(),
        region: REGION.into(),
        view: MetricView::TimeSeries,
        stacked: false,
        period_secs: 300,
        stat: stat.into(),
        metrics,
    })
}

/// Widgets on a grid of two per row, twelve columns and six rows each, in the order given.
fn laid_out(contents: Vec<(&str, WidgetContent)>) -> BTreeMap<String, Widget> {
    let place = |i: usize, content| Widget { x: (i % 2) as u32 * 12, y: (i / 2) as u32 * 6, width: 12, height: 6, content };
    contents.into_iter().enumerate().map(|(i, (id, c))| (format!("{i:02}-{id}"), place(i, c))).collect()
}

pub fn declare(stack: &mut Stack, env: &Env, watched: &Watched, alarms: &[Handle<MetricAlarm>]) {
    let lb = watched.edge.load_balancer.output(|o| o.arn_suffix.clone());
    let alb = "AWS/ApplicationELB";
    let on_lb = |metric: &str| line(alb, metric, &[("LoadBalancer", lb.clone())]);
    let per_service = |metric: &str| -> Vec<MetricLine> {
        let cluster = Input::from(watched.cluster_name.clone());
        let lines = watched.services.iter().map(|d| {
            let service = d.handle.output(|o| o.name.clone());
            MetricLine { label: Some(d.service.into()), ..line("AWS/ECS", metric, &[("ClusterName", cluster.clone()), ("ServiceName", service)]) }
        });
        lines.collect()
    };
    let errors = watched.services.iter().map(|d| line(ERRORS_NAMESPACE, &format!("{}-errors", d.service), &[])).collect();
    let db = || ("DBInstanceIdentifier", watched.data.database.output(|o| o.identifier.clone()));
    let node = || ("CacheClusterId", watched.data.cache.output(|o| format!("{}-001", o.id)));
    let latency = vec![
        MetricLine { stat: Some("p50".into()), label: Some("p50".into()), ..on_lb("TargetResponseTime") },
        MetricLine { stat: Some("p99".into()), label: Some("p99".into()), ..on_lb("TargetResponseTime") },
    ];
    let cost = MetricLine { label: Some("USD this month".into()), ..line("AWS/Billing", "EstimatedCharges", &[("Currency", "USD".to_string().into())]) };
    let alarm_arns = alarms.iter().take(100).map(|a| a.output(|o| o.arn.clone())).collect();
    let widgets = laid_out(vec![
        ("requests", graph("Requests", "Sum", vec![on_lb("RequestCount")])),
        ("latency", graph("Target response time (s)", "Average", latency)),
        ("errors", graph("5xx responses", "Sum", vec![on_lb("HTTPCode_ELB_5XX_Count"), on_lb("HTTPCode_Target_5XX_Count")])),
        ("app-errors", graph("Application errors (logs)", "Sum", errors)),
        ("service-cpu", graph("Service CPU %", "Average", per_service("CPUUtilization"))),
        ("service-memory", graph("Service memory %", "Average", per_service("MemoryUtilization"))),
        ("database", graph("Database", "Average", ["CPUUtilization", "DatabaseConnections", "FreeStorageSpace"].iter().map(|m| line("AWS/RDS", m, &[db()])).collect())),
        ("cache", graph("Cache (first node)", "Average", ["EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions"].iter().map(|m| line("AWS/ElastiCache", m, &[node()])).collect())),
        ("cost", graph("Estimated charges", "Maximum", vec![cost])),
        ("alarms", WidgetContent::Alarm(AlarmWidget { title: "Alarms".into(), alarms: alarm_arns })),
    ]);
    stack.add("dashboard", Dashboard { name: env.prefixed("platform"), widgets });
}
