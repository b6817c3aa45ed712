//! CloudFront tagging (distributions only; origin access controls take no tags): tags go on
//! CreateDistributionWithTags; [`Cf`] is the API behind the shared `crate::tags::{read, sync}`
//! (ListTagsForResource, UntagResource, TagResource), by ARN.

use crate::error::{build_error, classify};
use crate::tags::{all_of, SdkTag, TagRead, TagWrite};
use crate::AwsContext;
use aws_sdk_cloudfront::types::{Tag, TagKeys};
use engine::{ProviderError, Tags};

// CloudFront's `Tag` has a required key and an optional value: neither form of `sdk_tag!`.
impl SdkTag for Tag {
    fn pair(&self) -> Option<(&str, &str)> {
        Some((self.key(), self.value().unwrap_or_default()))
    }

    fn build(key: &str, value: &str) -> Result<Self, ProviderError> {
        Tag::builder().key(key).value(value).build().map_err(|e| build_error("tag", e))
    }
}

/// The SDK's `Tags` wrapper for a create or tag call.
pub fn to_sdk(tags: &Tags) -> Result<aws_sdk_cloudfront::types::Tags, ProviderError> {
    let items = crate::tags::to_sdk::<Tag>(tags)?;
    Ok(aws_sdk_cloudfront::types::Tags::builder().set_items(items).build())
}

/// The CloudFront tag API.
pub struct Cf;

impl TagRead for Cf {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.cloudfront().list_tags_for_resource().resource(arn).send().await;
        let out = out.map_err(|e| classify("ListTagsForResource", e))?;
        Ok(out.tags().map(|t| all_of(t.items())).unwrap_or_default())
    }
}

impl TagWrite for Cf {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.cloudfront().tag_resource().resource(arn).tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let keys = TagKeys::builder().set_items(Some(keys)).build();
        let call = cx.cloudfront().untag_resource().resource(arn).tag_keys(keys);
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
