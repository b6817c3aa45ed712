//! `aws:kms:Key`: a customer managed symmetric encryption key (`ENCRYPT_DECRYPT`,
//! `SYMMETRIC_DEFAULT`, key material made by KMS) with its key policy, yearly automatic rotation
//! (on by default: Security Hub FSBP KMS.4) and tags.
//!
//! The key policy (PutKeyPolicy, policy name `default`), rotation (Enable/DisableKeyRotation),
//! the description (UpdateKeyDescription), `enabled` (EnableKey / DisableKey) and tags
//! (TagResource / UntagResource) change in place; tags go on CreateKey. Usage and spec are fixed
//! (validated): a change of either would be a replacement, i.e. a new key.
//!
//! # Guarantees
//! * Stateful: whatever a key encrypted is lost with the key, so the engine replaces or deletes
//!   one only when the operator names it. A delete schedules the deletion
//!   (ScheduleKeyDeletion with `deletion_window_days`, 7 to 30, default 30): until then the key
//!   can be recovered by hand with CancelKeyDeletion. A key already pending deletion, or gone,
//!   is deleted (`Ok`).
//! * Key states: a key **pending deletion** reads as gone (`None`): it cannot be used and Plinth
//!   never cancels a deletion on its own; the program's next `up` creates a new key. A
//!   **disabled** key is still this resource's key: it reads as `enabled: false`, which is drift
//!   the next update undoes (EnableKey). Any other state (only multi-Region, imported or custom
//!   key store keys have them, and Plinth makes none of those) is an error naming the state.
//! * The policy is compared by meaning (`crate::policy`): read reports the program's text when
//!   the live policy says the same thing.
//! * No blind create retry: CreateKey has no idempotency token and is sent with `no_retry!`.
//! * `find` (crash recovery) adopts only a key carrying both `plinth:stack` and `plinth:name` of
//!   the resource, not pending deletion, and not the key being replaced; two such keys are a
//!   Conflict naming both, never a guess.
//!
//! # Cost of `find`
//! Keys have no name, so `find` lists every key of the account and region (ListKeys, 100 per
//! page) and reads the tags of each (one ListResourceTags per key, AWS managed keys included),
//! then describes the keys whose tags match. An account with `n` keys costs `n + 1` calls and
//! more; `find` only runs when recovering from an interrupted create.
//!
//! # Assumptions
//! * `deletion_window_days` is write-only (a key has no such setting until it is scheduled for
//!   deletion): read reports the program's, and a delete uses the value last applied.
//! * The policy lets the caller administer the key: AWS refuses any other at CreateKey and
//!   PutKeyPolicy (the lockout safety check, never bypassed here). [`super::publish_key_policy`]
//!   always does.
//! * Rotation cannot change while the key is disabled (AWS answers DisabledException): update
//!   enables a key before it changes rotation, and disables it only after.
//!
//! Emulator gaps (moto 5.2.5): ScheduleKeyDeletion of a key already pending deletion
//! re-scheduled it, and accepted windows outside 7 to 30; EnableKey / DisableKey revived a key
//! pending deletion; rotation changed on disabled keys; ListKeys ignored `Limit` and `Marker`.
//! `scripts/moto_patches/kms.py` gives each AWS's answer. moto does not run the policy lockout
//! safety check.

use super::tags::Kms;
use super::{describe_key, is_pending_deletion, key_ids, missing, sdk};
use crate::error::classify;
use crate::kit::enums::aws_enum;
use crate::kit::import::found;
use crate::kit::retry::no_retry;
use crate::policy::{decode_document, observed_document, same_policy};
use crate::tags::{self, TagRead};
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use sdk::types::{KeyMetadata, KeyState};
use serde::{Deserialize, Serialize};

/// The days a deleted key stays recoverable when the program says nothing (AWS's default).
pub const DEFAULT_DELETION_WINDOW_DAYS: i32 = 30;

/// What AWS lets a key policy weigh at most, in bytes.
const MAX_POLICY_BYTES: usize = 32 * 1024;

