//! `aws:ssm:Parameter`: a plain `String` or `StringList` parameter. Its value is an ordinary
//! input: stored in state, shown in diffs, read back so drift shows. For secrets use
//! [`super::SecureParameter`] (a `SecureString` whose value never reaches state).
//!
//! The name, type and tier force a replacement (the name is unique: delete first); the value,
//! description and tags change in place (PutParameter with Overwrite, then tag sync, since AWS
//! refuses tags together with Overwrite).

use super::read::LiveParameter;
use super::tags::Ssm;
use super::{common_problems, find_ours, missing, outputs, put, ParameterOutputs, ParameterTier, Put};
use crate::kit::import::found;
use crate::tags;
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// A plain parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Parameter {
    /// `plain` or `/a/path/name`: letters, digits, `_ . - /`; not starting with aws or ssm.
    pub name: String,
    pub description: String,
    pub parameter_type: ParameterType,
    /// The value (may be another resource's output). For `StringList`, comma-separated.
    pub value: Input<String>,
    pub tier: ParameterTier,
    pub tags: Tags,
}

/// The plain parameter types (SecureString is [`super::SecureParameter`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParameterType {
    #[default]
    String,
    StringList,
}

impl ParameterType {
    fn to_sdk(self) -> aws_sdk_ssm::types::ParameterType {
        match self {
            ParameterType::String => aws_sdk_ssm::types::ParameterType::String,
            ParameterType::StringList => aws_sdk_ssm::types::ParameterType::StringList,
        }
    }
}

impl Resource for Parameter {
    const KIND: &'static str = "aws:ssm:Parameter";
    const SERVICE: &'static str = "ssm";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "parameter_type", "tier"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const READ_BATCH: usize = super::PARAMETER_READ_BATCH;
    type Outputs = ParameterOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &ParameterOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = common_problems(&self.name, &self.description);
        if let Some(value) = self.value.known() {
            let max = self.tier.max_value_bytes();
            if value.is_empty() {
                problems.push("value: empty; SSM parameters need at least one character".to_string());
            } else if value.len() > max {
                problems.push(format!("value: {} bytes, more than the {:?} tier's {max}", value.len(), self.tier));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ParameterOutputs, ProviderError> {
        put(cx, self.put(Some(&self.tags))).await?;
        super::outputs(cx, &self.name).await?.ok_or_else(|| missing("GetParameter after PutParameter"))
    }

    async fn read(&self, out: &ParameterOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        crate::kit::only_result(Self::read_batch(vec![(self.clone(), out.clone())], cx).await, &out.name)
    }

    /// DescribeParameters and GetParameters for the batch and each parameter's tags, all at once.
    async fn read_batch(
        batch: Vec<(Self, ParameterOutputs)>,
        cx: &AwsContext,
    ) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        let names: Vec<&str> = batch.iter().map(|(_, out)| out.name.as_str()).collect();
        let found = super::read::read_parameters(cx, &names, true).await;
        let members = batch.iter().zip(found);
        members.map(|((r, out), found)| found?.map(|live| r.observed(out, live)).transpose()).collect()
    }

    async fn update(
        &self,
        old: &Self,
        out: &ParameterOutputs,
        cx: &AwsContext,
    ) -> Result<ParameterOutputs, ProviderError> {
        let mut outputs = out.clone();
        if self.value != old.value || self.description != old.description {
            outputs.version = put(cx, self.put(None)).await?;
        }
        tags::sync::<Ssm>(cx, &out.name, &old.tags, &self.tags).await?;
        Ok(outputs)
    }

    async fn delete(&self, out: &ParameterOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        super::delete(cx, &out.name).await
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<ParameterOutputs, ProviderError> {
        found(Self::KIND, id, outputs(cx, id).await?)
    }

    async fn write_tags(out: &ParameterOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Ssm>(cx, &out.name, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ParameterOutputs>, ProviderError> {
        find_ours(cx, &self.name, meta).await
    }
}

impl Parameter {
    /// The PutParameter call for this parameter; `tags: None` overwrites an existing one.
    fn put<'a>(&'a self, tags: Option<&'a Tags>) -> Put<'a> {
        Put {
            name: &self.name,
            description: &self.description,
            value: self.value.as_str(),
            kind: self.parameter_type.to_sdk(),
            tier: self.tier,
            key_id: None,
            tags,
        }
    }
}

impl Parameter {
    /// The parameter as its metadata, GetParameters answer and tags say.
    fn observed(&self, out: &ParameterOutputs, live: LiveParameter) -> Result<Observed<Self>, ProviderError> {
        let value = super::read::value_of(&live)?;
        let mut seen = self.clone();
        seen.description = live.metadata.description().unwrap_or_default().to_string();
        seen.tier = ParameterTier::from_sdk(live.metadata.tier());
        if let Some(aws_sdk_ssm::types::ParameterType::StringList) = value.r#type() {
            seen.parameter_type = ParameterType::StringList;
        } else if let Some(aws_sdk_ssm::types::ParameterType::String) = value.r#type() {
            seen.parameter_type = ParameterType::String;
        }
        seen.value = Input::Value(value.value().unwrap_or_default().to_string());
        let arn = value.arn().map_or_else(|| out.arn.clone(), str::to_string);
        let outputs = ParameterOutputs { name: out.name.clone(), arn, version: value.version() };
        seen.tags = live.tags;
        Ok(Observed { inputs: seen, outputs })
    }
}

crate::kit::kind!(Parameter);

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Parameter {
        Parameter { name: "/plinth/dev/api-url".into(), value: "https://api.example.com".into(), ..Default::default() }
    }

    #[test]
    fn validate_names_field_and_value() {
        assert!(valid().validate().is_empty());
        let bad = Parameter { name: "/aws/x".into(), value: "".into(), ..valid() };
        let problems = bad.validate();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("name: `/aws/x`"), "{problems:?}");
        assert!(problems[1].starts_with("value: empty"), "{problems:?}");
        let big = Parameter { value: "x".repeat(5000).into(), ..valid() };
        assert!(big.validate()[0].contains("Standard tier's 4096"), "{:?}", big.validate());
        assert!(Parameter { tier: ParameterTier::Advanced, ..big }.validate().is_empty());
    }

    #[test]
    fn types_serialize_as_aws_names() {
        let json = serde_json::to_value(valid()).expect("json");
        assert_eq!(json["parameter_type"], "String");
        assert_eq!(json["tier"], "Standard");
        assert_eq!(json["value"], "https://api.example.com");
    }
}
