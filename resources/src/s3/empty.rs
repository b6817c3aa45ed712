//! Emptying a bucket before a forced delete: every object version and every delete marker.

use crate::error::{build_error, classify};
use crate::AwsContext;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use engine::{ErrorClass, ProviderError};

/// Deletes every version and delete marker in `bucket`, a page (≤ 1000 keys) at a time.
/// Each round lists from the start, since the previous page is gone; a round that deletes
/// nothing would loop forever, so failures to delete are errors.
pub async fn empty_bucket(cx: &AwsContext, bucket: &str) -> Result<usize, ProviderError> {
    let mut deleted = 0;
    loop {
        let page = list_page(cx, bucket).await?;
        if page.is_empty() {
            return Ok(deleted);
        }
        deleted += page.len();
        delete_page(cx, bucket, page).await?;
    }
}

async fn list_page(cx: &AwsContext, bucket: &str) -> Result<Vec<ObjectIdentifier>, ProviderError> {
    let out = cx.s3().list_object_versions().bucket(bucket).send().await;
    let out = out.map_err(|e| classify("ListObjectVersions", e))?;
    let versions = out.versions().iter().map(|v| (v.key(), v.version_id()));
    let markers = out.delete_markers().iter().map(|m| (m.key(), m.version_id()));
    versions
        .chain(markers)
        .filter_map(|(key, version)| key.map(|k| (k, version)))
        .map(|(key, version)| {
            // Unversioned objects list as version "null", which DeleteObjects accepts as such.
            ObjectIdentifier::builder()
                .key(key)
                .set_version_id(version.map(str::to_string))
                .build()
                .map_err(|e| build_error("object identifier", e))
        })
        .collect()
}

async fn delete_page(cx: &AwsContext, bucket: &str, objects: Vec<ObjectIdentifier>) -> Result<(), ProviderError> {
    let delete = Delete::builder().set_objects(Some(objects)).quiet(true).build();
    let delete = delete.map_err(|e| build_error("delete request", e))?;
    let out = cx.s3().delete_objects().bucket(bucket).delete(delete).send().await;
    let out = out.map_err(|e| classify("DeleteObjects", e))?;
    if let Some(first) = out.errors().first() {
        let message = format!(
            "DeleteObjects in bucket {bucket}: {} object(s) not deleted, first {} ({}: {})",
            out.errors().len(),
            first.key().unwrap_or("?"),
            first.code().unwrap_or("?"),
            first.message().unwrap_or(""),
        );
        return Err(ProviderError::new(ErrorClass::Conflict, message));
    }
    Ok(())
}
