//! Budgets tagging: tags go on the CreateBudget call (`ResourceTags`), are read with
//! ListTagsForResource and changed key by key (TagResource / UntagResource) by the budget's ARN.

use crate::error::{build_error, classify};
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

/// What to set (new or changed values) and which keys to remove, going from `old` to `new`.
pub fn diff(old: &Tags, new: &Tags) -> (Tags, Vec<String>) {
    let set = new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let remove = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    (set, remove)
}

/// The tags on the budget `arn` (AWS-reserved `aws:` keys left out).
pub async fn read(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
    let out = cx.budgets.list_tags_for_resource().resource_arn(arn).send().await;
    let out = out.map_err(|e| classify("ListTagsForResource", e))?;
    Ok(out
        .resource_tags()
        .iter()
        .filter(|t| !t.key().starts_with("aws:"))
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// Moves the tags of `arn` from `old` to `new` with as few calls as the difference needs.
pub async fn sync(cx: &AwsContext, arn: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let (set, remove) = diff(old, new);
    if let Some(list) = to_sdk(&set)? {
        let call = cx.budgets.tag_resource().resource_arn(arn).set_resource_tags(Some(list));
        call.send().await.map_err(|e| classify("TagResource", e))?;
    }
    if !remove.is_empty() {
        let call = cx.budgets.untag_resource().resource_arn(arn).set_resource_tag_keys(Some(remove));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_and_conversion() {
        let old: Tags = [("a".to_string(), "1".to_string()), ("b".to_string(), "2".to_string())].into();
        let new: Tags = [("a".to_string(), "9".to_string())].into();
        let (set, remove) = diff(&old, &new);
        assert_eq!(set, new);
        assert_eq!(remove, ["b"]);
        assert!(to_sdk(&Tags::new()).expect("ok").is_none());
        assert_eq!(to_sdk(&old).expect("ok").map(|l| l.len()), Some(2));
    }
}
