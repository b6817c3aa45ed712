//! `aws:ecs:Service`: a Fargate service (launch type FARGATE, or a FARGATE / FARGATE_SPOT
//! capacity provider strategy) in private subnets, optionally behind target groups, rolled out
//! ROLLING with the circuit breaker or ECS-native BLUE_GREEN.
//!
//! Create and every update that starts a deployment wait for that deployment, by the id the call
//! answered, to complete ([`super::deployment`]); a failed or rolled-back deployment fails the
//! operation with its reasons. Name and cluster force a replacement that deletes first (names
//! are unique per cluster); everything else is UpdateService with only what changed.
//!
//! # Guarantees
//! * CreateService carries the tags and a fresh `clientToken` (`kit::token`), so the SDK's retries
//!   of the call answer the same service; a reply lost for good is resolved by `find`.
//! * `desired_count` is sent by an update only when the program's value changed: a program that
//!   hands the count to auto scaling (`ignore_changes`) never resets what auto scaling set. Read
//!   reports the live count, so drift shows it.
//! * Delete scales to 0, waits (bounded) for no running task, deletes, and waits (bounded) until
//!   the service is INACTIVE, so what it uses (roles, target groups) outlives it. A missing or
//!   INACTIVE service is gone: delete is Ok, read is `None`, find is `None`.
//! * `find` adopts only a service whose tags carry both `plinth:*` tags (`kit::adopt`).
//!
//! # Assumptions
//! * `network.subnets` / `security_groups` are sets; they are nested, so the registry's
//!   `unordered` list cannot name them: read keeps the program's order itself (`observed_ids`).
//! * Going from a capacity provider strategy back to launch type FARGATE cannot be done in place
//!   (UpdateService has no launch type): the update says so instead of guessing.
//!
//! Emulator gaps (moto 5.2.5), filled by `scripts/moto_patches/ecs_services.py` with AWS's
//! semantics: CreateService drops deploymentConfiguration, healthCheckGracePeriodSeconds,
//! capacityProviderStrategy and enableExecuteCommand and ignores clientToken; UpdateService starts
//! no deployment; deployments never complete (running count 0 unless MOTO_ECS_SERVICE_RUNNING).
//! Not filled: ListTasks ignores `serviceName`; the ServiceDeployments APIs are missing (not used).

use super::deployment::{self, wait_for_deployment};
use super::service_config::{Deployment, LoadBalancer, Network, PropagateTags};
use super::strategy::{self, StrategyItem};
use super::tags::Ecs;
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::tags;
use crate::wait::{wait_for, Poll};
use crate::AwsContext;
use aws_sdk_ecs::operation::update_service::builders::UpdateServiceFluentBuilder;
use aws_sdk_ecs::types::{LaunchType, Service as Live, ServiceField};
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long `up` waits for a deployment unless the program says otherwise.
pub const DEFAULT_DEPLOYMENT_TIMEOUT_SECS: u64 = 30 * 60;
/// Bounds of the two waits of a delete (tasks stopped; service INACTIVE).
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const DRAIN_INTERVAL: Duration = Duration::from_secs(10);

/// An ECS service on Fargate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    /// Unique per cluster: 1 to 255 letters, digits, `-` or `_`.
    pub name: String,
    /// The cluster's ARN.
    pub cluster: Input<String>,
    /// A task definition ARN with its revision (`...:task-definition/web:3`).
    pub task_definition: Input<String>,
    /// Read from the cloud; mark it `ignore_changes` once auto scaling owns it.
    pub desired_count: u32,
    /// Empty: launch type FARGATE.
    pub capacity_provider_strategy: Vec<StrategyItem>,
    pub network: Network,
    pub load_balancers: Vec<LoadBalancer>,
    /// Only with load balancers.
    pub health_check_grace_period_secs: Option<u32>,
    pub deployment: Deployment,
    /// How long create / update wait for the deployment (Plinth only, never sent).
    pub deployment_timeout_secs: u64,
    pub enable_execute_command: bool,
    pub propagate_tags: PropagateTags,
    pub tags: Tags,
}

