//! Storage: every bucket of the stack (tagged `plinth:stack`, or named in the outputs) blocks
//! public access (S3.8), is encrypted by default (S3.4), denies requests without TLS in its policy
//! (S3.5), has ACLs disabled (BucketOwnerEnforced, S3.12) and logs its access to a log bucket of
//! the stack (S3.9); the static assets bucket is versioned (S3.14).

use super::target::Target;
use super::{error_text, Check};
use aws_sdk_s3::Client;
use serde_json::Value;

const AREA: &str = "storage";

/// The stack's buckets: tagged for it, plus every `bucket` output (a bucket the outputs name but
/// whose tags say otherwise is examined too, so it cannot hide).
async fn buckets(t: &Target, s3: &Client) -> Result<Vec<(String, Option<String>)>, String> {
    let listed = s3.list_buckets().send().await.map_err(|e| format!("ListBuckets: {}", error_text(e)))?;
    let mut found: Vec<(String, Option<String>)> = Vec::new();
    for bucket in listed.buckets() {
        let name = bucket.name().unwrap_or_default().to_string();
        let Ok(tags) = s3.get_bucket_tagging().bucket(&name).send().await else { continue };
        let tags: Vec<(&str, &str)> = tags.tag_set().iter().map(|t| (t.key(), t.value())).collect();
        if t.owns(tags.iter().copied()) {
            let resource = tags.iter().find(|(k, _)| *k == "plinth:name").map(|(_, v)| v.to_string());
            found.push((name, resource));
        }
    }
    for name in t.output_values("bucket") {
        if !found.iter().any(|(b, _)| b == &name) {
            found.push((name, None));
        }
    }
    Ok(found)
}

pub async fn checks(t: &Target) -> Vec<Check> {
    let s3 = t.s3();
    let found = match buckets(t, &s3).await {
        Ok(found) => found,
        Err(reason) => return vec![super::blocked(AREA, Some("S3.8"), "the stack's buckets", &reason)],
    };
    let names: Vec<String> = found.iter().map(|(n, _)| n.clone()).collect();
    let mut public = Check::new(AREA, Some("S3.8"), "every bucket blocks all public access");
    let mut encrypted = Check::new(AREA, Some("S3.4"), "every bucket is encrypted by default (SSE-S3 or SSE-KMS)");
    let mut tls = Check::new(AREA, Some("S3.5"), "every bucket's policy denies aws:SecureTransport=false");
    let mut acls = Check::new(AREA, Some("S3.12"), "every bucket has ACLs disabled (BucketOwnerEnforced)");
    let mut logging = Check::new(AREA, Some("S3.9"), "every bucket logs access to a log bucket of the stack (the log bucket itself excepted)");
    let log_targets = log_targets(&s3, &names).await;
    for name in &names {
        public_access(&s3, name, &mut public).await;
        encryption(&s3, name, &mut encrypted).await;
        secure_transport(&s3, name, &mut tls).await;
        ownership(&s3, name, &mut acls).await;
        access_logging(name, &names, &log_targets, &mut logging);
    }
    let mut versioned = Check::new(AREA, Some("S3.14"), "the static assets bucket is versioned");
    for (name, _) in found.iter().filter(|(_, r)| r.as_deref() == Some("static-assets-bucket")) {
        match s3.get_bucket_versioning().bucket(name).send().await {
            Ok(v) => {
                let status = v.status().map(|s| s.as_str().to_string()).unwrap_or_else(|| "never enabled".into());
                versioned.expect(name, status == "Enabled", format!("versioning is {status}"));
            }
            Err(e) => {
                versioned.call_failed(name, "GetBucketVersioning", e);
            }
        }
    }
    vec![public, encrypted, tls, acls, logging, versioned]
}

async fn public_access(s3: &Client, name: &str, check: &mut Check) {
    match s3.get_public_access_block().bucket(name).send().await {
        Ok(out) => {
            let b = out.public_access_block_configuration();
            let all = b.is_some_and(|b| {
                [b.block_public_acls(), b.ignore_public_acls(), b.block_public_policy(), b.restrict_public_buckets()]
                    .iter()
                    .all(|v| *v == Some(true))
            });
            check.expect(name, all, format!("public access block is {b:?}"));
        }
        Err(e) => {
            check.call_failed(name, "GetPublicAccessBlock", e);
        }
    }
}

