//! Application Auto Scaling tagging: only scalable targets carry tags, by ARN, as a key → value
//! map (no `Tag` type). Tags go on RegisterScalableTarget when it creates the target;
//! [`AppScaling`] is the API behind the shared `crate::tags::{read, sync}` (ListTagsForResource,
//! TagResource, UntagResource).

use crate::error::classify;
use crate::tags::{TagRead, TagWrite};
use crate::AwsContext;
use engine::{ProviderError, Tags};
use std::collections::HashMap;

/// The Application Auto Scaling tag API.
pub struct AppScaling;

/// Tags as the SDK's map; `None` when there are none (no empty member is sent).
pub fn to_map(tags: &Tags) -> Option<HashMap<String, String>> {
    Some(tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).filter(|m: &HashMap<_, _>| !m.is_empty())
}

impl TagRead for AppScaling {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.appautoscaling().list_tags_for_resource().resource_arn(arn).send().await;
        let out = out.map_err(|e| classify("ListTagsForResource", e))?;
        Ok(out.tags().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
    }
}

impl TagWrite for AppScaling {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.appautoscaling().tag_resource().resource_arn(arn).set_tags(to_map(tags));
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.appautoscaling().untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
