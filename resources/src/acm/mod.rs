//! ACM kinds: TLS certificates validated by DNS.

pub use aws_sdk_acm as sdk;

crate::service_client!(acm, aws_sdk_acm);
