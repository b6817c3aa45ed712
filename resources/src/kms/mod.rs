//! KMS kinds: customer managed symmetric keys ([`Key`]) and their aliases ([`Alias`]), and what
//! they share: the tag API ([`tags`], TagKey / TagValue pairs by key id), the key finders (by id:
//! [`describe_key`]; every key of the account: [`key_ids`]), the alias finder ([`find_alias`]) and
//! the key policy that lets AWS services publish to an encrypted SNS topic
//! ([`publish_key_policy`]).
//!
//! Why a customer managed key: AWS's managed `alias/aws/sns` key has a policy nobody can change,
//! so CloudWatch alarms and AWS Budgets cannot publish to a topic it encrypts. A key of our own,
//! administered by the account root and allowing the two services `kms:Decrypt` and
//! `kms:GenerateDataKey*` for this account only, can.

pub mod tags;

mod alias;
mod key;
mod key_policy;

pub use alias::{Alias, AliasOutputs};
pub use aws_sdk_kms as sdk;
pub use key::{Key, KeyOutputs, KeySpec, KeyUsage, DEFAULT_DELETION_WINDOW_DAYS};
pub use key_policy::publish_key_policy;

use crate::error::{absent_if, classify};
use crate::AwsContext;
use engine::{ErrorClass, ProviderError};
use sdk::operation::describe_key::DescribeKeyError;
use sdk::types::{AliasListEntry, KeyMetadata, KeyState};

crate::service_client!(kms, aws_sdk_kms);

crate::error_codes!("kms", Conflict: ["KMSInvalidStateException", "DisabledException"]);

/// Keys asked for per ListKeys page (AWS's default; at most 1000).
const KEYS_PER_PAGE: i32 = 100;
/// Aliases asked for per ListAliases page (AWS's maximum).
const ALIASES_PER_PAGE: i32 = 100;

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the KMS response has no {what}"))
}

/// The key `id` (key id or ARN) as DescribeKey reports it, or `None` when it does not exist.
/// A key pending deletion is returned (see [`is_pending_deletion`]).
pub async fn describe_key(cx: &AwsContext, id: &str) -> Result<Option<KeyMetadata>, ProviderError> {
    let out = cx.kms().describe_key().key_id(id).send().await;
    let Some(out) = absent_if("DescribeKey", out, DescribeKeyError::is_not_found_exception)? else {
        return Ok(None);
    };
    out.key_metadata().cloned().map(Some).ok_or_else(|| missing("DescribeKey key metadata"))
}

/// A key scheduled for deletion: unusable, and gone for Plinth (it can only be cancelled by hand).
pub fn is_pending_deletion(key: &KeyMetadata) -> bool {
    matches!(key.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion))
}

/// The id of every key in the account and region (ListKeys, paged), AWS managed keys included.
pub async fn key_ids(cx: &AwsContext) -> Result<Vec<String>, ProviderError> {
    let (mut ids, mut marker) = (Vec::new(), None::<String>);
    loop {
        let call = cx.kms().list_keys().limit(KEYS_PER_PAGE).set_marker(marker.clone());
        let out = call.send().await.map_err(|e| classify("ListKeys", e))?;
        ids.extend(out.keys().iter().filter_map(|k| k.key_id()).map(str::to_string));
        match out.next_marker().filter(|_| out.truncated()) {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => return Ok(ids),
        }
    }
}

/// The alias called exactly `name` (`alias/...`), or `None` (ListAliases, paged).
pub async fn find_alias(cx: &AwsContext, name: &str) -> Result<Option<AliasListEntry>, ProviderError> {
    let mut marker = None::<String>;
    loop {
        let call = cx.kms().list_aliases().limit(ALIASES_PER_PAGE).set_marker(marker.clone());
        let out = call.send().await.map_err(|e| classify("ListAliases", e))?;
        if let Some(found) = out.aliases().iter().find(|a| a.alias_name() == Some(name)) {
            return Ok(Some(found.clone()));
        }
        match out.next_marker().filter(|_| out.truncated()) {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// Whether `spelling` (a key id or a key ARN, as a program writes it) names the key `key_id`.
pub fn names_key(spelling: &str, key_id: &str) -> bool {
    spelling == key_id || spelling.strip_suffix(key_id).is_some_and(|head| head.ends_with(":key/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_named_by_its_id_or_its_arn() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert!(names_key(id, id));
        assert!(names_key(&format!("arn:aws:kms:us-east-1:123456789012:key/{id}"), id));
        assert!(!names_key("arn:aws:kms:us-east-1:123456789012:alias/x", id));
        assert!(!names_key(&format!("x{id}"), id));
        assert!(!names_key("other", id));
    }

    #[test]
    fn pending_deletion_is_recognised() {
        let key = |state: KeyState| KeyMetadata::builder().key_id("k").key_state(state).build().expect("metadata");
        assert!(is_pending_deletion(&key(KeyState::PendingDeletion)));
        assert!(!is_pending_deletion(&key(KeyState::Enabled)));
        assert!(!is_pending_deletion(&key(KeyState::Disabled)));
    }
}
