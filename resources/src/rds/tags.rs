//! RDS tagging by ARN: tags at creation (every Create call takes `Tags`), the live tags
//! (ListTagsForResource), and in-place sync (AddTagsToResource / RemoveTagsFromResource for
//! exactly the difference).

use crate::ec2::tags::diff;
use crate::error::classify;
use crate::AwsContext;
use aws_sdk_rds::types::Tag;
use engine::{ProviderError, Tags};

/// SDK tags from a tag map; `None` when empty, so create calls send no empty list.
pub fn to_sdk(tags: &Tags) -> Option<Vec<Tag>> {
    if tags.is_empty() {
        return None;
    }
    Some(tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect())
}

/// A tag map from live tags. `aws:` tags belong to AWS and are never reported.
pub fn from_sdk(tags: &[Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .filter(|(k, _)| !k.starts_with("aws:"))
        .collect()
}

/// The live tags of the object with this ARN.
pub async fn read(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
    let out = cx
        .rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| classify("ListTagsForResource", e))?;
    Ok(from_sdk(out.tag_list()))
}

/// Moves the tags of `arn` from `old` to `new` with as few calls as the difference needs.
pub async fn sync(cx: &AwsContext, arn: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let (removed, changed) = diff(old, new);
    if !removed.is_empty() {
        cx.rds
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| classify("RemoveTagsFromResource", e))?;
    }
    if let Some(changed) = to_sdk(&changed) {
        cx.rds
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(changed))
            .send()
            .await
            .map_err(|e| classify("AddTagsToResource", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_skips_aws_tags() {
        let mut tags = Tags::new();
        tags.insert("Environment".into(), "dev".into());
        tags.insert("plinth:name".into(), "db".into());
        let mut sdk = to_sdk(&tags).expect("some");
        sdk.push(Tag::builder().key("aws:cloudformation:stack-name").value("x").build());
        assert_eq!(from_sdk(&sdk), tags);
        assert!(to_sdk(&Tags::new()).is_none());
    }
}
