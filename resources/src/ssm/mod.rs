//! ssm (Parameter Store) kinds, and what they share: the parameter finder, the PutParameter
//! call, name rules, tag sync (in [`tags`]) and batched reads for refresh (`read`).
//!
//! Two kinds, split by what they hold: [`Parameter`] (`String` / `StringList`, values stored
//! and diffed like any input, not stateful) and [`SecureParameter`] (`SecureString`, value from
//! a [`crate::sensitive::SecretSource`], never in state, never decrypted by `read`, STATEFUL so
//! the engine's guard rails apply). `STATEFUL` is a constant per kind, hence the split.
//!
//! No waiters: PutParameter and DeleteParameter take effect before they return.

pub mod parameter;
mod read;
pub mod secure_parameter;
pub mod tags;

pub use parameter::{Parameter, ParameterType};
pub use read::PARAMETER_READ_BATCH;
pub use secure_parameter::SecureParameter;

use crate::error::{absent_if, classify};
use crate::kit::retry::no_retry;
use crate::AwsContext;
use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use aws_sdk_ssm::types::ParameterMetadata;
use engine::{ErrorClass, Meta, ProviderError, Tags};
use serde::{Deserialize, Serialize};

crate::service_client!(ssm, aws_sdk_ssm);

crate::error_codes!("ssm", NotFound: ["ParameterNotFound"], Throttled: ["TooManyUpdates"]);

/// What both parameter kinds output. The value is never an output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterOutputs {
    pub name: String,
    pub arn: String,
    /// Increases with every write of the value (PutParameter).
    pub version: i64,
}

/// The storage tier. AWS cannot move a parameter from Advanced back to Standard, so a change
/// of tier replaces the parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParameterTier {
    /// Up to 4 KB, free.
    #[default]
    Standard,
    /// Up to 8 KB, charged.
    Advanced,
}

impl ParameterTier {
    fn to_sdk(self) -> aws_sdk_ssm::types::ParameterTier {
        match self {
            ParameterTier::Standard => aws_sdk_ssm::types::ParameterTier::Standard,
            ParameterTier::Advanced => aws_sdk_ssm::types::ParameterTier::Advanced,
        }
    }

    fn from_sdk(tier: Option<&aws_sdk_ssm::types::ParameterTier>) -> Self {
        match tier {
            Some(aws_sdk_ssm::types::ParameterTier::Advanced) => ParameterTier::Advanced,
            _ => ParameterTier::Standard,
        }
    }

    /// The largest value this tier stores, in bytes.
    pub fn max_value_bytes(self) -> usize {
        match self {
            ParameterTier::Standard => 4096,
            ParameterTier::Advanced => 8192,
        }
    }
}

/// One PutParameter call. `tags: None` means overwrite an existing parameter: AWS refuses tags
/// together with Overwrite, so they are synced separately then.
pub(crate) struct Put<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub value: &'a str,
    pub kind: aws_sdk_ssm::types::ParameterType,
    pub tier: ParameterTier,
    pub key_id: Option<&'a str>,
    pub tags: Option<&'a Tags>,
}

/// Writes the parameter; the new version.
pub(crate) async fn put(cx: &AwsContext, p: Put<'_>) -> Result<i64, ProviderError> {
    let call = cx
        .ssm()
        .put_parameter()
        .name(p.name)
        .description(p.description)
        .value(p.value)
        .r#type(p.kind)
        .tier(p.tier.to_sdk())
        .set_key_id(p.key_id.map(str::to_string))
        .overwrite(p.tags.is_none());
    let call = match p.tags {
        Some(t) => call.set_tags(crate::tags::to_sdk(t)?),
        None => call,
    };
    // A first write (not Overwrite) must not be sent twice blindly; an overwrite may.
    let out = match p.tags {
        Some(_) => call.customize().config_override(no_retry!(aws_sdk_ssm)).send().await,
        None => call.send().await,
    };
    let out = out.map_err(|e| classify("PutParameter", e))?;
    Ok(out.version())
}

