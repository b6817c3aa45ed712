//! Waiting for an ECS service deployment, by id, to finish: what `create` and `update` of
//! `aws:ecs:Service` do after the call that started it.
//!
//! The logic is pure over observations ([`judge`]) behind a small source trait
//! ([`DeploymentSource`]), so tests drive it with fakes and paused time; [`Ecs`] is the real source
//! (DescribeServices, ListTasks + DescribeTasks).
//!
//! # Guarantees
//! * Success only when the deployment with the id the call answered is `COMPLETED` (or, for a
//!   deployment without a rollout state, PRIMARY, alone and with every task running).
//! * A `FAILED` rollout, the deployment disappearing or losing PRIMARY to another one (a
//!   circuit-breaker rollback, a newer update) and the service disappearing are errors
//!   (`ErrorClass::Other`) naming the service, the rollout state reason, the last service events
//!   and the stopped tasks' reasons; running out of time is `ErrorClass::Timeout` with the same.
//! * Polls start at once and back off from [`FIRST_INTERVAL`] to [`MAX_INTERVAL`].

use crate::error::classify;
use crate::AwsContext;
use aws_sdk_ecs::types::{DesiredStatus, Service};
use engine::{ErrorClass, ProviderError};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// The first wait between two looks; doubled after each look up to [`MAX_INTERVAL`].
pub const FIRST_INTERVAL: Duration = Duration::from_secs(5);
pub const MAX_INTERVAL: Duration = Duration::from_secs(30);
/// Service events and stopped-task reasons quoted in a failure.
const QUOTED: usize = 5;

/// One deployment as DescribeServices lists it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentView {
    pub id: String,
    /// PRIMARY, ACTIVE or INACTIVE.
    pub status: String,
    /// IN_PROGRESS, COMPLETED, FAILED; `None` when ECS reports none.
    pub rollout_state: Option<String>,
    pub rollout_state_reason: Option<String>,
    pub task_definition: String,
    pub running: i32,
    pub desired: i32,
    pub failed_tasks: i32,
}

/// One look at the service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceView {
    pub deployments: Vec<DeploymentView>,
    /// Newest first, as ECS lists them.
    pub events: Vec<String>,
}

/// Where observations come from.
pub trait DeploymentSource {
    /// The service now, or `None` when it is gone (missing or INACTIVE).
    fn look(&self) -> impl Future<Output = Result<Option<ServiceView>, ProviderError>> + Send;
    /// Why the service's recent tasks stopped (`stoppedReason`), newest first.
    fn stopped_reasons(&self) -> impl Future<Output = Result<Vec<String>, ProviderError>> + Send;
}

/// What one look says about the deployment.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Done,
    Pending(String),
    Failed(String),
}

/// The verdict on deployment `id` from one look.
pub fn judge(id: &str, seen: Option<&ServiceView>) -> Verdict {
    let Some(seen) = seen else { return Verdict::Failed("the service no longer exists".into()) };
    let primary = seen.deployments.iter().find(|d| d.status == "PRIMARY");
    let Some(ours) = seen.deployments.iter().find(|d| d.id == id) else {
        return Verdict::Failed(match primary {
            Some(p) => format!(
                "deployment {id} is gone and {} (task definition {}) is PRIMARY: it was rolled back or replaced",
                p.id, p.task_definition
            ),
            None => format!("deployment {id} is gone and the service has no PRIMARY deployment"),
        });
    };
    let reason = ours.rollout_state_reason.as_deref().unwrap_or("no reason given");
    match ours.rollout_state.as_deref() {
        Some("COMPLETED") => return Verdict::Done,
        Some("FAILED") => return Verdict::Failed(format!("deployment {id} FAILED: {reason}")),
        _ => {}
    }
    if let Some(p) = primary.filter(|p| p.id != id) {
        return Verdict::Failed(format!(
            "deployment {id} lost PRIMARY to {} (task definition {}): a rollback or a newer update",
            p.id, p.task_definition
        ));
    }
    let progress = format!("{}/{} tasks running, {} failed", ours.running, ours.desired, ours.failed_tasks);
    match ours.rollout_state.as_deref() {
        None if seen.deployments.len() == 1 && ours.running == ours.desired => Verdict::Done,
        None => Verdict::Pending(format!("no rollout state, {progress}")),
        Some(state) => Verdict::Pending(format!("{state} ({reason}), {progress}")),
    }
}

