//! `aws:kms:Alias`: a friendly name (`alias/<name>`) for a KMS key, what people and other
//! services can name instead of the key id. The name is unique in the account and region (a
//! rename deletes first); the target key changes in place (UpdateAlias). CreateAlias takes no
//! idempotency token and is sent with `no_retry!`.
//!
//! # Ownership
//! Aliases cannot be tagged, so an alias proves itself through the key it points at: an alias is
//! this stack's when its target key carries this stack's `plinth:stack` tag (read from the cloud
//! just before the check). `find` adopts such an alias and answers `Err(NotOwned)` for an alias of
//! that name pointing at any other key (another stack's, an untagged one, AWS's), naming the alias,
//! the key and the key's tags; the engine then never creates over, changes or deletes it.
//! Update and delete act only while the alias still points at the key Plinth last set (or the
//! program's target): an alias moved to another key out of band is `Err(NotOwned)` naming both
//! keys, for the operator to sort out, never taken back or deleted from under its new user.
//!
//! Emulator gaps (moto 5.2.5): none found for the calls used here (CreateAlias, UpdateAlias,
//! DeleteAlias, ListAliases). moto ignores ListAliases' `Limit`; paging is still followed.

use super::tags::Kms;
use super::{find_alias, missing, names_key, sdk};
use crate::error::{classify, ok_if_not_found};
use crate::kit::retry::no_retry;
use crate::tags::TagRead;
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags, NAME_TAG, STACK_TAG};
use serde::{Deserialize, Serialize};

/// AWS's longest alias name, `alias/` included.
const MAX_NAME_LEN: usize = 256;

/// An alias of a KMS key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Alias {
    /// `alias/` and then letters, digits, `/`, `_` and `-`; never `alias/aws/...` (AWS's own).
    pub name: String,
    /// The key it names: a key id or key ARN (`aws:kms:Key` output `key_id` or `arn`).
    pub target_key_id: Input<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasOutputs {
    /// `alias/<name>`.
    pub name: String,
    pub arn: String,
    /// The id of the key the alias points at, as last set by Plinth.
    pub target_key_id: String,
}

