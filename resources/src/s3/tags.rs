//! Bucket tag sync. S3 replaces a bucket's whole tag set at once (PutBucketTagging), and an
//! empty set is expressed by DeleteBucketTagging.

use super::unset_if;
use crate::error::{build_error, classify};
use crate::tags::without_reserved;
use crate::AwsContext;
use aws_sdk_s3::types::{Tag, Tagging};
use engine::{ProviderError, Tags};

/// Tags as the SDK wants them.
pub fn to_sdk(tags: &Tags) -> Result<Vec<Tag>, ProviderError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| build_error("bucket tag", e))).collect()
}

/// The bucket's tags (empty when it has none: NoSuchTagSet).
pub async fn read(cx: &AwsContext, bucket: &str) -> Result<Tags, ProviderError> {
    let result = cx.s3.get_bucket_tagging().bucket(bucket).send().await;
    let Some(out) = unset_if("GetBucketTagging", result, &["NoSuchTagSet"])? else {
        return Ok(Tags::new());
    };
    Ok(without_reserved(out.tag_set().iter().map(|t| (t.key(), t.value()))))
}

/// Makes the bucket's tag set exactly `tags`.
pub async fn write(cx: &AwsContext, bucket: &str, tags: &Tags) -> Result<(), ProviderError> {
    if tags.is_empty() {
        let result = cx.s3.delete_bucket_tagging().bucket(bucket).send().await;
        return unset_if("DeleteBucketTagging", result, &["NoSuchTagSet"]).map(|_| ());
    }
    let tagging =
        Tagging::builder().set_tag_set(Some(to_sdk(tags)?)).build().map_err(|e| build_error("bucket tags", e))?;
    cx.s3
        .put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| classify("PutBucketTagging", e))?;
    Ok(())
}
