//! IAM: every role tagged for the stack trusts a service principal only under an
//! `aws:SourceAccount` condition naming this account (the confused-deputy guard), and no policy
//! of those roles (inline or attached) allows Action "*" on Resource "*" (IAM.1).

use super::target::Target;
use super::{error_text, Check};
use aws_sdk_iam::types::Role;
use aws_sdk_iam::Client;
use serde_json::Value;

const AREA: &str = "iam";

async fn roles(t: &Target, iam: &Client) -> Result<Vec<Role>, String> {
    let all: Vec<Role> = iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| format!("ListRoles: {}", error_text(e)))?;
    let mut owned = Vec::new();
    for role in all {
        let tags = iam.list_role_tags().role_name(role.role_name()).send().await;
        let tags = tags.map_err(|e| format!("ListRoleTags {}: {}", role.role_name(), error_text(e)))?;
        if t.owns(tags.tags().iter().map(|t| (t.key(), t.value()))) {
            owned.push(role);
        }
    }
    Ok(owned)
}

pub async fn checks(t: &Target) -> Vec<Check> {
    let iam = Client::new(t.sdk());
    let roles = match roles(t, &iam).await {
        Ok(roles) => roles,
        Err(reason) => {
            return vec![
                super::blocked(AREA, None, TRUST_WHAT, &reason),
                super::blocked(AREA, Some("IAM.1"), ADMIN_WHAT, &reason),
            ]
        }
    };
    let mut trust = Check::new(AREA, None, TRUST_WHAT);
    let mut admin = Check::new(AREA, Some("IAM.1"), ADMIN_WHAT);
    for role in &roles {
        trust_policy(t, role, &mut trust);
        admin.saw();
        for (policy, doc) in policies(&iam, role, &mut admin).await {
            for statement in statements(&doc) {
                if statement["Effect"] == "Allow" && has_star(&statement["Action"]) && has_star(&statement["Resource"]) {
                    admin.fail(format!("{}/{policy}", role.role_name()), "allows Action \"*\" on Resource \"*\"");
                }
            }
        }
    }
    vec![trust, admin]
}

const TRUST_WHAT: &str = "roles trusting a service principal require aws:SourceAccount = this account";
const ADMIN_WHAT: &str = "no policy of the stack's roles allows Action \"*\" on Resource \"*\"";

fn statements(doc: &Value) -> Vec<Value> {
    match &doc["Statement"] {
        Value::Array(list) => list.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => vec![],
    }
}

fn has_star(value: &Value) -> bool {
    match value {
        Value::String(s) => s == "*",
        Value::Array(list) => list.iter().any(|v| v == "*"),
        _ => false,
    }
}

fn trust_policy(t: &Target, role: &Role, check: &mut Check) {
    let doc = role.assume_role_policy_document().and_then(|d| resources::policy::decode_document(d).ok()).unwrap_or_default();
    for statement in statements(&doc) {
        let service = &statement["Principal"]["Service"];
        if service.is_null() || statement["Effect"] != "Allow" {
            continue;
        }
        let condition = &statement["Condition"];
        let account = ["StringEquals", "StringLike"].iter().find_map(|op| condition[op]["aws:SourceAccount"].as_str());
        check.expect(
            role.role_name(),
            account == Some(t.account.as_str()),
            format!("trusts {service} with aws:SourceAccount {account:?}, not {}", t.account),
        );
    }
}

/// The role's inline and attached policy documents by name; unreadable ones are findings.
async fn policies(iam: &Client, role: &Role, check: &mut Check) -> Vec<(String, Value)> {
    let name = role.role_name();
    let mut docs = Vec::new();
    match iam.list_role_policies().role_name(name).send().await {
        Ok(out) => {
            for policy in out.policy_names() {
                match iam.get_role_policy().role_name(name).policy_name(policy).send().await {
                    Ok(p) => docs.push((policy.clone(), resources::policy::decode_document(p.policy_document()).unwrap_or_default())),
                    Err(e) => {
                        check.call_failed(format!("{name}/{policy}"), "GetRolePolicy", e);
                    }
                }
            }
        }
        Err(e) => {
            check.call_failed(name, "ListRolePolicies", e);
        }
    }
    match iam.list_attached_role_policies().role_name(name).send().await {
        Ok(out) => {
            for attached in out.attached_policies() {
                let arn = attached.policy_arn().unwrap_or_default();
                match attached_document(iam, arn).await {
                    Ok(doc) => docs.push((arn.to_string(), doc)),
                    Err(e) => {
                        check.fail(format!("{name}/{arn}"), e);
                    }
                }
            }
        }
        Err(e) => {
            check.call_failed(name, "ListAttachedRolePolicies", e);
        }
    }
    docs
}

async fn attached_document(iam: &Client, arn: &str) -> Result<Value, String> {
    let policy = iam.get_policy().policy_arn(arn).send().await.map_err(|e| format!("GetPolicy failed: {}", error_text(e)))?;
    let version = policy.policy().and_then(|p| p.default_version_id()).unwrap_or("v1");
    let doc = iam.get_policy_version().policy_arn(arn).version_id(version).send().await;
    let doc = doc.map_err(|e| format!("GetPolicyVersion failed: {}", error_text(e)))?;
    let text = doc.policy_version().and_then(|v| v.document()).unwrap_or("{}");
    resources::policy::decode_document(text).map_err(|e| format!("policy document does not decode: {e}"))
}
