//! `aws:iam:Role`: a role with its trust policy, inline policies, attached managed policies and
//! tags. Name and path cannot change in place; everything else can.

use super::role_policies::{self as rp, Inline};
use super::tags::RoleTags;
use super::{default_path, description_problem, document_problem, find_role, name_problem, path_problem};
use crate::error::{classify, none_if_not_found, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::import::found;
use crate::kit::retry::no_retry;
use crate::policy::observed_document;
use crate::tags;
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What IAM uses when a role sets no maximum session duration.
const DEFAULT_MAX_SESSION: i32 = 3600;

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    #[serde(default = "default_path")]
    pub path: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The trust policy (JSON).
    pub assume_role_policy: Input<String>,
    /// Inline policies: policy name → document (JSON).
    #[serde(default)]
    pub inline_policies: BTreeMap<String, Input<String>>,
    #[serde(default)]
    pub managed_policy_arns: Vec<Input<String>>,
    /// Seconds, 3600..=43200; `None` is IAM's default (3600).
    #[serde(default)]
    pub max_session_duration: Option<i32>,
    #[serde(default)]
    pub tags: Tags,
}

impl Default for Role {
    fn default() -> Self {
        Self {
            name: String::new(),
            path: default_path(),
            description: None,
            assume_role_policy: Input::default(),
            inline_policies: BTreeMap::new(),
            managed_policy_arns: Vec::new(),
            max_session_duration: None,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleOutputs {
    pub name: String,
    pub arn: String,
    pub role_id: String,
}

impl Resource for Role {
    const KIND: &'static str = "aws:iam:Role";
    const SERVICE: &'static str = "iam";
    const REPLACE_FIELDS: &'static [&'static str] = &["name", "path"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = RoleOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &RoleOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems: Vec<String> = [
            name_problem("name", &self.name, 64),
            path_problem(&self.path),
            description_problem(self.description.as_deref()),
            document_problem("assume_role_policy", &self.assume_role_policy),
        ]
        .into_iter()
        .flatten()
        .collect();
        for (name, doc) in &self.inline_policies {
            problems.extend(name_problem(&format!("inline_policies[{name}]"), name, 128));
            problems.extend(document_problem(&format!("inline_policies[{name}]"), doc));
        }
        if let Some(d) = self.max_session_duration.filter(|d| !(3600..=43200).contains(d)) {
            problems.push(format!("max_session_duration: {d} must be between 3600 and 43200 seconds"));
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<RoleOutputs, ProviderError> {
        let out = cx
            .iam()
            .create_role()
            .role_name(&self.name)
            .path(&self.path)
            .assume_role_policy_document(self.assume_role_policy.as_str())
            .set_description(self.description.clone())
            .set_max_session_duration(self.max_session_duration)
            .set_tags(tags::to_sdk(&self.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_iam))
            .send()
            .await
            .map_err(|e| classify("CreateRole", e))?;
        let role = out.role.ok_or_else(|| missing("CreateRole", "Role"))?;
        // A new role has nothing to withdraw: its inline and managed policies go at once.
        let none = Inline::new();
        futures::try_join!(
            rp::sync_inline(cx, &self.name, &none, &self.inline_policies),
            rp::sync_managed(cx, &self.name, &[], &self.managed_policy_arns),
        )?;
        Ok(outputs(&role))
    }

    async fn read(&self, out: &RoleOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some((role, live_tags)) = find_role(cx, &out.name).await? else { return Ok(None) };
        // A role deleted between two calls reads as gone, not as an error.
        let lists = async {
            let inline = rp::read_inline(cx, &out.name, &self.inline_policies).await?;
            let managed = rp::read_managed(cx, &out.name, &self.managed_policy_arns).await?;
            Ok::<_, ProviderError>((inline, managed))
        };
        let Some(policies) = none_if_not_found(lists.await)? else { return Ok(None) };
        Ok(Some(self.observed(&role, live_tags, policies)))
    }

    const READ_BATCH: usize = super::role_read::ROLES_PER_BATCH;

    /// One GetAccountAuthorizationDetails for the policies of every role, plus each role's
    /// GetRole ([`super::role_read`]).
    async fn read_batch(
        batch: Vec<(Self, RoleOutputs)>,
        cx: &AwsContext,
    ) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        super::role_read::read_roles(batch, cx).await
    }

    async fn update(&self, old: &Self, out: &RoleOutputs, cx: &AwsContext) -> Result<RoleOutputs, ProviderError> {
        let name = out.name.as_str();
        if self.assume_role_policy != old.assume_role_policy {
            let call =
                cx.iam().update_assume_role_policy().role_name(name).policy_document(self.assume_role_policy.as_str());
            call.send().await.map_err(|e| classify("UpdateAssumeRolePolicy", e))?;
        }
        if self.description != old.description || self.max_session_duration != old.max_session_duration {
            let call = cx
                .iam()
                .update_role()
                .role_name(name)
                .description(self.description.clone().unwrap_or_default())
                .max_session_duration(self.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION));
            call.send().await.map_err(|e| classify("UpdateRole", e))?;
        }
        rp::sync_inline(cx, name, &old.inline_policies, &self.inline_policies).await?;
        rp::sync_managed(cx, name, &old.managed_policy_arns, &self.managed_policy_arns).await?;
        tags::sync::<RoleTags>(cx, name, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &RoleOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        match rp::clear(cx, &out.name).await {
            Err(e) if e.is_not_found() => return Ok(()),
            other => other?,
        }
        let result = cx.iam().delete_role().role_name(&out.name).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteRole", e))).map_err(|e| match e.class {
            ErrorClass::Conflict => ProviderError {
                message: format!("role {} is still in use (an instance profile?): {}", out.name, e.message),
                ..e
            },
            _ => e,
        })
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<RoleOutputs, ProviderError> {
        let (role, _) = found(Self::KIND, id, find_role(cx, id).await?)?;
        Ok(outputs(&role))
    }

    async fn write_tags(out: &RoleOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<RoleTags>(cx, &out.name, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<RoleOutputs>, ProviderError> {
        let Some((role, live_tags)) = find_role(cx, &self.name).await? else { return Ok(None) };
        adopt(&format!("IAM role {}", self.name), &live_tags, meta, outputs(&role))
    }
}

impl Role {
    /// The live role as the program's inputs: `policies` are its inline policies and attached
    /// managed policy ARNs as read; documents the program's text when they mean the same.
    pub(super) fn observed(
        &self,
        role: &aws_sdk_iam::types::Role,
        tags: Tags,
        (inline_policies, managed_policy_arns): (rp::Inline, Vec<Input<String>>),
    ) -> Observed<Self> {
        let trust = role.assume_role_policy_document().unwrap_or_default();
        let inputs = Role {
            name: role.role_name().to_string(),
            path: role.path().to_string(),
            description: role.description().filter(|d| !d.is_empty()).map(str::to_string),
            assume_role_policy: Input::Value(observed_document(self.assume_role_policy.as_str(), trust)),
            inline_policies,
            managed_policy_arns,
            max_session_duration: observed_max_session(self.max_session_duration, role.max_session_duration()),
            tags,
        };
        Observed { inputs, outputs: outputs(role) }
    }
}

fn outputs(role: &aws_sdk_iam::types::Role) -> RoleOutputs {
    RoleOutputs { name: role.role_name().to_string(), arn: role.arn().to_string(), role_id: role.role_id().to_string() }
}

/// IAM reports 3600 for a role created without a maximum: that is the program's `None`.
fn observed_max_session(program: Option<i32>, live: Option<i32>) -> Option<i32> {
    match (program, live) {
        (None, Some(DEFAULT_MAX_SESSION)) => None,
        (_, live) => live,
    }
}

fn missing(op: &str, what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("{op}: the response has no {what}"))
}

crate::kit::kind!(Role, unordered: ["managed_policy_arns"], documents: ["assume_role_policy", "inline_policies.*"]);

#[cfg(test)]
mod tests {
    use super::*;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn default_path_is_root() {
        let r: Role =
            serde_json::from_value(serde_json::json!({"name": "r", "assume_role_policy": TRUST})).expect("decodes");
        assert_eq!(r.path, "/");
        assert_eq!(Role::default().path, "/");
    }

    #[test]
    fn validate_names_field_and_value() {
        let r = Role {
            name: "bad name".into(),
            assume_role_policy: "{".into(),
            inline_policies: [("p".to_string(), Input::Value("nope".to_string()))].into(),
            max_session_duration: Some(60),
            ..Default::default()
        };
        let problems = r.validate();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("name: `bad name`"));
        assert!(problems.iter().any(|p| p.starts_with("assume_role_policy:")));
        assert!(problems.iter().any(|p| p.starts_with("inline_policies[p]:")));
        assert!(problems.iter().any(|p| p.contains("max_session_duration: 60")));
        let ok = Role { name: "api-task".into(), assume_role_policy: TRUST.into(), ..Default::default() };
        assert!(ok.validate().is_empty());
    }

    #[test]
    fn default_session_reads_as_unset() {
        assert_eq!(observed_max_session(None, Some(3600)), None);
        assert_eq!(observed_max_session(Some(3600), Some(3600)), Some(3600));
        assert_eq!(observed_max_session(None, Some(7200)), Some(7200));
    }
}
