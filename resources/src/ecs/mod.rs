//! ECS kinds: clusters, task definitions and Fargate services, and what they share: the tag API
//! ([`tags`]) and the error codes ECS does not model.

pub mod tags;

pub mod deployment;
mod service;
pub mod service_config;

pub use service::{Service, ServiceOutputs};
pub use service_config::{
    CapacityProvider, CapacityProviderStrategyItem, Deployment, LoadBalancer, Network, PropagateTags,
};

pub use aws_sdk_ecs as sdk;

crate::service_client!(ecs, aws_sdk_ecs);

crate::error_codes!(
    "ecs",
    NotFound: ["ClusterNotFoundException", "ServiceNotFoundException"],
    Conflict: ["ClusterContainsServicesException", "ClusterContainsTasksException", "ResourceInUseException"],
    Invalid: ["InvalidParameterException", "ClientException"],
);
