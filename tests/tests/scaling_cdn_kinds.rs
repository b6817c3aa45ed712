//! What is special about the Application Auto Scaling and CloudFront kinds, as an independent
//! SDK client sees it: a scalable target's capacities, target tracking policies on CPU and
//! memory with their target values, a scheduled action's cron and time zone; a policy or action
//! on another stack's target refused by `find`; a distribution's origin access control, HTTPS-only
//! viewer policy and default root object as CloudFront records them; `find` adopting it
//! after a lost reply; a delete that disables the distribution first. The
//! generic contract is the conformance suite's (`tests/tests/conformance.rs`).

use aws_sdk_applicationautoscaling::types::{MetricType, ServiceNamespace as SdkNamespace};
use e2e::conformance::fixtures::appautoscaling::{ecs_service, register_target};
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Meta, Resource};
use resources::appautoscaling::{PredefinedMetric, ScalableTarget, ScalingPolicy, ScheduledAction, TargetTracking};
use resources::cloudfront::{Distribution, OriginAccessControl, ViewerProtocolPolicy, CACHING_OPTIMIZED};

fn policy(name: &str, resource_id: &str, metric: PredefinedMetric, target: f64) -> ScalingPolicy {
    ScalingPolicy {
        name: name.into(),
        resource_id: resource_id.into(),
        target_tracking: TargetTracking { metric, target_value: target, ..Default::default() },
        ..Default::default()
    }
}

fn night(resource_id: &str) -> ScheduledAction {
    ScheduledAction {
        name: "night".into(),
        resource_id: resource_id.into(),
        schedule: "cron(0 22 * * ? *)".into(),
        timezone: "Europe/Berlin".into(),
        min_capacity: Some(1),
        max_capacity: Some(2),
        ..Default::default()
    }
}

#[tokio::test]
async fn capacities_policies_and_schedules_reach_application_auto_scaling() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let resource_id = ecs_service(&emu, "main", "api").await;
    let target = ScalableTarget {
        resource_id: resource_id.clone().into(),
        min_capacity: 2,
        max_capacity: 10,
        tags: engine_tags("api-scaling", &[]),
        ..Default::default()
    };
    let target_out = target.create(&meta("api-scaling"), &cx).await.expect("register target");
    let live = check.appautoscaling().describe_scalable_targets().service_namespace(SdkNamespace::Ecs);
    let live = live.resource_ids(&resource_id).send().await.expect("describe targets");
    let [t] = live.scalable_targets() else { panic!("one target: {live:?}") };
    assert_eq!((t.min_capacity(), t.max_capacity()), (2, 10));
    assert_eq!(t.scalable_target_arn(), Some(target_out.arn.as_str()));

    let cpu = policy("cpu-70", &resource_id, PredefinedMetric::EcsServiceAverageCpuUtilization, 70.0);
    let memory = policy("memory-80", &resource_id, PredefinedMetric::EcsServiceAverageMemoryUtilization, 80.0);
    let cpu_out = cpu.create(&meta("cpu"), &cx).await.expect("cpu policy");
    let memory_out = memory.create(&meta("memory"), &cx).await.expect("memory policy");
    assert!(!cpu_out.alarm_names.is_empty(), "target tracking's own alarms are outputs: {cpu_out:?}");
    let call = check.appautoscaling().describe_scaling_policies().service_namespace(SdkNamespace::Ecs);
    let live = call.resource_id(&resource_id).send().await.expect("describe policies");
    let mut seen: Vec<(String, MetricType, f64)> = live
        .scaling_policies()
        .iter()
        .map(|p| {
            let config = p.target_tracking_scaling_policy_configuration().expect("target tracking");
            let metric = config.predefined_metric_specification().expect("predefined").predefined_metric_type();
            (p.policy_name().to_string(), metric.clone(), config.target_value())
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let wanted = vec![
        ("cpu-70".to_string(), MetricType::EcsServiceAverageCpuUtilization, 70.0),
        ("memory-80".to_string(), MetricType::EcsServiceAverageMemoryUtilization, 80.0),
    ];
    assert_eq!(seen, wanted);

    let action = night(&resource_id);
    let action_out = action.create(&meta("night"), &cx).await.expect("scheduled action");
    let call = check.appautoscaling().describe_scheduled_actions().service_namespace(SdkNamespace::Ecs);
    let live = call.resource_id(&resource_id).send().await.expect("describe scheduled actions");
    let [a] = live.scheduled_actions() else { panic!("one action: {live:?}") };
    assert_eq!((a.schedule(), a.timezone()), ("cron(0 22 * * ? *)", Some("Europe/Berlin")));
    let capacity = a.scalable_target_action().map(|c| (c.min_capacity(), c.max_capacity()));
    assert_eq!(capacity, Some((Some(1), Some(2))));

    action.delete(&action_out, &cx).await.expect("delete action");
    cpu.delete(&cpu_out, &cx).await.expect("delete cpu policy");
    memory.delete(&memory_out, &cx).await.expect("delete memory policy");
    target.delete(&target_out, &cx).await.expect("deregister target");
    assert!(target.read(&target_out, &cx).await.expect("read").is_none());
}

#[tokio::test]
async fn a_policy_or_action_on_another_stacks_target_is_refused_by_find() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let resource_id = ecs_service(&emu, "main", "theirs").await;
    register_target(&emu, &resource_id, &[("plinth:stack", "other"), ("plinth:name", "api-scaling")]).await;
    let cpu = policy("cpu-70", &resource_id, PredefinedMetric::EcsServiceAverageCpuUtilization, 70.0);
    let action = night(&resource_id);
    let theirs = Meta::new("cpu", "other");
    cpu.create(&theirs, &cx).await.expect("their policy");
    action.create(&Meta::new("night", "other"), &cx).await.expect("their action");

    let err = cpu.find(&meta("cpu"), &cx).await.expect_err("another stack's policy is not adopted");
    assert_eq!(err.class, ErrorClass::NotOwned, "{}", err.message);
    assert!(err.message.contains("cpu-70") && err.message.contains("plinth:stack=e2e"), "{}", err.message);
    let err = action.find(&meta("night"), &cx).await.expect_err("another stack's action is not adopted");
    assert_eq!(err.class, ErrorClass::NotOwned, "{}", err.message);
    assert!(cpu.find(&theirs, &cx).await.expect("their find").is_some(), "the owning stack adopts it");
}

