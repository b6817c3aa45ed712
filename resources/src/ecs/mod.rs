//! ECS kinds: clusters, task definitions and Fargate services, and what they share: the tag API
//! ([`tags`]) and the error codes ECS does not model.

pub mod tags;

mod checks;
mod cluster;
mod container;
mod fargate;
pub mod deployment;
mod health;
mod revisions;
mod service;
pub mod service_config;
pub mod strategy;
mod task_definition;

pub use cluster::{Cluster, ClusterOutputs, ContainerInsights};
pub(crate) use container::in_program_order;
pub use container::{
    AppProtocol, AwsLogs, Condition, Container, ContainerSecret, Dependency, HealthCheck, PortMapping, Protocol,
};
pub use service::{Service, ServiceOutputs};
pub use service_config::{Deployment, LoadBalancer, Network, PropagateTags};
pub use strategy::{CapacityProvider, StrategyItem};
pub use task_definition::{CpuArchitecture, OsFamily, RuntimePlatform, TaskDefinition, TaskDefinitionOutputs};

pub use aws_sdk_ecs as sdk;

crate::service_client!(ecs, aws_sdk_ecs);

crate::error_codes!(
    "ecs",
    NotFound: ["ClusterNotFoundException", "ServiceNotFoundException"],
    Conflict: ["ClusterContainsServicesException", "ClusterContainsTasksException", "ResourceInUseException"],
    Invalid: ["InvalidParameterException", "ClientException"],
);
