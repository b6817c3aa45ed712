//! s3 kinds, and what they share: the bucket finder, "not configured" error handling, and tag
//! sync (in [`tags`]).

pub mod bucket;
mod config;
mod empty;
pub mod tags;

pub use bucket::{Bucket, BucketOutputs, Encryption, LifecycleRule};

use crate::error::classify;
use crate::AwsContext;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use engine::{ErrorClass, ProviderError, Registry, Tags};
use std::error::Error;
use std::fmt::Debug;

/// Adds this service's kinds to the registry.
pub fn register(registry: &mut Registry) {
    registry.register::<Bucket>();
}

/// The bucket's tags if a bucket of that name exists and is ours; `None` if it does not exist
/// or belongs to another account (HeadBucket answers 403 then).
pub async fn find_bucket(cx: &AwsContext, bucket: &str) -> Result<Option<Tags>, ProviderError> {
    match cx.s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => {}
        Err(e) => {
            let err = classify("HeadBucket", e);
            return match err.class {
                ErrorClass::NotFound | ErrorClass::AccessDenied => Ok(None),
                _ => Err(err),
            };
        }
    }
    Ok(Some(tags::read(cx, bucket).await?))
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
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code().is_some_and(|c| codes.contains(&c)) => Ok(None),
        Err(e) => Err(classify(operation, e)),
    }
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
