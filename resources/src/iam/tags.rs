//! IAM tag sync: tags are set at creation (CreateRole / CreatePolicy take them), then changed
//! key by key with Tag* / Untag* calls from the difference between the old and new inputs.

use crate::error::{build_error, classify};
use crate::tags::{changes, without_reserved};
use crate::AwsContext;
use aws_sdk_iam::types::Tag;
use engine::{ProviderError, Tags};

/// Tags as the SDK wants them.
pub fn to_sdk(tags: &Tags) -> Result<Vec<Tag>, ProviderError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| build_error("IAM tag", e))).collect()
}

fn from_sdk(tags: &[Tag]) -> Tags {
    without_reserved(tags.iter().map(|t| (t.key(), t.value())))
}

pub async fn role_tags(cx: &AwsContext, role: &str) -> Result<Tags, ProviderError> {
    let pages = cx.iam.list_role_tags().role_name(role).into_paginator().items().send();
    let tags = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListRoleTags", e))?;
    Ok(from_sdk(&tags))
}

pub async fn policy_tags(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
    let pages = cx.iam.list_policy_tags().policy_arn(arn).into_paginator().items().send();
    let tags = pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListPolicyTags", e))?;
    Ok(from_sdk(&tags))
}

pub async fn sync_role_tags(cx: &AwsContext, role: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let diff = changes(old, new);
    if !diff.set.is_empty() {
        let call = cx.iam.tag_role().role_name(role).set_tags(Some(to_sdk(&diff.set)?));
        call.send().await.map_err(|e| classify("TagRole", e))?;
    }
    if !diff.removed.is_empty() {
        let call = cx.iam.untag_role().role_name(role).set_tag_keys(Some(diff.removed));
        call.send().await.map_err(|e| classify("UntagRole", e))?;
    }
    Ok(())
}

pub async fn sync_policy_tags(cx: &AwsContext, arn: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let diff = changes(old, new);
    if !diff.set.is_empty() {
        let call = cx.iam.tag_policy().policy_arn(arn).set_tags(Some(to_sdk(&diff.set)?));
        call.send().await.map_err(|e| classify("TagPolicy", e))?;
    }
    if !diff.removed.is_empty() {
        let call = cx.iam.untag_policy().policy_arn(arn).set_tag_keys(Some(diff.removed));
        call.send().await.map_err(|e| classify("UntagPolicy", e))?;
    }
    Ok(())
}
