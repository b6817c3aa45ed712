//! S3 buckets: public access blocked, and a policy that refuses requests without TLS.

use super::must_be_true;
use crate::policy::decode_document;
use crate::s3::Bucket;
use engine::policy::{Fact, Severity};
use engine::{PlannedResource, PolicyRule, Resource};
use serde_json::Value;

/// All four public-access-block flags on.
pub struct S3PublicAccessBlocked;

impl PolicyRule for S3PublicAccessBlocked {
    fn id(&self) -> &'static str {
        "s3-public-access-blocked"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        if r.kind != Bucket::KIND {
            return vec![];
        }
        must_be_true(r, "block_public_access", "the bucket can be made public").into_iter().collect()
    }
}

/// The bucket policy denies every request made without TLS (`aws:SecureTransport` false).
pub struct S3TlsOnly;

impl PolicyRule for S3TlsOnly {
    fn id(&self) -> &'static str {
        "s3-tls-only"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        if r.kind != Bucket::KIND {
            return vec![];
        }
        let text = match r.field("policy") {
            Fact::Unknown => return vec![],
            Fact::Missing => return vec!["policy is not set: no statement denies requests without TLS".into()],
            Fact::Known(v) => v.as_str().unwrap_or_default(),
        };
        match decode_document(text) {
            Err(_) => vec!["policy is not a JSON document: cannot find a TLS-only deny".into()],
            Ok(doc) if statements(&doc).any(denies_plain_http) => vec![],
            Ok(_) => {
                vec!["policy has no Deny statement with the condition `Bool: aws:SecureTransport = false`: requests \
                 without TLS are not refused"
                    .into()]
            }
        }
    }
}

/// The statements of a policy document (`Statement` as a list or a single object).
pub(super) fn statements(doc: &Value) -> impl Iterator<Item = &Value> {
    let list = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => vec![],
    };
    list.into_iter()
}

fn denies_plain_http(statement: &Value) -> bool {
    let deny = statement.get("Effect").and_then(Value::as_str) == Some("Deny");
    let is_false = |v: &Value| matches!(v, Value::String(s) if s == "false") || *v == Value::Bool(false);
    let insecure = match statement.pointer("/Condition/Bool/aws:SecureTransport") {
        Some(Value::Array(values)) => values.iter().any(is_false),
        Some(v) => is_false(v),
        None => false,
    };
    deny && insecure
}
