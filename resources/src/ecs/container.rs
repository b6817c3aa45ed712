//! The containers of a Fargate task definition ([`super::TaskDefinition`]): their program shape,
//! the container definitions sent to ECS, and the way ECS's answer is read back into the
//! program's shape (their validation is [`super::checks`]).
//!
//! # Guarantees
//! * [`observed`] maps a live definition back so that an unchanged program compares equal: AWS
//!   defaults are dropped (`hostPort` = `containerPort` under awsvpc, protocol `tcp`, `cpu` 0, an
//!   empty list for an absent one), the environment is a sorted map, and ports, secrets and
//!   dependencies keep the program's order when only the order differs.
//!
//! # Assumptions
//! * AWS reports a health check with its defaults filled in (interval 30 s, timeout 5 s, 3
//!   retries, no start period); Plinth always sends all four, so the defaults below are AWS's.

use crate::error::build_error;
use crate::kit::enums::aws_enum;
use aws_sdk_ecs::types as sdk;
use engine::{Input, ProviderError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

aws_enum! {
    /// A port mapping's transport protocol.
    pub enum Protocol: sdk::TransportProtocol { Tcp = "tcp", Udp = "udp" }
}

aws_enum! {
    /// The application protocol of a port (what Service Connect and load balancers speak).
    pub enum AppProtocol: sdk::ApplicationProtocol { Http = "http", Http2 = "http2", Grpc = "grpc" }
}

aws_enum! {
    /// When a container dependency counts as met.
    pub enum Condition: sdk::ContainerCondition {
        Start = "START", Complete = "COMPLETE", Success = "SUCCESS", Healthy = "HEALTHY",
    }
}

/// One container of the task: the app, or a sidecar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Container {
    /// Unique in the task: 1 to 255 letters, digits, `-` or `_`.
    pub name: String,
    /// `<repository URI>:<tag>` or `<repository URI>@sha256:<digest>` (often another resource's
    /// output or data).
    pub image: Input<String>,
    /// When an essential container stops, the task stops. Default true.
    pub essential: bool,
    /// CPU units reserved for this container (none: shares the task's).
    pub cpu: Option<u32>,
    /// Soft memory limit in MiB.
    pub memory_reservation: Option<u32>,
    /// Empty: the image's CMD.
    pub command: Vec<String>,
    /// Empty: the image's ENTRYPOINT.
    pub entry_point: Vec<String>,
    pub port_mappings: Vec<PortMapping>,
    /// Plain environment variables (sorted: their order never makes a new revision).
    pub environment: BTreeMap<String, String>,
    /// Environment variables ECS fills from Secrets Manager or SSM at start.
    pub secrets: Vec<ContainerSecret>,
    pub health_check: Option<HealthCheck>,
    /// Logs to CloudWatch Logs (the `awslogs` driver).
    pub log: Option<AwsLogs>,
    pub depends_on: Vec<Dependency>,
}

impl Default for Container {
    fn default() -> Self {
        Self {
            name: String::new(),
            image: Input::default(),
            essential: true,
            cpu: None,
            memory_reservation: None,
            command: Vec::new(),
            entry_point: Vec::new(),
            port_mappings: Vec::new(),
            environment: BTreeMap::new(),
            secrets: Vec::new(),
            health_check: None,
            log: None,
            depends_on: Vec::new(),
        }
    }
}

/// A port the container listens on (under awsvpc the host port is the container port).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PortMapping {
    pub container_port: u16,
    pub protocol: Protocol,
    /// Needed for Service Connect: 1 to 64 lowercase letters, digits or `-`.
    pub name: Option<String>,
    pub app_protocol: Option<AppProtocol>,
}

/// An environment variable filled from a secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerSecret {
    /// The environment variable's name.
    pub name: String,
    /// The ARN of a Secrets Manager secret (optionally `:<json-key>:<stage>:<version>`) or of an
    /// SSM parameter (`arn:aws:ssm:<region>:<account>:parameter/<name>`); never a value.
    pub value_from: Input<String>,
}

/// A container health check; the defaults are AWS's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthCheck {
    /// `["CMD", exe, args..]` or `["CMD-SHELL", "command line"]`.
    pub command: Vec<String>,
    /// Seconds between checks, 5 to 300 (default 30).
    pub interval: u32,
    /// Seconds before a check fails, 2 to 120 (default 5).
    pub timeout: u32,
    /// Failed checks before the container is unhealthy, 1 to 10 (default 3).
    pub retries: u32,
    /// Grace period in seconds after start, 0 to 300 (default 0: none).
    pub start_period: u32,
}

