//! Per-environment data. Environments differ by data, never by code: the same `platform`
//! program runs for each of these.

use engine::Tags;

/// How the binaries reach the cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The local emulator (moto); started on demand when nothing answers.
    Emulator,
    /// Real AWS through the default credential chain, region us-east-1.
    Aws,
}

/// Everything that differs between environments.
#[derive(Debug, Clone)]
pub struct Env {
    /// The stack name (`plinth:stack`, the `Environment` tag, and the name prefix).
    pub name: &'static str,
    pub target: Target,
    /// The AWS account this environment must run in (12 digits). The CLI checks the
    /// credentials' account (STS GetCallerIdentity) before any other call and refuses another.
    pub account: &'static str,
    /// VPC CIDR; subnets are carved from it.
    pub cidr: &'static str,
    /// Availability zones used (one public and one private subnet in each).
    pub zones: &'static [&'static str],
    /// NAT gateways: 1 shares one across the zones (cheap), one per zone for availability.
    pub nat_gateways: usize,
    /// Globally unique prefix for bucket names.
    pub bucket_prefix: &'static str,
    /// Where the environment's state lives unless `--state` or `PLINTH_STATE` says otherwise:
    /// `s3://BUCKET/KEY` for team state (e.g. the bucket `bootstrap` creates), or a path;
    /// `None`: `.plinth/<env>.db`.
    pub state: Option<&'static str>,
    pub cost_center: &'static str,
    /// Deletes buckets with their contents: only where the data is disposable.
    pub disposable_data: bool,
    /// Days a noncurrent report version is kept.
    pub report_version_days: i32,
    pub database: DatabaseSizing,
    pub cache: CacheSizing,
    /// Stateful resources (database, cache, buckets, secrets) refuse deletion and replacement.
    pub protect_data: bool,
    /// Days a deleted secret can be restored; `None` deletes at once (disposable data only).
    pub secret_recovery_days: Option<i32>,
    /// Monthly cost budget in USD and who hears about it.
    pub budget_usd: &'static str,
    pub budget_emails: &'static [&'static str],
    /// Requests per 5 minutes per client IP before the WAF blocks it.
    pub rate_limit_per_ip: i64,
    /// Feature flags published to Parameter Store.
    pub feature_flags: &'static [(&'static str, bool)],
    pub compute: Compute,
    pub observability: Observability,
}

/// Alarms, their thresholds, audit and threat detection: data per environment.
#[derive(Debug, Clone)]
pub struct Observability {
    /// Who the alarm topic e-mails (each subscription stays pending until its owner confirms).
    pub alarm_emails: &'static [&'static str],
    pub thresholds: Thresholds,
    /// How long the VPC's flow logs are kept.
    pub flow_log_retention_days: u32,
    /// How long the trail's log files are kept in its bucket.
    pub trail_retention_days: i32,
    /// GuardDuty threat detection (a per-account detector).
    pub guardduty: bool,
}

/// When an alarm fires: one value per alarm, each over `evaluation_minutes` one-minute periods
/// (five-minute periods for the data tier, whose metrics come every minute or less often).
#[derive(Debug, Clone)]
pub struct Thresholds {
    pub evaluation_minutes: i32,
    /// Load balancer 5xx responses (its own and its targets') per minute.
    pub alb_5xx_per_minute: f64,
    /// p99 target response time, seconds.
    pub target_response_p99_seconds: f64,
    /// Unhealthy targets per target group at which to alarm.
    pub unhealthy_hosts: f64,
    /// ECS service CPU and memory utilization, percent.
    pub service_cpu_percent: f64,
    pub service_memory_percent: f64,
    /// RDS CPU percent, free storage (GiB) below which to alarm, connections above.
    pub database_cpu_percent: f64,
    pub database_free_storage_gb: f64,
    pub database_connections: f64,
    /// ElastiCache engine CPU and memory percent, evictions per five minutes.
    pub cache_engine_cpu_percent: f64,
    pub cache_memory_percent: f64,
    pub cache_evictions: f64,
    /// Actual spend, percent of the budget, at which the budget tells the alarm topic.
    pub budget_percent: f64,
}

