//! s3 kinds, and what they share: the bucket finder, "not configured" error handling, tag
//! sync (in [`tags`]), and the policy statements every bucket needs (in [`tls`]).

mod access;
pub mod bucket;
mod config;
mod empty;
pub mod objects;
pub mod tags;
pub mod tls;

pub use bucket::{Bucket, BucketOutputs, Encryption, LifecycleRule, Logging, ObjectOwnership, SseAlgorithm};
pub use tls::{access_log_delivery_statement, tls_only_statement, with_tls_only};

use crate::error::classify;
use crate::wait::retry_while;
use crate::AwsContext;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use engine::{ErrorClass, ProviderError, Tags};
use std::error::Error;
use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

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
    if !bucket_is_ours(cx, bucket).await? {
        return Ok(None);
    }
    Ok(Some(crate::tags::read::<tags::S3>(cx, bucket).await?))
}

/// HeadBucket: whether a bucket of that name exists in this account (`false` when it does not
/// exist or belongs to another account: 403).
pub async fn bucket_is_ours(cx: &AwsContext, bucket: &str) -> Result<bool, ProviderError> {
    match cx.s3().head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(e) => {
            let err = classify("HeadBucket", e);
            match err.class {
                ErrorClass::NotFound | ErrorClass::AccessDenied => Ok(false),
                _ => Err(err),
            }
        }
    }
}

/// How long a bucket setting is retried while S3 answers OperationAborted (terraform-provider-aws
/// retries S3 bucket changes for its `bucketPropagationTimeout`, two minutes).
pub const ABORTED_TIMEOUT: Duration = Duration::from_secs(120);
/// Time between two attempts of a setting S3 aborted.
pub const ABORTED_INTERVAL: Duration = Duration::from_secs(1);

/// Runs the write `call` until S3 stops answering `OperationAborted` (409 "A conflicting
/// conditional operation is currently in progress against this resource"): S3 refuses a bucket
/// write while another one on the same bucket is being applied, which happens when a bucket's
/// settings are written concurrently. Terraform's S3 client retries exactly this error; S3 has
/// applied nothing when it answers it, so a retry cannot duplicate anything. Any other error is
/// returned at once; still aborted after [`ABORTED_TIMEOUT`] is a Timeout naming `operation`.
pub(crate) async fn settle<T, F, Fut>(operation: &str, call: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let what = format!("{operation} to stop conflicting with another operation on the bucket");
    let aborted = |e: &ProviderError| is_aborted(e).then(|| e.message.clone());
    retry_while(&what, ABORTED_TIMEOUT, ABORTED_INTERVAL, aborted, call).await
}

/// S3's OperationAborted (classified Conflict, as BucketNotEmpty is: told apart by its code).
fn is_aborted(e: &ProviderError) -> bool {
    e.class == ErrorClass::Conflict && e.message.contains(": OperationAborted:")
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
    let partition = crate::budgets::partition(region);
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

    #[tokio::test(start_paused = true)]
    async fn settle_retries_only_operation_aborted() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let aborted = || {
            let message =
                "PutBucketPolicy: OperationAborted: A conflicting conditional operation is currently in progress";
            ProviderError::new(ErrorClass::Conflict, message)
        };
        let calls = AtomicUsize::new(0);
        let got = settle("PutBucketPolicy", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(aborted()),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(got.expect("applied on the third attempt"), 2);

        let not_empty = ProviderError::new(ErrorClass::Conflict, "DeleteBucket: BucketNotEmpty: not empty");
        let calls = AtomicUsize::new(0);
        let err = settle::<(), _, _>("DeleteBucket", || {
            calls.fetch_add(1, Ordering::SeqCst);
            let e = ProviderError::new(not_empty.class, not_empty.message.clone());
            async move { Err(e) }
        })
        .await
        .expect_err("another conflict is not retried");
        assert!(err.message.contains("BucketNotEmpty"));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let start = tokio::time::Instant::now();
        let err = settle::<(), _, _>("PutBucketPolicy", || async { Err(aborted()) }).await.expect_err("gives up");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("PutBucketPolicy to stop conflicting"), "{}", err.message);
        assert_eq!(start.elapsed(), ABORTED_TIMEOUT);
    }

    #[test]
    fn minimal_json_decodes_with_defaults() {
        let b: Bucket = serde_json::from_value(serde_json::json!({"bucket": "abc"})).expect("decodes");
        assert_eq!(b, Bucket { bucket: "abc".into(), ..Default::default() });
    }
}
