//! Secret tag sync: TagResource adds or changes keys, UntagResource removes the others.

use crate::error::classify;
use crate::tags::{changes, without_reserved};
use crate::AwsContext;
use aws_sdk_secretsmanager::types::Tag;
use engine::{ProviderError, Tags};

/// Tags as the SDK wants them; `None` for no tags (the request then carries no Tags member).
pub fn to_sdk(tags: &Tags) -> Option<Vec<Tag>> {
    (!tags.is_empty()).then(|| tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect())
}

/// The tags a user can manage: `aws:` tags belong to AWS and are never reported.
pub fn from_sdk(tags: &[Tag]) -> Tags {
    without_reserved(tags.iter().filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))))
}

/// Moves the secret's tags from `old` to `new`.
pub async fn sync(cx: &AwsContext, secret_id: &str, old: &Tags, new: &Tags) -> Result<(), ProviderError> {
    let diff = changes(old, new);
    if !diff.removed.is_empty() {
        let call = cx.secrets.untag_resource().secret_id(secret_id).set_tag_keys(Some(diff.removed));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
    }
    if let Some(tags) = to_sdk(&diff.set) {
        let call = cx.secrets.tag_resource().secret_id(secret_id).set_tags(Some(tags));
        call.send().await.map_err(|e| classify("TagResource", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_tags_are_not_reported() {
        let sdk = vec![
            Tag::builder().key("Environment").value("dev").build(),
            Tag::builder().key("aws:cloudformation:stack-name").value("x").build(),
        ];
        let tags = from_sdk(&sdk);
        assert_eq!(tags.len(), 1);
        assert_eq!(tags.get("Environment").map(String::as_str), Some("dev"));
        assert!(to_sdk(&Tags::new()).is_none());
    }
}