aws_enum! {
    /// What the key is for. Plinth manages encryption keys only (`ENCRYPT_DECRYPT`).
    pub enum KeyUsage: sdk::types::KeyUsageType {
        EncryptDecrypt = "ENCRYPT_DECRYPT",
        SignVerify = "SIGN_VERIFY",
        GenerateVerifyMac = "GENERATE_VERIFY_MAC",
        KeyAgreement = "KEY_AGREEMENT",
    }
}

aws_enum! {
    /// The key material. Plinth manages symmetric keys only (`SYMMETRIC_DEFAULT`).
    pub enum KeySpec: sdk::types::KeySpec {
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        Rsa2048 = "RSA_2048",
        Rsa3072 = "RSA_3072",
        Rsa4096 = "RSA_4096",
        EccNistP256 = "ECC_NIST_P256",
        EccNistP384 = "ECC_NIST_P384",
        EccNistP521 = "ECC_NIST_P521",
        Hmac256 = "HMAC_256",
    }
}

/// A customer managed symmetric KMS key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Key {
    /// What the key protects; at most 8192 characters.
    pub description: String,
    /// Required: the key policy, JSON text (see [`super::publish_key_policy`]); at most 32 KiB.
    pub policy: Input<String>,
    /// Default true: KMS rotates the key material every year (FSBP KMS.4).
    pub enable_key_rotation: bool,
    /// Default true; false disables the key (nothing can encrypt or decrypt with it).
    pub enabled: bool,
    /// Must be `ENCRYPT_DECRYPT` (the default).
    pub key_usage: KeyUsage,
    /// Must be `SYMMETRIC_DEFAULT` (the default).
    pub key_spec: KeySpec,
    /// Write-only: the days a deleted key stays recoverable, 7 to 30 (default 30).
    pub deletion_window_days: i32,
    pub tags: Tags,
}