impl Default for Service {
    fn default() -> Self {
        Self {
            name: String::new(),
            cluster: Input::default(),
            task_definition: Input::default(),
            desired_count: 1,
            capacity_provider_strategy: Vec::new(),
            network: Network::default(),
            load_balancers: Vec::new(),
            health_check_grace_period_secs: None,
            deployment: Deployment::default(),
            deployment_timeout_secs: DEFAULT_DEPLOYMENT_TIMEOUT_SECS,
            enable_execute_command: false,
            propagate_tags: PropagateTags::Service,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceOutputs {
    pub arn: String,
    pub name: String,
    pub cluster_arn: String,
}

impl Resource for Service {
    const KIND: &'static str = "aws:ecs:Service";
    const SERVICE: &'static str = "ecs";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "cluster"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const HEALTH_CHECKED: bool = true;
    const PRICED: bool = true;
    type Outputs = ServiceOutputs;
    type Context = AwsContext;

    /// Fargate vCPU and memory hours of `desired_count` tasks sized by the task definition it
    /// runs (read from `related`), on demand or Spot as the capacity provider strategy splits.
    fn monthly_cost(&self, related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let task = related
            .inputs_of(super::TaskDefinition::KIND)
            .ok_or_else(|| format!("service `{}` has no task definition among its dependencies", self.name))?;
        let (spot, on_demand) = strategy::spot_share(self.desired_count, &self.capacity_provider_strategy);
        super::fargate::estimate(task, on_demand, spot)
    }

    fn cloud_id(outputs: &ServiceOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = self.own_problems();
        problems.extend(strategy::problems("capacity_provider_strategy", &self.capacity_provider_strategy));
        problems.extend(self.network.problems());
        for (i, lb) in self.load_balancers.iter().enumerate() {
            problems.extend(LoadBalancer::problems(i, lb));
        }
        problems.extend(self.deployment.problems(self.load_balancers.len()));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ServiceOutputs, ProviderError> {
        let launch_type = self.capacity_provider_strategy.is_empty().then_some(LaunchType::Fargate);
        let out = cx
            .ecs()
            .create_service()
            .cluster(self.cluster.as_str())
            .service_name(&self.name)
            .task_definition(self.task_definition.as_str())
            .desired_count(self.desired_count as i32)
            .set_launch_type(launch_type)
            .set_capacity_provider_strategy(self.strategy()?)
            .network_configuration(self.network.to_sdk()?)
            .set_load_balancers(Some(self.sdk_load_balancers()))
            .set_health_check_grace_period_seconds(self.health_check_grace_period_secs.map(|s| s as i32))
            .deployment_configuration(self.deployment.to_sdk())
            .enable_execute_command(self.enable_execute_command)
            .propagate_tags(self.propagate_tags.to_sdk())
            .set_tags(tags::to_sdk(&self.tags)?)
            .client_token(crate::kit::token::fresh(36)?)
            .send()
            .await
            .map_err(|e| classify("CreateService", e))?;
        let live = out.service().ok_or_else(|| answered_without("CreateService"))?;
        let outputs = outputs(live)?;
        self.wait(cx, &deployment::primary_id(live)?).await?;
        Ok(outputs)
    }

    async fn read(&self, out: &ServiceOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = describe(cx, &out.cluster_arn, &out.name).await?.filter(is_active) else { return Ok(None) };
        Ok(Some(Observed { inputs: self.observed(&live)?, outputs: outputs(&live)? }))
    }

    async fn update(&self, old: &Self, out: &ServiceOutputs, cx: &AwsContext) -> Result<ServiceOutputs, ProviderError> {
        if let Some(call) = self.modification(old, out, cx)? {
            let answer = call.send().await.map_err(|e| classify("UpdateService", e))?;
            let live = answer.service().ok_or_else(|| answered_without("UpdateService"))?;
            self.wait(cx, &deployment::primary_id(live)?).await?;
        }
        tags::sync::<Ecs>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &ServiceOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let Some(live) = describe(cx, &out.cluster_arn, &out.name).await?.filter(exists) else { return Ok(()) };
        if is_active(&live) {
            if live.desired_count() > 0 {
                let call = cx.ecs().update_service().cluster(&out.cluster_arn).service(&out.name).desired_count(0);
                ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("UpdateService", e)))?;
            }
            self.wait_drained(cx, out).await?;
            let call = cx.ecs().delete_service().cluster(&out.cluster_arn).service(&out.name);
            ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteService", e)))?;
        }
        self.wait_inactive(cx, out).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ServiceOutputs>, ProviderError> {
        let found = describe(cx, self.cluster.as_str(), &self.name).await?;
        let Some(live) = found.filter(is_active) else { return Ok(None) };
        let what = format!("ECS service {} in {}", self.name, self.cluster.as_str());
        adopt(&what, &tags::from_sdk(live.tags()), meta, outputs(&live)?)
    }

    async fn health(batch: Vec<(Self, ServiceOutputs)>, cx: &AwsContext) -> Vec<engine::health::Check> {
        super::health::check(batch, cx).await
    }
}

impl Service {
    fn own_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let name_ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if self.name.is_empty() || self.name.len() > 255 || !self.name.chars().all(name_ok) {
            problems.push(format!("name `{}` must be 1 to 255 letters, digits, `-` or `_`", self.name));
        }
        if self.cluster.known().is_some_and(|c| !c.starts_with("arn:") || !c.contains(":cluster/")) {
            problems.push(format!("cluster `{}` is not an ECS cluster ARN", self.cluster.as_str()));
        }
        if let Some(td) = self.task_definition.known() {
            let revision =
                td.rsplit_once(':').is_some_and(|(_, r)| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()));
            if !td.starts_with("arn:") || !td.contains(":task-definition/") || !revision {
                problems.push(format!("task_definition `{td}` is not a task definition ARN with its revision"));
            }
        }
        if self.health_check_grace_period_secs.is_some() && self.load_balancers.is_empty() {
            problems.push("health_check_grace_period_secs needs load_balancers (ECS refuses it without)".into());
        }
        if self.deployment_timeout_secs == 0 {
            problems.push("deployment_timeout_secs must be above 0".into());
        }
        problems
    }

    fn strategy(&self) -> Result<Option<Vec<aws_sdk_ecs::types::CapacityProviderStrategyItem>>, ProviderError> {
        if self.capacity_provider_strategy.is_empty() {
            return Ok(None);
        }
        self.capacity_provider_strategy.iter().map(StrategyItem::to_sdk).collect::<Result<_, _>>().map(Some)
    }

    fn sdk_load_balancers(&self) -> Vec<aws_sdk_ecs::types::LoadBalancer> {
        let advanced = self.deployment.advanced();
        self.load_balancers
            .iter()
            .enumerate()
            .map(|(i, lb)| lb.to_sdk(if i == 0 { advanced.clone() } else { None }))
            .collect()
    }

    async fn wait(&self, cx: &AwsContext, id: &str) -> Result<(), ProviderError> {
        let source = deployment::Ecs { cx, cluster: self.cluster.as_str(), service: &self.name };
        wait_for_deployment(&self.name, id, Duration::from_secs(self.deployment_timeout_secs), &source).await
    }

    /// UpdateService with only what changed; `None` when no cloud setting did.
    fn modification(
        &self,
        old: &Self,
        out: &ServiceOutputs,
        cx: &AwsContext,
    ) -> Result<Option<UpdateServiceFluentBuilder>, ProviderError> {
        let mut call = cx.ecs().update_service().cluster(&out.cluster_arn).service(&out.name);
        let mut changed = false;
        let mut set = |differs: bool, f: &dyn Fn(UpdateServiceFluentBuilder) -> UpdateServiceFluentBuilder| {
            if differs {
                call = f(call.clone());
                changed = true;
            }
        };
        set(self.task_definition != old.task_definition, &|c| c.task_definition(self.task_definition.as_str()));
        set(self.desired_count != old.desired_count, &|c| c.desired_count(self.desired_count as i32));
        if self.capacity_provider_strategy != old.capacity_provider_strategy {
            let Some(strategy) = self.strategy()? else {
                let message = format!(
                    "capacity_provider_strategy: ECS service `{}` cannot go back to launch type FARGATE in place; \
                     name FARGATE with weight 1 instead, or rename the service to replace it",
                    self.name
                );
                return Err(ProviderError::new(ErrorClass::Invalid, message));
            };
            set(true, &|c| c.set_capacity_provider_strategy(Some(strategy.clone())));
        }
        let network = self.network.to_sdk()?;
        set(!self.network.same_as(&old.network), &|c| c.network_configuration(network.clone()));
        set(
            self.load_balancers != old.load_balancers || self.deployment.advanced() != old.deployment.advanced(),
            &|c| c.set_load_balancers(Some(self.sdk_load_balancers())),
        );
        set(self.health_check_grace_period_secs != old.health_check_grace_period_secs, &|c| {
            c.health_check_grace_period_seconds(self.health_check_grace_period_secs.unwrap_or(0) as i32)
        });
        set(self.deployment != old.deployment, &|c| c.deployment_configuration(self.deployment.to_sdk()));
        set(self.enable_execute_command != old.enable_execute_command, &|c| {
            c.enable_execute_command(self.enable_execute_command)
        });
        set(self.propagate_tags != old.propagate_tags, &|c| c.propagate_tags(self.propagate_tags.to_sdk()));
        Ok(changed.then_some(call))
    }

    /// What the cloud has, in input shape; `deployment_timeout_secs` keeps the program's value.
    fn observed(&self, live: &Live) -> Result<Self, ProviderError> {
        let mut seen = self.clone();
        seen.name = live.service_name().unwrap_or_default().to_string();
        seen.cluster = Input::Value(live.cluster_arn().unwrap_or_default().to_string());
        seen.task_definition = Input::Value(live.task_definition().unwrap_or_default().to_string());
        seen.desired_count = live.desired_count().max(0) as u32;
        seen.capacity_provider_strategy = StrategyItem::from_sdk(live.capacity_provider_strategy())?;
        seen.network = self.network.observed(live.network_configuration())?;
        seen.load_balancers = live.load_balancers().iter().map(LoadBalancer::from_sdk).collect();
        let grace = live.health_check_grace_period_seconds().map(|s| s.max(0) as u32);
        seen.health_check_grace_period_secs = grace.filter(|s| *s > 0 || self.health_check_grace_period_secs.is_some());
        seen.deployment = Deployment::from_sdk(live.deployment_configuration(), live.load_balancers())?;
        seen.enable_execute_command = live.enable_execute_command();
        seen.propagate_tags = live.propagate_tags().and_then(PropagateTags::from_sdk).unwrap_or(PropagateTags::None);
        seen.tags = tags::from_sdk(live.tags());
        Ok(seen)
    }

    async fn wait_drained(&self, cx: &AwsContext, out: &ServiceOutputs) -> Result<(), ProviderError> {
        let what = format!("ECS service `{}` to stop its tasks", out.name);
        wait_for(&what, DRAIN_TIMEOUT, DRAIN_INTERVAL, || async {
            Ok(match describe(cx, &out.cluster_arn, &out.name).await?.filter(is_active) {
                Some(s) if s.running_count() > 0 || s.pending_count() > 0 => {
                    Poll::Pending(format!("{} running, {} pending", s.running_count(), s.pending_count()))
                }
                _ => Poll::Ready(()),
            })
        })
        .await
    }

    async fn wait_inactive(&self, cx: &AwsContext, out: &ServiceOutputs) -> Result<(), ProviderError> {
        let what = format!("ECS service `{}` to be INACTIVE", out.name);
        wait_for(&what, DRAIN_TIMEOUT, DRAIN_INTERVAL, || async {
            Ok(match describe(cx, &out.cluster_arn, &out.name).await?.filter(exists) {
                Some(s) => Poll::Pending(s.status().unwrap_or("unknown").to_string()),
                None => Poll::Ready(()),
            })
        })
        .await
    }
}

/// ACTIVE: a service in use (DRAINING ones are being deleted, INACTIVE ones are deleted).
fn is_active(s: &Live) -> bool {
    s.status() == Some("ACTIVE")
}

/// ACTIVE or DRAINING: a service that still exists.
fn exists(s: &Live) -> bool {
    s.status() != Some("INACTIVE")
}

/// The service `name` of `cluster` with its tags, whatever its status; `None` when ECS reports it
/// missing or the cluster is gone.
pub(crate) async fn describe(cx: &AwsContext, cluster: &str, name: &str) -> Result<Option<Live>, ProviderError> {
    let call = cx.ecs().describe_services().cluster(cluster).services(name).include(ServiceField::Tags);
    match call.send().await.map_err(|e| classify("DescribeServices", e)) {
        Ok(out) => Ok(out.services().iter().find(|s| s.service_name() == Some(name)).cloned()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

fn answered_without(operation: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("{operation} answered without a service"))
}

fn outputs(live: &Live) -> Result<ServiceOutputs, ProviderError> {
    let field = |v: Option<&str>, what: &str| {
        v.map(str::to_string)
            .ok_or_else(|| ProviderError::new(ErrorClass::Other, format!("the ECS service has no {what}")))
    };
    Ok(ServiceOutputs {
        arn: field(live.service_arn(), "ARN")?,
        name: field(live.service_name(), "name")?,
        cluster_arn: field(live.cluster_arn(), "cluster ARN")?,
    })
}

crate::kit::kind!(Service, unordered: [], write_only: ["deployment_timeout_secs"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Service {
        Service {
            name: "web".into(),
            cluster: "arn:aws:ecs:us-east-1:1:cluster/main".into(),
            task_definition: "arn:aws:ecs:us-east-1:1:task-definition/web:3".into(),
            network: Network {
                subnets: vec!["subnet-1".into()],
                security_groups: vec!["sg-1".into()],
                assign_public_ip: false,
            },
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_valid_and_safe() {
        let s = valid();
        assert!(s.validate().is_empty(), "{:?}", s.validate());
        assert!(!s.enable_execute_command && !s.network.assign_public_ip);
        assert_eq!(s.propagate_tags, PropagateTags::Service);
        assert!(matches!(s.deployment, Deployment::Rolling { circuit_breaker_rollback: true, .. }));
    }

    #[test]
    fn validate_names_each_bad_field() {
        let s = Service {
            name: "web service".into(),
            cluster: "main".into(),
            task_definition: "arn:aws:ecs:us-east-1:1:task-definition/web".into(),
            health_check_grace_period_secs: Some(30),
            deployment_timeout_secs: 0,
            ..valid()
        };
        let problems = s.validate();
        for start in [
            "name `web service`",
            "cluster `main`",
            "task_definition `arn",
            "health_check_grace_period_secs",
            "deployment_timeout_secs",
        ] {
            assert!(problems.iter().any(|p| p.starts_with(start)), "{start}: {problems:?}");
        }
    }
}
