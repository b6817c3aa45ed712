//! The alarms the platform must have, found among the metric alarms tagged for the stack by
//! the metric and dimension they watch (a metric-math alarm counts through its metrics), and
//! CloudWatch.15: each of them has actions, all to SNS topics of the stack.

use super::AREA;
use crate::deployed::discover::{self, arn_suffix};
use crate::deployed::target::Target;
use crate::deployed::{blocked, error_text, Check};
use aws_sdk_cloudwatch::types::MetricAlarm;

/// One watched series: namespace, metric, and a dimension (name, value).
#[derive(Debug, Clone, PartialEq)]
struct Watched {
    namespace: String,
    metric: String,
    dimensions: Vec<(String, String)>,
}

fn watched(alarm: &MetricAlarm) -> Vec<Watched> {
    let dims = |d: &[aws_sdk_cloudwatch::types::Dimension]| {
        d.iter().map(|d| (d.name().unwrap_or_default().to_string(), d.value().unwrap_or_default().to_string())).collect()
    };
    let mut series = Vec::new();
    if let Some(metric) = alarm.metric_name() {
        series.push(Watched {
            namespace: alarm.namespace().unwrap_or_default().into(),
            metric: metric.into(),
            dimensions: dims(alarm.dimensions()),
        });
    }
    for query in alarm.metrics() {
        if let Some(m) = query.metric_stat().and_then(|s| s.metric()) {
            series.push(Watched {
                namespace: m.namespace().unwrap_or_default().into(),
                metric: m.metric_name().unwrap_or_default().into(),
                dimensions: dims(m.dimensions()),
            });
        }
    }
    series
}

async fn stack_alarms(t: &Target) -> Result<Vec<MetricAlarm>, String> {
    let cloudwatch = aws_sdk_cloudwatch::Client::new(t.sdk());
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let out = cloudwatch.describe_alarms().set_next_token(token).send().await;
        let out = out.map_err(|e| format!("DescribeAlarms: {}", error_text(e)))?;
        all.extend(out.metric_alarms().iter().cloned());
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut owned = Vec::new();
    for alarm in all {
        let arn = alarm.alarm_arn().unwrap_or_default();
        let tags = cloudwatch.list_tags_for_resource().resource_arn(arn).send().await;
        let tags = tags.map_err(|e| format!("ListTagsForResource {arn}: {}", error_text(e)))?;
        if t.owns(tags.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))) {
            owned.push(alarm);
        }
    }
    Ok(owned)
}

/// What must be watched: a series of `namespace` with any of `metrics` and a dimension named
/// any of `dimensions` whose value is any of `values`.
struct Wanted {
    object: String,
    namespace: &'static str,
    metrics: &'static [&'static str],
    dimensions: &'static [&'static str],
    values: Vec<String>,
}

impl Wanted {
    fn met_by(&self, series: &[Watched]) -> bool {
        series.iter().any(|w| {
            w.namespace == self.namespace
                && self.metrics.contains(&w.metric.as_str())
                && w.dimensions.iter().any(|(n, v)| self.dimensions.contains(&n.as_str()) && self.values.contains(v))
        })
    }
}

fn require(check: &mut Check, wanted: &[Wanted], series: &[Watched]) {
    for w in wanted {
        check.expect(&w.object, w.met_by(series), format!("no alarm on {} {:?} for {:?} in {:?}", w.namespace, w.metrics, w.dimensions, w.values));
    }
}

const WHAT: [&str; 6] = [
    "alarms on the load balancer's 5xx count and target response time",
    "an unhealthy-host alarm per target group",
    "CPU and memory alarms per ECS service",
    "RDS CPU, free storage and connection alarms",
    "Redis engine CPU, memory and eviction alarms",
    "every alarm of the stack has actions to an SNS topic of the stack",
];

pub async fn checks(t: &Target, topics: &[String]) -> Vec<Check> {
    let control = |i: usize| if i == 5 { Some("CloudWatch.15") } else { None };
    let alarms = match stack_alarms(t).await {
        Ok(alarms) => alarms,
        Err(reason) => return WHAT.iter().enumerate().map(|(i, w)| blocked(AREA, control(i), w, &reason)).collect(),
    };
    let series: Vec<Watched> = alarms.iter().flat_map(watched).collect();
    let mut c: Vec<Check> = WHAT.iter().enumerate().map(|(i, w)| Check::new(AREA, control(i), *w)).collect();
    let wanted = [edge(t).await, target_groups(t).await, services(t).await, database(t).await, cache(t).await];
    for (i, wanted) in wanted.into_iter().enumerate() {
        match wanted {
            Ok(wanted) if wanted.is_empty() => {
                c[i].fail("(discovery)", "none of the objects to watch was found");
            }
            Ok(wanted) => require(&mut c[i], &wanted, &series),
            Err(reason) => {
                c[i].fail("(discovery)", reason);
            }
        }
    }
    for alarm in &alarms {
        let name = alarm.alarm_name().unwrap_or_default();
        let actions = alarm.alarm_actions();
        let foreign: Vec<&String> = actions.iter().filter(|a| !topics.contains(a)).collect();
        c[5].expect(
            name,
            !actions.is_empty() && foreign.is_empty() && alarm.actions_enabled() != Some(false),
            format!("actions {actions:?} (not the stack's topics: {foreign:?}), enabled: {:?}", alarm.actions_enabled()),
        );
    }
    c
}

