//! ElastiCache tagging. Tags travel with the create call (`Tags` on CreateCacheSubnetGroup and
//! CreateReplicationGroup); afterwards they are read and changed by ARN: ListTagsForResource,
//! AddTagsToResource / RemoveTagsFromResource for exactly the difference.

use crate::ec2::tags::diff;
use crate::error::classify;
use crate::AwsContext;
use aws_sdk_elasticache::types::Tag;
use engine::{ProviderError, Tags};

/// SDK tags from a tag map; `None` when there are none (nothing to send).
pub fn to_sdk(tags: &Tags) -> Option<Vec<Tag>> {
    if tags.is_empty() {
        return None;
    }
    Some(tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect())
}

/// A tag map from live SDK tags (a tag without a key is skipped; without a value it is "").
pub fn from_sdk(tags: &[Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect()
}

/// The live tags of the object with this ARN.
pub async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
    let out = cx
        .elasticache
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| classify("ListTagsForResource", e))?;
    Ok(from_sdk(out.tag_list()))
}

/// Moves the tags of the object `arn` from `old` to `new` with as few calls as the difference needs.
pub async fn sync(cx: &AwsContext, arn: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let (removed, changed) = diff(old, new);
    if !removed.is_empty() {
        cx.elasticache
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| classify("RemoveTagsFromResource", e))?;
    }
    if let Some(changed) = to_sdk(&changed) {
        cx.elasticache
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
    fn sdk_round_trip_and_nothing_for_no_tags() {
        let t: Tags = [("Environment", "dev"), ("plinth:name", "cache")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(from_sdk(&to_sdk(&t).expect("some")), t);
        assert!(to_sdk(&Tags::new()).is_none());
    }
}
