//! `aws:ssm:SecureParameter`: a `SecureString` parameter whose value never enters Plinth's
//! state. STATEFUL: losing a generated or operator-set value is losing data.
//!
//! The value comes from a [`SecretSource`], with the same rules as a Secrets Manager secret:
//! `Generated` is made once at creation and never regenerated, `Placeholder` is a marker the
//! operator replaces out of band and Plinth never overwrites, `FromEnv` is written at creation
//! and whenever its fingerprint changes. `read` uses DescribeParameters only: it never decrypts.
//!
//! SSM has no call that changes a description or KMS key without writing the value. When only
//! those change, `update` reads the current value with decryption and writes it back unchanged
//! (it stays in memory for that one call; the role applying needs `ssm:GetParameter` with
//! decryption and `kms:Decrypt`). The name and tier force a replacement (delete first).

use super::tags::Ssm;
use super::{common_problems, find_ours, missing, put, ParameterOutputs, ParameterTier, Put};
use crate::error::classify;
use crate::sensitive::{observed_kms_key, SecretSource, SecretValue};
use crate::tags;
use crate::AwsContext;
use engine::{Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// The KMS key SSM uses for SecureString when none is given.
const DEFAULT_KMS_KEY: &str = "alias/aws/ssm";

/// A SecureString parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecureParameter {
    /// `plain` or `/a/path/name`: letters, digits, `_ . - /`; not starting with aws or ssm.
    pub name: String,
    pub description: String,
    /// Where the value comes from; never the value itself.
    pub value: SecretSource,
    /// The KMS key (id, ARN or alias) that encrypts the value; `None` is `alias/aws/ssm`.
    pub key_id: Option<String>,
    pub tier: ParameterTier,
    pub tags: Tags,
}

impl Resource for SecureParameter {
    const KIND: &'static str = "aws:ssm:SecureParameter";
    const SERVICE: &'static str = "ssm";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "tier"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const STATEFUL: bool = true;
    const READ_BATCH: usize = super::PARAMETER_READ_BATCH;
    type Outputs = ParameterOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &ParameterOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = common_problems(&self.name, &self.description);
        if self.key_id.as_deref() == Some("") {
            problems.push("key_id: empty; use None for alias/aws/ssm".to_string());
        }
        if let SecretSource::Generated { length, .. } = self.value {
            if length > self.tier.max_value_bytes() {
                problems.push(format!("value: generated length {length} exceeds the {:?} tier's limit", self.tier));
            }
        }
        problems.extend(self.value.problems("value"));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ParameterOutputs, ProviderError> {
        let value = self.value.initial_value()?;
        put(cx, self.put(&value, Some(&self.tags))).await?;
        super::outputs(cx, &self.name).await?.ok_or_else(|| missing("GetParameter after PutParameter"))
    }

    async fn read(&self, out: &ParameterOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        crate::kit::only_result(Self::read_batch(vec![(self.clone(), out.clone())], cx).await, &out.name)
    }

    /// DescribeParameters for the batch and each parameter's tags at the same time; the value
    /// is never read.
    async fn read_batch(
        batch: Vec<(Self, ParameterOutputs)>,
        cx: &AwsContext,
    ) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        let names: Vec<&str> = batch.iter().map(|(_, out)| out.name.as_str()).collect();
        let found = super::read::read_parameters(cx, &names, false).await;
        let members = batch.iter().zip(found);
        members.map(|((r, out), found)| Ok(found?.map(|live| r.observed(out, live)))).collect()
    }

    async fn update(
        &self,
        old: &Self,
        out: &ParameterOutputs,
        cx: &AwsContext,
    ) -> Result<ParameterOutputs, ProviderError> {
        let mut outputs = out.clone();
        let new_value = self.value.value_on_update(&old.value)?;
        let settings_changed = self.description != old.description || self.key_id != old.key_id;
        if new_value.is_some() || settings_changed {
            let value = match new_value {
                Some(v) => v,
                None => current_value(cx, &out.name).await?,
            };
            outputs.version = put(cx, self.put(&value, None)).await?;
        }
        tags::sync::<Ssm>(cx, &out.name, &old.tags, &self.tags).await?;
        Ok(outputs)
    }

    async fn delete(&self, out: &ParameterOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        super::delete(cx, &out.name).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ParameterOutputs>, ProviderError> {
        find_ours(cx, &self.name, meta).await
    }
}

impl SecureParameter {
    /// The PutParameter call writing `value`; `tags: None` overwrites an existing parameter.
    fn put<'a>(&'a self, value: &'a SecretValue, tags: Option<&'a Tags>) -> Put<'a> {
        Put {
            name: &self.name,
            description: &self.description,
            value: value.expose(),
            kind: aws_sdk_ssm::types::ParameterType::SecureString,
            tier: self.tier,
            key_id: self.key_id.as_deref(),
            tags,
        }
    }
}

/// The decrypted current value, only to write it back (see the module docs).
async fn current_value(cx: &AwsContext, name: &str) -> Result<SecretValue, ProviderError> {
    let out = cx
        .ssm()
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| classify("GetParameter", e))?;
    let value = out.parameter.and_then(|p| p.value).ok_or_else(|| missing("GetParameter value"))?;
    Ok(SecretValue::from_cloud(value))
}

impl SecureParameter {
    /// The parameter as its metadata and tags say (`value` stays the program's source).
    fn observed(&self, out: &ParameterOutputs, live: super::read::LiveParameter) -> Observed<Self> {
        let meta = &live.metadata;
        let mut seen = self.clone();
        seen.description = meta.description().unwrap_or_default().to_string();
        seen.key_id = observed_kms_key(self.key_id.as_deref(), meta.key_id(), DEFAULT_KMS_KEY);
        seen.tier = ParameterTier::from_sdk(meta.tier());
        let outputs = ParameterOutputs { version: meta.version(), ..out.clone() };
        seen.tags = live.tags;
        Observed { inputs: seen, outputs }
    }
}

crate::kit::kind!(SecureParameter, unordered: [], write_only: ["value"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> SecureParameter {
        SecureParameter { name: "/plinth/dev/llm-key".into(), ..Default::default() }
    }

    #[test]
    fn validate_names_field_and_value() {
        assert!(valid().validate().is_empty(), "{:?}", valid().validate());
        let bad = SecureParameter {
            name: "bad name".into(),
            key_id: Some(String::new()),
            value: SecretSource::FromEnv { var: "UNSET_VAR".into(), fingerprint: None },
            ..valid()
        };
        let problems = bad.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("name: `bad name`"), "{problems:?}");
        assert!(problems[1].starts_with("key_id: empty"), "{problems:?}");
        assert!(problems[2].contains("`UNSET_VAR` is not set"), "{problems:?}");
    }

    #[test]
    fn inputs_json_carries_the_source_only() {
        let p = SecureParameter { value: SecretSource::generated(32), ..valid() };
        let json = serde_json::to_value(&p).expect("json");
        assert_eq!(json["value"], serde_json::json!({"source": "generated", "length": 32, "alphabet": "alphanumeric"}));
    }
}