async fn encryption(s3: &Client, name: &str, check: &mut Check) {
    match s3.get_bucket_encryption().bucket(name).send().await {
        Ok(out) => {
            let algorithms: Vec<String> = out
                .server_side_encryption_configuration()
                .map(|c| c.rules().iter().filter_map(|r| r.apply_server_side_encryption_by_default()).map(|d| d.sse_algorithm().as_str().to_string()).collect())
                .unwrap_or_default();
            check.expect(name, !algorithms.is_empty(), "no default encryption rule");
        }
        Err(e) => {
            check.call_failed(name, "GetBucketEncryption", e);
        }
    }
}

/// Whether a policy statement denies every request made without TLS.
fn denies_plain_http(statement: &Value) -> bool {
    let deny = statement["Effect"] == "Deny";
    let everyone = statement["Principal"] == "*" || statement["Principal"]["AWS"] == "*";
    let actions = match &statement["Action"] {
        Value::String(a) => vec![a.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let all_actions = actions.iter().any(|a| *a == "s3:*" || *a == "*");
    let condition = &statement["Condition"]["Bool"]["aws:SecureTransport"];
    let insecure = condition == "false" || condition == &Value::Bool(false) || condition == &serde_json::json!(["false"]);
    deny && everyone && all_actions && insecure
}

async fn secure_transport(s3: &Client, name: &str, check: &mut Check) {
    match s3.get_bucket_policy().bucket(name).send().await {
        Ok(out) => {
            let doc: Value = serde_json::from_str(out.policy().unwrap_or("{}")).unwrap_or_default();
            let statements = match &doc["Statement"] {
                Value::Array(list) => list.clone(),
                one @ Value::Object(_) => vec![one.clone()],
                _ => vec![],
            };
            check.expect(name, statements.iter().any(denies_plain_http), "the policy has no Deny of s3:* for everyone when aws:SecureTransport is false");
        }
        Err(e) if e.as_service_error().and_then(|s| aws_sdk_s3::error::ProvideErrorMetadata::code(s)) == Some("NoSuchBucketPolicy") => {
            check.expect(name, false, "no bucket policy, so nothing denies plain HTTP");
        }
        Err(e) => {
            check.call_failed(name, "GetBucketPolicy", e);
        }
    }
}

async fn ownership(s3: &Client, name: &str, check: &mut Check) {
    match s3.get_bucket_ownership_controls().bucket(name).send().await {
        Ok(out) => {
            let rules: Vec<String> = out
                .ownership_controls()
                .map(|c| c.rules().iter().map(|r| r.object_ownership().as_str().to_string()).collect())
                .unwrap_or_default();
            check.expect(name, rules == ["BucketOwnerEnforced"], format!("object ownership is {rules:?}"));
        }
        Err(e) if e.as_service_error().and_then(|s| aws_sdk_s3::error::ProvideErrorMetadata::code(s)) == Some("OwnershipControlsNotFoundError") => {
            check.expect(name, false, "no ownership controls: ACLs are enabled");
        }
        Err(e) => {
            check.call_failed(name, "GetBucketOwnershipControls", e);
        }
    }
}

/// Each bucket's logging target (bucket, prefix), or the error reading it.
async fn log_targets(s3: &Client, names: &[String]) -> Vec<(String, Result<Option<String>, String>)> {
    let mut targets = Vec::new();
    for name in names {
        let out = s3.get_bucket_logging().bucket(name).send().await;
        let target = out
            .map(|o| o.logging_enabled().map(|l| l.target_bucket().to_string()))
            .map_err(|e| format!("GetBucketLogging failed: {}", error_text(e)));
        targets.push((name.clone(), target));
    }
    targets
}

fn access_logging(name: &str, stack: &[String], targets: &[(String, Result<Option<String>, String>)], check: &mut Check) {
    let is_log_bucket = targets.iter().any(|(b, t)| b != name && matches!(t, Ok(Some(target)) if target == name));
    let Some((_, target)) = targets.iter().find(|(b, _)| b == name) else { return };
    match target {
        Err(e) => {
            check.fail(name, e);
        }
        Ok(Some(target)) if target == name => {
            check.expect(name, false, "logs to itself");
        }
        Ok(Some(target)) => {
            check.expect(name, stack.contains(target), format!("logs to {target}, not a bucket of the stack"));
        }
        Ok(None) if is_log_bucket => {
            check.saw();
        }
        Ok(None) => {
            check.expect(name, false, "server access logging is off");
        }
    }
}
