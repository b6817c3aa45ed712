//! CloudTrail kinds: trails ([`Trail`]), and what they share: the tag API ([`tags`], by ARN), the
//! finder by name, and the bucket policy statements CloudTrail needs to deliver log files
//! ([`bucket_write_statements`], used by the program with the S3 bucket kind).

pub mod tags;

mod trail;

pub use aws_sdk_cloudtrail as sdk;
pub use trail::{Trail, TrailOutputs};

use crate::error::absent_if;
use crate::AwsContext;
use aws_sdk_cloudtrail::operation::get_trail::GetTrailError;
use engine::{ErrorClass, ProviderError};
use serde_json::{json, Value};

crate::service_client!(cloudtrail, aws_sdk_cloudtrail);

crate::error_codes!(
    "cloudtrail",
    Invalid: [
        "InsufficientS3BucketPolicyException",
        "S3BucketDoesNotExistException",
        "InsufficientEncryptionPolicyException",
        "InsufficientSnsTopicPolicyException",
        "CloudWatchLogsDeliveryUnavailableException",
        "KmsKeyNotFoundException",
    ],
);

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the CloudTrail response has no {what}"))
}

/// The ARN CloudTrail gives trail `name` of `account_id` in `region`: what a bucket policy's
/// `aws:SourceArn` condition names before the trail exists.
pub fn trail_arn(region: &str, account_id: &str, name: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{account_id}:trail/{name}")
}

/// The trail called `name` in this region (GetTrail), or `None` when there is none.
pub async fn find_trail(cx: &AwsContext, name: &str) -> Result<Option<sdk::types::Trail>, ProviderError> {
    let out = cx.cloudtrail().get_trail().name(name).send().await;
    let out = absent_if("GetTrail", out, GetTrailError::is_trail_not_found_exception)?;
    Ok(out.and_then(|o| o.trail().cloned()).filter(|t| t.name() == Some(name)))
}

/// The two bucket policy statements that let exactly one trail deliver its log files to a
/// bucket: `s3:GetBucketAcl` on the bucket and `s3:PutObject` on
/// `<bucket_arn>/[<prefix>/]AWSLogs/<account_id>/*` with `bucket-owner-full-control`, both for the
/// service principal `cloudtrail.amazonaws.com` and only on behalf of `trail_arn`
/// (`aws:SourceArn`, see [`trail_arn`]). Put them in the `Statement` list of the bucket's policy.
pub fn bucket_write_statements(
    bucket_arn: &str,
    prefix: Option<&str>,
    account_id: &str,
    trail_arn: &str,
) -> Vec<Value> {
    let prefix = prefix.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty());
    let objects = match prefix {
        Some(p) => format!("{bucket_arn}/{p}/AWSLogs/{account_id}/*"),
        None => format!("{bucket_arn}/AWSLogs/{account_id}/*"),
    };
    vec![
        json!({
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": { "Service": "cloudtrail.amazonaws.com" },
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": { "StringEquals": { "aws:SourceArn": trail_arn } },
        }),
        json!({
            "Sid": "AWSCloudTrailWrite",
            "Effect": "Allow",
            "Principal": { "Service": "cloudtrail.amazonaws.com" },
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {
                "StringEquals": { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn },
            },
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_statements_name_the_trail_and_its_objects() {
        let arn = trail_arn("us-east-1", "123456789012", "audit");
        assert_eq!(arn, "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit");
        let st = bucket_write_statements("arn:aws:s3:::logs", Some("/trail/"), "123456789012", &arn);
        assert_eq!(st[0]["Action"], "s3:GetBucketAcl");
        assert_eq!(st[0]["Resource"], "arn:aws:s3:::logs");
        assert_eq!(st[0]["Condition"]["StringEquals"]["aws:SourceArn"], arn);
        assert_eq!(st[1]["Action"], "s3:PutObject");
        assert_eq!(st[1]["Resource"], "arn:aws:s3:::logs/trail/AWSLogs/123456789012/*");
        assert_eq!(st[1]["Condition"]["StringEquals"]["s3:x-amz-acl"], "bucket-owner-full-control");
        assert_eq!(st[1]["Principal"]["Service"], "cloudtrail.amazonaws.com");
        let bare = bucket_write_statements("arn:aws:s3:::logs", None, "123456789012", &arn);
        assert_eq!(bare[1]["Resource"], "arn:aws:s3:::logs/AWSLogs/123456789012/*");
        let doc = json!({ "Version": "2012-10-17", "Statement": st }).to_string();
        assert!(crate::policy::same_policy(&doc, &doc), "a valid policy document");
    }
}
