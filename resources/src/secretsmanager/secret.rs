//! `aws:secretsmanager:Secret`: a secret whose value never enters Plinth's state.
//!
//! The value comes from a [`SecretSource`]: `Generated` (random, made once at creation and never
//! regenerated), `FromEnv` (written at creation and again whenever its fingerprint changes) or
//! `Placeholder` (a marker written at creation; the operator sets the real value out of band and
//! Plinth never overwrites it). Updates otherwise change the description, KMS key and tags only.
//! `read` never reads the value back: the observed `value` is the program's source.
//!
//! The name is unique in the account, so a rename deletes first. Deletion schedules the secret
//! for `recovery_window_days` (7 to 30), or deletes it at once when that is `None`: only for
//! disposable environments, since the value is then unrecoverable.

use super::tags::Secrets;
use super::{current_version, find_secret};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::import::found;
use crate::sensitive::{observed_kms_key, SecretSource};
use crate::tags;
use crate::AwsContext;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// The KMS key Secrets Manager uses when none is given.
const DEFAULT_KMS_KEY: &str = "alias/aws/secretsmanager";
/// AWS's own default recovery window.
const DEFAULT_RECOVERY_WINDOW_DAYS: i32 = 30;

/// A Secrets Manager secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Secret {
    /// Unique in the account and region: 1 to 512 of `A-Z a-z 0-9 / _ + = . @ -`.
    pub name: String,
    pub description: String,
    /// The KMS key (id, ARN or alias) that encrypts the value; `None` is the AWS-managed key.
    pub kms_key_id: Option<String>,
    /// Where the value comes from; never the value itself.
    pub value: SecretSource,
    /// Days the secret stays recoverable after a delete (7 to 30, default 30); `None` deletes
    /// it at once without recovery: only for disposable environments.
    pub recovery_window_days: Option<i32>,
    pub tags: Tags,
}

impl Default for Secret {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            kms_key_id: None,
            value: SecretSource::Placeholder,
            recovery_window_days: Some(DEFAULT_RECOVERY_WINDOW_DAYS),
            tags: Tags::new(),
        }
    }
}

/// What a secret's users reference. Never the value, nor any hash of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretOutputs {
    pub arn: String,
    pub name: String,
    /// The version carrying `AWSCURRENT`.
    pub version_id: Option<String>,
}

impl Resource for Secret {
    const KIND: &'static str = "aws:secretsmanager:Secret";
    const SERVICE: &'static str = "secretsmanager";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const STATEFUL: bool = true;
    const PRICED: bool = true;
    type Outputs = SecretOutputs;
    type Context = AwsContext;

