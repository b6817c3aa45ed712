//! GuardDuty tagging: tags go on CreateDetector (a key → value map); [`GuardDuty`] is the API
//! behind the shared `crate::tags::{read, sync}` (ListTagsForResource; UntagResource,
//! TagResource), by detector ARN.

use crate::error::classify;
use crate::AwsContext;
use engine::{ProviderError, Tags};
use std::collections::HashMap;

/// The GuardDuty tag API.
pub struct GuardDuty;

/// Tags as GuardDuty takes them; `None` for none.
pub fn to_map(tags: &Tags) -> Option<HashMap<String, String>> {
    Some(tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).filter(|m: &HashMap<_, _>| !m.is_empty())
}

impl crate::tags::TagRead for GuardDuty {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.guardduty().list_tags_for_resource().resource_arn(arn).send().await;
        let out = out.map_err(|e| super::reclassify(classify("ListTagsForResource", e)))?;
        Ok(out.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
    }
}

impl crate::tags::TagWrite for GuardDuty {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.guardduty().tag_resource().resource_arn(arn).set_tags(to_map(tags));
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.guardduty().untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
