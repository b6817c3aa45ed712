//! `aws:ecs:TaskDefinition`: a Fargate task definition family (network mode `awsvpc`,
//! `requiresCompatibilities` FARGATE, both fixed) and the revisions Plinth registers in it.
//!
//! A revision is immutable in AWS: an update that changes the definition registers a NEW
//! revision (RegisterTaskDefinition with the tags, sent without blind retries) and returns its
//! ARN and number; a change of tags only (or of `keep_revisions`) registers nothing and retags
//! the current revision. After every create and update the resource's own ACTIVE revisions
//! beyond the newest `keep_revisions` are deregistered. Only the family forces a replacement
//! (create-first: a new family registers beside the old one). The cloud id is the family, which
//! an update never changes.
//!
//! # Guarantees
//! * An unchanged program reads back equal to itself (see [`super::container`]): no spurious
//!   revision is ever registered.
//! * Pruning and delete deregister only revisions whose live tags carry both `plinth:stack` and
//!   `plinth:name` of the resource (plus, for delete, the revision in the outputs, whose
//!   ownership the engine proved); a revision of the family without them is never touched.
//! * `find` adopts the newest ACTIVE revision of the family only when its tags prove ownership;
//!   a newest revision without them is `Err(NotOwned)`.
//! * Delete is idempotent: INACTIVE or unknown revisions are skipped.
//!
//! # Assumptions
//! * A pruning failure after a successful registration is logged, not returned: the new
//!   revision exists and is recorded; the next registration prunes again.
//!
//! Emulator gaps (moto 5.2.5): ListTaskDefinitions ignores `sort` (Plinth sorts by revision
//! itself) and AWS's defaults (`hostPort`, protocol) are not filled in (the read normalises both
//! either way; `tests/tests/ecs_task_definition.rs` registers AWS's shape to check it).

use super::checks::{self, is_name, is_role_arn, size_problem};
use super::container::{self, Container};
use super::revisions::{self, missing, owner, with_ownership, Revision};
use super::tags::Ecs;
use crate::error::classify;
use crate::kit::adopt;
use crate::kit::enums::aws_enum;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_ecs::types as sdk;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

aws_enum! {
    /// The CPU architecture of the task's containers.
    pub enum CpuArchitecture: sdk::CpuArchitecture { X86_64 = "X86_64", Arm64 = "ARM64" }
}

aws_enum! {
    /// The operating system of the task's containers (Plinth runs Linux tasks).
    pub enum OsFamily: sdk::OsFamily { Linux = "LINUX" }
}

/// Where the task runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuntimePlatform {
    pub cpu_architecture: CpuArchitecture,
    pub operating_system_family: OsFamily,
}

/// A Fargate task definition family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskDefinition {
    /// 1 to 255 letters, digits, `-` or `_`.
    pub family: String,
    /// Task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384.
    pub cpu: u32,
    /// Task memory in MiB, one of the values Fargate allows for `cpu`.
    pub memory: u32,
    pub runtime_platform: RuntimePlatform,
    /// The role ECS uses to pull images, write logs and read the containers' secrets.
    pub execution_role_arn: Input<String>,
    /// The role the containers' code runs as.
    pub task_role_arn: Option<Input<String>>,
    /// One or more: the app, plus sidecars. Set-like: read keeps the program's order.
    pub containers: Vec<Container>,
    /// How many of this resource's ACTIVE revisions to keep (the newest; at least 1, default 5).
    pub keep_revisions: u32,
    pub tags: Tags,
}

