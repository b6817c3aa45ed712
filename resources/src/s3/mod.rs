//! s3 kinds, and what they share: the bucket finder, "not configured" error handling, tag
//! sync (in [`tags`]), and the policy statements every bucket needs (in [`tls`]).

mod access;
pub mod bucket;
pub mod objects;
mod config;
mod empty;
pub mod tags;
pub mod tls;

pub use bucket::{Bucket, BucketOutputs, Encryption, LifecycleRule, Logging, ObjectOwnership, SseAlgorithm};
pub use tls::{access_log_delivery_statement, tls_only_statement, with_tls_only};

use crate::error::classify;
use crate::AwsContext;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use engine::{ErrorClass, ProviderError, Tags};
use std::error::Error;
use std::fmt::Debug;

// Path-style addressing whenever an endpoint is overridden (an emulator has no per-bucket DNS names).
crate::service_client!(s3, aws_sdk_s3, configure: |builder, sdk| builder.force_path_style(sdk.endpoint_url().is_some()));

crate::error_codes!(
    "s3",
    NotFound: [
        "NoSuchBucket",
        "NoSuchKey",
        "NoSuchBucketPolicy",
        "NoSuchLifecycleConfiguration",
        "NoSuchTagSet",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "OwnershipControlsNotFoundError",
    ],
    AlreadyExists: ["BucketAlreadyOwnedByYou", "BucketAlreadyExists"],
    Throttled: ["SlowDown"],
    Conflict: ["OperationAborted", "BucketNotEmpty"],
);

/// The bucket's tags if a bucket of that name exists and is ours; `None` if it does not exist
/// or belongs to another account (HeadBucket answers 403 then).
pub async fn find_bucket(cx: &AwsContext, bucket: &str) -> Result<Option<Tags>, ProviderError> {
    match cx.s3().head_bucket().bucket(bucket).send().await {
        Ok(_) => {}
        Err(e) => {
            let err = classify("HeadBucket", e);
            return match err.class {
                ErrorClass::NotFound | ErrorClass::AccessDenied => Ok(None),
                _ => Err(err),
            };
        }
    }
    Ok(Some(crate::tags::read::<tags::S3>(cx, bucket).await?))
}

/// `Ok(None)` when the call failed with one of `codes`: the sub-configuration is not set.
/// Any other failure (NoSuchBucket included) is classified and returned.
pub(crate) fn unset_if<T, E, R>(
    operation: &str,
    result: Result<T, SdkError<E, R>>,
    codes: &[&str],
) -> Result<Option<T>, ProviderError>
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    crate::error::absent_if(operation, result, |e: &E| e.code().is_some_and(|c| codes.contains(&c)))
}

/// `arn:aws:s3:::name`, in the partition of `region`.
pub fn bucket_arn(region: &str, bucket: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:s3:::{bucket}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_is_registered_and_arns_follow_the_partition() {
        let registry = crate::registry();
        let kind = registry.get("aws:s3:Bucket").expect("registered");
        assert!(kind.stateful() && kind.delete_before_replace());
        assert_eq!(kind.replace_fields(), &["bucket"]);
        assert_eq!(bucket_arn("us-east-1", "b"), "arn:aws:s3:::b");
        assert_eq!(bucket_arn("cn-north-1", "b"), "arn:aws-cn:s3:::b");
    }

    #[test]
    fn minimal_json_decodes_with_defaults() {
        let b: Bucket = serde_json::from_value(serde_json::json!({"bucket": "abc"})).expect("decodes");
        assert_eq!(b, Bucket { bucket: "abc".into(), ..Default::default() });
    }
}
