//! CloudFront kinds: distributions and origin access controls for static assets, and what they
//! share: the tag API ([`tags`]), the wait for a distribution to be deployed ([`wait`]), and the
//! bucket policy statement that lets only one distribution read a bucket
//! ([`bucket_read_statement`], used by the program with the S3 bucket kind).

pub mod tags;
pub mod wait;

mod distribution;
mod origin_access_control;

pub use aws_sdk_cloudfront as sdk;
pub use distribution::{
    Distribution, DistributionOutputs, HttpVersion, PriceClass, ViewerProtocolPolicy, CACHING_OPTIMIZED,
};
pub use origin_access_control::{
    OacOriginType, OriginAccessControl, OriginAccessControlOutputs, SigningBehavior, SigningProtocol,
};

use engine::{ErrorClass, ProviderError};
use serde_json::{json, Value};

crate::service_client!(cloudfront, aws_sdk_cloudfront);

crate::error_codes!(
    "cloudfront",
    NotFound: ["NoSuchDistribution", "NoSuchOriginAccessControl", "NoSuchResource"],
    Conflict: ["DistributionNotDisabled", "OriginAccessControlInUse", "PreconditionFailed", "IllegalUpdate"],
    Invalid: ["NoSuchOrigin", "InconsistentQuantities", "NoSuchCachePolicy", "TooManyDistributions"],
);

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the CloudFront response has no {what}"))
}

/// The bucket policy statement that lets exactly one distribution (through its origin access
/// control) read the objects of a bucket: `s3:GetObject` on `<bucket_arn>/*` for the service
/// principal `cloudfront.amazonaws.com`, on condition that the request comes from
/// `distribution_arn`. Put it in the `Statement` list of the bucket's policy.
pub fn bucket_read_statement(bucket_arn: &str, distribution_arn: &str) -> Value {
    json!({
        "Sid": "AllowCloudFrontServicePrincipalReadOnly",
        "Effect": "Allow",
        "Principal": { "Service": "cloudfront.amazonaws.com" },
        "Action": "s3:GetObject",
        "Resource": format!("{bucket_arn}/*"),
        "Condition": { "StringEquals": { "AWS:SourceArn": distribution_arn } },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_statement_names_the_distribution_and_the_objects() {
        let arn = "arn:aws:cloudfront::123456789012:distribution/E2ABC";
        let st = bucket_read_statement("arn:aws:s3:::assets", arn);
        assert_eq!(st["Principal"]["Service"], "cloudfront.amazonaws.com");
        assert_eq!(st["Action"], "s3:GetObject");
        assert_eq!(st["Resource"], "arn:aws:s3:::assets/*");
        assert_eq!(st["Condition"]["StringEquals"]["AWS:SourceArn"], arn);
        let doc = json!({ "Version": "2012-10-17", "Statement": [st] }).to_string();
        assert!(crate::policy::same_policy(&doc, &doc), "a valid policy document");
    }
}
