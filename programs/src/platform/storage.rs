//! Buckets: reports (versioned, old versions expire), static assets (versioned, read by the CDN
//! only) and the log bucket that receives every other bucket's server access logs. Every bucket
//! is encrypted, has public access blocked, Object Ownership `BucketOwnerEnforced` (no ACLs), a
//! policy that denies any request without TLS, and (but the log bucket itself) access logging to
//! the log bucket: [`hardened`] is how a bucket declared anywhere in the program gets all that.

use crate::env::Env;
use engine::{Handle, Input, Stack};
use resources::s3::{
    access_log_delivery_statement, bucket_arn, with_tls_only, Bucket, Encryption, LifecycleRule, Logging,
    ObjectOwnership, SseAlgorithm,
};

pub struct Buckets {
    pub reports: Handle<Bucket>,
    pub reports_name: String,
    pub assets: Handle<Bucket>,
    pub assets_name: String,
    /// Where every other bucket's server access logs go.
    pub logs: Handle<Bucket>,
}

/// Key prefix of server access logs in the log bucket (`s3/<source bucket>/`).
const ACCESS_LOG_PREFIX: &str = "s3/";

fn sse() -> Option<Encryption> {
    Some(Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: None })
}

/// The static-assets bucket's name (the CDN's origin).
pub fn assets_bucket_name(env: &Env) -> String {
    format!("{}-static-assets", env.bucket_prefix)
}

/// `bucket` with what every bucket of the platform has: Object Ownership `BucketOwnerEnforced`,
/// server access logs to `logs` under `s3/<bucket>/`, and the TLS-only deny merged into its
/// policy (a policy computed from another resource's outputs must carry the statement itself,
/// `resources::s3::tls_only_statement`, as the CDN's does).
pub fn hardened(bucket: Bucket, logs: &Handle<Bucket>) -> Bucket {
    let logging =
        Logging { target_bucket: logs.output(|o| o.bucket.clone()), target_prefix: format!("{ACCESS_LOG_PREFIX}{}/", bucket.bucket) };
    Bucket { logging: Some(logging), ..owner_enforced_tls_only(bucket) }
}

/// Ownership and the TLS-only policy (the log bucket's share of [`hardened`]).
fn owner_enforced_tls_only(bucket: Bucket) -> Bucket {
    let arn = bucket_arn(super::iam::REGION, &bucket.bucket);
    let policy = match bucket.policy {
        None => Some(with_tls_only(None, &arn).to_string().into()),
        Some(Input::Value(text)) => {
            let doc = serde_json::from_str(&text).ok();
            // A policy that does not parse is left as written: the kind's validate names it.
            Some(Input::Value(doc.map_or(text, |d| with_tls_only(Some(d), &arn).to_string())))
        }
        computed => computed,
    };
    Bucket { object_ownership: Some(ObjectOwnership::BucketOwnerEnforced), policy, ..bucket }
}

/// The log bucket: SSE-S3 (server access logging cannot write SSE-KMS), logs expire, and S3's
/// log delivery may write under `s3/` for this account's buckets of this environment only.
fn log_bucket(stack: &mut Stack, env: &Env) -> Handle<Bucket> {
    let name = format!("{}-logs", env.bucket_prefix);
    let arn = bucket_arn(super::iam::REGION, &name);
    let sources = bucket_arn(super::iam::REGION, &format!("{}-*", env.bucket_prefix));
    let delivery = access_log_delivery_statement(&arn, ACCESS_LOG_PREFIX, env.account, &sources);
    let policy = serde_json::json!({ "Version": "2012-10-17", "Statement": [delivery] });
    let bucket = Bucket {
        bucket: name,
        encryption: sse(),
        block_public_access: true,
        lifecycle_rules: vec![LifecycleRule {
            id: "expire-access-logs".into(),
            prefix: None,
            expire_noncurrent_after_days: None,
            expire_after_days: Some(env.compute.log_retention_days as i32),
            abort_incomplete_multipart_after_days: Some(7),
        }],
        policy: Some(policy.to_string().into()),
        force_destroy: env.disposable_data,
        ..Default::default()
    };
    stack.add("logs-bucket", owner_enforced_tls_only(bucket))
}

/// The buckets; `assets_policy` is the static-assets bucket's policy (the CDN's read access).
pub fn declare(stack: &mut Stack, env: &Env, assets_policy: Input<String>) -> Buckets {
    let logs = log_bucket(stack, env);
    let reports_name = format!("{}-reports", env.bucket_prefix);
    let assets_name = assets_bucket_name(env);
    let expire_old_versions = LifecycleRule {
        id: "expire-old-versions".into(),
        prefix: None,
        expire_noncurrent_after_days: Some(env.report_version_days),
        expire_after_days: None,
        abort_incomplete_multipart_after_days: Some(7),
    };
    let reports = Bucket {
        bucket: reports_name.clone(),
        versioning: true,
        encryption: sse(),
        block_public_access: true,
        lifecycle_rules: vec![expire_old_versions.clone()],
        force_destroy: env.disposable_data,
        ..Default::default()
    };
    let reports = stack.add("reports-bucket", hardened(reports, &logs));
    let assets = Bucket {
        bucket: assets_name.clone(),
        versioning: true,
        encryption: sse(),
        block_public_access: true,
        lifecycle_rules: vec![expire_old_versions],
        policy: Some(assets_policy),
        force_destroy: env.disposable_data,
        ..Default::default()
    };
    let assets = stack.add("static-assets-bucket", hardened(assets, &logs));
    let (reports, assets, logs) =
        if env.protect_data { (reports.protect(), assets.protect(), logs.protect()) } else { (reports, assets, logs) };
    Buckets { reports, reports_name, assets, assets_name, logs }
}
