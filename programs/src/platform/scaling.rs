//! Auto scaling of the services: a scalable target per service (its min/max as data), target
//! tracking on CPU for all and on memory for the API and the web front end, and where the
//! environment has a night schedule, scale to zero in the evening and back in the morning.
//! Once a target exists, auto scaling owns the service's desired count (the service resource
//! ignores changes to it).

use super::services::Deployed;
use crate::env::Env;
use engine::Stack;
use resources::appautoscaling::{
    PredefinedMetric, ScalableDimension, ScalableTarget, ScalingPolicy, ScheduledAction, ServiceNamespace,
    TargetTracking,
};

pub fn declare(stack: &mut Stack, env: &Env, services: &[Deployed]) {
    for deployed in services {
        let name = deployed.service;
        let size = &deployed.sizing;
        let target = stack
            .add(
                format!("{name}-scaling-target"),
                ScalableTarget {
                    service_namespace: ServiceNamespace::Ecs,
                    resource_id: deployed.resource_id.clone().into(),
                    scalable_dimension: ScalableDimension::EcsServiceDesiredCount,
                    min_capacity: size.min as i32,
                    max_capacity: size.max as i32,
                    ..Default::default()
                },
            )
            .depends_on(&deployed.handle);
        let mut metrics = vec![(PredefinedMetric::EcsServiceAverageCpuUtilization, "cpu", size.cpu_target)];
        if name != "orchestrator" {
            metrics.push((PredefinedMetric::EcsServiceAverageMemoryUtilization, "memory", size.memory_target));
        }
        for (metric, label, target_value) in metrics {
            stack
                .add(
                    format!("{name}-scale-on-{label}"),
                    ScalingPolicy {
                        name: env.prefixed(&format!("{name}-{label}")),
                        service_namespace: ServiceNamespace::Ecs,
                        resource_id: deployed.resource_id.clone().into(),
                        scalable_dimension: ScalableDimension::EcsServiceDesiredCount,
                        target_tracking: TargetTracking {
                            metric,
                            resource_label: None,
                            target_value,
                            scale_in_cooldown_secs: 300,
                            scale_out_cooldown_secs: 60,
                            disable_scale_in: false,
                        },
                    },
                )
                .depends_on(&target);
        }
        if let Some(night) = &env.compute.night_schedule {
            for (when, schedule, min, max) in [("night", night.down, 0, 0), ("morning", night.up, size.min, size.max)] {
                stack
                    .add(
                        format!("{name}-scale-{when}"),
                        ScheduledAction {
                            name: env.prefixed(&format!("{name}-{when}")),
                            service_namespace: ServiceNamespace::Ecs,
                            resource_id: deployed.resource_id.clone().into(),
                            scalable_dimension: ScalableDimension::EcsServiceDesiredCount,
                            schedule: schedule.into(),
                            timezone: night.timezone.into(),
                            min_capacity: Some(min as i32),
                            max_capacity: Some(max as i32),
                        },
                    )
                    .depends_on(&target);
            }
        }
    }
}
