//! Remote state: the SQLite state file kept as one object in a versioned bucket
//! (`--state s3://BUCKET/KEY`), and the lease beside it that serialises the runs changing it.
//!
//! The engine knows no cloud SDK: it talks to the bucket through [`ObjectStore`], which the
//! binaries implement (on S3 in `resources`) and tests implement in memory ([`memory`]). All the
//! protocol lives here: conditional writes (`If-None-Match: *`, `If-Match: <etag>`) are the only
//! thing it needs from the store.
//!
//! # Guarantees
//! * A [`StateUrl`] that is not `s3://BUCKET/KEY` with a valid bucket name and a key is refused
//!   before any call, naming what is wrong.
//! * The lease protocol ([`lease`]) never lets two runs hold one live lease: taking it is a create
//!   that fails if the object exists, and taking over an expired one, renewing and releasing are
//!   writes conditional on the ETag last seen.
//!
//! # Assumptions
//! * The store answers a failed condition with [`RemoteError::PreconditionFailed`] (S3: 412, or
//!   409 ConditionalRequestConflict for a racing write), and is strongly consistent for one key.

pub mod keeper;
pub mod lease;
pub mod memory;
pub mod transfer;

use futures::future::BoxFuture;
use std::collections::BTreeMap;

/// Where a remote state lives: `s3://bucket/key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateUrl {
    pub bucket: String,
    pub key: String,
}

impl StateUrl {
    /// Whether `text` asks for remote state at all (it starts with a URL scheme).
    pub fn is_url(text: &str) -> bool {
        text.contains("://")
    }

    /// Parses `s3://BUCKET/KEY`.
    pub fn parse(text: &str) -> Result<StateUrl, RemoteError> {
        let bad = |why: &str| RemoteError::BadUrl(format!("`{text}`: {why} (expected s3://BUCKET/KEY)"));
        let rest = text.strip_prefix("s3://").ok_or_else(|| bad("only s3:// state URLs are supported"))?;
        let (bucket, key) = rest.split_once('/').ok_or_else(|| bad("no key after the bucket"))?;
        if let Some(why) = bucket_name_problem(bucket) {
            return Err(bad(&format!("bucket name `{bucket}` {why}")));
        }
        if key.is_empty() || key.ends_with('/') {
            return Err(bad("the key must name an object, not a folder"));
        }
        if key.len() > 1000 {
            return Err(bad("the key is longer than 1000 bytes"));
        }
        Ok(StateUrl { bucket: bucket.to_string(), key: key.to_string() })
    }

    /// The key of the lease object beside the state.
    pub fn lease_key(&self) -> String {
        format!("{}.lease", self.key)
    }
}

impl std::fmt::Display for StateUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// Why `name` is not a valid S3 bucket name, if it is not (3–63 of a-z, 0-9, `.` and `-`,
/// starting and ending with a letter or digit).
fn bucket_name_problem(name: &str) -> Option<&'static str> {
    if !(3..=63).contains(&name.len()) {
        return Some("must be 3 to 63 characters");
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-') {
        return Some("may hold only lowercase letters, digits, `.` and `-`");
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Some("must start and end with a letter or digit");
    }
    None
}

/// One object as read: its bytes, its ETag and its user metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub body: Vec<u8>,
    pub etag: String,
    pub metadata: BTreeMap<String, String>,
}

/// The condition of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Only if no object has the key (`If-None-Match: *`).
    Absent,
    /// Only if the object's ETag is this one (`If-Match`).
    Matches(String),
}

/// What an [`ObjectStore`] call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error("invalid state URL {0}")]
    BadUrl(String),
    /// The write's condition did not hold: someone else wrote or deleted the object.
    #[error("the condition on {0} did not hold (another run wrote it)")]
    PreconditionFailed(String),
    #[error("{0}")]
    Other(String),
}

/// The bucket that holds remote state, as the engine needs it.
pub trait ObjectStore: Send + Sync {
    /// The object at `key`, or `None`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Object>, RemoteError>>;
    /// Writes `body` at `key` if `condition` holds; the new ETag.
    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        metadata: BTreeMap<String, String>,
        condition: Condition,
    ) -> BoxFuture<'a, Result<String, RemoteError>>;
    /// Deletes `key` if its ETag is `etag`.
    fn delete<'a>(&'a self, key: &'a str, etag: &'a str) -> BoxFuture<'a, Result<(), RemoteError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_bad_ones_say_why() {
        let url = StateUrl::parse("s3://acme-plinth-state/envs/prod.db").unwrap();
        assert_eq!((url.bucket.as_str(), url.key.as_str()), ("acme-plinth-state", "envs/prod.db"));
        assert_eq!(url.lease_key(), "envs/prod.db.lease");
        assert_eq!(url.to_string(), "s3://acme-plinth-state/envs/prod.db");
        let problem = |text: &str| StateUrl::parse(text).unwrap_err().to_string();
        assert!(problem("gs://b/k").contains("only s3://"), "{}", problem("gs://b/k"));
        assert!(problem("s3://bucket").contains("no key"));
        assert!(problem("s3://Bucket/k").contains("lowercase"));
        assert!(problem("s3://ab/k").contains("3 to 63"));
        assert!(problem("s3://-ab/k").contains("start and end"));
        assert!(problem("s3://bucket/dir/").contains("not a folder"));
        assert!(StateUrl::is_url("s3://b/k") && !StateUrl::is_url(".plinth/dev.db"));
    }
}
