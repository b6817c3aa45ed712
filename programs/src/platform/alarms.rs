//! The alarms: load balancer 5xx and p99 response time, unhealthy targets per target group, CPU
//! and memory per service, database CPU, free storage and connections, cache engine CPU, memory
//! and evictions (per node). Thresholds are data ([`crate::env::Thresholds`]); every alarm tells
//! the environment's alarm topic when it fires and when it recovers. Missing data is not
//! breaching (a quiet service is not a failing one), except for unhealthy hosts, where silence
//! means the target group reports nothing at all.

use super::data::Data;
use super::edge::Edge;
use super::services::Deployed;
use crate::env::{Env, Thresholds};
use engine::{Handle, Input, Stack};
use resources::cloudwatch::{ComparisonOperator, MetricAlarm, Statistic, TreatMissingData};
use resources::sns::Topic;
use std::collections::BTreeMap;

/// What the alarms watch.
pub struct Watched<'a> {
    pub edge: &'a Edge,
    pub data: &'a Data,
    pub services: &'a [Deployed],
    pub cluster_name: String,
}

/// One alarm before it knows its topic.
struct Spec {
    id: String,
    what: String,
    namespace: &'static str,
    metric: &'static str,
    dimensions: BTreeMap<String, Input<String>>,
    statistic: Stat,
    period_secs: i32,
    threshold: f64,
    above: bool,
    treat_missing: TreatMissingData,
}

