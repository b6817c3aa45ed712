//! EC2 tagging: `TagSpecification`s so tags exist from the moment an object does, conversion of
//! live tags back to `Tags`, and in-place tag sync (CreateTags / DeleteTags for exactly the
//! difference).

use crate::error::classify;
use crate::tags::changes;
use crate::AwsContext;
use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use engine::{ProviderError, Tags};

/// SDK tags from a tag map.
pub fn to_sdk(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// A tag map from live SDK tags (a tag without a key is skipped; without a value it is "").
pub fn from_sdk(tags: &[Tag]) -> Tags {
    tags.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string()))).collect()
}

/// The tag specifications for a create call: none when there are no tags (EC2 rejects an
/// empty specification).
pub fn specification(resource_type: ResourceType, tags: &Tags) -> Option<Vec<TagSpecification>> {
    if tags.is_empty() {
        return None;
    }
    Some(vec![TagSpecification::builder().resource_type(resource_type).set_tags(Some(to_sdk(tags))).build()])
}

/// Moves the tags of `resource_id` from `old` to `new` with as few calls as the difference needs.
pub async fn sync(cx: &AwsContext, resource_id: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let diff = changes(old, new);
    if !diff.removed.is_empty() {
        let keys = diff.removed.iter().map(|k| Tag::builder().key(k).build()).collect();
        cx.ec2
            .delete_tags()
            .resources(resource_id)
            .set_tags(Some(keys))
            .send()
            .await
            .map_err(|e| classify("DeleteTags", e))?;
    }
    if !diff.set.is_empty() {
        cx.ec2
            .create_tags()
            .resources(resource_id)
            .set_tags(Some(to_sdk(&diff.set)))
            .send()
            .await
            .map_err(|e| classify("CreateTags", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::from_pairs as tags;

    #[test]
    fn no_specification_without_tags() {
        assert!(specification(ResourceType::Vpc, &Tags::new()).is_none());
        let spec = specification(ResourceType::Vpc, &tags(&[("plinth:name", "vpc")])).expect("some");
        assert_eq!(spec[0].tags().len(), 1);
        assert_eq!(spec[0].resource_type(), Some(&ResourceType::Vpc));
    }

    #[test]
    fn sdk_round_trip() {
        let t = tags(&[("Environment", "dev"), ("plinth:name", "vpc")]);
        assert_eq!(from_sdk(&to_sdk(&t)), t);
    }
}
