//! Bucket tagging. S3 replaces a bucket's whole tag set at once (PutBucketTagging; an empty set
//! is DeleteBucketTagging), so there is no key-by-key sync: [`write`] sets exactly the new set.
//! Tags go in CreateBucket's configuration; an endpoint that ignores them gets them right after.
//! [`S3`] lists the live set for the shared `crate::tags::read`.

use super::unset_if;
use crate::error::{build_error, classify};
use crate::tags::{all_of, to_sdk, TagRead};
use crate::AwsContext;
use aws_sdk_s3::types::{Tag, Tagging};
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(Tag, required);

/// The S3 bucket tag API, by bucket name.
pub struct S3;

impl TagRead for S3 {
    /// The bucket's tags (none when it has none: NoSuchTagSet).
    async fn list(cx: &AwsContext, bucket: &str) -> Result<Tags, ProviderError> {
        let result = cx.s3().get_bucket_tagging().bucket(bucket).send().await;
        let out = unset_if("GetBucketTagging", result, &["NoSuchTagSet"])?;
        Ok(out.map(|o| all_of(o.tag_set())).unwrap_or_default())
    }
}

/// Makes the bucket's tag set exactly `tags`.
pub async fn write(cx: &AwsContext, bucket: &str, tags: &Tags) -> Result<(), ProviderError> {
    let Some(set) = to_sdk::<Tag>(tags)? else {
        let result = cx.s3().delete_bucket_tagging().bucket(bucket).send().await;
        return unset_if("DeleteBucketTagging", result, &["NoSuchTagSet"]).map(|_| ());
    };
    let tagging = Tagging::builder().set_tag_set(Some(set)).build().map_err(|e| build_error("bucket tags", e))?;
    let call = cx.s3().put_bucket_tagging().bucket(bucket).tagging(tagging);
    call.send().await.map_err(|e| classify("PutBucketTagging", e))?;
    Ok(())
}
