//! WAFv2 tagging: tags go on the CreateWebACL call, are read with ListTagsForResource and are
//! changed key by key (TagResource / UntagResource) from the difference between old and new.

use crate::error::{build_error, classify};
use crate::tags::{changes, without_reserved};
use crate::AwsContext;
use aws_sdk_wafv2::types::Tag;
use engine::{ProviderError, Tags};

/// Tags as the SDK wants them; `None` for no tags (WAF rejects an empty tag list).
pub fn to_sdk(tags: &Tags) -> Result<Option<Vec<Tag>>, ProviderError> {
    if tags.is_empty() {
        return Ok(None);
    }
    let list = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| build_error("WAF tag", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(list))
}

/// The tags on `arn` (AWS-reserved `aws:` keys left out).
pub async fn read(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
    let mut tags = Tags::new();
    let mut marker: Option<String> = None;
    loop {
        let call = cx.wafv2.list_tags_for_resource().resource_arn(arn).limit(100).set_next_marker(marker.clone());
        let out = call.send().await.map_err(|e| classify("ListTagsForResource", e))?;
        let page = out.tag_info_for_resource().map(|t| t.tag_list()).unwrap_or_default();
        tags.extend(without_reserved(page.iter().map(|t| (t.key(), t.value()))));
        match out.next_marker() {
            Some(next) if !next.is_empty() && !page.is_empty() => marker = Some(next.to_string()),
            _ => return Ok(tags),
        }
    }
}

/// Moves the tags of `arn` from `old` to `new` with as few calls as the difference needs.
pub async fn sync(cx: &AwsContext, arn: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let diff = changes(old, new);
    if let Some(list) = to_sdk(&diff.set)? {
        let call = cx.wafv2.tag_resource().resource_arn(arn).set_tags(Some(list));
        call.send().await.map_err(|e| classify("TagResource", e))?;
    }
    if !diff.removed.is_empty() {
        let call = cx.wafv2.untag_resource().resource_arn(arn).set_tag_keys(Some(diff.removed));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::from_pairs as tags;

    #[test]
    fn no_tag_list_without_tags() {
        assert!(to_sdk(&Tags::new()).expect("ok").is_none());
        assert_eq!(to_sdk(&tags(&[("k", "v")])).expect("ok").map(|l| l.len()), Some(1));
    }
}
