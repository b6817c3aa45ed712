//! What is special about `aws:ecs:Service`, each change checked with an independent
//! DescribeServices (`emu.independent()`): the network and load balancer as ECS records them, the
//! circuit breaker and grace period, a task definition update that leaves an out-of-band desired
//! count alone, the create's idempotency token, and a delete that scales to 0 and leaves the
//! service INACTIVE. The generic contract is the conformance suite's (`fixtures::ecs_service`).
//!
//! Emulator (moto 5.2.5 + `scripts/moto_patches/ecs_services.py`): deployments complete between
//! two calls, so the waits here cost one DescribeServices each; waiting through IN_PROGRESS,
//! rollbacks and timeouts is unit-tested with fakes in `resources::ecs::deployment`.

use e2e::conformance::fixtures::ecs_service::{prerequisites, web};
use e2e::{engine_tags, meta, Emulator};
use engine::{Input, Resource};
use resources::ecs::sdk::types::{AssignPublicIp, Service as Live};
use resources::ecs::{Service, ServiceOutputs};
use resources::AwsContext;
use std::collections::BTreeSet;

async fn live(check: &AwsContext, out: &ServiceOutputs) -> Live {
    let call = check.ecs().describe_services().cluster(&out.cluster_arn).services(&out.name);
    let answer = call.send().await.expect("describe services");
    answer.services().first().cloned().expect("the service is described")
}

fn tagged(service: Service) -> Service {
    Service { tags: engine_tags("web", &[("Team", "web")]), ..service }
}

#[tokio::test]
async fn private_network_load_balancer_and_deployment_settings_reach_ecs() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let pre = prerequisites(&emu, 120).await;
    let service = tagged(web(&pre));

    let out = service.create(&meta("web"), &cx).await.expect("create waits for the first deployment");
    let s = live(&check, &out).await;
    assert_eq!(s.status(), Some("ACTIVE"));
    assert_eq!(s.launch_type().map(|l| l.as_str()), Some("FARGATE"), "no strategy: launch type FARGATE");
    let vpc = s.network_configuration().and_then(|n| n.awsvpc_configuration()).expect("awsvpc configuration");
    let subnets: BTreeSet<&str> = vpc.subnets().iter().map(String::as_str).collect();
    assert_eq!(subnets, pre.net.subnets.iter().map(String::as_str).collect());
    assert_eq!(vpc.security_groups(), &pre.net.security_groups[..1]);
    assert_eq!(vpc.assign_public_ip(), Some(&AssignPublicIp::Disabled), "private subnets: no public IP");
    let lb = s.load_balancers().first().expect("a load balancer");
    assert_eq!(lb.target_group_arn(), Some(pre.target_group_arn.as_str()));
    assert_eq!((lb.container_name(), lb.container_port()), (Some("web"), Some(80)));
    assert_eq!(s.health_check_grace_period_seconds(), Some(60));
    let config = s.deployment_configuration().expect("deployment configuration");
    let breaker = config.deployment_circuit_breaker().expect("circuit breaker");
    assert!(breaker.enable() && breaker.rollback(), "circuit breaker with rollback");
    assert_eq!((config.minimum_healthy_percent(), config.maximum_percent()), (Some(100), Some(200)));
    assert_eq!(s.propagate_tags().map(|p| p.as_str()), Some("SERVICE"));
    assert!(!s.enable_execute_command());
}

#[tokio::test]
async fn a_task_definition_update_keeps_the_desired_count_auto_scaling_set() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let pre = prerequisites(&emu, 121).await;
    let old = tagged(web(&pre));
    let out = old.create(&meta("web"), &cx).await.expect("create");
    let first = live(&check, &out).await.deployments()[0].id().map(str::to_string);

    // Auto scaling (out of band) sets 5; the program keeps 2 under ignore_changes.
    let call = check.ecs().update_service().cluster(&out.cluster_arn).service(&out.name).desired_count(5);
    call.send().await.expect("scale out of band");
    let new = Service { task_definition: Input::Value(pre.task_definitions[1].clone()), ..old.clone() };
    new.update(&old, &out, &cx).await.expect("update waits for the new deployment");

    let s = live(&check, &out).await;
    assert_eq!(s.task_definition(), Some(pre.task_definitions[1].as_str()));
    assert_eq!(s.desired_count(), 5, "the update did not send the program's desired count");
    let primary = s.deployments().iter().find(|d| d.status() == Some("PRIMARY")).expect("PRIMARY");
    assert_ne!(primary.id().map(str::to_string), first, "a new deployment rolled the task definition out");
    assert_eq!(primary.rollout_state().map(|r| r.as_str()), Some("COMPLETED"));
    let seen = new.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs.desired_count, 5, "read reports the live count, so drift shows it");

    let scaled = Service { desired_count: 3, ..new.clone() };
    scaled.update(&new, &out, &cx).await.expect("a program change of the count is sent");
    assert_eq!(live(&check, &out).await.desired_count(), 3);
}

#[tokio::test]
async fn a_second_create_is_refused_and_find_adopts_the_first_service() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let pre = prerequisites(&emu, 122).await;
    let service = tagged(web(&pre));
    let first = service.create(&meta("web"), &cx).await.expect("create");
    // What the engine does after a lost reply is `find`, never a blind second create; a second
    // create (a fresh token) is refused by ECS instead of making a duplicate.
    let again = service.create(&meta("web"), &cx).await.expect_err("a second create of the same name");
    assert!(again.message.contains("not idempotent"), "{}", again.message);
    let listed = check.ecs().list_services().cluster(&pre.cluster_arn).send().await.expect("list services");
    assert_eq!(listed.service_arns(), std::slice::from_ref(&first.arn), "no duplicate");
    assert_eq!(service.find(&meta("web"), &cx).await.expect("find"), Some(first.clone()), "adopted");
    let other = service.find(&meta("web-2"), &cx).await.expect_err("another resource's name refuses it");
    assert_eq!(other.class, engine::ErrorClass::NotOwned, "{}", other.message);
}

#[tokio::test]
async fn delete_scales_to_zero_and_leaves_the_service_inactive() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let pre = prerequisites(&emu, 123).await;
    let service = tagged(web(&pre));
    let out = service.create(&meta("web"), &cx).await.expect("create");
    assert_eq!(live(&check, &out).await.desired_count(), 2);

    service.delete(&out, &cx).await.expect("delete");
    let s = live(&check, &out).await;
    assert_eq!(s.status(), Some("INACTIVE"));
    assert_eq!((s.desired_count(), s.running_count()), (0, 0), "scaled to 0 before the delete");
    assert!(service.read(&out, &cx).await.expect("read").is_none(), "an INACTIVE service is gone");
    service.delete(&out, &cx).await.expect("deleting it again is Ok");
    assert!(service.find(&meta("web"), &cx).await.expect("find").is_none());
}