impl Default for TaskDefinition {
    fn default() -> Self {
        Self {
            family: String::new(),
            cpu: 256,
            memory: 512,
            runtime_platform: RuntimePlatform::default(),
            execution_role_arn: Input::default(),
            task_role_arn: None,
            containers: Vec::new(),
            keep_revisions: 5,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDefinitionOutputs {
    /// The current revision's ARN (`…:task-definition/<family>:<revision>`): what a service runs.
    pub arn: String,
    pub family: String,
    pub revision: i32,
}

impl Resource for TaskDefinition {
    const KIND: &'static str = "aws:ecs:TaskDefinition";
    const SERVICE: &'static str = "ecs";
    const REPLACE_FIELDS: &'static [&'static str] = &["family"];
    type Outputs = TaskDefinitionOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &TaskDefinitionOutputs) -> String {
        outputs.family.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_name(&self.family, 255) {
            problems.push(format!("family `{}` must be 1 to 255 letters, digits, `-` or `_`", self.family));
        }
        problems.extend(size_problem(self.cpu, self.memory));
        if let Some(arn) = self.execution_role_arn.known().filter(|a| !is_role_arn(a)) {
            problems.push(format!(
                "execution_role_arn `{arn}` is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"
            ));
        }
        if let Some(arn) = self.task_role_arn.as_ref().and_then(Input::known).filter(|a| !is_role_arn(a)) {
            problems.push(format!("task_role_arn `{arn}` is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"));
        }
        if self.keep_revisions == 0 {
            problems.push("keep_revisions must be at least 1 (the current revision)".to_string());
        }
        problems.extend(checks::problems(&self.containers));
        problems.extend(self.reservation_problems());
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<TaskDefinitionOutputs, ProviderError> {
        let outputs = self.register(cx).await?;
        self.prune(cx, &outputs).await;
        Ok(outputs)
    }

    async fn read(
        &self,
        out: &TaskDefinitionOutputs,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some((definition, live_tags)) = revisions::describe(cx, &out.arn).await? else { return Ok(None) };
        if !revisions::is_active(&definition) {
            return Ok(None);
        }
        let inputs = self.observed(&definition, live_tags)?;
        Ok(Some(Observed { inputs, outputs: outputs_of(&definition)? }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &TaskDefinitionOutputs,
        cx: &AwsContext,
    ) -> Result<TaskDefinitionOutputs, ProviderError> {
        let outputs = if self.definition_differs(old) {
            self.register(cx).await?
        } else {
            tags::sync::<Ecs>(cx, &out.arn, &old.tags, &self.tags).await?;
            out.clone()
        };
        self.prune(cx, &outputs).await;
        Ok(outputs)
    }

    async fn delete(&self, out: &TaskDefinitionOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        revisions::deregister(cx, &out.arn).await?;
        let Some(owner) = owner(&self.tags) else { return Ok(()) };
        for (revision, owned) in with_ownership(cx, &out.family, Some(&owner)).await? {
            if owned {
                revisions::deregister(cx, &revision.arn).await?;
            }
        }
        Ok(())
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<TaskDefinitionOutputs>, ProviderError> {
        let Some(Revision { arn, .. }) = revisions::active(cx, &self.family).await?.into_iter().next() else {
            return Ok(None);
        };
        let Some((definition, live_tags)) = revisions::describe(cx, &arn).await? else { return Ok(None) };
        adopt(&format!("task definition {arn}"), &live_tags, meta, outputs_of(&definition)?)
    }
}

fn outputs_of(definition: &sdk::TaskDefinition) -> Result<TaskDefinitionOutputs, ProviderError> {
    Ok(TaskDefinitionOutputs {
        arn: definition.task_definition_arn().ok_or_else(|| missing("task definition ARN"))?.to_string(),
        family: definition.family().ok_or_else(|| missing("task definition family"))?.to_string(),
        revision: definition.revision(),
    })
}

/// A task size AWS reported (`"512"`).
fn size(value: Option<&str>, what: &str) -> Result<u32, ProviderError> {
    let text = value.ok_or_else(|| missing(what))?;
    text.trim().parse().map_err(|_| missing(&format!("readable {what} (got `{text}`)")))
}

impl TaskDefinition {
    /// Registers a revision of the family with this definition and the tags.
    async fn register(&self, cx: &AwsContext) -> Result<TaskDefinitionOutputs, ProviderError> {
        let containers = self.containers.iter().map(Container::to_sdk).collect::<Result<Vec<_>, _>>()?;
        let platform = sdk::RuntimePlatform::builder()
            .cpu_architecture(self.runtime_platform.cpu_architecture.to_sdk())
            .operating_system_family(self.runtime_platform.operating_system_family.to_sdk())
            .build();
        let call = cx
            .ecs()
            .register_task_definition()
            .family(&self.family)
            .set_container_definitions(Some(containers))
            .network_mode(sdk::NetworkMode::Awsvpc)
            .requires_compatibilities(sdk::Compatibility::Fargate)
            .cpu(self.cpu.to_string())
            .memory(self.memory.to_string())
            .runtime_platform(platform)
            .execution_role_arn(self.execution_role_arn.as_str())
            .set_task_role_arn(self.task_role_arn.as_ref().map(|r| r.value().clone()))
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_ecs)).send().await;
        let out = out.map_err(|e| classify("RegisterTaskDefinition", e))?;
        outputs_of(out.task_definition().ok_or_else(|| missing("RegisterTaskDefinition task definition"))?)
    }

    /// Deregisters this resource's ACTIVE revisions beyond the newest `keep_revisions`; a
    /// failure is logged (the registration it follows succeeded).
    async fn prune(&self, cx: &AwsContext, current: &TaskDefinitionOutputs) {
        if let Err(e) = self.try_prune(cx, current).await {
            tracing::warn!(family = %self.family, error = %e.message, "old task definition revisions not deregistered");
        }
    }

    async fn try_prune(&self, cx: &AwsContext, current: &TaskDefinitionOutputs) -> Result<(), ProviderError> {
        let Some(owner) = owner(&self.tags) else { return Ok(()) };
        let listed = with_ownership(cx, &current.family, Some(&owner)).await?;
        for arn in revisions::to_prune(&listed, self.keep_revisions, &current.arn) {
            tracing::info!(%arn, keep = self.keep_revisions, "deregistering an old task definition revision");
            revisions::deregister(cx, &arn).await?;
        }
        Ok(())
    }

    /// Whether anything a revision holds differs (tags and `keep_revisions` are not in it).
    fn definition_differs(&self, old: &Self) -> bool {
        let bare = |t: &Self| Self { tags: Tags::new(), keep_revisions: 0, ..t.clone() };
        bare(self) != bare(old)
    }

    /// The live revision in input shape.
    fn observed(&self, live: &sdk::TaskDefinition, live_tags: Tags) -> Result<Self, ProviderError> {
        let platform = live.runtime_platform();
        let arch = platform.and_then(|p| p.cpu_architecture()).and_then(CpuArchitecture::from_sdk);
        let os = platform.and_then(|p| p.operating_system_family()).and_then(OsFamily::from_sdk);
        Ok(TaskDefinition {
            family: live.family().ok_or_else(|| missing("task definition family"))?.to_string(),
            cpu: size(live.cpu(), "task cpu")?,
            memory: size(live.memory(), "task memory")?,
            // Fargate's default platform when none was given.
            runtime_platform: RuntimePlatform {
                cpu_architecture: arch.unwrap_or_default(),
                operating_system_family: os.unwrap_or_default(),
            },
            execution_role_arn: Input::Value(live.execution_role_arn().unwrap_or_default().to_string()),
            task_role_arn: live.task_role_arn().filter(|r| !r.is_empty()).map(|r| Input::Value(r.to_string())),
            containers: container::observed(&self.containers, live.container_definitions()),
            keep_revisions: self.keep_revisions,
            tags: live_tags,
        })
    }

    /// The containers' reservations fit in the task.
    fn reservation_problems(&self) -> Vec<String> {
        let cpu: u32 = self.containers.iter().filter_map(|c| c.cpu).sum();
        let memory: u32 = self.containers.iter().filter_map(|c| c.memory_reservation).sum();
        let mut problems = Vec::new();
        if cpu > self.cpu {
            problems.push(format!("containers: their cpu ({cpu} units) is more than the task's cpu {}", self.cpu));
        }
        if memory > self.memory {
            problems.push(format!(
                "containers: their memory_reservation ({memory} MiB) is more than the task's memory {}",
                self.memory
            ));
        }
        problems
    }
}

crate::kit::kind!(
    TaskDefinition,
    unordered: [
        "containers" by ["name"],
        "containers.port_mappings" by ["container_port", "protocol"],
        "containers.secrets" by ["name"],
        "containers.depends_on" by ["container_name"]
    ],
    write_only: ["keep_revisions"]
);

#[cfg(test)]
#[path = "task_definition_tests.rs"]
mod tests;
