//! Elastic Load Balancing v2 kinds: application load balancers, target groups, listeners and rules.

pub use aws_sdk_elasticloadbalancingv2 as sdk;

crate::service_client!(elbv2, aws_sdk_elasticloadbalancingv2);
