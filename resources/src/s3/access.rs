//! Who owns a bucket's objects and where its access is logged: Object Ownership
//! (PutBucketOwnershipControls / GetBucketOwnershipControls) and server access logging
//! (PutBucketLogging / GetBucketLogging), one read/write pair each, like [`super::config`].
//!
//! With `BucketOwnerEnforced` ACLs are disabled: a log target bucket lets S3's log delivery in
//! through its bucket policy (`logging.s3.amazonaws.com` with aws:SourceAccount / aws:SourceArn,
//! see [`super::tls`] for the statements), never through ACL grants, so no `TargetGrants` are sent.

use super::bucket::{Logging, ObjectOwnership};
use super::unset_if;
use crate::error::{build_error, classify};
use crate::AwsContext;
use aws_sdk_s3::types::{BucketLoggingStatus, LoggingEnabled, OwnershipControls, OwnershipControlsRule};
use engine::{ErrorClass, Input, ProviderError};

const NO_CONTROLS: &[&str] = &["OwnershipControlsNotFoundError"];

/// The bucket's Object Ownership setting; `None` when it has no ownership controls.
pub async fn read_ownership(cx: &AwsContext, bucket: &str) -> Result<Option<ObjectOwnership>, ProviderError> {
    let result = cx.s3().get_bucket_ownership_controls().bucket(bucket).send().await;
    let Some(out) = unset_if("GetBucketOwnershipControls", result, NO_CONTROLS)? else { return Ok(None) };
    let Some(rule) = out.ownership_controls().and_then(|c| c.rules().first()) else { return Ok(None) };
    let live = rule.object_ownership();
    ObjectOwnership::from_sdk(live).map(Some).ok_or_else(|| {
        let message = format!("bucket {bucket} has object ownership `{}`, which Plinth does not model", live.as_str());
        ProviderError::new(ErrorClass::Other, message)
    })
}

/// Sets the bucket's Object Ownership, or removes its ownership controls for `None`.
pub async fn write_ownership(
    cx: &AwsContext,
    bucket: &str,
    ownership: Option<ObjectOwnership>,
) -> Result<(), ProviderError> {
    let Some(ownership) = ownership else {
        let result = cx.s3().delete_bucket_ownership_controls().bucket(bucket).send().await;
        return unset_if("DeleteBucketOwnershipControls", result, NO_CONTROLS).map(|_| ());
    };
    let rule = OwnershipControlsRule::builder()
        .object_ownership(ownership.to_sdk())
        .build()
        .map_err(|e| build_error("ownership rule", e))?;
    let controls = OwnershipControls::builder().rules(rule).build().map_err(|e| build_error("ownership controls", e))?;
    let call = cx.s3().put_bucket_ownership_controls().bucket(bucket).ownership_controls(controls);
    call.send().await.map_err(|e| classify("PutBucketOwnershipControls", e))?;
    Ok(())
}

/// Where the bucket's server access logs go; `None` when logging is off.
pub async fn read_logging(cx: &AwsContext, bucket: &str) -> Result<Option<Logging>, ProviderError> {
    let out = cx.s3().get_bucket_logging().bucket(bucket).send().await;
    let out = out.map_err(|e| classify("GetBucketLogging", e))?;
    Ok(out.logging_enabled().map(|l| Logging {
        target_bucket: Input::Value(l.target_bucket().to_string()),
        target_prefix: l.target_prefix().to_string(),
    }))
}

/// Turns server access logging on (to `logging`'s target) or off.
pub async fn write_logging(cx: &AwsContext, bucket: &str, logging: Option<&Logging>) -> Result<(), ProviderError> {
    let enabled = logging
        .map(|l| {
            LoggingEnabled::builder()
                .target_bucket(l.target_bucket.as_str())
                .target_prefix(&l.target_prefix)
                .build()
                .map_err(|e| build_error("logging", e))
        })
        .transpose()?;
    let status = BucketLoggingStatus::builder().set_logging_enabled(enabled).build();
    let call = cx.s3().put_bucket_logging().bucket(bucket).bucket_logging_status(status);
    call.send().await.map_err(|e| classify("PutBucketLogging", e))?;
    Ok(())
}
