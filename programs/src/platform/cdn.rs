//! Static assets on a CDN: a CloudFront distribution in front of the static-assets bucket,
//! HTTPS only, reading the bucket through an origin access control. The bucket policy lets
//! exactly that distribution read objects and refuses any request without TLS; the bucket
//! stays private (public access blocked).

use crate::env::Env;
use engine::{Input, Stack};
use resources::cloudfront::{bucket_read_statement, Distribution, OriginAccessControl, ViewerProtocolPolicy};
use resources::s3::tls_only_statement;
use serde_json::json;

/// Declares the CDN; the policy the assets bucket must carry for it.
pub fn declare(stack: &mut Stack, env: &Env, assets_bucket: &str) -> Input<String> {
    let oac = stack.add(
        "static-assets-oac",
        OriginAccessControl {
            name: env.prefixed("static-assets"),
            description: "Static assets bucket, read by the CDN only".into(),
            ..Default::default()
        },
    );
    let distribution = stack.add(
        "static-assets-cdn",
        Distribution {
            origin_id: "static-assets".into(),
            origin_domain_name: format!("{assets_bucket}.s3.{}.amazonaws.com", super::iam::REGION).into(),
            origin_access_control_id: oac.output(|o| o.id.clone()),
            default_root_object: "index.html".into(),
            viewer_protocol_policy: ViewerProtocolPolicy::HttpsOnly,
            comment: format!("plinth {} static assets", env.name),
            ..Default::default()
        },
    );
    let bucket_arn = format!("arn:aws:s3:::{assets_bucket}");
    distribution.output(move |o| {
        json!({
            "Version": "2012-10-17",
            "Statement": [bucket_read_statement(&bucket_arn, &o.arn), tls_only_statement(&bucket_arn)]
        })
        .to_string()
    })
}