/// The parameter's metadata (never its value), or `None` when it does not exist.
pub async fn find_parameter(cx: &AwsContext, name: &str) -> Result<Option<ParameterMetadata>, ProviderError> {
    Ok(read::find_parameters(cx, &[name]).await?.pop().flatten())
}

/// The parameter's ARN and version from GetParameter, without decryption (a SecureString's
/// value comes back encrypted and is dropped at once); `None` when it does not exist.
pub(crate) async fn get(cx: &AwsContext, name: &str) -> Result<Option<aws_sdk_ssm::types::Parameter>, ProviderError> {
    let result = cx.ssm().get_parameter().name(name).with_decryption(false).send().await;
    let found = absent_if("GetParameter", result, GetParameterError::is_parameter_not_found)?;
    Ok(found.and_then(|out| out.parameter))
}

/// The outputs of the parameter `name`, from GetParameter.
pub(crate) async fn outputs(cx: &AwsContext, name: &str) -> Result<Option<ParameterOutputs>, ProviderError> {
    let Some(p) = get(cx, name).await? else { return Ok(None) };
    let arn = p.arn().ok_or_else(|| missing("GetParameter ARN"))?.to_string();
    Ok(Some(ParameterOutputs { name: name.to_string(), arn, version: p.version() }))
}

/// The outputs of the parameter `name` if this stack created it under `meta.name`; a parameter
/// of that name without both `plinth:*` tags is refused (`NotOwned`).
pub(crate) async fn find_ours(
    cx: &AwsContext,
    name: &str,
    meta: &Meta,
) -> Result<Option<ParameterOutputs>, ProviderError> {
    if find_parameter(cx, name).await?.is_none() {
        return Ok(None);
    }
    let live_tags = crate::tags::read::<tags::Ssm>(cx, name).await?;
    engine::prove_owned(&format!("parameter {name}"), &live_tags, meta)?;
    outputs(cx, name).await
}

/// Deletes the parameter; a parameter already gone is Ok.
pub(crate) async fn delete(cx: &AwsContext, name: &str) -> Result<(), ProviderError> {
    let result = cx.ssm().delete_parameter().name(name).send().await;
    crate::error::ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteParameter", e)))
}

pub(crate) fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("{what} missing from the response"))
}

/// What is wrong with `name` as a parameter name, if anything.
pub fn parameter_name_problem(name: &str) -> Option<&'static str> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-/".contains(c);
    let bare = name.trim_start_matches('/').to_ascii_lowercase();
    if name.is_empty() || name.len() > 1011 {
        Some("must be 1 to 1011 characters long")
    } else if !name.chars().all(allowed) {
        Some("may contain only letters, digits and _ . - /")
    } else if name.contains('/') && !name.starts_with('/') {
        Some("must start with / when it has a path")
    } else if bare.starts_with("aws") || bare.starts_with("ssm") {
        Some("must not start with aws or ssm (reserved)")
    } else if name.matches('/').count() > 15 {
        Some("must have at most 15 levels")
    } else if name.ends_with('/') || name.contains("//") {
        Some("must not have an empty path level")
    } else {
        None
    }
}

/// Problems common to both kinds: the name, the description and the tier's size limit.
pub(crate) fn common_problems(name: &str, description: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(p) = parameter_name_problem(name) {
        problems.push(format!("name: `{name}` {p}"));
    }
    if description.chars().count() > 1024 {
        problems.push("description: longer than 1024 characters".to_string());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_follow_ssm_rules() {
        for ok in ["plain", "/plinth/dev/api-url", "a.b_c-d", "/x"] {
            assert_eq!(parameter_name_problem(ok), None, "{ok}");
        }
        for bad in ["", "has space", "no/leading", "/aws/x", "ssm-thing", "/a/", "/a//b", &"/a".repeat(16)] {
            assert!(parameter_name_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn tiers_serialize_as_aws_names() {
        assert_eq!(serde_json::to_string(&ParameterTier::Standard).expect("json"), "\"Standard\"");
        assert_eq!(ParameterTier::from_sdk(None), ParameterTier::Standard);
        assert_eq!(ParameterTier::Advanced.to_sdk(), aws_sdk_ssm::types::ParameterTier::Advanced);
    }
}
