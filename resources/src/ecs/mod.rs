//! ECS kinds: clusters, task definitions and Fargate services, and what they share: the tag API
//! ([`tags`]) and the error codes ECS does not model.

pub mod tags;

mod checks;
mod cluster;
mod container;
mod revisions;
mod task_definition;

pub use cluster::{CapacityProvider, Cluster, ClusterOutputs, ContainerInsights, StrategyItem};
pub use container::{
    AppProtocol, AwsLogs, Condition, Container, ContainerSecret, Dependency, HealthCheck, PortMapping, Protocol,
};
pub use task_definition::{CpuArchitecture, OsFamily, RuntimePlatform, TaskDefinition, TaskDefinitionOutputs};

pub use aws_sdk_ecs as sdk;

crate::service_client!(ecs, aws_sdk_ecs);

crate::error_codes!(
    "ecs",
    NotFound: ["ClusterNotFoundException", "ServiceNotFoundException"],
    Conflict: ["ClusterContainsServicesException", "ClusterContainsTasksException", "ResourceInUseException"],
    Invalid: ["InvalidParameterException", "ClientException"],
);
