//! Application Auto Scaling kinds: scalable targets, scaling policies and scheduled actions.

pub use aws_sdk_applicationautoscaling as sdk;

crate::service_client!(appautoscaling, aws_sdk_applicationautoscaling);
