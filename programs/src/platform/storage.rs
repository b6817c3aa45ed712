//! Buckets: reports (versioned, old versions expire) and static assets. Both encrypted with
//! public access blocked.

use crate::env::Env;
use engine::{Handle, Stack};
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

pub fn declare(stack: &mut Stack, env: &Env) -> Buckets {
    let reports_name = format!("{}-reports", env.bucket_prefix);
    let assets_name = format!("{}-static-assets", env.bucket_prefix);
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
            force_destroy: env.disposable_data,
            ..Default::default()
        },
    );
    let (reports, assets) = if env.protect_data { (reports.protect(), assets.protect()) } else { (reports, assets) };
    Buckets { reports, reports_name, assets, assets_name }
}
