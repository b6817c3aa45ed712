//! CloudFront kinds: distributions and origin access controls for static assets.

pub use aws_sdk_cloudfront as sdk;

crate::service_client!(cloudfront, aws_sdk_cloudfront);
