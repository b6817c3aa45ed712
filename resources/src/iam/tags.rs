//! IAM tag sync: tags are set at creation (CreateRole / CreatePolicy take them), then changed
//! key by key with Tag* / Untag* calls from the difference between the old and new inputs.

use crate::error::{build_error, classify};
use crate::AwsContext;
use aws_sdk_iam::types::Tag;
use engine::{ProviderError, Tags};

/// Tags as the SDK wants them.
pub fn to_sdk(tags: &Tags) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| build_error("IAM tag", e)))
        .collect()
}

/// What to set (new or changed values) and which keys to remove, going from `old` to `new`.
pub fn diff(old: &Tags, new: &Tags) -> (Tags, Vec<String>) {
    let set = new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let remove = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    (set, remove)
}

fn from_sdk(tags: Vec<Tag>) -> Tags {
    tags.into_iter()
        .filter(|t| !t.key().starts_with("aws:"))
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

pub async fn role_tags(cx: &AwsContext, role: &str) -> Result<Tags, ProviderError> {
    let pages = cx.iam.list_role_tags().role_name(role).into_paginator().items().send();
    let tags = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListRoleTags", e))?;
    Ok(from_sdk(tags))
}

pub async fn policy_tags(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
    let pages = cx.iam.list_policy_tags().policy_arn(arn).into_paginator().items().send();
    let tags = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListPolicyTags", e))?;
    Ok(from_sdk(tags))
}

pub async fn sync_role_tags(cx: &AwsContext, role: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let (set, remove) = diff(old, new);
    if !set.is_empty() {
        let call = cx.iam.tag_role().role_name(role).set_tags(Some(to_sdk(&set)?));
        call.send().await.map_err(|e| classify("TagRole", e))?;
    }
    if !remove.is_empty() {
        let call = cx.iam.untag_role().role_name(role).set_tag_keys(Some(remove));
        call.send().await.map_err(|e| classify("UntagRole", e))?;
    }
    Ok(())
}

pub async fn sync_policy_tags(cx: &AwsContext, arn: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let (set, remove) = diff(old, new);
    if !set.is_empty() {
        let call = cx.iam.tag_policy().policy_arn(arn).set_tags(Some(to_sdk(&set)?));
        call.send().await.map_err(|e| classify("TagPolicy", e))?;
    }
    if !remove.is_empty() {
        let call = cx.iam.untag_policy().policy_arn(arn).set_tag_keys(Some(remove));
        call.send().await.map_err(|e| classify("UntagPolicy", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_sets_changed_and_removes_missing() {
        let old: Tags = [("a", "1"), ("b", "2"), ("c", "3")].map(|(k, v)| (k.into(), v.into())).into();
        let new: Tags = [("a", "1"), ("b", "20"), ("d", "4")].map(|(k, v)| (k.into(), v.into())).into();
        let (set, remove) = diff(&old, &new);
        assert_eq!(set.into_iter().collect::<Vec<_>>(), vec![("b".into(), "20".into()), ("d".into(), "4".into())]);
        assert_eq!(remove, vec!["c".to_string()]);
    }
}
