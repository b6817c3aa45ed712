//! ECR kinds: container image repositories.

pub use aws_sdk_ecr as sdk;

crate::service_client!(ecr, aws_sdk_ecr);