    /// One secret (API calls not counted).
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let sm = &crate::prices::table().secretsmanager;
        let item = engine::cost::CostItem::new("secret", 1.0, "secrets", sm.secret_month);
        Ok(crate::prices::estimate(vec![item], vec!["API calls ($0.05 per 10,000) not counted".to_string()]))
    }

    fn cloud_id(outputs: &SecretOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(p) = secret_name_problem(&self.name) {
            problems.push(format!("name: `{}` {p}", self.name));
        }
        if self.description.chars().count() > 2048 {
            problems.push("description: longer than 2048 characters".to_string());
        }
        if let Some(days) = self.recovery_window_days.filter(|d| !(7..=30).contains(d)) {
            problems.push(format!("recovery_window_days: {days} must be 7 to 30 (or None to delete without recovery)"));
        }
        if self.kms_key_id.as_deref() == Some("") {
            problems.push("kms_key_id: empty; use None for the AWS-managed key".to_string());
        }
        problems.extend(self.value.problems("value"));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<SecretOutputs, ProviderError> {
        let value = self.value.initial_value()?;
        let out = cx
            .secrets()
            .create_secret()
            .name(&self.name)
            .set_description(Some(self.description.clone()).filter(|d| !d.is_empty()))
            .set_kms_key_id(self.kms_key_id.clone())
            .secret_string(value.expose())
            .set_tags(tags::to_sdk(&self.tags)?)
            .send()
            .await
            .map_err(|e| classify("CreateSecret", e));
        let out = match out {
            Ok(out) => out,
            Err(e) => return Err(explain_create_failure(cx, &self.name, e).await),
        };
        let arn = out.arn().ok_or_else(|| missing("CreateSecret ARN"))?.to_string();
        let name = out.name().unwrap_or(&self.name).to_string();
        Ok(SecretOutputs { arn, name, version_id: out.version_id().map(str::to_string) })
    }

    async fn read(&self, out: &SecretOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = find_secret(cx, &out.arn).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.name = live.name().unwrap_or(&out.name).to_string();
        seen.description = live.description().unwrap_or_default().to_string();
        seen.kms_key_id = observed_kms_key(self.kms_key_id.as_deref(), live.kms_key_id(), DEFAULT_KMS_KEY);
        seen.tags = tags::from_sdk(live.tags());
        // `value` stays the program's source and `recovery_window_days` is a Plinth setting:
        // neither is read from the cloud.
        Ok(Some(Observed { inputs: seen, outputs: outputs_of(&live, out) }))
    }

    async fn update(&self, old: &Self, out: &SecretOutputs, cx: &AwsContext) -> Result<SecretOutputs, ProviderError> {
        if self.description != old.description || self.kms_key_id != old.kms_key_id {
            // UpdateSecret cannot unset a key: going back to None names the AWS-managed key.
            let kms = self.kms_key_id.clone().unwrap_or_else(|| DEFAULT_KMS_KEY.to_string());
            let call = cx.secrets().update_secret().secret_id(&out.arn).description(&self.description);
            let call = if self.kms_key_id != old.kms_key_id { call.kms_key_id(kms) } else { call };
            call.send().await.map_err(|e| classify("UpdateSecret", e))?;
        }
        let mut outputs = out.clone();
        if let Some(value) = self.value.value_on_update(&old.value)? {
            let call = cx.secrets().put_secret_value().secret_id(&out.arn).secret_string(value.expose());
            let put = call.send().await.map_err(|e| classify("PutSecretValue", e))?;
            outputs.version_id = put.version_id().map(str::to_string).or(outputs.version_id);
        }
        tags::sync::<Secrets>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(outputs)
    }

    async fn delete(&self, out: &SecretOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let call = cx.secrets().delete_secret().secret_id(&out.arn);
        let call = match self.recovery_window_days {
            Some(days) => call.recovery_window_in_days(i64::from(days)),
            None => call.force_delete_without_recovery(true),
        };
        let result = call.send().await.map(|_| ()).map_err(|e| classify("DeleteSecret", e));
        match ok_if_not_found(result) {
            // A secret already scheduled for deletion refuses a second schedule
            // (InvalidRequestException): it is gone as far as Plinth is concerned.
            Err(e) if e.class == ErrorClass::Invalid && find_secret(cx, &out.arn).await?.is_none() => Ok(()),
            other => other,
        }
    }

    /// `id` is the secret's name or ARN.
    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<SecretOutputs, ProviderError> {
        let live = found(Self::KIND, id, find_secret(cx, id).await?)?;
        let arn = live.arn().ok_or_else(|| missing("DescribeSecret ARN"))?;
        let name = live.name().ok_or_else(|| missing("DescribeSecret name"))?;
        let base = SecretOutputs { arn: arn.to_string(), name: name.to_string(), version_id: None };
        Ok(outputs_of(&live, &base))
    }

    async fn write_tags(out: &SecretOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Secrets>(cx, &out.arn, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<SecretOutputs>, ProviderError> {
        let Some(live) = find_secret(cx, &self.name).await? else { return Ok(None) };
        let arn = live.arn().ok_or_else(|| missing("DescribeSecret ARN"))?;
        let base = SecretOutputs { arn: arn.to_string(), name: self.name.clone(), version_id: None };
        adopt(&format!("secret {}", self.name), &tags::from_sdk(live.tags()), meta, outputs_of(&live, &base))
    }
}

/// A name held by a secret in its recovery window cannot be reused (AWS answers
/// InvalidRequestException, moto ResourceExistsException): say so and how to get out of it.
async fn explain_create_failure(cx: &AwsContext, name: &str, err: ProviderError) -> ProviderError {
    if !matches!(err.class, ErrorClass::AlreadyExists | ErrorClass::Invalid) {
        return err;
    }
    let Ok(live) = cx.secrets().describe_secret().secret_id(name).send().await else { return err };
    let Some(date) = live.deleted_date() else { return err };
    let message = format!(
        "CreateSecret: secret `{name}` is scheduled for deletion (deleted {date}); restore it with RestoreSecret, \
         or delete it for good with ForceDeleteWithoutRecovery, before creating it again ({})",
        err.message
    );
    ProviderError { class: ErrorClass::Conflict, message, ..err }
}

fn outputs_of(live: &DescribeSecretOutput, known: &SecretOutputs) -> SecretOutputs {
    SecretOutputs {
        arn: live.arn().unwrap_or(&known.arn).to_string(),
        name: live.name().unwrap_or(&known.name).to_string(),
        version_id: current_version(live).or_else(|| known.version_id.clone()),
    }
}

fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("{what} missing from the response"))
}

/// What is wrong with `name` as a secret name, if anything.
pub fn secret_name_problem(name: &str) -> Option<&'static str> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c);
    if name.is_empty() || name.chars().count() > 512 {
        Some("must be 1 to 512 characters long")
    } else if !name.chars().all(allowed) {
        Some("may contain only letters, digits and / _ + = . @ -")
    } else {
        None
    }
}

crate::kit::kind!(Secret, unordered: [], write_only: ["value"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Secret {
        Secret { name: "plinth/dev/db-password".into(), value: SecretSource::generated(64), ..Default::default() }
    }

    #[test]
    fn validate_names_field_and_value() {
        assert!(valid().validate().is_empty(), "{:?}", valid().validate());
        let bad = Secret {
            name: "has space".into(),
            recovery_window_days: Some(3),
            value: SecretSource::generated(4),
            ..valid()
        };
        let problems = bad.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("name: `has space`"), "{problems:?}");
        assert!(problems[1].starts_with("recovery_window_days: 3"), "{problems:?}");
        assert!(problems[2].starts_with("value: generated length 4"), "{problems:?}");
        assert!(Secret { recovery_window_days: None, ..valid() }.validate().is_empty());
    }

    #[test]
    fn defaults_keep_a_recovery_window() {
        assert_eq!(Secret::default().recovery_window_days, Some(30));
        let parsed: Secret = serde_json::from_str(r#"{"name":"x"}"#).expect("parse");
        assert_eq!(parsed.recovery_window_days, Some(30));
        assert_eq!(parsed.value, SecretSource::Placeholder);
    }
}