enum Stat {
    Plain(Statistic),
    Percentile(&'static str),
}

fn spec(id: String, what: String, (namespace, metric): (&'static str, &'static str), statistic: Stat, threshold: f64) -> Spec {
    Spec {
        id,
        what,
        namespace,
        metric,
        dimensions: BTreeMap::new(),
        statistic,
        period_secs: 60,
        threshold,
        above: true,
        treat_missing: TreatMissingData::NotBreaching,
    }
}

impl Spec {
    fn on(mut self, key: &str, value: Input<String>) -> Spec {
        self.dimensions.insert(key.into(), value);
        self
    }
}

/// The alarms of the environment; their handles, for the dashboard.
pub fn declare(stack: &mut Stack, env: &Env, topic: &Handle<Topic>, watched: &Watched) -> Vec<Handle<MetricAlarm>> {
    let t = &env.observability.thresholds;
    let mut specs = edge_alarms(t, watched.edge);
    specs.extend(service_alarms(t, watched));
    specs.extend(data_alarms(env, t, watched.data));
    specs.into_iter().map(|s| alarm(stack, env, topic, s)).collect()
}

fn alarm(stack: &mut Stack, env: &Env, topic: &Handle<Topic>, s: Spec) -> Handle<MetricAlarm> {
    let t = &env.observability.thresholds;
    let (statistic, extended_statistic) = match s.statistic {
        Stat::Plain(p) => (Some(p), None),
        Stat::Percentile(p) => (None, Some(p.to_string())),
    };
    let periods = (t.evaluation_minutes * 60 / s.period_secs).max(1);
    let topic_arn = || topic.output(|o| o.arn.clone());
    stack.add(
        format!("alarm-{}", s.id),
        MetricAlarm {
            name: env.prefixed(&s.id),
            description: format!("{} ({})", s.what, env.name),
            namespace: s.namespace.into(),
            metric_name: s.metric.into(),
            dimensions: s.dimensions,
            statistic,
            extended_statistic,
            period_secs: s.period_secs,
            evaluation_periods: periods,
            datapoints_to_alarm: Some(periods),
            threshold: Some(s.threshold),
            comparison_operator: if s.above {
                ComparisonOperator::GreaterThanOrEqualToThreshold
            } else {
                ComparisonOperator::LessThanThreshold
            },
            treat_missing_data: s.treat_missing,
            alarm_actions: vec![topic_arn()],
            ok_actions: vec![topic_arn()],
            actions_enabled: true,
            ..Default::default()
        },
    )
}

fn edge_alarms(t: &Thresholds, edge: &Edge) -> Vec<Spec> {
    let lb = || edge.load_balancer.output(|o| o.arn_suffix.clone());
    let alb = "AWS/ApplicationELB";
    let mut specs = vec![
        spec("alb-5xx".into(), "Load balancer 5xx responses".into(), (alb, "HTTPCode_ELB_5XX_Count"), Stat::Plain(Statistic::Sum), t.alb_5xx_per_minute)
            .on("LoadBalancer", lb()),
        spec("targets-5xx".into(), "Target 5xx responses".into(), (alb, "HTTPCode_Target_5XX_Count"), Stat::Plain(Statistic::Sum), t.alb_5xx_per_minute)
            .on("LoadBalancer", lb()),
        spec("alb-latency-p99".into(), "p99 target response time".into(), (alb, "TargetResponseTime"), Stat::Percentile("p99"), t.target_response_p99_seconds)
            .on("LoadBalancer", lb()),
    ];
    for route in &edge.routes {
        let mut unhealthy = spec(
            format!("{}-unhealthy-hosts", route.service),
            format!("Unhealthy {} targets", route.service),
            (alb, "UnHealthyHostCount"),
            Stat::Plain(Statistic::Maximum),
            t.unhealthy_hosts,
        )
        .on("LoadBalancer", lb())
        .on("TargetGroup", route.target_group.output(|o| o.arn_suffix.clone()));
        unhealthy.treat_missing = TreatMissingData::Breaching;
        specs.push(unhealthy);
    }
    specs
}

fn service_alarms(t: &Thresholds, watched: &Watched) -> Vec<Spec> {
    let mut specs = Vec::new();
    for deployed in watched.services {
        let service = deployed.service;
        for (metric, short, threshold) in
            [("CPUUtilization", "cpu", t.service_cpu_percent), ("MemoryUtilization", "memory", t.service_memory_percent)]
        {
            let what = format!("{service} {short} utilization");
            let s = spec(format!("{service}-{short}"), what, ("AWS/ECS", metric), Stat::Plain(Statistic::Average), threshold)
                .on("ClusterName", watched.cluster_name.clone().into())
                .on("ServiceName", deployed.handle.output(|o| o.name.clone()));
            specs.push(s);
        }
    }
    specs
}

fn data_alarms(env: &Env, t: &Thresholds, data: &Data) -> Vec<Spec> {
    let db = || data.database.output(|o| o.identifier.clone());
    let rds = "AWS/RDS";
    let gib = 1024.0 * 1024.0 * 1024.0;
    let five_minutes = |mut s: Spec| {
        s.period_secs = 300;
        s
    };
    let mut free = spec("database-free-storage".into(), "Database free storage".into(), (rds, "FreeStorageSpace"), Stat::Plain(Statistic::Minimum), t.database_free_storage_gb * gib)
        .on("DBInstanceIdentifier", db());
    free.above = false;
    let mut specs = vec![
        spec("database-cpu".into(), "Database CPU".into(), (rds, "CPUUtilization"), Stat::Plain(Statistic::Average), t.database_cpu_percent)
            .on("DBInstanceIdentifier", db()),
        free,
        spec("database-connections".into(), "Database connections".into(), (rds, "DatabaseConnections"), Stat::Plain(Statistic::Maximum), t.database_connections)
            .on("DBInstanceIdentifier", db()),
    ];
    // ElastiCache reports per node; a replication group's nodes are `<group>-001`, `-002`, ...
    for node in 1..=env.cache.nodes {
        let id = move || data.cache.output(move |o| format!("{}-{node:03}", o.id));
        let cache = "AWS/ElastiCache";
        let per_node = |id_suffix: &str, what: &str, metric, stat, threshold| {
            spec(format!("cache-{node:03}-{id_suffix}"), format!("Cache node {node} {what}"), (cache, metric), stat, threshold)
                .on("CacheClusterId", id())
        };
        specs.push(per_node("engine-cpu", "engine CPU", "EngineCPUUtilization", Stat::Plain(Statistic::Average), t.cache_engine_cpu_percent));
        specs.push(per_node("memory", "memory", "DatabaseMemoryUsagePercentage", Stat::Plain(Statistic::Average), t.cache_memory_percent));
        specs.push(five_minutes(per_node("evictions", "evictions", "Evictions", Stat::Plain(Statistic::Sum), t.cache_evictions)));
    }
    specs.into_iter().map(|s| if s.namespace == rds && s.metric == "FreeStorageSpace" { five_minutes(s) } else { s }).collect()
}
