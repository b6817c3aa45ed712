//! ElastiCache tagging. Tags travel with the create call (`Tags` on CreateCacheSubnetGroup and
//! CreateReplicationGroup); afterwards they are read and changed by ARN: ListTagsForResource,
//! AddTagsToResource / RemoveTagsFromResource for exactly the difference (`read` and `sync` are
//! written by `crate::tags::arn_tagging!`).

use aws_sdk_elasticache::types::Tag;
use engine::Tags;

/// SDK tags from a tag map; `None` when there are none (nothing to send).
pub fn to_sdk(tags: &Tags) -> Option<Vec<Tag>> {
    if tags.is_empty() {
        return None;
    }
    Some(tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect())
}

/// A tag map from live SDK tags (a tag without a key is skipped; without a value it is "").
/// The user's tags (AWS-reserved `aws:` keys are not the program's and would read as drift).
pub fn from_sdk(tags: &[Tag]) -> Tags {
    crate::tags::without_reserved(tags.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))))
}

crate::tags::arn_tagging!(elasticache);

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