/// Waits until deployment `id` of service `service` completes, fails, or `timeout` runs out.
pub async fn wait_for_deployment<S: DeploymentSource>(
    service: &str,
    id: &str,
    timeout: Duration,
    source: &S,
) -> Result<(), ProviderError> {
    let deadline = Instant::now() + timeout;
    let mut interval = FIRST_INTERVAL;
    loop {
        let seen = source.look().await?;
        let status = match judge(id, seen.as_ref()) {
            Verdict::Done => return Ok(()),
            Verdict::Failed(why) => {
                let what = format!("ECS service `{service}`: {why}");
                return Err(failure(ErrorClass::Other, what, seen.as_ref(), source).await);
            }
            Verdict::Pending(status) => status,
        };
        let now = Instant::now();
        if now >= deadline {
            let what = format!(
                "timed out after {timeout:?} waiting for deployment {id} of ECS service `{service}`: still {status}"
            );
            return Err(failure(ErrorClass::Timeout, what, seen.as_ref(), source).await);
        }
        tracing::debug!(service, deployment = id, status = %status, "waiting for the deployment");
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = (interval * 2).min(MAX_INTERVAL);
    }
}

/// The error: `what`, then the last service events and the stopped tasks' reasons.
async fn failure<S: DeploymentSource>(
    class: ErrorClass,
    what: String,
    seen: Option<&ServiceView>,
    source: &S,
) -> ProviderError {
    let mut message = what;
    let events: Vec<&String> = seen.map(|s| s.events.iter().take(QUOTED).collect()).unwrap_or_default();
    if !events.is_empty() {
        let quoted: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        message.push_str(&format!("; last service events: {}", quoted.join(" | ")));
    }
    match source.stopped_reasons().await {
        Ok(reasons) if !reasons.is_empty() => {
            let quoted: Vec<String> = reasons.into_iter().take(QUOTED).collect();
            message.push_str(&format!("; stopped tasks: {}", quoted.join(" | ")));
        }
        Ok(_) => message.push_str("; no stopped tasks"),
        Err(e) => message.push_str(&format!("; stopped tasks could not be listed ({})", e.message)),
    }
    ProviderError::new(class, message)
}

/// The real source: service `service` of cluster `cluster`.
pub struct Ecs<'a> {
    pub cx: &'a AwsContext,
    pub cluster: &'a str,
    pub service: &'a str,
}

impl DeploymentSource for Ecs<'_> {
    async fn look(&self) -> Result<Option<ServiceView>, ProviderError> {
        let live = super::service::describe(self.cx, self.cluster, self.service).await?;
        Ok(live.filter(|s| s.status() == Some("ACTIVE")).as_ref().map(view))
    }

    async fn stopped_reasons(&self) -> Result<Vec<String>, ProviderError> {
        let call = self.cx.ecs().list_tasks().cluster(self.cluster).service_name(self.service);
        let listed = call.desired_status(DesiredStatus::Stopped).send().await;
        let arns = listed.map_err(|e| classify("ListTasks", e))?.task_arns().to_vec();
        if arns.is_empty() {
            return Ok(Vec::new());
        }
        let call = self.cx.ecs().describe_tasks().cluster(self.cluster);
        let out = call.set_tasks(Some(arns.into_iter().take(100).collect())).send().await;
        let out = out.map_err(|e| classify("DescribeTasks", e))?;
        let mut reasons: Vec<String> = Vec::new();
        for task in out.tasks() {
            let container = task.containers().iter().find_map(|c| c.reason());
            let reason = match (task.stopped_reason(), container) {
                (Some(r), Some(c)) => format!("{r} ({c})"),
                (Some(r), None) => r.to_string(),
                (None, Some(c)) => c.to_string(),
                (None, None) => continue,
            };
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        Ok(reasons)
    }
}

