//! CloudWatch Logs tagging: tags go on CreateLogGroup (a key → value map, not a tag list);
//! [`Logs`] is the API behind the shared `crate::tags::{read, sync}` (ListTagsForResource;
//! UntagResource, TagResource), by the group's ARN without `:*`.

use crate::error::classify;
use crate::AwsContext;
use engine::{ProviderError, Tags};
use std::collections::HashMap;

/// The CloudWatch Logs tag API.
pub struct Logs;

/// Tags as the Logs API takes them; `None` for none (CreateLogGroup refuses an empty map).
pub fn to_map(tags: &Tags) -> Option<HashMap<String, String>> {
    Some(tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).filter(|m: &HashMap<_, _>| !m.is_empty())
}

impl crate::tags::TagRead for Logs {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.logs().list_tags_for_resource().resource_arn(arn).send().await;
        let out = out.map_err(|e| classify("ListTagsForResource", e))?;
        Ok(out.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
    }
}

impl crate::tags::TagWrite for Logs {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.logs().tag_resource().resource_arn(arn).set_tags(to_map(tags));
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.logs().untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
