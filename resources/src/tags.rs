//! Tag handling shared by every service: the difference between the tags a resource had and the
//! tags it should have ([`changes`]), and leaving AWS-reserved `aws:` keys out of live tags
//! ([`without_reserved`]), conversion from and to every SDK's own `Tag` type ([`SdkTag`],
//! [`from_sdk`], [`to_sdk`]), and the one `read` (with the `aws:` filter) and the one `sync` (one
//! order: removals, then additions) every service uses. A service only says how its API lists,
//! adds and removes tags ([`TagRead`], [`TagWrite`]) in its `tags` module.

use crate::AwsContext;
use engine::{ProviderError, Tags};
use std::future::Future;

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

/// One SDK's `Tag` type (every SDK has its own): how to read a live tag and build one.
/// Implemented with [`sdk_tag!`] in each service's `tags` module.
pub trait SdkTag: Sized {
    /// The key and value of a live tag (`None` for a tag without a key).
    fn pair(&self) -> Option<(&str, &str)>;
    /// The SDK tag for `key = value`.
    fn build(key: &str, value: &str) -> Result<Self, ProviderError>;
}

/// Implements [`SdkTag`] for an SDK tag type whose key and value are `Option<&str>` and whose
/// builder cannot fail (`optional`), or are `&str` with a fallible builder (`required`).
macro_rules! sdk_tag {
    ($ty:ty, optional) => {
        impl $crate::tags::SdkTag for $ty {
            fn pair(&self) -> Option<(&str, &str)> {
                Some((self.key()?, self.value().unwrap_or_default()))
            }
            fn build(key: &str, value: &str) -> Result<Self, ::engine::ProviderError> {
                Ok(<$ty>::builder().key(key).value(value).build())
            }
        }
    };
    ($ty:ty, required) => {
        impl $crate::tags::SdkTag for $ty {
            fn pair(&self) -> Option<(&str, &str)> {
                Some((self.key(), self.value()))
            }
            fn build(key: &str, value: &str) -> Result<Self, ::engine::ProviderError> {
                <$ty>::builder().key(key).value(value).build().map_err(|e| $crate::error::build_error("tag", e))
            }
        }
    };
}
pub(crate) use sdk_tag;

/// The user's tags among live SDK tags: AWS-reserved `aws:` keys left out.
pub fn from_sdk<T: SdkTag>(tags: &[T]) -> Tags {
    without_reserved(tags.iter().filter_map(SdkTag::pair))
}

/// Every live tag among SDK tags, `aws:` ones included: what a [`TagRead::list`] answers.
pub fn all_of<T: SdkTag>(tags: &[T]) -> Tags {
    tags.iter().filter_map(SdkTag::pair).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// SDK tags for a create or tag call; `None` when there are none (several APIs reject an empty
/// list, and a create then sends no tag member at all).
pub fn to_sdk<T: SdkTag>(tags: &Tags) -> Result<Option<Vec<T>>, ProviderError> {
    if tags.is_empty() {
        return Ok(None);
    }
    tags.iter().map(|(k, v)| T::build(k, v)).collect::<Result<Vec<_>, _>>().map(Some)
}

/// How a service lists an object's live tags (`id`: its ARN, name or id, as the API wants).
pub trait TagRead {
    /// Every live tag, `aws:` ones included ([`read`] filters them).
    fn list(cx: &AwsContext, id: &str) -> impl Future<Output = Result<Tags, ProviderError>> + Send;
}

/// How a service adds or changes tags and removes keys on one object.
pub trait TagWrite {
    /// Adds or changes `tags` (never empty).
    fn tag(cx: &AwsContext, id: &str, tags: &Tags) -> impl Future<Output = Result<(), ProviderError>> + Send;
    /// Removes `keys` (never empty).
    fn untag(cx: &AwsContext, id: &str, keys: Vec<String>) -> impl Future<Output = Result<(), ProviderError>> + Send;
}

/// The user's live tags of `id` (without `aws:` keys): what every `read` reports.
pub async fn read<A: TagRead>(cx: &AwsContext, id: &str) -> Result<Tags, ProviderError> {
    let live = A::list(cx, id).await?;
    Ok(without_reserved(live.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
}

/// Moves the tags of `id` from `old` to `new` with as few calls as the difference needs, in one
/// order for every service: removals first (so a service's tag-count limit is never crossed on
/// the way), then additions and changes.
pub async fn sync<A: TagWrite>(cx: &AwsContext, id: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let diff = changes(old, new);
    if !diff.removed.is_empty() {
        A::untag(cx, id, diff.removed).await?;
    }
    if !diff.set.is_empty() {
        A::tag(cx, id, &diff.set).await?;
    }
    Ok(())
}

/// `pub struct $api` with [`TagRead`] and [`TagWrite`] for a service that tags by ARN with
/// ListTagsForResource (`resource_name`, answering a `tag_list`), AddTagsToResource and
/// RemoveTagsFromResource (RDS, ElastiCache); `$client` is its field of `AwsContext`, and the
/// SDK's `Tag` type must implement [`SdkTag`].
macro_rules! arn_tag_api {
    ($api:ident, $client:ident) => {
        /// The service's tag API, by ARN.
        pub struct $api;

        impl $crate::tags::TagRead for $api {
            async fn list(cx: &$crate::AwsContext, arn: &str) -> Result<::engine::Tags, ::engine::ProviderError> {
                let out = cx.$client().list_tags_for_resource().resource_name(arn).send().await;
                let out = out.map_err(|e| $crate::error::classify("ListTagsForResource", e))?;
                Ok($crate::tags::all_of(out.tag_list()))
            }
        }

        impl $crate::tags::TagWrite for $api {
            async fn tag(
                cx: &$crate::AwsContext,
                arn: &str,
                tags: &::engine::Tags,
            ) -> Result<(), ::engine::ProviderError> {
                let call = cx.$client().add_tags_to_resource().resource_name(arn).set_tags($crate::tags::to_sdk(tags)?);
                call.send().await.map_err(|e| $crate::error::classify("AddTagsToResource", e))?;
                Ok(())
            }

            async fn untag(
                cx: &$crate::AwsContext,
                arn: &str,
                keys: Vec<String>,
            ) -> Result<(), ::engine::ProviderError> {
                let call = cx.$client().remove_tags_from_resource().resource_name(arn).set_tag_keys(Some(keys));
                call.send().await.map_err(|e| $crate::error::classify("RemoveTagsFromResource", e))?;
                Ok(())
            }
        }
    };
}
pub(crate) use arn_tag_api;

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
