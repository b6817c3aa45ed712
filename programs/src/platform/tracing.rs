//! Tracing: the API and the orchestrator send OpenTelemetry traces to an AWS Distro for
//! OpenTelemetry (ADOT) collector running beside them in the task, which forwards them to
//! X-Ray. The app finds the collector on `localhost` (Fargate tasks share one network
//! namespace) through the standard `OTEL_*` variables; the collector runs the X-Ray pipeline
//! its image ships (`/etc/ecs/ecs-xray.yaml`: OTLP and X-Ray receivers, the X-Ray exporter),
//! logs to the service's own group, and is not essential: a collector that dies loses traces,
//! never the service. The task role gets the X-Ray writes it needs (see [`xray_policy`]).

use super::iam::REGION;
use super::registry::ServiceHome;
use crate::env::Env;
use resources::ecs::{AwsLogs, Condition, Container, Dependency};
use serde_json::json;
use std::collections::BTreeMap;

/// The collector image, pinned: a new collector is a reviewed change like any other.
pub const COLLECTOR_IMAGE: &str = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";

/// The sidecar's container name.
pub const COLLECTOR: &str = "otel-collector";

/// The services that emit traces.
pub fn traced(service: &str) -> bool {
    matches!(service, "api" | "orchestrator")
}

/// The collector container for one service's task.
pub fn collector(home: &ServiceHome) -> Container {
    Container {
        name: COLLECTOR.into(),
        image: COLLECTOR_IMAGE.to_string().into(),
        essential: false,
        memory_reservation: Some(128),
        command: vec!["--config=/etc/ecs/ecs-xray.yaml".into()],
        environment: BTreeMap::from([("AWS_REGION".to_string(), REGION.to_string())]),
        log: Some(AwsLogs {
            group: home.log_group.output(|o| o.name.clone()),
            region: REGION.into(),
            stream_prefix: COLLECTOR.into(),
        }),
        ..Default::default()
    }
}

/// What the app container needs to send its traces to the collector, and the order: the
/// collector starts first.
pub fn instrument(app: &mut Container, env: &Env, service: &str) {
    let vars = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317".to_string()),
        ("OTEL_SERVICE_NAME", service.to_string()),
        ("OTEL_RESOURCE_ATTRIBUTES", format!("deployment.environment={}", env.name)),
        ("OTEL_PROPAGATORS", "tracecontext,xray".to_string()),
    ];
    app.environment.extend(vars.into_iter().map(|(k, v)| (k.to_string(), v)));
    app.depends_on.push(Dependency { container_name: COLLECTOR.into(), condition: Condition::Start });
}

/// The task role's X-Ray writes. X-Ray's trace and sampling calls take no resource: AWS accepts
/// only `"*"` for them (the same actions as AWS's `AWSXRayDaemonWriteAccess`).
pub fn xray_policy() -> serde_json::Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "SendTraces",
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries"
            ],
            "Resource": "*"
        }]
    })
}
