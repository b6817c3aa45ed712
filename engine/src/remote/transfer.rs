//! Moving the state file to and from its object: a sha256 of the bytes travels in the object's
//! metadata and is checked on every download; every upload is conditional on the ETag this run
//! last saw, so a stale writer fails instead of overwriting newer state.
//!
//! # Guarantees
//! * [`download`] returns bytes whose sha256 equals the one recorded at upload, or an error
//!   naming the object (a missing or wrong checksum is never used).
//! * [`upload`] writes only over the version `previous` names (`None`: only if there is no state
//!   yet) and returns the new ETag; otherwise [`TransferError::Stale`].

use super::{Condition, ObjectStore, RemoteError, StateUrl};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The user-metadata key holding the state's sha256 (S3: `x-amz-meta-plinth-sha256`).
pub const CHECKSUM_KEY: &str = "plinth-sha256";

/// A downloaded state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub body: Vec<u8>,
    pub etag: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("{url} has no {CHECKSUM_KEY} metadata: it was not written by Plinth; refusing to use it")]
    NoChecksum { url: String },
    #[error("{url} is damaged: its sha256 is {actual}, but it was uploaded with {expected}; refusing to use it (an earlier version is in the bucket's history)")]
    Checksum { url: String, expected: String, actual: String },
    #[error("{url} changed since this run read it (another run wrote it): not overwriting it")]
    Stale { url: String },
    #[error("{url}: {source}")]
    Remote { url: String, source: RemoteError },
}

/// The hex sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The state at `url`, checked against its recorded sha256; `None` when there is none yet.
pub async fn download(store: &dyn ObjectStore, url: &StateUrl) -> Result<Option<Downloaded>, TransferError> {
    let got = store.get(&url.key).await.map_err(|source| TransferError::Remote { url: url.to_string(), source })?;
    let Some(object) = got else { return Ok(None) };
    let expected = object.metadata.get(CHECKSUM_KEY).ok_or(TransferError::NoChecksum { url: url.to_string() })?;
    let actual = sha256(&object.body);
    if *expected != actual {
        return Err(TransferError::Checksum { url: url.to_string(), expected: expected.clone(), actual });
    }
    Ok(Some(Downloaded { body: object.body, etag: object.etag }))
}

/// Uploads `body` over the version `previous` (or only if none exists); the new ETag.
pub async fn upload(
    store: &dyn ObjectStore,
    url: &StateUrl,
    body: Vec<u8>,
    previous: Option<&str>,
) -> Result<String, TransferError> {
    let metadata = BTreeMap::from([(CHECKSUM_KEY.to_string(), sha256(&body))]);
    let condition = previous.map_or(Condition::Absent, |etag| Condition::Matches(etag.to_string()));
    match store.put(&url.key, body, metadata, condition).await {
        Ok(etag) => Ok(etag),
        Err(RemoteError::PreconditionFailed(_)) => Err(TransferError::Stale { url: url.to_string() }),
        Err(source) => Err(TransferError::Remote { url: url.to_string(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::memory::Memory;

    fn url() -> StateUrl {
        StateUrl::parse("s3://acme-state/prod.db").unwrap()
    }

    #[tokio::test]
    async fn state_round_trips_and_a_stale_writer_fails() {
        let store = Memory::default();
        assert_eq!(download(&store, &url()).await.unwrap(), None);
        let first = upload(&store, &url(), b"v1".to_vec(), None).await.unwrap();
        let got = download(&store, &url()).await.unwrap().unwrap();
        assert_eq!((got.body.as_slice(), got.etag.as_str()), (b"v1".as_slice(), first.as_str()));
        let second = upload(&store, &url(), b"v2".to_vec(), Some(&first)).await.unwrap();
        let stale = upload(&store, &url(), b"v2-from-a-stale-run".to_vec(), Some(&first)).await.unwrap_err();
        assert!(matches!(stale, TransferError::Stale { .. }), "{stale}");
        assert!(matches!(upload(&store, &url(), b"x".to_vec(), None).await, Err(TransferError::Stale { .. })));
        assert_eq!(download(&store, &url()).await.unwrap().unwrap().etag, second);
    }

    #[tokio::test]
    async fn a_damaged_or_foreign_object_is_refused() {
        let store = Memory::default();
        let wrong = BTreeMap::from([(CHECKSUM_KEY.to_string(), sha256(b"other"))]);
        store.put("prod.db", b"v1".to_vec(), wrong, Condition::Absent).await.unwrap();
        let damaged = download(&store, &url()).await.unwrap_err();
        assert!(
            matches!(damaged, TransferError::Checksum { .. })
                && damaged.to_string().contains("s3://acme-state/prod.db")
        );
        let store = Memory::default();
        store.put("prod.db", b"v1".to_vec(), BTreeMap::new(), Condition::Absent).await.unwrap();
        assert!(matches!(download(&store, &url()).await, Err(TransferError::NoChecksum { .. })));
    }
}
