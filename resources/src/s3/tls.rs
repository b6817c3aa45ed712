//! Bucket policy statements every Plinth bucket needs, built in one place: the TLS-only deny
//! ([`tls_only_statement`]: any request without TLS, `aws:SecureTransport=false`, is refused for
//! everyone, on the bucket and its objects; AWS FSBP S3.5), merged into whatever policy a bucket
//! already has ([`with_tls_only`]), and the grant that lets S3 server access logs into a log
//! bucket whose ACLs are disabled ([`access_log_delivery_statement`]).

use serde_json::{json, Value};

/// The statement id of the TLS-only deny; [`with_tls_only`] adds it only once.
pub const TLS_ONLY_SID: &str = "TlsOnly";

/// Deny every request to the bucket `bucket_arn` and its objects that does not use TLS.
pub fn tls_only_statement(bucket_arn: &str) -> Value {
    json!({
        "Sid": TLS_ONLY_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, format!("{bucket_arn}/*")],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    })
}

/// `policy` (a policy document, or `None` for a bucket without one) with the TLS-only deny for
/// `bucket_arn` appended, unless a statement with its Sid is already there.
pub fn with_tls_only(policy: Option<Value>, bucket_arn: &str) -> Value {
    let mut doc = policy.unwrap_or_else(|| json!({ "Version": "2012-10-17", "Statement": [] }));
    if let Some(single) = doc.get("Statement").filter(|s| s.is_object()).cloned() {
        doc["Statement"] = json!([single]);
    }
    let statements = doc.get_mut("Statement").and_then(Value::as_array_mut);
    match statements {
        Some(list) => {
            if !list.iter().any(|s| s.get("Sid").and_then(Value::as_str) == Some(TLS_ONLY_SID)) {
                list.push(tls_only_statement(bucket_arn));
            }
        }
        None => doc["Statement"] = json!([tls_only_statement(bucket_arn)]),
    }
    doc
}

/// Lets S3's log delivery (`logging.s3.amazonaws.com`) write server access logs under `prefix`
/// of the log bucket `log_bucket_arn`, only for source buckets of `account` (aws:SourceAccount)
/// whose ARNs match `source_arn_pattern` (aws:SourceArn, e.g. `arn:aws:s3:::plinth-dev-*`): the
/// bucket-policy route that works with Object Ownership `BucketOwnerEnforced` (no ACLs).
pub fn access_log_delivery_statement(log_bucket_arn: &str, prefix: &str, account: &str, source_arn_pattern: &str) -> Value {
    json!({
        "Sid": "S3ServerAccessLogs",
        "Effect": "Allow",
        "Principal": { "Service": "logging.s3.amazonaws.com" },
        "Action": "s3:PutObject",
        "Resource": format!("{log_bucket_arn}/{prefix}*"),
        "Condition": {
            "StringEquals": { "aws:SourceAccount": account },
            "ArnLike": { "aws:SourceArn": source_arn_pattern }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_statement_is_added_once_to_any_policy() {
        let arn = "arn:aws:s3:::b";
        let alone = with_tls_only(None, arn);
        assert_eq!(alone["Statement"], json!([tls_only_statement(arn)]));
        assert_eq!(alone["Statement"][0]["Resource"], json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
        assert_eq!(with_tls_only(Some(alone.clone()), arn), alone, "already there: unchanged");
        let single = json!({ "Version": "2012-10-17", "Statement": { "Sid": "Read", "Effect": "Allow" } });
        let merged = with_tls_only(Some(single), arn);
        let sids: Vec<&str> = merged["Statement"].as_array().unwrap().iter().filter_map(|s| s["Sid"].as_str()).collect();
        assert_eq!(sids, ["Read", TLS_ONLY_SID]);
        assert!(crate::policy::decode_document(&merged.to_string()).is_ok());
    }

    #[test]
    fn log_delivery_is_scoped_to_the_account_and_the_sources() {
        let s = access_log_delivery_statement("arn:aws:s3:::logs", "s3/", "123456789012", "arn:aws:s3:::p-*");
        assert_eq!(s["Resource"], "arn:aws:s3:::logs/s3/*");
        assert_eq!(s["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012");
        assert_eq!(s["Condition"]["ArnLike"]["aws:SourceArn"], "arn:aws:s3:::p-*");
    }
}
