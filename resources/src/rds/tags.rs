//! RDS tagging by ARN: tags at creation (every Create call takes `Tags`), the live tags
//! (ListTagsForResource), and in-place sync (AddTagsToResource / RemoveTagsFromResource for
//! exactly the difference); `read` and `sync` are written by `crate::tags::arn_tagging!`.

use crate::tags::without_reserved;
use aws_sdk_rds::types::Tag;
use engine::Tags;

/// SDK tags from a tag map; `None` when empty, so create calls send no empty list.
pub fn to_sdk(tags: &Tags) -> Option<Vec<Tag>> {
    if tags.is_empty() {
        return None;
    }
    Some(tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect())
}

/// A tag map from live tags. `aws:` tags belong to AWS and are never reported.
pub fn from_sdk(tags: &[Tag]) -> Tags {
    without_reserved(tags.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))))
}

crate::tags::arn_tagging!(rds);

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
