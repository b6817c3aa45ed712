//! Budgets tagging: tags go on the CreateBudget call (`ResourceTags`), are read with
//! ListTagsForResource and changed key by key (TagResource / UntagResource) by the budget's ARN.

use crate::error::{build_error, classify};
use crate::tags::{changes, without_reserved};
use crate::AwsContext;
use aws_sdk_budgets::types::ResourceTag;
use engine::{ProviderError, Tags};

/// Tags as the SDK wants them; `None` for no tags.
pub fn to_sdk(tags: &Tags) -> Result<Option<Vec<ResourceTag>>, ProviderError> {
    if tags.is_empty() {
        return Ok(None);
    }
    let list = tags
        .iter()
        .map(|(k, v)| ResourceTag::builder().key(k).value(v).build().map_err(|e| build_error("budget tag", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(list))
}

/// The tags on the budget `arn` (AWS-reserved `aws:` keys left out).
pub async fn read(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
    let out = cx.budgets.list_tags_for_resource().resource_arn(arn).send().await;
    let out = out.map_err(|e| classify("ListTagsForResource", e))?;
    Ok(without_reserved(out.resource_tags().iter().map(|t| (t.key(), t.value()))))
}

/// Moves the tags of `arn` from `old` to `new` with as few calls as the difference needs.
pub async fn sync(cx: &AwsContext, arn: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let diff = changes(old, new);
    if let Some(list) = to_sdk(&diff.set)? {
        let call = cx.budgets.tag_resource().resource_arn(arn).set_resource_tags(Some(list));
        call.send().await.map_err(|e| classify("TagResource", e))?;
    }
    if !diff.removed.is_empty() {
        let call = cx.budgets.untag_resource().resource_arn(arn).set_resource_tag_keys(Some(diff.removed));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion() {
        let old: Tags = [("a".to_string(), "1".to_string()), ("b".to_string(), "2".to_string())].into();
        assert!(to_sdk(&Tags::new()).expect("ok").is_none());
        assert_eq!(to_sdk(&old).expect("ok").map(|l| l.len()), Some(2));
    }
}
