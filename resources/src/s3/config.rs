//! A bucket's sub-configurations, one pair of calls each: `read_*` (an unset configuration reads
//! as its default) and `write_*` (makes it the desired value, deleting it when unset).

use super::bucket::{Encryption, LifecycleRule, SseAlgorithm};
use super::unset_if;
use crate::error::{build_error, classify};
use crate::AwsContext;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketVersioningStatus, ExpirationStatus,
    LifecycleExpiration, LifecycleRuleFilter, NoncurrentVersionExpiration, PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use engine::{ErrorClass, ProviderError};

pub async fn read_versioning(cx: &AwsContext, bucket: &str) -> Result<bool, ProviderError> {
    let out = cx.s3().get_bucket_versioning().bucket(bucket).send().await;
    let out = out.map_err(|e| classify("GetBucketVersioning", e))?;
    Ok(out.status() == Some(&BucketVersioningStatus::Enabled))
}

/// Versioning can never be removed from a bucket once enabled, only suspended.
pub async fn write_versioning(cx: &AwsContext, bucket: &str, enabled: bool) -> Result<(), ProviderError> {
    let status = if enabled { BucketVersioningStatus::Enabled } else { BucketVersioningStatus::Suspended };
    let config = VersioningConfiguration::builder().status(status).build();
    let call = cx.s3().put_bucket_versioning().bucket(bucket).versioning_configuration(config);
    call.send().await.map_err(|e| classify("PutBucketVersioning", e))?;
    Ok(())
}

pub async fn read_encryption(cx: &AwsContext, bucket: &str) -> Result<Option<Encryption>, ProviderError> {
    let result = cx.s3().get_bucket_encryption().bucket(bucket).send().await;
    let codes = ["ServerSideEncryptionConfigurationNotFoundError"];
    let Some(out) = unset_if("GetBucketEncryption", result, &codes)? else { return Ok(None) };
    let rule = out.server_side_encryption_configuration().and_then(|c| c.rules().first());
    let Some(default) = rule.and_then(|r| r.apply_server_side_encryption_by_default()) else { return Ok(None) };
    let live = default.sse_algorithm();
    let algorithm = SseAlgorithm::from_sdk(live).ok_or_else(|| {
        ProviderError::new(
            ErrorClass::Other,
            format!("bucket {bucket} uses encryption `{}`, which Plinth does not model", live.as_str()),
        )
    })?;
    Ok(Some(Encryption { algorithm, kms_key_id: default.kms_master_key_id().map(str::to_string) }))
}

pub async fn write_encryption(cx: &AwsContext, bucket: &str, enc: Option<&Encryption>) -> Result<(), ProviderError> {
    let Some(enc) = enc else {
        // On AWS this returns the bucket to the default SSE-S3 encryption.
        let result = cx.s3().delete_bucket_encryption().bucket(bucket).send().await;
        let codes = ["ServerSideEncryptionConfigurationNotFoundError"];
        return unset_if("DeleteBucketEncryption", result, &codes).map(|_| ());
    };
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(enc.algorithm.to_sdk())
        .set_kms_master_key_id(enc.kms_key_id.clone())
        .build()
        .map_err(|e| build_error("encryption", e))?;
    let rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(default).build();
    let config =
        ServerSideEncryptionConfiguration::builder().rules(rule).build().map_err(|e| build_error("encryption", e))?;
    let call = cx.s3().put_bucket_encryption().bucket(bucket).server_side_encryption_configuration(config);
    call.send().await.map_err(|e| classify("PutBucketEncryption", e))?;
    Ok(())
}

/// True only when all four flags are on.
pub async fn read_public_access(cx: &AwsContext, bucket: &str) -> Result<bool, ProviderError> {
    let result = cx.s3().get_public_access_block().bucket(bucket).send().await;
    let codes = ["NoSuchPublicAccessBlockConfiguration"];
    let Some(out) = unset_if("GetPublicAccessBlock", result, &codes)? else { return Ok(false) };
    Ok(out.public_access_block_configuration().is_some_and(|c| {
        [c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()]
            .iter()
            .all(|f| *f == Some(true))
    }))
}