impl Default for Key {
    fn default() -> Self {
        Self {
            description: String::new(),
            policy: Input::default(),
            enable_key_rotation: true,
            enabled: true,
            key_usage: KeyUsage::EncryptDecrypt,
            key_spec: KeySpec::SymmetricDefault,
            deletion_window_days: DEFAULT_DELETION_WINDOW_DAYS,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyOutputs {
    /// The key id (a UUID): what aliases target and DescribeKey takes.
    pub key_id: String,
    /// `arn:aws:kms:<region>:<account>:key/<key id>`: what SNS `KmsMasterKeyId`, CloudWatch Logs
    /// and IAM policies name.
    pub arn: String,
}

impl Resource for Key {
    const KIND: &'static str = "aws:kms:Key";
    const SERVICE: &'static str = "kms";
    const REPLACE_FIELDS: &'static [&'static str] = &["key_usage", "key_spec"];
    const STATEFUL: bool = true;
    const PRICED: bool = true;
    type Outputs = KeyOutputs;
    type Context = AwsContext;

    /// One customer managed key (requests not counted).
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let kms = &crate::prices::table().kms;
        let item = engine::cost::CostItem::new("customer managed key", 1.0, "keys", kms.key_month);
        let mut assumptions = vec!["requests not counted".to_string()];
        if self.enable_key_rotation {
            assumptions.push("rotation adds $1 a month for each of the first two rotations, not counted".to_string());
        }
        Ok(crate::prices::estimate(vec![item], assumptions))
    }

    fn cloud_id(outputs: &KeyOutputs) -> String {
        outputs.key_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.description.chars().count() > 8192 {
            problems.push("description: longer than 8192 characters".to_string());
        }
        if let Some(policy) = self.policy.known() {
            problems.extend(policy_problem(policy));
        }
        if self.key_usage != KeyUsage::EncryptDecrypt {
            problems.push(format!(
                "key_usage: {} is not supported: Plinth manages symmetric encryption keys (ENCRYPT_DECRYPT) only",
                self.key_usage
            ));
        }
        if self.key_spec != KeySpec::SymmetricDefault {
            problems.push(format!(
                "key_spec: {} is not supported: Plinth manages symmetric keys (SYMMETRIC_DEFAULT) only",
                self.key_spec
            ));
        }
        if !(7..=30).contains(&self.deletion_window_days) {
            problems.push(format!("deletion_window_days: {} must be 7 to 30", self.deletion_window_days));
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<KeyOutputs, ProviderError> {
        let call = cx
            .kms()
            .create_key()
            .policy(self.policy.as_str())
            .set_description(Some(self.description.clone()).filter(|d| !d.is_empty()))
            .key_usage(self.key_usage.to_sdk())
            .key_spec(self.key_spec.to_sdk())
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_kms)).send().await;
        let out = out.map_err(|e| classify("CreateKey", e))?;
        let outputs = outputs(out.key_metadata().ok_or_else(|| missing("CreateKey key metadata"))?)?;
        if self.enable_key_rotation {
            set_rotation(cx, &outputs.key_id, true).await?;
        }
        if !self.enabled {
            set_enabled(cx, &outputs.key_id, false).await?;
        }
        Ok(outputs)
    }

    async fn read(&self, out: &KeyOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = describe_key(cx, &out.key_id).await? else { return Ok(None) };
        if is_pending_deletion(&live) {
            return Ok(None);
        }
        let mut seen = self.clone();
        seen.enabled = observed_enabled(&live)?;
        seen.description = live.description().unwrap_or_default().to_string();
        seen.key_usage = observed_enum(&out.key_id, "key usage", live.key_usage(), KeyUsage::from_sdk)?;
        seen.key_spec = observed_enum(&out.key_id, "key spec", live.key_spec(), KeySpec::from_sdk)?;
        seen.policy = Input::Value(observed_document(self.policy.as_str(), &get_policy(cx, &out.key_id).await?));
        seen.enable_key_rotation = rotation_enabled(cx, &out.key_id).await?;
        seen.tags = tags::read::<Kms>(cx, &out.key_id).await?;
        // `deletion_window_days` stays the program's: a live key has no such setting.
        Ok(Some(Observed { inputs: seen, outputs: outputs(&live)? }))
    }

    async fn update(&self, old: &Self, out: &KeyOutputs, cx: &AwsContext) -> Result<KeyOutputs, ProviderError> {
        let id = out.key_id.as_str();
        if self.enabled && !old.enabled {
            set_enabled(cx, id, true).await?;
        }
        if !same_policy(self.policy.as_str(), old.policy.as_str()) {
            let call = cx.kms().put_key_policy().key_id(id).policy_name("default").policy(self.policy.as_str());
            call.send().await.map_err(|e| classify("PutKeyPolicy", e))?;
        }
        if self.description != old.description {
            let call = cx.kms().update_key_description().key_id(id).description(&self.description);
            call.send().await.map_err(|e| classify("UpdateKeyDescription", e))?;
        }
        if self.enable_key_rotation != old.enable_key_rotation {
            set_rotation(cx, id, self.enable_key_rotation).await?;
        }
        tags::sync::<Kms>(cx, id, &old.tags, &self.tags).await?;
        if !self.enabled && old.enabled {
            set_enabled(cx, id, false).await?;
        }
        Ok(out.clone())
    }

    async fn delete(&self, out: &KeyOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let call = cx.kms().schedule_key_deletion().key_id(&out.key_id);
        let Err(err) = call.pending_window_in_days(self.deletion_window_days).send().await else { return Ok(()) };
        let service = err.as_service_error();
        if service.is_some_and(|s| s.is_not_found_exception()) {
            return Ok(());
        }
        // A key already pending deletion refuses a second schedule (KMSInvalidStateException).
        if service.is_some_and(|s| s.is_kms_invalid_state_exception()) {
            match describe_key(cx, &out.key_id).await? {
                None => return Ok(()),
                Some(live) if is_pending_deletion(&live) => return Ok(()),
                Some(_) => {}
            }
        }
        Err(classify("ScheduleKeyDeletion", err))
    }

    /// `id` is the key id or its ARN; a key pending deletion counts as gone.
    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<KeyOutputs, ProviderError> {
        let live = describe_key(cx, id).await?.filter(|k| !is_pending_deletion(k));
        outputs(&found(Self::KIND, id, live)?)
    }

    async fn write_tags(out: &KeyOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Kms>(cx, &out.key_id, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<KeyOutputs>, ProviderError> {
        let mut found = Vec::new();
        for id in key_ids(cx).await? {
            if meta.replacing.as_deref() == Some(id.as_str()) {
                continue;
            }
            let live_tags = match Kms::list(cx, &id).await {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue, // deleted since ListKeys answered
                Err(e) => return Err(e),
            };
            if !engine::owned_by(&live_tags, meta) {
                continue;
            }
            match describe_key(cx, &id).await? {
                Some(live) if !is_pending_deletion(&live) => found.push(outputs(&live)?),
                _ => {}
            }
        }
        if found.len() > 1 {
            let ids: Vec<&str> = found.iter().map(|o| o.key_id.as_str()).collect();
            let message = format!(
                "KMS keys {} all carry plinth:stack={} and plinth:name={}: Plinth will not guess which is the \
                 resource's; schedule the extra ones for deletion, or remove their plinth:* tags",
                ids.join(", "),
                meta.stack,
                meta.name
            );
            return Err(ProviderError::new(ErrorClass::Conflict, message));
        }
        Ok(found.pop())
    }
}

/// What is wrong with a key policy's text, if anything.
fn policy_problem(policy: &str) -> Option<String> {
    if policy.trim().is_empty() {
        return Some("policy: required (the key policy JSON, e.g. kms::publish_key_policy)".to_string());
    }
    if policy.len() > MAX_POLICY_BYTES {
        return Some(format!("policy: {} bytes, more than the {MAX_POLICY_BYTES} KMS accepts", policy.len()));
    }
    match decode_document(policy) {
        Err(e) => Some(format!("policy: {e}")),
        Ok(doc) if doc.get("Statement").is_none() => Some("policy: the document has no Statement".to_string()),
        Ok(_) => None,
    }
}

fn outputs(live: &KeyMetadata) -> Result<KeyOutputs, ProviderError> {
    Ok(KeyOutputs { key_id: live.key_id().to_string(), arn: live.arn().ok_or_else(|| missing("key ARN"))?.to_string() })
}

fn observed_enabled(live: &KeyMetadata) -> Result<bool, ProviderError> {
    match live.key_state() {
        Some(KeyState::Enabled) => Ok(true),
        Some(KeyState::Disabled) => Ok(false),
        other => {
            let state = other.map_or("(none)", KeyState::as_str);
            let message = format!("KMS key `{}` is in state {state}, which Plinth does not manage", live.key_id());
            Err(ProviderError::new(ErrorClass::Other, message))
        }
    }
}

/// A live enumeration value Plinth models, or an error naming it.
fn observed_enum<S: AsRef<str>, T>(
    key_id: &str,
    what: &str,
    live: Option<&S>,
    from_sdk: impl Fn(&S) -> Option<T>,
) -> Result<T, ProviderError> {
    let live = live.ok_or_else(|| missing(what))?;
    from_sdk(live).ok_or_else(|| {
        let message = format!("KMS key `{key_id}` has {what} `{}`, which Plinth does not model", live.as_ref());
        ProviderError::new(ErrorClass::Other, message)
    })
}

async fn get_policy(cx: &AwsContext, key_id: &str) -> Result<String, ProviderError> {
    let out = cx.kms().get_key_policy().key_id(key_id).policy_name("default").send().await;
    let out = out.map_err(|e| classify("GetKeyPolicy", e))?;
    out.policy().map(str::to_string).ok_or_else(|| missing("GetKeyPolicy policy"))
}

async fn rotation_enabled(cx: &AwsContext, key_id: &str) -> Result<bool, ProviderError> {
    let out = cx.kms().get_key_rotation_status().key_id(key_id).send().await;
    Ok(out.map_err(|e| classify("GetKeyRotationStatus", e))?.key_rotation_enabled())
}

async fn set_rotation(cx: &AwsContext, key_id: &str, on: bool) -> Result<(), ProviderError> {
    if on {
        let call = cx.kms().enable_key_rotation().key_id(key_id);
        call.send().await.map_err(|e| classify("EnableKeyRotation", e))?;
    } else {
        let call = cx.kms().disable_key_rotation().key_id(key_id);
        call.send().await.map_err(|e| classify("DisableKeyRotation", e))?;
    }
    Ok(())
}

async fn set_enabled(cx: &AwsContext, key_id: &str, on: bool) -> Result<(), ProviderError> {
    if on {
        cx.kms().enable_key().key_id(key_id).send().await.map_err(|e| classify("EnableKey", e))?;
    } else {
        cx.kms().disable_key().key_id(key_id).send().await.map_err(|e| classify("DisableKey", e))?;
    }
    Ok(())
}

crate::kit::kind!(Key, write_only: ["deletion_window_days"], documents: ["policy"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key {
            policy: super::super::publish_key_policy("123456789012", &["cloudwatch.amazonaws.com"]).into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_rotate_a_symmetric_encryption_key_and_keep_it_30_days() {
        let json = serde_json::to_value(Key::default()).expect("json");
        assert_eq!(json["enable_key_rotation"], true);
        assert_eq!(json["enabled"], true);
        assert_eq!(json["key_usage"], "ENCRYPT_DECRYPT");
        assert_eq!(json["key_spec"], "SYMMETRIC_DEFAULT");
        assert_eq!(json["deletion_window_days"], 30);
        let decoded: Key = serde_json::from_value(serde_json::json!({ "policy": "{}" })).expect("decodes");
        assert!(decoded.enable_key_rotation && decoded.enabled);
        assert_eq!(decoded.deletion_window_days, DEFAULT_DELETION_WINDOW_DAYS);
    }

    #[test]
    fn usage_spec_window_and_policy_are_checked_naming_the_field() {
        assert!(key().validate().is_empty(), "{:?}", key().validate());
        let bad = Key {
            key_usage: KeyUsage::SignVerify,
            key_spec: KeySpec::Rsa2048,
            deletion_window_days: 6,
            policy: "not json".into(),
            ..key()
        };
        let problems = bad.validate();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("policy: "), "{problems:?}");
        assert!(problems[1].starts_with("key_usage: SIGN_VERIFY"), "{problems:?}");
        assert!(problems[2].starts_with("key_spec: RSA_2048"), "{problems:?}");
        assert!(problems[3].starts_with("deletion_window_days: 6"), "{problems:?}");
        for days in [7, 30] {
            assert!(Key { deletion_window_days: days, ..key() }.validate().is_empty());
        }
        assert!(!Key { deletion_window_days: 31, ..key() }.validate().is_empty());
    }

    #[test]
    fn a_policy_is_required_and_must_have_statements() {
        let problems = Key { policy: "".into(), ..key() }.validate();
        assert!(problems.len() == 1 && problems[0].starts_with("policy: required"), "{problems:?}");
        let problems = Key { policy: r#"{"Version":"2012-10-17"}"#.into(), ..key() }.validate();
        assert!(problems.len() == 1 && problems[0].contains("no Statement"), "{problems:?}");
        let huge = format!(r#"{{"Statement":[],"Sid":"{}"}}"#, "x".repeat(MAX_POLICY_BYTES));
        let problems = Key { policy: huge.into(), ..key() }.validate();
        assert!(problems.len() == 1 && problems[0].contains("bytes"), "{problems:?}");
    }

    #[test]
    fn only_enabled_and_disabled_keys_are_read() {
        let live = |state: KeyState| KeyMetadata::builder().key_id("k").key_state(state).build().expect("metadata");
        assert!(observed_enabled(&live(KeyState::Enabled)).expect("enabled"));
        assert!(!observed_enabled(&live(KeyState::Disabled)).expect("disabled"));
        let err = observed_enabled(&live(KeyState::Unavailable)).expect_err("unmanaged state");
        assert!(err.message.contains("Unavailable"), "{}", err.message);
    }
}
