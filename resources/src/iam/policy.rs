//! `aws:iam:Policy`: a customer-managed policy. A document change creates a new default
//! version; IAM keeps at most 5 versions, so the oldest non-default ones are pruned first.
//! Name, path and description cannot change in place (IAM has no call for the description).

use super::tags::PolicyTags;
use super::{default_path, description_problem, document_problem, find_policy, name_problem, path_problem};
use crate::error::{absent_if, classify, none_if_not_found, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::import::found;
use crate::kit::retry::no_retry;
use crate::policy::observed_document;
use crate::tags;
use crate::AwsContext;
use aws_sdk_iam::operation::get_policy::GetPolicyError;
use aws_sdk_iam::types::PolicyVersion;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// IAM's limit of versions per managed policy.
pub const MAX_VERSIONS: usize = 5;

/// A customer-managed IAM policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    #[serde(default = "default_path")]
    pub path: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The policy document (JSON).
    pub document: Input<String>,
    #[serde(default)]
    pub tags: Tags,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            name: String::new(),
            path: default_path(),
            description: None,
            document: Input::default(),
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyOutputs {
    pub arn: String,
    pub policy_id: String,
    pub default_version_id: String,
}

impl Resource for Policy {
    const KIND: &'static str = "aws:iam:Policy";
    const SERVICE: &'static str = "iam";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "path", "description"];
    /// Policy names are unique in the account, whatever the path.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = PolicyOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &PolicyOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        [
            name_problem("name", &self.name, 128),
            path_problem(&self.path),
            description_problem(self.description.as_deref()),
            document_problem("document", &self.document),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<PolicyOutputs, ProviderError> {
        let out = cx
            .iam()
            .create_policy()
            .policy_name(&self.name)
            .path(&self.path)
            .policy_document(self.document.as_str())
            .set_description(self.description.clone())
            .set_tags(tags::to_sdk(&self.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_iam))
            .send()
            .await
            .map_err(|e| classify("CreatePolicy", e))?;
        outputs(out.policy.as_ref().ok_or_else(|| missing("CreatePolicy", "Policy"))?)
    }

    async fn read(&self, out: &PolicyOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let result = cx.iam().get_policy().policy_arn(&out.arn).send().await.map_err(|e| classify("GetPolicy", e));
        let Some(policy) = none_if_not_found(result)?.and_then(|o| o.policy) else { return Ok(None) };
        let outputs = outputs(&policy)?;
        let live = async {
            let doc = default_document(cx, &out.arn, &outputs.default_version_id).await?;
            Ok::<_, ProviderError>((doc, tags::read::<PolicyTags>(cx, &out.arn).await?))
        };
        let Some((doc, live_tags)) = none_if_not_found(live.await)? else { return Ok(None) };
        let inputs = Policy {
            name: policy.policy_name().unwrap_or_default().to_string(),
            path: policy.path().unwrap_or("/").to_string(),
            description: policy.description().filter(|d| !d.is_empty()).map(str::to_string),
            document: Input::Value(observed_document(self.document.as_str(), &doc)),
            tags: live_tags,
        };
        Ok(Some(Observed { inputs, outputs }))
    }

    async fn update(&self, old: &Self, out: &PolicyOutputs, cx: &AwsContext) -> Result<PolicyOutputs, ProviderError> {
        tags::sync::<PolicyTags>(cx, &out.arn, &old.tags, &self.tags).await?;
        if self.document == old.document {
            return Ok(out.clone());
        }
        prune_versions(cx, &out.arn, MAX_VERSIONS - 1).await?;
        let created = cx
            .iam()
            .create_policy_version()
            .policy_arn(&out.arn)
            .policy_document(self.document.as_str())
            .set_as_default(true)
            .customize()
            .config_override(no_retry!(aws_sdk_iam))
            .send()
            .await
            .map_err(|e| classify("CreatePolicyVersion", e))?;
        let version = created.policy_version().and_then(|v| v.version_id());
        let version = version.ok_or_else(|| missing("CreatePolicyVersion", "VersionId"))?;
        Ok(PolicyOutputs { default_version_id: version.to_string(), ..out.clone() })
    }

    async fn delete(&self, out: &PolicyOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.iam().get_policy().policy_arn(&out.arn).send().await.map_err(|e| classify("GetPolicy", e));
        let Some(policy) = none_if_not_found(result)?.and_then(|o| o.policy) else { return Ok(()) };
        if policy.attachment_count().unwrap_or(0) > 0 {
            return Err(attached_error(cx, &out.arn).await);
        }
        match prune_versions(cx, &out.arn, 1).await {
            Err(e) if e.is_not_found() => return Ok(()),
            other => other?,
        }
        let result = cx.iam().delete_policy().policy_arn(&out.arn).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeletePolicy", e)))
    }

    /// `id` is the policy's ARN (its cloud id).
    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<PolicyOutputs, ProviderError> {
        let result = cx.iam().get_policy().policy_arn(id).send().await;
        let live = absent_if("GetPolicy", result, GetPolicyError::is_no_such_entity_exception)?;
        outputs(&found(Self::KIND, id, live.and_then(|o| o.policy))?)
    }

    async fn write_tags(out: &PolicyOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<PolicyTags>(cx, &out.arn, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<PolicyOutputs>, ProviderError> {
        let Some((policy, live_tags)) = find_policy(cx, &self.name, &self.path).await? else { return Ok(None) };
        adopt(&format!("IAM policy {}{}", self.path, self.name), &live_tags, meta, outputs(&policy)?)
    }
}

fn outputs(policy: &aws_sdk_iam::types::Policy) -> Result<PolicyOutputs, ProviderError> {
    let field = |v: Option<&str>, name: &str| v.map(str::to_string).ok_or_else(|| missing("IAM policy", name));
    Ok(PolicyOutputs {
        arn: field(policy.arn(), "Arn")?,
        policy_id: field(policy.policy_id(), "PolicyId")?,
        default_version_id: field(policy.default_version_id(), "DefaultVersionId")?,
    })
}

/// The default version's document, as IAM returns it (URL-encoded).
async fn default_document(cx: &AwsContext, arn: &str, version: &str) -> Result<String, ProviderError> {
    let out = cx.iam().get_policy_version().policy_arn(arn).version_id(version).send().await;
    let out = out.map_err(|e| classify("GetPolicyVersion", e))?;
    let doc = out.policy_version.and_then(|v| v.document);
    doc.ok_or_else(|| missing("GetPolicyVersion", "Document"))
}

async fn versions(cx: &AwsContext, arn: &str) -> Result<Vec<PolicyVersion>, ProviderError> {
    let pages = cx.iam().list_policy_versions().policy_arn(arn).into_paginator().items().send();
    pages.collect::<Result<Vec<_>, _>>().await.map_err(|e| classify("ListPolicyVersions", e))
}

/// Deletes the oldest non-default versions until at most `keep` remain (the default version
/// always stays).
pub async fn prune_versions(cx: &AwsContext, arn: &str, keep: usize) -> Result<(), ProviderError> {
    let all = versions(cx, arn).await?;
    let excess = all.len().saturating_sub(keep.max(1));
    for version_id in oldest_first(&all).into_iter().take(excess) {
        let result = cx.iam().delete_policy_version().policy_arn(arn).version_id(&version_id).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeletePolicyVersion", e)))?;
    }
    Ok(())
}

/// Non-default version ids, oldest first: by creation time, then by version number (IAM's ids
/// are `v1`, `v2`, ... and creation times may tie within a second).
fn oldest_first(all: &[PolicyVersion]) -> Vec<String> {
    let number = |v: &PolicyVersion| v.version_id().and_then(|id| id.trim_start_matches('v').parse::<u64>().ok());
    let mut candidates: Vec<&PolicyVersion> = all.iter().filter(|v| !v.is_default_version()).collect();
    candidates.sort_by_key(|v| (v.create_date().map(|d| (d.secs(), d.subsec_nanos())), number(v)));
    candidates.into_iter().filter_map(|v| v.version_id().map(str::to_string)).collect()
}

/// Conflict naming who the policy is still attached to: the engine detaches before deleting,
/// so this means something outside the stack uses it.
async fn attached_error(cx: &AwsContext, arn: &str) -> ProviderError {
    let names = match cx.iam().list_entities_for_policy().policy_arn(arn).send().await {
        Ok(out) => {
            let roles = out.policy_roles().iter().filter_map(|r| r.role_name()).map(|n| format!("role {n}"));
            let users = out.policy_users().iter().filter_map(|u| u.user_name()).map(|n| format!("user {n}"));
            let groups = out.policy_groups().iter().filter_map(|g| g.group_name()).map(|n| format!("group {n}"));
            roles.chain(users).chain(groups).collect::<Vec<_>>().join(", ")
        }
        Err(e) => format!("(could not list them: {})", classify("ListEntitiesForPolicy", e)),
    };
    ProviderError::new(ErrorClass::Conflict, format!("policy {arn} is still attached to {names}; detach it first"))
}

fn missing(op: &str, what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("{op}: the response has no {what}"))
}

crate::kit::kind!(Policy, documents: ["document"]);

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::DateTime;

    fn version(id: &str, secs: i64, default: bool) -> PolicyVersion {
        PolicyVersion::builder()
            .version_id(id)
            .create_date(DateTime::from_secs(secs))
            .is_default_version(default)
            .build()
    }

    #[test]
    fn oldest_non_default_versions_go_first() {
        let all = [version("v10", 5, false), version("v2", 5, false), version("v1", 1, false), version("v11", 9, true)];
        assert_eq!(oldest_first(&all), vec!["v1", "v2", "v10"]);
    }

    #[test]
    fn validate_names_field_and_value() {
        let p = Policy { name: "".into(), path: "app".into(), document: "[".into(), ..Default::default() };
        let problems = p.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[1].contains("`app`"));
    }
}
