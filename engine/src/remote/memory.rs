//! An in-memory [`ObjectStore`] with S3's conditional-write semantics, for tests of the remote
//! state protocol without a bucket. ETags are a counter, so every write gets a new one.

use super::{Condition, Object, ObjectStore, RemoteError};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Default)]
pub struct Memory {
    objects: Mutex<BTreeMap<String, Object>>,
    writes: AtomicU64,
}

impl ObjectStore for Memory {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Object>, RemoteError>> {
        Box::pin(async move { Ok(self.objects.lock().unwrap().get(key).cloned()) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        metadata: BTreeMap<String, String>,
        condition: Condition,
    ) -> BoxFuture<'a, Result<String, RemoteError>> {
        Box::pin(async move {
            let mut objects = self.objects.lock().unwrap();
            let holds = match (&condition, objects.get(key)) {
                (Condition::Absent, existing) => existing.is_none(),
                (Condition::Matches(etag), Some(existing)) => existing.etag == *etag,
                (Condition::Matches(_), None) => false,
            };
            if !holds {
                return Err(RemoteError::PreconditionFailed(key.to_string()));
            }
            let etag = format!("\"{}\"", self.writes.fetch_add(1, Ordering::SeqCst) + 1);
            objects.insert(key.to_string(), Object { body, etag: etag.clone(), metadata });
            Ok(etag)
        })
    }

    fn delete<'a>(&'a self, key: &'a str, etag: &'a str) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            let mut objects = self.objects.lock().unwrap();
            match objects.get(key) {
                Some(existing) if existing.etag == etag => {
                    objects.remove(key);
                    Ok(())
                }
                _ => Err(RemoteError::PreconditionFailed(key.to_string())),
            }
        })
    }
}
