//! SNS tagging: tags go on CreateTopic (from `crate::tags::to_sdk`); [`Sns`] is the API behind
//! the shared `crate::tags::{read, sync}` (ListTagsForResource; UntagResource, TagResource), by
//! topic ARN. Subscriptions take no tags.

use crate::error::classify;
use crate::tags::{all_of, to_sdk, TagRead, TagWrite};
use crate::AwsContext;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(aws_sdk_sns::types::Tag, required);

/// The SNS tag API.
pub struct Sns;

impl TagRead for Sns {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.sns().list_tags_for_resource().resource_arn(arn).send().await;
        let out = out.map_err(|e| classify("ListTagsForResource", e))?;
        Ok(all_of(out.tags()))
    }
}

impl TagWrite for Sns {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.sns().tag_resource().resource_arn(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.sns().untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
