//! The target group and load balancer classifications, on SDK values built by hand.

use super::*;
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancerState, LoadBalancerStateEnum, TargetDescription, TargetHealth, TargetHealthReasonEnum,
    TargetHealthStateEnum,
};
use engine::health::Status;

fn target(id: &str, state: TargetHealthStateEnum, reason: Option<TargetHealthReasonEnum>) -> TargetHealthDescription {
    TargetHealthDescription::builder()
        .target(TargetDescription::builder().id(id).port(8080).build())
        .target_health(TargetHealth::builder().state(state).set_reason(reason).description("Health checks failed").build())
        .build()
}

#[test]
fn no_targets_is_unhealthy_and_all_healthy_is_healthy() {
    assert_eq!(classify_targets(&[]).status, Status::Unhealthy);
    let all = [target("10.0.1.5", TargetHealthStateEnum::Healthy, None)];
    let check = classify_targets(&all);
    assert_eq!((check.status, check.reason.as_str()), (Status::Healthy, "1 of 1 targets healthy"));
    assert!(check.details.is_empty());
}

#[test]
fn some_unhealthy_is_degraded_and_names_them_with_their_reason() {
    let targets = [
        target("10.0.1.5", TargetHealthStateEnum::Healthy, None),
        target("10.0.2.7", TargetHealthStateEnum::Unhealthy, Some(TargetHealthReasonEnum::FailedHealthChecks)),
        target("10.0.3.9", TargetHealthStateEnum::Draining, None),
    ];
    let check = classify_targets(&targets);
    assert_eq!((check.status, check.reason.as_str()), (Status::Degraded, "1 of 2 targets healthy"));
    assert!(check.details.iter().any(|d| d.contains("10.0.2.7:8080 unhealthy: Target.FailedHealthChecks")), "{check:?}");
}

#[test]
fn none_healthy_is_unhealthy() {
    let targets = [target("10.0.2.7", TargetHealthStateEnum::Unhealthy, Some(TargetHealthReasonEnum::Timeout))];
    assert_eq!(classify_targets(&targets).status, Status::Unhealthy);
}

#[test]
fn load_balancer_states() {
    let lb = |code: LoadBalancerStateEnum| {
        LiveLb::builder().state(LoadBalancerState::builder().code(code).build()).build()
    };
    assert_eq!(classify_load_balancer(&lb(LoadBalancerStateEnum::Active)).status, Status::Healthy);
    assert_eq!(classify_load_balancer(&lb(LoadBalancerStateEnum::Provisioning)).status, Status::Degraded);
    assert_eq!(classify_load_balancer(&lb(LoadBalancerStateEnum::ActiveImpaired)).status, Status::Degraded);
    assert_eq!(classify_load_balancer(&lb(LoadBalancerStateEnum::Failed)).status, Status::Unhealthy);
}
