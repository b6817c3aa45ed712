//! Each priced kind's monthly estimate, against figures worked out by hand from the table
//! (`resources/prices/us-east-1.json`: 730 hours a month).

use crate::cloudwatch::{CompositeAlarm, Dashboard, MetricAlarm};
use crate::ec2::{Eip, NatGateway};
use crate::ecs::{CapacityProvider, CpuArchitecture, RuntimePlatform, Service, StrategyItem, TaskDefinition};
use crate::elasticache::ReplicationGroup;
use crate::elbv2::{LoadBalancer, Scheme};
use crate::kms::Key;
use crate::logs::LogGroup;
use crate::rds::DbInstance;
use crate::secretsmanager::Secret;
use crate::wafv2::{ManagedRuleGroup, RateLimit, WebAcl};
use engine::cost::Related;
use engine::{Input, Resource};

fn usd<R: Resource>(r: &R) -> f64 {
    r.monthly_cost(&Related::default()).unwrap().usd()
}

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn nat_gateway_is_hours_plus_assumed_data() {
    // 730 h × $0.045 = 32.85; 100 GB (assumed) × $0.045 = 4.50; 37.35.
    let e = NatGateway::default().monthly_cost(&Related::default()).unwrap();
    close(e.usd(), 37.35);
    assert!(e.assumptions[0].contains("100 GB"), "{:?}", e.assumptions);
    assert!(e.prices.contains("us-east-1") && e.prices.contains("2025-06-01"), "{}", e.prices);
}

#[test]
fn an_elastic_ip_is_a_public_ipv4_address_all_month() {
    // 730 h × $0.005 = 3.65.
    close(usd(&Eip::default()), 3.65);
}

#[test]
fn a_database_is_its_class_and_storage_doubled_when_multi_az() {
    // db.t4g.micro: 730 × 0.016 = 11.68; gp3 20 GB × 0.115 = 2.30; 13.98.
    let small = DbInstance {
        instance_class: "db.t4g.micro".into(),
        storage_type: "gp3".into(),
        allocated_storage: 20,
        ..Default::default()
    };
    close(usd(&small), 13.98);
    // db.t4g.medium Multi-AZ: 730 × 0.065 × 2 = 94.90; 100 GB × 0.115 × 2 = 23.00; 117.90.
    let big = DbInstance { instance_class: "db.t4g.medium".into(), allocated_storage: 100, multi_az: true, ..small };
    close(usd(&big), 117.90);
}

#[test]
fn a_database_class_the_table_lacks_is_not_estimated_naming_it() {
    let odd = DbInstance { instance_class: "db.r7g.16xlarge".into(), storage_type: "gp3".into(), ..Default::default() };
    let err = odd.monthly_cost(&Related::default()).unwrap_err();
    assert!(err.contains("db.r7g.16xlarge"), "{err}");
}

#[test]
fn a_cache_is_node_hours_times_nodes() {
    // cache.t4g.micro × 1: 730 × 0.016 = 11.68; cache.t4g.small × 2: 1460 × 0.032 = 46.72.
    let one = ReplicationGroup { node_type: "cache.t4g.micro".into(), num_cache_clusters: 1, ..Default::default() };
    close(usd(&one), 11.68);
    let two = ReplicationGroup { node_type: "cache.t4g.small".into(), num_cache_clusters: 2, ..one };
    close(usd(&two), 46.72);
}

#[test]
fn an_internet_facing_load_balancer_pays_for_its_public_addresses() {
    // 730 × 0.0225 = 16.425; 1 LCU × 730 × 0.008 = 5.84; 22.265 internal.
    let internal = LoadBalancer {
        scheme: Scheme::Internal,
        subnets: vec![Input::from("subnet-a"), Input::from("subnet-b")],
        ..Default::default()
    };
    close(usd(&internal), 22.265);
    // + 2 subnets × 730 h × 0.005 = 7.30; 29.565.
    let public = LoadBalancer { scheme: Scheme::InternetFacing, ..internal };
    close(usd(&public), 29.565);
}

#[test]
fn a_log_group_is_assumed_ingestion_and_the_storage_its_retention_keeps() {
    // 1 GB × 0.50 = 0.50; 30 days keep 1 GB-month × 0.03 = 0.03; 0.53.
    close(usd(&LogGroup { retention_days: 30, ..Default::default() }), 0.53);
    // 365 days keep 365/30 GB-months × 0.03 = 0.365; 0.865.
    close(usd(&LogGroup { retention_days: 365, ..Default::default() }), 0.865);
    // Never expiring: counted as a year, 12 × 0.03 = 0.36; 0.86.
    close(usd(&LogGroup { retention_days: 0, ..Default::default() }), 0.86);
}

