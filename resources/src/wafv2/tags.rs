//! WAFv2 tagging: tags go on the CreateWebACL call (from `crate::tags::to_sdk`); [`Waf`] is the
//! API behind the shared `crate::tags::{read, sync}` (ListTagsForResource, paged; UntagResource,
//! TagResource), by ARN.

use crate::error::classify;
use crate::tags::{all_of, to_sdk, TagRead, TagWrite};
use crate::AwsContext;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(aws_sdk_wafv2::types::Tag, required);

/// The WAFv2 tag API.
pub struct Waf;

impl TagRead for Waf {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let mut tags = Tags::new();
        let mut marker: Option<String> = None;
        loop {
            let call = cx.wafv2().list_tags_for_resource().resource_arn(arn).limit(100).set_next_marker(marker.clone());
            let out = call.send().await.map_err(|e| classify("ListTagsForResource", e))?;
            let page = out.tag_info_for_resource().map(|t| t.tag_list()).unwrap_or_default();
            tags.extend(all_of(page));
            match out.next_marker() {
                Some(next) if !next.is_empty() && !page.is_empty() => marker = Some(next.to_string()),
                _ => return Ok(tags),
            }
        }
    }
}

impl TagWrite for Waf {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.wafv2().tag_resource().resource_arn(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.wafv2().untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