/// The services, the load balancer in front of them and how they deploy.
#[derive(Debug, Clone)]
pub struct Compute {
    pub api: ServiceSizing,
    pub orchestrator: ServiceSizing,
    pub web: ServiceSizing,
    /// The domain of the load balancer's ACM certificate (DNS-validated: its validation
    /// records are in the certificate's outputs). `None` serves plain HTTP, forwarding only.
    pub certificate_domain: Option<&'static str>,
    /// ECS-native blue/green deployments (a test listener and a bake time) instead of rolling.
    pub blue_green: Option<BlueGreen>,
    /// Scales every service to zero at night and back in the morning (non-production only).
    pub night_schedule: Option<NightSchedule>,
    /// The load balancer refuses deletion (turn it off by hand, deliberately).
    pub lb_deletion_protection: bool,
    /// Days the services' and the WAF's log groups keep their events.
    pub log_retention_days: u32,
    /// Tagged images an ECR repository keeps; untagged ones expire after `untagged_image_days`.
    pub images_kept: u32,
    pub untagged_image_days: u32,
    /// Task definition revisions kept per service (older ones are deregistered).
    pub task_revisions_kept: u32,
    /// `Access-Control-Allow-Origin` of the API (the web front end's origin).
    pub cors_origin: &'static str,
}

/// Fargate size and scaling bounds of one service.
#[derive(Debug, Clone)]
pub struct ServiceSizing {
    /// CPU units (1024 = one vCPU) and memory in MiB: a valid Fargate pair.
    pub cpu: u32,
    pub memory: u32,
    /// Tasks at creation; auto scaling owns the count afterwards, within `min..=max`.
    pub desired: u32,
    pub min: u32,
    pub max: u32,
    /// Weight of FARGATE_SPOT against FARGATE (0: on-demand only), after `base_on_demand`.
    pub spot_weight: u32,
    pub base_on_demand: u32,
    /// Target average CPU (and memory, for the API and web) utilisation, percent.
    pub cpu_target: f64,
    pub memory_target: f64,
}

/// Blue/green deployment settings.
#[derive(Debug, Clone)]
pub struct BlueGreen {
    /// Minutes the new tasks take production traffic before the old ones go.
    pub bake_minutes: i32,
    /// Port of the test listener the new tasks are tried on first.
    pub test_port: i32,
}

/// Night-time scale to zero, as cron expressions in `timezone`.
#[derive(Debug, Clone)]
pub struct NightSchedule {
    pub down: &'static str,
    pub up: &'static str,
    pub timezone: &'static str,
}

/// PostgreSQL sizing and safety per environment.
#[derive(Debug, Clone)]
pub struct DatabaseSizing {
    pub instance_class: &'static str,
    pub allocated_storage_gb: i32,
    pub multi_az: bool,
    pub deletion_protection: bool,
    pub backup_retention_days: i32,
    pub apply_immediately: bool,
    /// Delete without a final snapshot (disposable data only).
    pub skip_final_snapshot: bool,
    /// Enhanced monitoring granularity in seconds (0 off; 1, 5, 10, 15, 30 or 60): finer costs
    /// more CloudWatch Logs ingestion.
    pub monitoring_interval_seconds: i32,
}

/// Redis sizing per environment.
#[derive(Debug, Clone)]
pub struct CacheSizing {
    pub node_type: &'static str,
    /// 1 is a primary only; 2 or more allow automatic failover across zones.
    pub nodes: i32,
    pub snapshot_retention_days: i32,
    /// How long a delete waits for the group to disappear (`None`: the kind's default).
    pub delete_wait_seconds: Option<u64>,
}

