//! iam kinds (roles, policies, OpenID Connect providers), and what they share: the finders, name/path/document validation, and tag sync (in
//! [`tags`]). IAM is global: names are unique in the account, so both kinds delete before they
//! replace.

pub mod oidc_provider;
pub mod policy;
pub mod role;
mod role_policies;
mod role_read;
pub mod tags;

pub use oidc_provider::{OpenIdConnectProvider, OpenIdConnectProviderOutputs};
pub use policy::{Policy, PolicyOutputs};
pub use role::{Role, RoleOutputs};

use crate::error::{absent_if, classify, none_if_not_found};
use crate::policy::decode_document;
use crate::AwsContext;
use aws_sdk_iam::operation::get_role::GetRoleError;
use engine::{Input, ProviderError, Tags};

crate::service_client!(iam, aws_sdk_iam);

crate::error_codes!(
    "iam",
    NotFound: ["NoSuchEntity"],
    AlreadyExists: ["EntityAlreadyExists"],
    Conflict: ["DeleteConflict", "ConcurrentModification"],
);

/// The role of that name and its tags, or `None`.
pub async fn find_role(cx: &AwsContext, name: &str) -> Result<Option<(aws_sdk_iam::types::Role, Tags)>, ProviderError> {
    let result = cx.iam().get_role().role_name(name).send().await;
    let Some(out) = absent_if("GetRole", result, GetRoleError::is_no_such_entity_exception)? else { return Ok(None) };
    let Some(role) = out.role else { return Ok(None) };
    let Some(tags) = none_if_not_found(crate::tags::read::<tags::RoleTags>(cx, name).await)? else { return Ok(None) };
    Ok(Some((role, tags)))
}

/// The customer-managed policy of that name under `path`, and its tags, or `None`.
pub async fn find_policy(
    cx: &AwsContext,
    name: &str,
    path: &str,
) -> Result<Option<(aws_sdk_iam::types::Policy, Tags)>, ProviderError> {
    let mut pages = cx
        .iam()
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .path_prefix(path)
        .into_paginator()
        .items()
        .send();
    while let Some(item) = pages.next().await {
        let policy = item.map_err(|e| classify("ListPolicies", e))?;
        if policy.policy_name() != Some(name) {
            continue;
        }
        let Some(arn) = policy.arn() else { continue };
        let Some(tags) = none_if_not_found(crate::tags::read::<tags::PolicyTags>(cx, arn).await)? else {
            return Ok(None);
        };
        return Ok(Some((policy, tags)));
    }
    Ok(None)
}

pub(crate) fn default_path() -> String {
    "/".to_string()
}

/// IAM names: 1..=max characters of letters, digits and `+=,.@_-`.
pub(crate) fn name_problem(field: &str, name: &str, max: usize) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if name.is_empty() || name.len() > max {
        Some(format!("{field}: `{name}` must be 1 to {max} characters"))
    } else if !name.chars().all(allowed) {
        Some(format!("{field}: `{name}` may contain only letters, digits and +=,.@_-"))
    } else {
        None
    }
}

/// IAM paths: `/` or `/a/b/`, at most 512 printable ASCII characters.
pub(crate) fn path_problem(path: &str) -> Option<String> {
    let printable = path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
    if path.len() > 512 || !path.starts_with('/') || !path.ends_with('/') || !printable || path.contains("//") {
        Some(format!("path: `{path}` must start and end with `/` (for example `/` or `/app/`), without `//`"))
    } else {
        None
    }
}

/// A known document that is not JSON.
pub(crate) fn document_problem(field: &str, doc: &Input<String>) -> Option<String> {
    let text = doc.known()?;
    decode_document(text).err().map(|e| format!("{field}: {e}"))
}

pub(crate) fn description_problem(description: Option<&str>) -> Option<String> {
    match description {
        Some("") => Some("description: empty; use None for no description".to_string()),
        Some(d) if d.chars().count() > 1000 => {
            Some(format!("description: {} characters, at most 1000", d.chars().count()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_registered() {
        let registry = crate::registry();
        let role = registry.get("aws:iam:Role").expect("role");
        assert_eq!(role.replace_fields(), &["name", "path"]);
        let policy = registry.get("aws:iam:Policy").expect("policy");
        assert_eq!(policy.replace_fields(), &["name", "path", "description"]);
        assert!(role.delete_before_replace() && policy.delete_before_replace());
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(name_problem("name", "api-task_role+1", 64), None);
        assert!(name_problem("name", "", 64).is_some());
        assert!(name_problem("name", "has space", 64).unwrap_or_default().contains("`has space`"));
        assert!(name_problem("name", &"a".repeat(65), 64).is_some());
        assert_eq!(path_problem("/"), None);
        assert_eq!(path_problem("/app/workers/"), None);
        for bad in ["", "app/", "/app", "/a//b/"] {
            assert!(path_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn documents_are_checked_when_known() {
        assert!(document_problem("document", &Input::Value("{".into())).is_some());
        assert_eq!(document_problem("document", &Input::Value("{}".into())), None);
    }
}