#[test]
fn alarms_and_dashboards_are_flat_monthly_prices() {
    close(usd(&MetricAlarm { period_secs: 60, ..Default::default() }), 0.10);
    close(usd(&MetricAlarm { period_secs: 10, ..Default::default() }), 0.30);
    close(usd(&CompositeAlarm::default()), 0.50);
    close(usd(&Dashboard::default()), 3.00);
}

#[test]
fn a_web_acl_is_the_acl_its_rules_and_assumed_requests() {
    // $5 + 3 managed groups and 1 rate rule × $1 + 5 million requests × $0.60 = 5 + 4 + 3 = 12.
    let group = |name: &str| ManagedRuleGroup { name: name.into(), vendor: "AWS".into(), ..Default::default() };
    let acl = WebAcl {
        managed_rule_groups: vec![group("a"), group("b"), group("c")],
        rate_limit: Some(RateLimit::default()),
        ..Default::default()
    };
    close(usd(&acl), 12.0);
}

#[test]
fn secrets_and_keys_are_flat_monthly_prices() {
    close(usd(&Secret::default()), 0.40);
    let key = Key { enable_key_rotation: true, ..Default::default() };
    let e = key.monthly_cost(&Related::default()).unwrap();
    close(e.usd(), 1.0);
    assert!(e.assumptions.iter().any(|a| a.contains("rotation")), "{:?}", e.assumptions);
}

fn task(cpu: u32, memory: u32, arch: CpuArchitecture) -> serde_json::Value {
    let platform = RuntimePlatform { cpu_architecture: arch, ..Default::default() };
    serde_json::to_value(TaskDefinition { cpu, memory, runtime_platform: platform, ..Default::default() }).unwrap()
}

#[test]
fn a_service_is_its_tasks_sized_by_its_task_definition() {
    let td = task(256, 512, CpuArchitecture::X86_64);
    let related = Related { dependencies: vec![(TaskDefinition::KIND, &td)] };
    // 1 task × 730 h: 0.25 vCPU × 0.04048 = 7.3876; 0.5 GB × 0.004445 = 1.622425; 9.010025.
    let one = Service { desired_count: 1, ..Default::default() };
    close(one.monthly_cost(&related).unwrap().usd(), 9.010025);
    // ARM 1 vCPU / 2 GB × 2 tasks: 1460 h × 0.03238 = 47.2748; 2920 GB-h × 0.00356 = 10.3952; 57.67.
    let arm = task(1024, 2048, CpuArchitecture::Arm64);
    let related = Related { dependencies: vec![(TaskDefinition::KIND, &arm)] };
    close(Service { desired_count: 2, ..Default::default() }.monthly_cost(&related).unwrap().usd(), 57.67);
}

#[test]
fn a_service_on_spot_pays_the_spot_price_for_its_share() {
    let td = task(256, 512, CpuArchitecture::X86_64);
    let related = Related { dependencies: vec![(TaskDefinition::KIND, &td)] };
    // Base 1 on demand, then FARGATE 1 : FARGATE_SPOT 1 → of 2 tasks 1.5 on demand, 0.5 Spot.
    let strategy = vec![
        StrategyItem { provider: CapacityProvider::Fargate, weight: 1, base: 1 },
        StrategyItem { provider: CapacityProvider::FargateSpot, weight: 1, base: 0 },
    ];
    let svc = Service { desired_count: 2, capacity_provider_strategy: strategy, ..Default::default() };
    // On demand 1.5 × 9.010025 = 13.5150375; Spot 0.5 × 730 × (0.25 × 0.01334058 + 0.5 × 0.00146489)
    // = 365 × (0.003335145 + 0.000732445) = 365 × 0.00406759 = 1.48467035; 14.99970785.
    close(svc.monthly_cost(&related).unwrap().usd(), 14.99970785);
}

#[test]
fn a_service_without_its_task_definition_is_not_estimated() {
    let err = Service { name: "api".into(), ..Default::default() }.monthly_cost(&Related::default()).unwrap_err();
    assert!(err.contains("api") && err.contains("task definition"), "{err}");
}

#[test]
fn every_priced_kind_is_registered_as_priced() {
    let registry = crate::registry();
    let priced: Vec<&str> = crate::kit::entries()
        .iter()
        .map(|e| e.kind)
        .filter(|k| {
            let erased = registry.get(k).unwrap();
            erased.monthly_cost(&serde_json::json!({}), &Related::default()).is_some()
        })
        .collect();
    for kind in [
        NatGateway::KIND,
        Eip::KIND,
        DbInstance::KIND,
        ReplicationGroup::KIND,
        LoadBalancer::KIND,
        LogGroup::KIND,
        MetricAlarm::KIND,
        CompositeAlarm::KIND,
        Dashboard::KIND,
        WebAcl::KIND,
        Secret::KIND,
        Key::KIND,
        Service::KIND,
    ] {
        assert!(priced.contains(&kind), "{kind} is not priced: {priced:?}");
    }
    assert!(!priced.contains(&TaskDefinition::KIND), "task definitions are priced through their services");
}