async fn edge(t: &Target) -> Result<Vec<Wanted>, String> {
    let lbs = discover::load_balancers(t).await?;
    let mut wanted = Vec::new();
    for lb in lbs {
        let suffix = arn_suffix(lb.load_balancer_arn().unwrap_or_default(), ":loadbalancer/").to_string();
        let name = lb.load_balancer_name().unwrap_or_default();
        wanted.push(Wanted {
            object: format!("{name} 5xx"),
            namespace: "AWS/ApplicationELB",
            metrics: &["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"],
            dimensions: &["LoadBalancer"],
            values: vec![suffix.clone()],
        });
        wanted.push(Wanted {
            object: format!("{name} response time"),
            namespace: "AWS/ApplicationELB",
            metrics: &["TargetResponseTime"],
            dimensions: &["LoadBalancer"],
            values: vec![suffix],
        });
    }
    Ok(wanted)
}

async fn target_groups(t: &Target) -> Result<Vec<Wanted>, String> {
    let mut wanted = Vec::new();
    for lb in discover::load_balancers(t).await? {
        for group in discover::target_groups(t, lb.load_balancer_arn().unwrap_or_default()).await? {
            let arn = group.target_group_arn().unwrap_or_default();
            wanted.push(Wanted {
                object: group.target_group_name().unwrap_or_default().to_string(),
                namespace: "AWS/ApplicationELB",
                metrics: &["UnHealthyHostCount"],
                dimensions: &["TargetGroup"],
                values: vec![arn.rsplit(':').next().unwrap_or(arn).to_string()],
            });
        }
    }
    Ok(wanted)
}

async fn services(t: &Target) -> Result<Vec<Wanted>, String> {
    let services = discover::services(t).await?;
    let each = |metric: &'static [&'static str], label: &'static str| {
        services.iter().map(move |s| Wanted {
            object: format!("{} {label}", s.service_name().unwrap_or_default()),
            namespace: "AWS/ECS",
            metrics: metric,
            dimensions: &["ServiceName"],
            values: vec![s.service_name().unwrap_or_default().to_string()],
        })
    };
    Ok(each(&["CPUUtilization"], "CPU").chain(each(&["MemoryUtilization"], "memory")).collect())
}

async fn database(t: &Target) -> Result<Vec<Wanted>, String> {
    let mut wanted = Vec::new();
    for db in discover::db_instances(t).await? {
        let id = db.db_instance_identifier().unwrap_or_default().to_string();
        let metrics: [(&'static [&'static str], &str); 3] =
            [(&["CPUUtilization"], "CPU"), (&["FreeStorageSpace"], "free storage"), (&["DatabaseConnections"], "connections")];
        for (metrics, label) in metrics {
            wanted.push(Wanted {
                object: format!("{id} {label}"),
                namespace: "AWS/RDS",
                metrics,
                dimensions: &["DBInstanceIdentifier"],
                values: vec![id.clone()],
            });
        }
    }
    Ok(wanted)
}

async fn cache(t: &Target) -> Result<Vec<Wanted>, String> {
    let mut wanted = Vec::new();
    for group in discover::replication_groups(t).await? {
        let id = group.replication_group_id().unwrap_or_default().to_string();
        // Node-level metrics are published per member cluster; a group-level alarm names the group.
        let mut values: Vec<String> = group.member_clusters().to_vec();
        values.push(id.clone());
        let metrics: [(&'static [&'static str], &str); 3] = [
            (&["EngineCPUUtilization"], "engine CPU"),
            (&["DatabaseMemoryUsagePercentage", "DatabaseMemoryUsageCountedForEvictPercentage"], "memory"),
            (&["Evictions"], "evictions"),
        ];
        for (metrics, label) in metrics {
            wanted.push(Wanted {
                object: format!("{id} {label}"),
                namespace: "AWS/ElastiCache",
                metrics,
                dimensions: &["CacheClusterId", "ReplicationGroupId"],
                values: values.clone(),
            });
        }
    }
    Ok(wanted)
}