impl Resource for Alias {
    const KIND: &'static str = "aws:kms:Alias";
    const SERVICE: &'static str = "kms";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = AliasOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &AliasOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(p) = name_problem(&self.name) {
            problems.push(format!("name: `{}` {p}", self.name));
        }
        if let Some(target) = self.target_key_id.known() {
            if target.is_empty() {
                problems.push("target_key_id: required (a key id or key ARN)".to_string());
            } else if target.starts_with("alias/") || target.contains(":alias/") {
                problems.push(format!("target_key_id: `{target}` is an alias; an alias must name a key (id or ARN)"));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<AliasOutputs, ProviderError> {
        let call = cx.kms().create_alias().alias_name(&self.name).target_key_id(self.target_key_id.as_str());
        let created = call.customize().config_override(no_retry!(aws_sdk_kms)).send().await;
        created.map_err(|e| classify("CreateAlias", e))?;
        let live = find_alias(cx, &self.name).await?.ok_or_else(|| missing("alias after CreateAlias"))?;
        outputs(&live)
    }

    async fn read(&self, out: &AliasOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = find_alias(cx, &out.name).await? else { return Ok(None) };
        let outputs = outputs(&live)?;
        let mut seen = self.clone();
        if !names_key(self.target_key_id.as_str(), &outputs.target_key_id) {
            seen.target_key_id = Input::Value(outputs.target_key_id.clone());
        }
        Ok(Some(Observed { inputs: seen, outputs }))
    }

    async fn update(&self, _old: &Self, out: &AliasOutputs, cx: &AwsContext) -> Result<AliasOutputs, ProviderError> {
        let target = self.target_key_id.as_str();
        let Some(live) = self.still_ours(cx, out).await? else {
            return Err(ProviderError::new(ErrorClass::NotFound, format!("KMS alias `{}` is gone", out.name)));
        };
        if !names_key(target, &live.target_key_id) {
            let call = cx.kms().update_alias().alias_name(&out.name).target_key_id(target);
            call.send().await.map_err(|e| classify("UpdateAlias", e))?;
        }
        let live = find_alias(cx, &out.name).await?.ok_or_else(|| missing("alias after UpdateAlias"))?;
        outputs(&live)
    }

    async fn delete(&self, out: &AliasOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        if self.still_ours(cx, out).await?.is_none() {
            return Ok(());
        }
        let deleted = cx.kms().delete_alias().alias_name(&out.name).send().await;
        ok_if_not_found(deleted.map(|_| ()).map_err(|e| classify("DeleteAlias", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<AliasOutputs>, ProviderError> {
        let Some(live) = find_alias(cx, &self.name).await? else { return Ok(None) };
        let found = outputs(&live)?;
        let key_tags = match Kms::list(cx, &found.target_key_id).await {
            Ok(tags) => tags,
            Err(e) if e.is_not_found() => Tags::new(),
            Err(e) => return Err(e),
        };
        if key_tags.get(STACK_TAG) == Some(&meta.stack) {
            return Ok(Some(found));
        }
        Err(ProviderError::new(ErrorClass::NotOwned, not_ours(&found, &key_tags, meta)))
    }
}

impl Alias {
    /// The live alias, `None` when it is gone; `Err(NotOwned)` when it now points at a key that
    /// is neither the one Plinth last set nor the program's target.
    async fn still_ours(&self, cx: &AwsContext, out: &AliasOutputs) -> Result<Option<AliasOutputs>, ProviderError> {
        let Some(live) = find_alias(cx, &out.name).await? else { return Ok(None) };
        let live = outputs(&live)?;
        let program = self.target_key_id.known().map(String::as_str).unwrap_or_default();
        if live.target_key_id == out.target_key_id || names_key(program, &live.target_key_id) {
            return Ok(Some(live));
        }
        let message = format!(
            "KMS alias `{}` now points at key {}, not at key {} that Plinth set: it was moved out of band; \
             Plinth will not retarget or delete it (point it back, or remove it from the program and state)",
            out.name, live.target_key_id, out.target_key_id
        );
        Err(ProviderError::new(ErrorClass::NotOwned, message))
    }
}

fn not_ours(alias: &AliasOutputs, key_tags: &Tags, meta: &Meta) -> String {
    let has = |key: &str| key_tags.get(key).map_or(format!("no {key} tag"), |v| format!("{key}={v}"));
    format!(
        "KMS alias `{}` points at key {}, which is not a key of stack `{}` (it has {}, {}); Plinth will not \
         adopt, change or delete the alias",
        alias.name,
        alias.target_key_id,
        meta.stack,
        has(STACK_TAG),
        has(NAME_TAG)
    )
}

fn outputs(live: &sdk::types::AliasListEntry) -> Result<AliasOutputs, ProviderError> {
    let field = |v: Option<&str>, what: &str| v.map(str::to_string).ok_or_else(|| missing(what));
    Ok(AliasOutputs {
        name: field(live.alias_name(), "alias name")?,
        arn: field(live.alias_arn(), "alias ARN")?,
        target_key_id: field(live.target_key_id(), "alias target key id")?,
    })
}

/// What is wrong with `name` as an alias name, if anything.
fn name_problem(name: &str) -> Option<&'static str> {
    let Some(rest) = name.strip_prefix("alias/") else { return Some("must start with `alias/`") };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_-".contains(c);
    if rest.is_empty() || name.len() > MAX_NAME_LEN {
        Some("must be `alias/` and 1 to 250 more characters")
    } else if rest.starts_with("aws/") {
        Some("is reserved: `alias/aws/` names AWS managed keys")
    } else if !rest.chars().all(allowed) {
        Some("may contain only letters, digits, `/`, `_` and `-` after `alias/`")
    } else {
        None
    }
}

crate::kit::kind!(Alias);

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(name: &str, target: &str) -> Alias {
        Alias { name: name.into(), target_key_id: target.into() }
    }

    #[test]
    fn names_and_targets_are_checked_naming_the_field() {
        assert!(alias("alias/plinth/dev-alarms", "1234abcd-12ab-34cd-56ef-1234567890ab").validate().is_empty());
        for bad in ["plinth", "alias/", "alias/aws/sns", "alias/with space", "alias/a:b"] {
            let problems = alias(bad, "k").validate();
            assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
            assert!(problems[0].starts_with(&format!("name: `{bad}`")), "{problems:?}");
        }
        let long = format!("alias/{}", "a".repeat(251));
        assert_eq!(alias(&long, "k").validate().len(), 1);
        for bad in ["", "alias/other", "arn:aws:kms:us-east-1:123456789012:alias/other"] {
            let problems = alias("alias/x", bad).validate();
            assert!(problems.len() == 1 && problems[0].starts_with("target_key_id"), "{bad}: {problems:?}");
        }
    }

    #[test]
    fn a_refusal_names_the_alias_the_key_and_its_tags() {
        let found = AliasOutputs { name: "alias/x".into(), arn: "arn".into(), target_key_id: "k-1".into() };
        let tags: Tags = [(STACK_TAG.to_string(), "other".to_string())].into();
        let message = not_ours(&found, &tags, &Meta::new("alarms", "dev"));
        assert!(message.contains("`alias/x`") && message.contains("k-1"), "{message}");
        assert!(message.contains("plinth:stack=other") && message.contains("no plinth:name tag"), "{message}");
    }
}
