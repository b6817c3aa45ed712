//! The state bucket as the engine's [`ObjectStore`]: remote state and its lease as S3 objects,
//! written with S3's conditional requests (`If-None-Match: *`, `If-Match`).
//!
//! # Guarantees
//! * A write whose condition does not hold is [`RemoteError::PreconditionFailed`], whether S3
//!   answers 412 `PreconditionFailed`, 409 `ConditionalRequestConflict` (a racing write) or 404
//!   `NoSuchKey` (`If-Match` on an object someone deleted).
//! * Objects are written with SSE-S3 at least (the bucket's default encryption may be KMS).
//!
//! # Assumptions
//! * Conditional writes need S3 (since 2024) or an emulator that honours them (moto 5.2 does, for
//!   PutObject and DeleteObject).

use crate::error::{classify, raw_status};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::ServerSideEncryption;
use engine::remote::{Condition, Object, ObjectStore, RemoteError};
use engine::ErrorClass;
use futures::future::BoxFuture;
use std::collections::BTreeMap;

/// One bucket's objects.
pub struct S3Objects {
    pub client: aws_sdk_s3::Client,
    pub bucket: String,
}

fn failed<E, R>(operation: &str, key: &str, err: SdkError<E, R>) -> RemoteError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    // Every write here is conditional: `If-Match` on an object that is gone answers 404
    // NoSuchKey, which means the same as 412: someone else changed (deleted) it.
    let precondition = matches!(err.code(), Some("PreconditionFailed" | "ConditionalRequestConflict" | "NoSuchKey"))
        || matches!(raw_status(&err), Some(412));
    if precondition {
        return RemoteError::PreconditionFailed(key.to_string());
    }
    RemoteError::Other(classify(operation, err).to_string())
}

impl ObjectStore for S3Objects {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Object>, RemoteError>> {
        Box::pin(async move {
            let out = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
                Ok(out) => out,
                Err(e) => {
                    let err = classify("GetObject", e);
                    return if err.class == ErrorClass::NotFound {
                        Ok(None)
                    } else {
                        Err(RemoteError::Other(err.to_string()))
                    };
                }
            };
            let etag = out.e_tag().unwrap_or_default().to_string();
            let metadata: BTreeMap<String, String> =
                out.metadata().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
            let body = out.body.collect().await.map_err(|e| RemoteError::Other(format!("reading {key}: {e}")))?;
            Ok(Some(Object { body: body.into_bytes().to_vec(), etag, metadata }))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        metadata: BTreeMap<String, String>,
        condition: Condition,
    ) -> BoxFuture<'a, Result<String, RemoteError>> {
        Box::pin(async move {
            let mut call = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .server_side_encryption(ServerSideEncryption::Aes256)
                .set_metadata(Some(metadata.into_iter().collect()))
                .body(body.into());
            call = match condition {
                Condition::Absent => call.if_none_match("*"),
                Condition::Matches(etag) => call.if_match(etag),
            };
            let out = call.send().await.map_err(|e| failed("PutObject", key, e))?;
            Ok(out.e_tag().unwrap_or_default().to_string())
        })
    }

    fn delete<'a>(&'a self, key: &'a str, etag: &'a str) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            let call = self.client.delete_object().bucket(&self.bucket).key(key).if_match(etag);
            call.send().await.map(|_| ()).map_err(|e| failed("DeleteObject", key, e))
        })
    }
}