/// `true` sets all four flags; `false` deletes the block (AWS turns it on for new buckets).
pub async fn write_public_access(cx: &AwsContext, bucket: &str, block: bool) -> Result<(), ProviderError> {
    if !block {
        let result = cx.s3().delete_public_access_block().bucket(bucket).send().await;
        let codes = ["NoSuchPublicAccessBlockConfiguration"];
        return unset_if("DeletePublicAccessBlock", result, &codes).map(|_| ());
    }
    let config = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    let call = cx.s3().put_public_access_block().bucket(bucket).public_access_block_configuration(config);
    call.send().await.map_err(|e| classify("PutPublicAccessBlock", e))?;
    Ok(())
}

pub async fn read_lifecycle(cx: &AwsContext, bucket: &str) -> Result<Vec<LifecycleRule>, ProviderError> {
    let result = cx.s3().get_bucket_lifecycle_configuration().bucket(bucket).send().await;
    let codes = ["NoSuchLifecycleConfiguration"];
    let Some(out) = unset_if("GetBucketLifecycleConfiguration", result, &codes)? else { return Ok(Vec::new()) };
    Ok(out.rules().iter().map(from_sdk_rule).collect())
}

fn from_sdk_rule(rule: &aws_sdk_s3::types::LifecycleRule) -> LifecycleRule {
    #[allow(deprecated)] // the rule-level Prefix is how older configurations were written
    let prefix = rule.filter().and_then(|f| f.prefix()).or(rule.prefix());
    LifecycleRule {
        id: rule.id().unwrap_or_default().to_string(),
        prefix: prefix.filter(|p| !p.is_empty()).map(str::to_string),
        expire_noncurrent_after_days: rule.noncurrent_version_expiration().and_then(|e| e.noncurrent_days()),
        expire_after_days: rule.expiration().and_then(|e| e.days()),
        abort_incomplete_multipart_after_days: rule
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation()),
    }
}

fn to_sdk_rule(rule: &LifecycleRule) -> Result<aws_sdk_s3::types::LifecycleRule, ProviderError> {
    let filter = LifecycleRuleFilter::builder().prefix(rule.prefix.clone().unwrap_or_default()).build();
    let mut b =
        aws_sdk_s3::types::LifecycleRule::builder().id(&rule.id).status(ExpirationStatus::Enabled).filter(filter);
    if let Some(days) = rule.expire_after_days {
        b = b.expiration(LifecycleExpiration::builder().days(days).build());
    }
    if let Some(days) = rule.expire_noncurrent_after_days {
        b = b.noncurrent_version_expiration(NoncurrentVersionExpiration::builder().noncurrent_days(days).build());
    }
    if let Some(days) = rule.abort_incomplete_multipart_after_days {
        let abort = AbortIncompleteMultipartUpload::builder().days_after_initiation(days).build();
        b = b.abort_incomplete_multipart_upload(abort);
    }
    b.build().map_err(|e| build_error("lifecycle rule", e))
}

pub async fn write_lifecycle(cx: &AwsContext, bucket: &str, rules: &[LifecycleRule]) -> Result<(), ProviderError> {
    if rules.is_empty() {
        let result = cx.s3().delete_bucket_lifecycle().bucket(bucket).send().await;
        return unset_if("DeleteBucketLifecycle", result, &["NoSuchLifecycleConfiguration"]).map(|_| ());
    }
    let rules = rules.iter().map(to_sdk_rule).collect::<Result<Vec<_>, _>>()?;
    let config = BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| build_error("lifecycle configuration", e))?;
    let call = cx.s3().put_bucket_lifecycle_configuration().bucket(bucket).lifecycle_configuration(config);
    call.send().await.map_err(|e| classify("PutBucketLifecycleConfiguration", e))?;
    Ok(())
}

/// The bucket policy as S3 returns it (not URL-encoded, but possibly reformatted).
pub async fn read_policy(cx: &AwsContext, bucket: &str) -> Result<Option<String>, ProviderError> {
    let result = cx.s3().get_bucket_policy().bucket(bucket).send().await;
    let Some(out) = unset_if("GetBucketPolicy", result, &["NoSuchBucketPolicy"])? else { return Ok(None) };
    Ok(out.policy().map(str::to_string))
}

pub async fn write_policy(cx: &AwsContext, bucket: &str, policy: Option<&str>) -> Result<(), ProviderError> {
    let Some(policy) = policy else {
        let result = cx.s3().delete_bucket_policy().bucket(bucket).send().await;
        return unset_if("DeleteBucketPolicy", result, &["NoSuchBucketPolicy"]).map(|_| ());
    };
    let call = cx.s3().put_bucket_policy().bucket(bucket).policy(policy);
    call.send().await.map_err(|e| classify("PutBucketPolicy", e))?;
    Ok(())
}
