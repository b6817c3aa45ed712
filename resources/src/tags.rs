//! Tag handling shared by every service: the difference between the tags a resource had and the
//! tags it should have ([`changes`]), and leaving AWS-reserved `aws:` keys out of live tags
//! ([`without_reserved`]). Each service keeps its own SDK conversions (every SDK has its own `Tag`
//! type) and its own calls; `arn_tagging!` writes `read` and `sync` for the services that tag
//! by ARN with ListTagsForResource / AddTagsToResource / RemoveTagsFromResource (RDS, ElastiCache).

use engine::Tags;

/// What moves a resource's tags from `old` to `new`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagChanges {
    /// Tags added or changed: the keys of `new` whose value `old` does not have.
    pub set: Tags,
    /// Keys of `old` that `new` no longer has, in key order.
    pub removed: Vec<String>,
}

impl TagChanges {
    /// Nothing to set and nothing to remove.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.removed.is_empty()
    }
}

/// Exactly the tags to set and the keys to remove going from `old` to `new`.
pub fn changes(old: &Tags, new: &Tags) -> TagChanges {
    TagChanges {
        set: new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect(),
        removed: old.keys().filter(|k| !new.contains_key(*k)).cloned().collect(),
    }
}

/// The tags a user can manage among live key / value pairs: AWS-reserved `aws:` keys belong to
/// AWS and are never reported.
pub fn without_reserved<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tags {
    pairs.into_iter().filter(|(k, _)| !k.starts_with("aws:")).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `read` and `sync` for a service whose objects are tagged by ARN through ListTagsForResource
/// (`resource_name`, answering a `tag_list`), RemoveTagsFromResource and AddTagsToResource:
/// `$client` is the service's field of `AwsContext`. The invoking module provides
/// `to_sdk(&Tags) -> Option<Vec<Tag>>` and `from_sdk(&[Tag]) -> Tags`.
macro_rules! arn_tagging {
    ($client:ident) => {
        /// The live tags of the object with this ARN.
        pub async fn read(cx: &$crate::AwsContext, arn: &str) -> Result<::engine::Tags, ::engine::ProviderError> {
            let out = cx
                .$client
                .list_tags_for_resource()
                .resource_name(arn)
                .send()
                .await
                .map_err(|e| $crate::error::classify("ListTagsForResource", e))?;
            Ok(from_sdk(out.tag_list()))
        }

        /// Moves the tags of the object `arn` from `old` to `new` with as few calls as the
        /// difference needs: removals first, then additions and changes.
        pub async fn sync(
            cx: &$crate::AwsContext,
            arn: &str,
            old: &::engine::Tags,
            new: &::engine::Tags,
        ) -> Result<(), ::engine::ProviderError> {
            let changes = $crate::tags::changes(old, new);
            if !changes.removed.is_empty() {
                cx.$client
                    .remove_tags_from_resource()
                    .resource_name(arn)
                    .set_tag_keys(Some(changes.removed))
                    .send()
                    .await
                    .map_err(|e| $crate::error::classify("RemoveTagsFromResource", e))?;
            }
            if let Some(set) = to_sdk(&changes.set) {
                cx.$client
                    .add_tags_to_resource()
                    .resource_name(arn)
                    .set_tags(Some(set))
                    .send()
                    .await
                    .map_err(|e| $crate::error::classify("AddTagsToResource", e))?;
            }
            Ok(())
        }
    };
}
pub(crate) use arn_tagging;

/// A tag map from literal pairs, for tests.
#[cfg(test)]
pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::from_pairs as tags;
    use super::*;

    #[test]
    fn changes_name_exactly_the_difference() {
        let old = tags(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let new = tags(&[("a", "1"), ("b", "20"), ("d", "4")]);
        let diff = changes(&old, &new);
        assert_eq!(diff.removed, vec!["c".to_string()]);
        assert_eq!(diff.set, tags(&[("b", "20"), ("d", "4")]));
    }

    #[test]
    fn changes_set_changed_and_remove_missing() {
        let old: Tags = [("a", "1"), ("b", "2"), ("c", "3")].map(|(k, v)| (k.into(), v.into())).into();
        let new: Tags = [("a", "1"), ("b", "20"), ("d", "4")].map(|(k, v)| (k.into(), v.into())).into();
        let diff = changes(&old, &new);
        assert_eq!(diff.set.into_iter().collect::<Vec<_>>(), vec![("b".into(), "20".into()), ("d".into(), "4".into())]);
        assert_eq!(diff.removed, vec!["c".to_string()]);
    }

    #[test]
    fn a_changed_value_is_set_and_a_missing_key_removed() {
        let old: Tags = [("a".to_string(), "1".to_string()), ("b".to_string(), "2".to_string())].into();
        let new: Tags = [("a".to_string(), "9".to_string())].into();
        let diff = changes(&old, &new);
        assert_eq!(diff.set, new);
        assert_eq!(diff.removed, ["b"]);
    }

    #[test]
    fn only_additions_or_only_removals() {
        let diff = changes(&tags(&[("a", "1"), ("b", "2")]), &tags(&[("a", "1"), ("b", "3"), ("c", "4")]));
        assert_eq!(diff.set, tags(&[("b", "3"), ("c", "4")]));
        assert!(diff.removed.is_empty());
        let diff = changes(&tags(&[("a", "1")]), &Tags::new());
        assert!(diff.set.is_empty());
        assert_eq!(diff.removed, ["a"]);
    }

    #[test]
    fn equal_tags_need_no_change() {
        let t = tags(&[("a", "1"), ("b", "2")]);
        assert!(changes(&t, &t).is_empty());
        assert!(changes(&Tags::new(), &Tags::new()).is_empty());
        assert!(!changes(&t, &Tags::new()).is_empty());
        assert!(!changes(&Tags::new(), &t).is_empty());
    }

    #[test]
    fn reserved_keys_are_left_out() {
        let live = [("Environment", "dev"), ("aws:cloudformation:stack-name", "x"), ("plinth:name", "db")];
        assert_eq!(without_reserved(live), tags(&[("Environment", "dev"), ("plinth:name", "db")]));
        assert_eq!(without_reserved([("awsome", "1"), ("Aws:x", "2")]), tags(&[("awsome", "1"), ("Aws:x", "2")]));
    }
}