/// What the waiter needs of a described service.
pub fn view(service: &Service) -> ServiceView {
    let deployments = service
        .deployments()
        .iter()
        .map(|d| DeploymentView {
            id: d.id().unwrap_or_default().to_string(),
            status: d.status().unwrap_or_default().to_string(),
            rollout_state: d.rollout_state().map(|s| s.as_str().to_string()),
            rollout_state_reason: d.rollout_state_reason().map(str::to_string),
            task_definition: d.task_definition().unwrap_or_default().to_string(),
            running: d.running_count(),
            desired: d.desired_count(),
            failed_tasks: d.failed_tasks(),
        })
        .collect();
    let events = service.events().iter().filter_map(|e| e.message()).map(str::to_string).collect();
    ServiceView { deployments, events }
}

/// The id of the PRIMARY deployment of a service a create or update call answered with.
pub fn primary_id(service: &Service) -> Result<String, ProviderError> {
    let primary = service.deployments().iter().find(|d| d.status() == Some("PRIMARY")).and_then(|d| d.id());
    primary.map(str::to_string).ok_or_else(|| {
        let name = service.service_name().unwrap_or_default();
        let message = format!("ECS answered service `{name}` without a PRIMARY deployment: nothing to wait for");
        ProviderError::new(ErrorClass::Other, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A source that answers the looks it was given, in order, repeating the last one.
    struct Fake {
        looks: Mutex<Vec<Option<ServiceView>>>,
        count: Mutex<usize>,
        stopped: Vec<String>,
    }

    impl Fake {
        fn new(looks: Vec<Option<ServiceView>>, stopped: &[&str]) -> Self {
            Fake {
                looks: Mutex::new(looks),
                count: Mutex::new(0),
                stopped: stopped.iter().map(|s| s.to_string()).collect(),
            }
        }
        fn looks(&self) -> usize {
            *self.count.lock().expect("lock")
        }
    }

    impl DeploymentSource for Fake {
        async fn look(&self) -> Result<Option<ServiceView>, ProviderError> {
            *self.count.lock().expect("lock") += 1;
            let mut looks = self.looks.lock().expect("lock");
            Ok(if looks.len() > 1 { looks.remove(0) } else { looks[0].clone() })
        }
        async fn stopped_reasons(&self) -> Result<Vec<String>, ProviderError> {
            Ok(self.stopped.clone())
        }
    }

    fn deployment(id: &str, status: &str, state: &str, running: i32) -> DeploymentView {
        DeploymentView {
            id: id.into(),
            status: status.into(),
            rollout_state: Some(state.into()),
            rollout_state_reason: Some(format!("ECS deployment {id} {}", state.to_lowercase())),
            task_definition: format!("arn:aws:ecs:us-east-1:1:task-definition/web:{}", if id == "new" { 2 } else { 1 }),
            running,
            desired: 2,
            failed_tasks: 0,
        }
    }

    fn seen(deployments: Vec<DeploymentView>, events: &[&str]) -> Option<ServiceView> {
        Some(ServiceView { deployments, events: events.iter().map(|e| e.to_string()).collect() })
    }

    const TIMEOUT: Duration = Duration::from_secs(1800);

    #[tokio::test(start_paused = true)]
    async fn in_progress_then_completed_succeeds_with_backoff() {
        let old = deployment("old", "ACTIVE", "COMPLETED", 2);
        let fake = Fake::new(
            vec![
                seen(vec![deployment("new", "PRIMARY", "IN_PROGRESS", 0), old.clone()], &[]),
                seen(vec![deployment("new", "PRIMARY", "IN_PROGRESS", 1), old.clone()], &[]),
                seen(vec![deployment("new", "PRIMARY", "IN_PROGRESS", 2), old], &[]),
                seen(vec![deployment("new", "PRIMARY", "COMPLETED", 2)], &[]),
            ],
            &[],
        );
        let start = Instant::now();
        wait_for_deployment("web", "new", TIMEOUT, &fake).await.expect("completes");
        assert_eq!(fake.looks(), 4);
        assert_eq!(start.elapsed(), Duration::from_secs(5 + 10 + 20), "backs off 5 s, 10 s, 20 s");
    }

    #[tokio::test(start_paused = true)]
    async fn circuit_breaker_rollback_is_a_failure_with_reasons() {
        let mut failed = deployment("new", "ACTIVE", "FAILED", 0);
        failed.rollout_state_reason = Some("ECS deployment circuit breaker: tasks failed to start.".into());
        failed.failed_tasks = 3;
        let events = ["(service web) rolling back to deployment old.", "(service web) has started 1 tasks."];
        let fake = Fake::new(
            vec![
                seen(
                    vec![deployment("new", "PRIMARY", "IN_PROGRESS", 0), deployment("old", "ACTIVE", "COMPLETED", 2)],
                    &[],
                ),
                seen(vec![deployment("rollback", "PRIMARY", "IN_PROGRESS", 0), failed], &events),
            ],
            &["Essential container in task exited (CannotPullContainerError: pull access denied)"],
        );
        let err = wait_for_deployment("web", "new", TIMEOUT, &fake).await.expect_err("rolled back");
        assert_eq!(err.class, ErrorClass::Other);
        for part in [
            "ECS service `web`",
            "deployment new FAILED",
            "circuit breaker: tasks failed to start",
            "rolling back to deployment old",
            "CannotPullContainerError",
        ] {
            assert!(err.message.contains(part), "`{part}` missing from: {}", err.message);
        }
        assert_eq!(fake.looks(), 2, "stops at the first failed look");
    }

    #[tokio::test(start_paused = true)]
    async fn a_vanished_deployment_with_an_older_primary_is_a_rollback() {
        let fake = Fake::new(vec![seen(vec![deployment("old", "PRIMARY", "COMPLETED", 2)], &["rolled back"])], &[]);
        let err = wait_for_deployment("web", "new", TIMEOUT, &fake).await.expect_err("rolled back");
        assert!(err.message.contains("deployment new is gone and old"), "{}", err.message);
        assert!(
            err.message.contains("task-definition/web:1") && err.message.contains("rolled back"),
            "{}",
            err.message
        );
        assert!(err.message.contains("no stopped tasks"), "{}", err.message);
        let gone = wait_for_deployment("web", "new", TIMEOUT, &Fake::new(vec![None], &[])).await.expect_err("gone");
        assert!(gone.message.contains("no longer exists"), "{}", gone.message);
    }

    #[tokio::test(start_paused = true)]
    async fn never_completing_times_out_with_status_and_events() {
        let fake = Fake::new(
            vec![seen(
                vec![deployment("new", "PRIMARY", "IN_PROGRESS", 1)],
                &["(service web) is unable to place a task"],
            )],
            &["Task failed ELB health checks"],
        );
        let start = Instant::now();
        let timeout = Duration::from_secs(600);
        let err = wait_for_deployment("web", "new", timeout, &fake).await.expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert_eq!(start.elapsed(), timeout, "gives up exactly at the deadline");
        for part in [
            "deployment new of ECS service `web`",
            "IN_PROGRESS",
            "1/2 tasks running",
            "unable to place a task",
            "ELB health checks",
        ] {
            assert!(err.message.contains(part), "`{part}` missing from: {}", err.message);
        }
    }

    #[test]
    fn judge_without_rollout_state_needs_every_task_running() {
        let mut d = deployment("new", "PRIMARY", "IN_PROGRESS", 1);
        d.rollout_state = None;
        assert!(matches!(judge("new", seen(vec![d.clone()], &[]).as_ref()), Verdict::Pending(_)));
        d.running = 2;
        assert_eq!(judge("new", seen(vec![d], &[]).as_ref()), Verdict::Done);
        let superseded = seen(
            vec![deployment("newer", "PRIMARY", "IN_PROGRESS", 0), deployment("new", "ACTIVE", "IN_PROGRESS", 1)],
            &[],
        );
        assert!(matches!(judge("new", superseded.as_ref()), Verdict::Failed(m) if m.contains("lost PRIMARY to newer")));
    }
}
