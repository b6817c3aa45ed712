//! Parameter tag sync: AddTagsToResource adds or changes keys, RemoveTagsFromResource removes
//! the others. Tags go in PutParameter at creation (AWS refuses them with Overwrite).

use crate::error::{build_error, classify};
use crate::tags::{changes, without_reserved};
use crate::AwsContext;
use aws_sdk_ssm::types::{ResourceTypeForTagging, Tag};
use engine::{ProviderError, Tags};

/// Tags as the SDK wants them; `None` for no tags.
pub fn to_sdk(tags: &Tags) -> Result<Option<Vec<Tag>>, ProviderError> {
    if tags.is_empty() {
        return Ok(None);
    }
    let built =
        tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| build_error("parameter tag", e)));
    built.collect::<Result<Vec<_>, _>>().map(Some)
}

/// The parameter's user tags (`aws:` tags belong to AWS and are never reported).
pub async fn read(cx: &AwsContext, name: &str) -> Result<Tags, ProviderError> {
    let out = cx
        .ssm
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .map_err(|e| classify("ListTagsForResource", e))?;
    Ok(without_reserved(out.tag_list().iter().map(|t| (t.key(), t.value()))))
}

/// Moves the parameter's tags from `old` to `new`.
pub async fn sync(cx: &AwsContext, name: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let diff = changes(old, new);
    if !diff.removed.is_empty() {
        cx.ssm
            .remove_tags_from_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tag_keys(Some(diff.removed))
            .send()
            .await
            .map_err(|e| classify("RemoveTagsFromResource", e))?;
    }
    if let Some(tags) = to_sdk(&diff.set)? {
        cx.ssm
            .add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| classify("AddTagsToResource", e))?;
    }
    Ok(())
}
