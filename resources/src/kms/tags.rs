//! KMS tagging: tags go on CreateKey as `TagKey` / `TagValue` pairs (from `crate::tags::to_sdk`);
//! [`Kms`] is the API behind the shared `crate::tags::{read, sync}` (ListResourceTags, paged;
//! UntagResource, TagResource), by key id or ARN. Aliases have no tags.

use crate::error::classify;
use crate::tags::{all_of, to_sdk, SdkTag, TagRead, TagWrite};
use crate::AwsContext;
use aws_sdk_kms::types::Tag;
use engine::{ProviderError, Tags};

/// The KMS tag API.
pub struct Kms;

impl SdkTag for Tag {
    fn pair(&self) -> Option<(&str, &str)> {
        Some((self.tag_key(), self.tag_value()))
    }

    fn build(key: &str, value: &str) -> Result<Self, ProviderError> {
        Tag::builder().tag_key(key).tag_value(value).build().map_err(|e| crate::error::build_error("tag", e))
    }
}

impl TagRead for Kms {
    async fn list(cx: &AwsContext, key_id: &str) -> Result<Tags, ProviderError> {
        let (mut tags, mut marker) = (Tags::new(), None::<String>);
        loop {
            let call = cx.kms().list_resource_tags().key_id(key_id).set_marker(marker.clone());
            let out = call.send().await.map_err(|e| classify("ListResourceTags", e))?;
            tags.extend(all_of(out.tags()));
            match out.next_marker().filter(|_| out.truncated()) {
                Some(next) if !next.is_empty() => marker = Some(next.to_string()),
                _ => return Ok(tags),
            }
        }
    }
}

impl TagWrite for Kms {
    async fn tag(cx: &AwsContext, key_id: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.kms().tag_resource().key_id(key_id).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, key_id: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.kms().untag_resource().key_id(key_id).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
