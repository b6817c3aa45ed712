//! The conformance suite (`e2e::conformance`) for every kind in `resources::registry()`: one
//! test per kind, each with its own emulator, so kinds run in parallel. A registered kind with
//! no fixture here fails `every_registered_kind_has_a_fixture`, so no kind skips the suite.

use e2e::conformance::{check, fixtures};
use e2e::Emulator;
use engine::Resource;
use resources::{acm, appautoscaling, budgets, cloudfront, cloudtrail, cloudwatch, ec2, ecr, ecs, elasticache, elbv2, guardduty, iam, kms, logs, rds, s3, secretsmanager, sns, ssm, wafv2};
use std::collections::BTreeSet;

macro_rules! conformance {
    ($($test:ident: $kind:ty => $fixture:path,)*) => {
        $(
            #[tokio::test]
            async fn $test() {
                let emu = Emulator::start();
                let fixture = $fixture(&emu).await;
                assert_eq!(fixture.kind, <$kind as Resource>::KIND, "the fixture declares its own kind");
                check(&emu, fixture).await;
            }
        )*

        /// The kinds with a fixture.
        const COVERED: &[&str] = &[$(<$kind as Resource>::KIND),*];
    };
}

conformance! {
    vpc: ec2::Vpc => fixtures::ec2::vpc,
    subnet: ec2::Subnet => fixtures::ec2::subnet,
    internet_gateway: ec2::InternetGateway => fixtures::ec2::internet_gateway,
    eip: ec2::Eip => fixtures::ec2::eip,
    nat_gateway: ec2::NatGateway => fixtures::ec2::nat_gateway,
    route_table: ec2::RouteTable => fixtures::ec2::route_table,
    security_group: ec2::SecurityGroup => fixtures::ec2::security_group,
    security_group_rule: ec2::SecurityGroupRule => fixtures::ec2::security_group_rule,
    default_security_group: ec2::DefaultSecurityGroup => fixtures::ec2_defaults::default_security_group,
    default_network_acl: ec2::DefaultNetworkAcl => fixtures::ec2_defaults::default_network_acl,
    db_subnet_group: rds::DbSubnetGroup => fixtures::rds::db_subnet_group,
    db_parameter_group: rds::DbParameterGroup => fixtures::rds::db_parameter_group,
    db_instance: rds::DbInstance => fixtures::rds::db_instance,
    cache_subnet_group: elasticache::CacheSubnetGroup => fixtures::elasticache::cache_subnet_group,
    replication_group: elasticache::ReplicationGroup => fixtures::elasticache::replication_group,
    load_balancer: elbv2::LoadBalancer => fixtures::elbv2::load_balancer,
    target_group: elbv2::TargetGroup => fixtures::elbv2::target_group,
    listener: elbv2::Listener => fixtures::elbv2::listener,
    listener_rule: elbv2::ListenerRule => fixtures::elbv2::listener_rule,
    bucket: s3::Bucket => fixtures::s3::bucket,
    role: iam::Role => fixtures::iam::role,
    policy: iam::Policy => fixtures::iam::policy,
    secret: secretsmanager::Secret => fixtures::secrets::secret,
    parameter: ssm::Parameter => fixtures::secrets::parameter,
    secure_parameter: ssm::SecureParameter => fixtures::secrets::secure_parameter,
    web_acl: wafv2::WebAcl => fixtures::wafv2::web_acl,
    budget: budgets::Budget => fixtures::budgets::budget,
    ecs_service: ecs::Service => fixtures::ecs_service::service,
    repository: ecr::Repository => fixtures::ecr::repository,
    log_group: logs::LogGroup => fixtures::logs::log_group,
    certificate: acm::Certificate => fixtures::acm::certificate,
    web_acl_association: wafv2::WebAclAssociation => fixtures::wafv2::web_acl_association,
    logging_configuration: wafv2::LoggingConfiguration => fixtures::wafv2::logging_configuration,
    ecs_cluster: ecs::Cluster => fixtures::ecs::cluster,
    ecs_task_definition: ecs::TaskDefinition => fixtures::ecs::task_definition,
    scalable_target: appautoscaling::ScalableTarget => fixtures::appautoscaling::scalable_target,
    scaling_policy: appautoscaling::ScalingPolicy => fixtures::appautoscaling::scaling_policy,
    scheduled_action: appautoscaling::ScheduledAction => fixtures::appautoscaling::scheduled_action,
    origin_access_control: cloudfront::OriginAccessControl => fixtures::cloudfront::origin_access_control,
    distribution: cloudfront::Distribution => fixtures::cloudfront::distribution,
    flow_log: ec2::FlowLog => fixtures::ec2::flow_log,
    sns_topic: sns::Topic => fixtures::sns::topic,
    sns_subscription: sns::Subscription => fixtures::sns::subscription,
    trail: cloudtrail::Trail => fixtures::cloudtrail::trail,
    guardduty_detector: guardduty::Detector => fixtures::guardduty::detector,
    kms_key: kms::Key => fixtures::kms::key,
    kms_alias: kms::Alias => fixtures::kms::alias,
    metric_filter: logs::MetricFilter => fixtures::logs::metric_filter,
    metric_alarm: cloudwatch::MetricAlarm => fixtures::cloudwatch::metric_alarm,
    composite_alarm: cloudwatch::CompositeAlarm => fixtures::cloudwatch::composite_alarm,
    dashboard: cloudwatch::Dashboard => fixtures::cloudwatch::dashboard,
}

#[test]
fn every_registered_kind_has_a_fixture() {
    let registered: BTreeSet<&str> = resources::registry().kinds().collect();
    let covered: BTreeSet<&str> = COVERED.iter().copied().collect();
    assert_eq!(covered.len(), COVERED.len(), "one fixture per kind: {COVERED:?}");
    let missing: Vec<&&str> = registered.difference(&covered).collect();
    assert!(missing.is_empty(), "registered kinds without a conformance fixture: {missing:?}");
    let unregistered: Vec<&&str> = covered.difference(&registered).collect();
    assert!(unregistered.is_empty(), "fixtures for kinds resources::registry() does not know: {unregistered:?}");
}