impl Env {
    /// The stack-wide tags every taggable resource gets.
    pub fn default_tags(&self) -> Tags {
        [
            ("Environment", self.name),
            ("Project", "plinth-platform"),
            ("ManagedBy", "plinth"),
            ("CostCenter", self.cost_center),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// A name unique to this environment, e.g. `plinth-dev-api-task`.
    pub fn prefixed(&self, what: &str) -> String {
        format!("plinth-{}-{what}", self.name)
    }
}

const ZONES: &[&str] = &["us-east-1a", "us-east-1b"];

pub fn local() -> Env {
    Env {
        name: "local",
        target: Target::Emulator,
        // The emulator (moto) answers as this account.
        account: "123456789012",
        cidr: "10.10.0.0/16",
        zones: ZONES,
        nat_gateways: 1,
        bucket_prefix: "plinth-local",
        // The emulator forgets everything on restart: local state stays a local file.
        state: None,
        cost_center: "engineering",
        disposable_data: true,
        report_version_days: 7,
        database: DatabaseSizing {
            instance_class: "db.t4g.micro",
            allocated_storage_gb: 20,
            multi_az: false,
            deletion_protection: false,
            backup_retention_days: 1,
            apply_immediately: true,
            skip_final_snapshot: true,
            monitoring_interval_seconds: 60,
        },
        // The emulator never finishes deleting a replication group: don't wait for it.
        cache: CacheSizing {
            node_type: "cache.t4g.micro",
            nodes: 1,
            snapshot_retention_days: 0,
            delete_wait_seconds: Some(0),
        },
        protect_data: false,
        secret_recovery_days: None,
        budget_usd: "25",
        budget_emails: &["platform-alerts@example.com"],
        rate_limit_per_ip: 2000,
        feature_flags: &[("reports-v2", true), ("llm-summaries", false)],
        compute: Compute {
            api: small(),
            orchestrator: ServiceSizing { max: 3, cpu_target: 50.0, ..small() },
            web: small(),
            certificate_domain: Some("local.plinth.example"),
            blue_green: None,
            night_schedule: None,
            lb_deletion_protection: false,
            log_retention_days: 7,
            images_kept: 10,
            untagged_image_days: 3,
            task_revisions_kept: 3,
            cors_origin: "https://local.plinth.example",
        },
        observability: Observability {
            alarm_emails: &["platform-alerts@example.com"],
            thresholds: Thresholds {
                evaluation_minutes: 5,
                alb_5xx_per_minute: 10.0,
                target_response_p99_seconds: 2.0,
                unhealthy_hosts: 1.0,
                service_cpu_percent: 85.0,
                service_memory_percent: 85.0,
                database_cpu_percent: 80.0,
                database_free_storage_gb: 2.0,
                database_connections: 80.0,
                cache_engine_cpu_percent: 80.0,
                cache_memory_percent: 85.0,
                cache_evictions: 100.0,
                budget_percent: 80.0,
            },
            flow_log_retention_days: 7,
            trail_retention_days: 30,
            guardduty: false,
        },
    }
}

/// The smallest Fargate service: one task of 0.25 vCPU and 512 MiB, up to two.
fn small() -> ServiceSizing {
    ServiceSizing {
        cpu: 256,
        memory: 512,
        desired: 1,
        min: 1,
        max: 2,
        spot_weight: 1,
        base_on_demand: 0,
        cpu_target: 60.0,
        memory_target: 75.0,
    }
}

pub fn dev() -> Env {
    Env {
        name: "dev",
        target: Target::Aws,
        // PLACEHOLDER: replace with the dev AWS account id before the first deployment.
        account: "111111111111",
        cidr: "10.20.0.0/16",
        bucket_prefix: "plinth-platform-dev",
        cache: CacheSizing { delete_wait_seconds: None, ..local().cache },
        secret_recovery_days: Some(7),
        budget_usd: "100",
        compute: Compute {
            certificate_domain: Some("dev.plinth.example.com"),
            night_schedule: Some(NightSchedule {
                down: "cron(0 20 ? * MON-FRI *)",
                up: "cron(0 7 ? * MON-FRI *)",
                timezone: "Europe/Berlin",
            }),
            log_retention_days: 14,
            cors_origin: "https://dev.plinth.example.com",
            ..local().compute
        },
        ..local()
    }
}

pub fn staging() -> Env {
    Env {
        name: "staging",
        // PLACEHOLDER: replace with the staging AWS account id before the first deployment.
        account: "222222222222",
        cidr: "10.30.0.0/16",
        bucket_prefix: "plinth-platform-staging",
        disposable_data: false,
        report_version_days: 30,
        database: DatabaseSizing {
            deletion_protection: true,
            backup_retention_days: 7,
            skip_final_snapshot: false,
            ..dev().database
        },
        secret_recovery_days: Some(30),
        budget_usd: "300",
        compute: Compute {
            certificate_domain: Some("staging.plinth.example.com"),
            blue_green: Some(BlueGreen { bake_minutes: 5, test_port: 8443 }),
            night_schedule: None,
            log_retention_days: 30,
            task_revisions_kept: 5,
            cors_origin: "https://staging.plinth.example.com",
            ..dev().compute
        },
        observability: Observability {
            flow_log_retention_days: 30,
            trail_retention_days: 90,
            guardduty: true,
            ..dev().observability
        },
        ..dev()
    }
}

pub fn prod() -> Env {
    Env {
        name: "prod",
        // PLACEHOLDER: replace with the prod AWS account id before the first deployment.
        account: "333333333333",
        cidr: "10.40.0.0/16",
        nat_gateways: 2,
        bucket_prefix: "plinth-platform-prod",
        cost_center: "platform",
        report_version_days: 90,
        database: DatabaseSizing {
            instance_class: "db.t4g.medium",
            allocated_storage_gb: 100,
            multi_az: true,
            apply_immediately: false,
            backup_retention_days: 30,
            monitoring_interval_seconds: 15,
            ..staging().database
        },
        cache: CacheSizing {
            node_type: "cache.t4g.small",
            nodes: 2,
            snapshot_retention_days: 7,
            delete_wait_seconds: None,
        },
        protect_data: true,
        budget_usd: "1500",
        rate_limit_per_ip: 1000,
        feature_flags: &[("reports-v2", true), ("llm-summaries", false)],
        compute: Compute {
            api: ServiceSizing { cpu: 1024, memory: 2048, desired: 2, min: 2, max: 10, base_on_demand: 2, ..small() },
            orchestrator: ServiceSizing {
                cpu: 512,
                memory: 1024,
                desired: 2,
                min: 2,
                max: 6,
                cpu_target: 50.0,
                base_on_demand: 1,
                ..small()
            },
            web: ServiceSizing { cpu: 512, memory: 1024, desired: 2, min: 2, max: 6, base_on_demand: 2, ..small() },
            certificate_domain: Some("plinth.example.com"),
            blue_green: Some(BlueGreen { bake_minutes: 15, test_port: 8443 }),
            lb_deletion_protection: true,
            log_retention_days: 365,
            images_kept: 30,
            task_revisions_kept: 10,
            cors_origin: "https://plinth.example.com",
            ..staging().compute
        },
        observability: Observability {
            alarm_emails: &["platform-alerts@example.com", "oncall@example.com"],
            thresholds: Thresholds {
                alb_5xx_per_minute: 5.0,
                target_response_p99_seconds: 1.0,
                database_free_storage_gb: 10.0,
                database_connections: 150.0,
                budget_percent: 80.0,
                ..staging().observability.thresholds
            },
            flow_log_retention_days: 365,
            trail_retention_days: 365,
            ..staging().observability
        },
        ..staging()
    }
}