impl Default for HealthCheck {
    fn default() -> Self {
        Self { command: Vec::new(), interval: 30, timeout: 5, retries: 3, start_period: 0 }
    }
}

/// The `awslogs` log driver's options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsLogs {
    /// The log group's name (`awslogs-group`).
    pub group: Input<String>,
    /// `awslogs-region`.
    pub region: String,
    /// `awslogs-stream-prefix`: streams are `<prefix>/<container>/<task id>`.
    pub stream_prefix: String,
}

/// Another container of the task this one waits for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dependency {
    pub container_name: String,
    pub condition: Condition,
}

const GROUP: &str = "awslogs-group";
const REGION: &str = "awslogs-region";
const PREFIX: &str = "awslogs-stream-prefix";

/// Container numbers are validated far below `i32::MAX`.
fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn unsigned(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn non_empty(list: &[String]) -> Option<Vec<String>> {
    Some(list.to_vec()).filter(|l| !l.is_empty())
}

impl Container {
    /// The container definition RegisterTaskDefinition takes.
    pub fn to_sdk(&self) -> Result<sdk::ContainerDefinition, ProviderError> {
        let ports = self.port_mappings.iter().map(PortMapping::to_sdk).collect();
        let env = self.environment.iter().map(|(k, v)| sdk::KeyValuePair::builder().name(k).value(v).build());
        let secrets = self.secrets.iter().map(|s| {
            let built = sdk::Secret::builder().name(&s.name).value_from(s.value_from.as_str()).build();
            built.map_err(|e| build_error("container secret", e))
        });
        let depends = self.depends_on.iter().map(|d| {
            let built = sdk::ContainerDependency::builder().container_name(&d.container_name);
            built.condition(d.condition.to_sdk()).build().map_err(|e| build_error("container dependency", e))
        });
        Ok(sdk::ContainerDefinition::builder()
            .name(&self.name)
            .image(self.image.as_str())
            .essential(self.essential)
            .set_cpu(self.cpu.map(int))
            .set_memory_reservation(self.memory_reservation.map(int))
            .set_command(non_empty(&self.command))
            .set_entry_point(non_empty(&self.entry_point))
            .set_port_mappings(Some(ports))
            .set_environment(Some(env.collect()))
            .set_secrets(Some(secrets.collect::<Result<_, _>>()?))
            .set_health_check(self.health_check.as_ref().map(HealthCheck::to_sdk).transpose()?)
            .set_log_configuration(self.log.as_ref().map(AwsLogs::to_sdk).transpose()?)
            .set_depends_on(Some(depends.collect::<Result<_, _>>()?))
            .build())
    }
}

impl PortMapping {
    fn to_sdk(&self) -> sdk::PortMapping {
        sdk::PortMapping::builder()
            .container_port(i32::from(self.container_port))
            .protocol(self.protocol.to_sdk())
            .set_name(self.name.clone())
            .set_app_protocol(self.app_protocol.map(AppProtocol::to_sdk))
            .build()
    }

    fn from_sdk(live: &sdk::PortMapping) -> Self {
        PortMapping {
            container_port: u16::try_from(live.container_port().unwrap_or(0)).unwrap_or(0),
            // AWS fills in tcp when none was given; hostPort is the container port under awsvpc.
            protocol: live.protocol().and_then(Protocol::from_sdk).unwrap_or(Protocol::Tcp),
            name: live.name().filter(|n| !n.is_empty()).map(str::to_string),
            app_protocol: live.app_protocol().and_then(AppProtocol::from_sdk),
        }
    }
}

impl HealthCheck {
    fn to_sdk(&self) -> Result<sdk::HealthCheck, ProviderError> {
        sdk::HealthCheck::builder()
            .set_command(Some(self.command.clone()))
            .interval(int(self.interval))
            .timeout(int(self.timeout))
            .retries(int(self.retries))
            .start_period(int(self.start_period))
            .build()
            .map_err(|e| build_error("health check", e))
    }

    fn from_sdk(live: &sdk::HealthCheck) -> Self {
        let d = HealthCheck::default();
        HealthCheck {
            command: live.command().to_vec(),
            interval: live.interval().map_or(d.interval, unsigned),
            timeout: live.timeout().map_or(d.timeout, unsigned),
            retries: live.retries().map_or(d.retries, unsigned),
            start_period: live.start_period().map_or(d.start_period, unsigned),
        }
    }
}

impl AwsLogs {
    fn to_sdk(&self) -> Result<sdk::LogConfiguration, ProviderError> {
        sdk::LogConfiguration::builder()
            .log_driver(sdk::LogDriver::Awslogs)
            .options(GROUP, self.group.as_str())
            .options(REGION, &self.region)
            .options(PREFIX, &self.stream_prefix)
            .build()
            .map_err(|e| build_error("log configuration", e))
    }

    /// The awslogs options of a live configuration; `None` for another driver.
    fn from_sdk(live: &sdk::LogConfiguration) -> Option<Self> {
        if *live.log_driver() != sdk::LogDriver::Awslogs {
            return None;
        }
        let option = |key: &str| live.options().and_then(|o| o.get(key)).cloned().unwrap_or_default();
        Some(AwsLogs { group: Input::Value(option(GROUP)), region: option(REGION), stream_prefix: option(PREFIX) })
    }
}

/// `live` in the program's order when it holds exactly the program's items (a multiset), else
/// `live` as AWS answered: order alone is never a change, a real difference always is.
pub fn in_program_order<T: PartialEq + Clone>(program: &[T], live: Vec<T>) -> Vec<T> {
    let mut unmatched: Vec<&T> = program.iter().collect();
    for item in &live {
        match unmatched.iter().position(|p| *p == item) {
            Some(i) => {
                unmatched.swap_remove(i);
            }
            None => return live,
        }
    }
    if unmatched.is_empty() && live.len() == program.len() {
        program.to_vec()
    } else {
        live
    }
}

/// A live container in input shape; `program` is the program's container of the same name.
fn observed_one(live: &sdk::ContainerDefinition, program: Option<&Container>) -> Container {
    let blank = Container::default();
    let program = program.unwrap_or(&blank);
    let ports = live.port_mappings().iter().map(PortMapping::from_sdk).collect();
    let secrets = live
        .secrets()
        .iter()
        .map(|s| ContainerSecret { name: s.name().to_string(), value_from: Input::Value(s.value_from().to_string()) });
    let depends = live.depends_on().iter().map(|d| Dependency {
        container_name: d.container_name().to_string(),
        condition: Condition::from_sdk(d.condition()).unwrap_or_default(),
    });
    // ECS reports a container without a CPU reservation as `cpu: 0`.
    let cpu = Some(unsigned(live.cpu())).filter(|c| *c > 0 || program.cpu == Some(0));
    Container {
        name: live.name().unwrap_or_default().to_string(),
        image: Input::Value(live.image().unwrap_or_default().to_string()),
        essential: live.essential().unwrap_or(true),
        cpu,
        memory_reservation: live.memory_reservation().map(unsigned),
        command: live.command().to_vec(),
        entry_point: live.entry_point().to_vec(),
        port_mappings: in_program_order(&program.port_mappings, ports),
        environment: live
            .environment()
            .iter()
            .filter_map(|kv| Some((kv.name()?.to_string(), kv.value().unwrap_or_default().to_string())))
            .collect(),
        secrets: in_program_order(&program.secrets, secrets.collect()),
        health_check: live.health_check().map(HealthCheck::from_sdk),
        log: live.log_configuration().and_then(AwsLogs::from_sdk),
        depends_on: in_program_order(&program.depends_on, depends.collect()),
    }
}

/// The live containers in input shape: the program's containers in the program's order, then
/// any the program does not have, in AWS's order.
pub fn observed(program: &[Container], live: &[sdk::ContainerDefinition]) -> Vec<Container> {
    let by_name = |name: &str| program.iter().find(|c| c.name == name);
    let mut seen: Vec<Container> = live.iter().map(|l| observed_one(l, l.name().and_then(by_name))).collect();
    let rank = |c: &Container| program.iter().position(|p| p.name == c.name).unwrap_or(usize::MAX);
    seen.sort_by_key(rank);
    seen
}

#[cfg(test)]
#[path = "container_tests.rs"]
mod tests;