async fn oac_and_distribution(emu: &Emulator) -> (Distribution, String) {
    let cx = emu.context().await;
    let oac = OriginAccessControl { name: "plinth-e2e-assets".into(), ..Default::default() };
    let oac_out = oac.create(&meta("assets-oac"), &cx).await.expect("create OAC");
    let cdn = Distribution {
        origin_domain_name: "plinth-e2e-assets.s3.us-east-1.amazonaws.com".into(),
        origin_access_control_id: oac_out.id.clone().into(),
        viewer_protocol_policy: ViewerProtocolPolicy::HttpsOnly,
        tags: engine_tags("cdn", &[]),
        ..Default::default()
    };
    (cdn, oac_out.id)
}

#[tokio::test]
async fn a_distribution_is_recorded_with_its_oac_https_only_and_root_object() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let (cdn, oac_id) = oac_and_distribution(&emu).await;
    let out = cdn.create(&meta("cdn"), &cx).await.expect("create distribution");
    assert!(out.arn.ends_with(&format!(":distribution/{}", out.id)) && out.domain_name.ends_with(".cloudfront.net"));

    let live = check.cloudfront().get_distribution_config().id(&out.id).send().await.expect("config");
    let config = live.distribution_config().expect("config");
    let origin = &config.origins().expect("origins").items()[0];
    assert_eq!(origin.origin_access_control_id(), Some(oac_id.as_str()));
    assert_eq!(origin.domain_name(), "plinth-e2e-assets.s3.us-east-1.amazonaws.com");
    let behavior = config.default_cache_behavior().expect("default behavior");
    assert_eq!(behavior.viewer_protocol_policy().as_str(), "https-only");
    assert_eq!(behavior.cache_policy_id(), Some(CACHING_OPTIMIZED));
    assert_eq!(config.default_root_object(), Some("index.html"));
    assert!(config.caller_reference.starts_with("plinth-"), "{}", config.caller_reference);

    // After a lost reply the engine asks `find`, which adopts the distribution by its tags.
    assert_eq!(cdn.find(&meta("cdn"), &cx).await.expect("find").map(|o| o.id), Some(out.id.clone()));
    let list = check.cloudfront().list_distributions().send().await.expect("list");
    assert_eq!(list.distribution_list().map(|l| l.items().len()), Some(1), "one distribution");
}

#[tokio::test]
async fn delete_of_a_distribution_disables_it_first() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let (cdn, _) = oac_and_distribution(&emu).await;
    let out = cdn.create(&meta("cdn"), &cx).await.expect("create distribution");
    let live = check.cloudfront().get_distribution_config().id(&out.id).send().await.expect("config");
    assert!(live.distribution_config().expect("config").enabled, "created enabled");
    // CloudFront refuses to delete an enabled distribution.
    let etag = live.e_tag().expect("etag");
    let refused = check.cloudfront().delete_distribution().id(&out.id).if_match(etag).send().await;
    let code = refused.expect_err("enabled: refused").into_service_error();
    assert!(code.is_distribution_not_disabled(), "{code:?}");

    cdn.delete(&out, &cx).await.expect("the kind disables, waits, deletes");
    let gone = check.cloudfront().get_distribution().id(&out.id).send().await;
    assert!(gone.expect_err("deleted").into_service_error().is_no_such_distribution());
    cdn.delete(&out, &cx).await.expect("deleting again is Ok");
    assert!(cdn.read(&out, &cx).await.expect("read").is_none());
}
