//! Compute: the stack's ECS services for the API, the orchestrator and the web front end exist
//! and run their desired count; none gets a public IP (ECS.2); every container logs with
//! `awslogs` to a log group that has a retention (ECS.9); the API and the orchestrator carry a
//! tracing sidecar (the ADOT collector or the X-Ray daemon); no container is privileged (ECS.4);
//! containers that set `readonlyRootFilesystem` set it to true (ECS.5 where set: the others are
//! named in the report, not counted as proven).

use super::discover;
use super::target::Target;
use super::{blocked, Check};
use aws_sdk_ecs::types::{ContainerDefinition, Service, TaskDefinition};

const AREA: &str = "compute";

/// The services the platform program declares (programs/src/platform/services.rs).
pub const SERVICES: [&str; 3] = ["api", "orchestrator", "web"];
/// The services whose traces must leave the task.
pub const TRACED: [&str; 2] = ["api", "orchestrator"];
/// Images of a tracing sidecar.
const TRACERS: [&str; 2] = ["aws-otel-collector", "aws-xray-daemon"];

/// The short service name (`plinth-dev-api` → `api`) if it is one of [`SERVICES`].
fn short(service: &Service) -> Option<&'static str> {
    let name = service.service_name().unwrap_or_default();
    SERVICES.into_iter().find(|s| name.ends_with(&format!("-{s}")))
}

pub async fn checks(t: &Target) -> Vec<Check> {
    let what = [
        (None, "ECS services exist for api, orchestrator and web"),
        (None, "each service runs its desired count"),
        (Some("ECS.2"), "no service assigns public IPs"),
        (Some("ECS.9"), "containers log with awslogs to a log group with a retention"),
        (None, "api and orchestrator task definitions carry a tracing sidecar (ADOT collector or X-Ray daemon)"),
        (Some("ECS.4"), "no container is privileged"),
        (Some("ECS.5"), "containers that set readonlyRootFilesystem set it to true"),
    ];
    let services = match discover::services(t).await {
        Ok(services) => services,
        Err(reason) => return what.iter().map(|(c, w)| blocked(AREA, *c, w, &reason)).collect(),
    };
    let mut c: Vec<Check> = what.iter().map(|(control, w)| Check::new(AREA, *control, *w)).collect();
    for wanted in SERVICES {
        let found = services.iter().any(|s| short(s) == Some(wanted) && s.status() == Some("ACTIVE"));
        c[0].expect(format!("service {wanted}"), found, "no ACTIVE ECS service of the stack");
    }
    let mut tasks = Vec::new();
    for service in &services {
        let name = service.service_name().unwrap_or_default();
        let (running, desired) = (service.running_count(), service.desired_count());
        c[1].expect(name, running == desired, format!("{running} tasks running of {desired} desired"));
        let public = service.network_configuration().and_then(|n| n.awsvpc_configuration()).and_then(|a| a.assign_public_ip());
        c[2].expect(name, public.is_none_or(|p| p.as_str() == "DISABLED"), "assigns public IPs");
        match discover::task_definition(t, service.task_definition().unwrap_or_default()).await {
            Ok(task) => tasks.push((short(service), task)),
            Err(e) => {
                c[3].fail(name, e);
            }
        }
    }
    let logs = aws_sdk_cloudwatchlogs::Client::new(t.sdk());
    for (service, task) in &tasks {
        let family = task.family().unwrap_or_default();
        for container in task.container_definitions() {
            let object = format!("{family}/{}", container.name().unwrap_or_default());
            logging(&logs, &object, container, &mut c[3]).await;
            c[5].expect(&object, container.privileged() != Some(true), "runs privileged");
            match container.readonly_root_filesystem() {
                Some(read_only) => {
                    c[6].expect(&object, read_only, "readonlyRootFilesystem is false");
                }
                None => unset_read_only(&mut c[6], &object),
            }
        }
        if let Some(service) = service.filter(|s| TRACED.contains(s)) {
            sidecar(service, task, &mut c[4]);
        }
    }
    c
}

/// A container that leaves the root filesystem writable by default: named, not proven.
fn unset_read_only(check: &mut Check, object: &str) {
    let note = match check.note.take() {
        Some(note) => format!("{note}, {object}"),
        None => format!("not set (ECS.5 not claimed) for {object}"),
    };
    check.not_required(note);
}

fn sidecar(service: &str, task: &TaskDefinition, check: &mut Check) {
    let tracer = task
        .container_definitions()
        .iter()
        .find(|c| TRACERS.iter().any(|image| c.image().unwrap_or_default().contains(image)));
    check.expect(
        format!("{service} ({})", task.family().unwrap_or_default()),
        tracer.is_some(),
        format!("no container runs {TRACERS:?}"),
    );
}

async fn logging(logs: &aws_sdk_cloudwatchlogs::Client, object: &str, container: &ContainerDefinition, check: &mut Check) {
    let config = container.log_configuration();
    let driver = config.map(|l| l.log_driver().as_str().to_string()).unwrap_or_else(|| "none".into());
    let group = config.and_then(|l| l.options()).and_then(|o| o.get("awslogs-group")).cloned();
    let Some(group) = group.filter(|_| driver == "awslogs") else {
        check.expect(object, false, format!("log driver {driver}, no awslogs-group"));
        return;
    };
    let retention = super::observability::retention(logs, &group).await;
    match retention {
        Ok(Some(days)) => {
            check.expect(object, days > 0, format!("log group {group} keeps events {days} days"));
        }
        Ok(None) => {
            check.expect(object, false, format!("log group {group} keeps events forever (no retention) or is missing"));
        }
        Err(e) => {
            check.fail(object, e);
        }
    }
}
