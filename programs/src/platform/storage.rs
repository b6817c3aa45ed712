//! Buckets: reports (versioned, old versions expire) and static assets (read by the CDN only).
//! Both encrypted with public access blocked.

use crate::env::Env;
use engine::{Handle, Input, Stack};
use resources::s3::{Bucket, Encryption, LifecycleRule, SseAlgorithm};

pub struct Buckets {
    pub reports: Handle<Bucket>,
    pub reports_name: String,
    pub assets: Handle<Bucket>,
    pub assets_name: String,
}

fn sse() -> Option<Encryption> {
    Some(Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: None })
}

/// The static-assets bucket's name (the CDN's origin).
pub fn assets_bucket_name(env: &Env) -> String {
    format!("{}-static-assets", env.bucket_prefix)
}

/// The buckets; `assets_policy` is the static-assets bucket's policy (the CDN's read access).
pub fn declare(stack: &mut Stack, env: &Env, assets_policy: Input<String>) -> Buckets {
    let reports_name = format!("{}-reports", env.bucket_prefix);
    let assets_name = assets_bucket_name(env);
    let reports = stack.add(
        "reports-bucket",
        Bucket {
            bucket: reports_name.clone(),
            versioning: true,
            encryption: sse(),
            block_public_access: true,
            lifecycle_rules: vec![LifecycleRule {
                id: "expire-old-versions".into(),
                prefix: None,
                expire_noncurrent_after_days: Some(env.report_version_days),
                expire_after_days: None,
                abort_incomplete_multipart_after_days: Some(7),
            }],
            force_destroy: env.disposable_data,
            ..Default::default()
        },
    );
    let assets = stack.add(
        "static-assets-bucket",
        Bucket {
            bucket: assets_name.clone(),
            versioning: false,
            encryption: sse(),
            block_public_access: true,
            policy: Some(assets_policy),
            force_destroy: env.disposable_data,
            ..Default::default()
        },
    );
    let (reports, assets) = if env.protect_data { (reports.protect(), assets.protect()) } else { (reports, assets) };
    Buckets { reports, reports_name, assets, assets_name }
}
