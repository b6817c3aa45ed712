//! IAM policies grant named actions: no `*` (every action of every service), and, advisory, no
//! `service:*` (every action of one service). Checked in what IAM identities get: a role's
//! inline policies and managed policies' documents; Deny statements are not grants.

use super::s3::statements;
use crate::iam::{Policy, Role};
use crate::policy::decode_document;
use engine::policy::{fact, Fact, Severity};
use engine::{PlannedResource, PolicyRule, Resource};
use serde_json::Value;

/// Allow statements whose Action is `*`, or that use NotAction (everything but a list).
pub struct IamNoStarAction;

/// Allow statements granting every action of a service (`s3:*`).
pub struct IamServiceWideAction;

impl PolicyRule for IamNoStarAction {
    fn id(&self) -> &'static str {
        "iam-no-star-action"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        grants(r, |statement| {
            if statement.get("NotAction").is_some() {
                return Some("allows NotAction (every action but those listed)".to_string());
            }
            actions(statement).any(|a| a == "*").then(|| "allows Action `*` (every action of every service)".into())
        })
    }
}

impl PolicyRule for IamServiceWideAction {
    fn id(&self) -> &'static str {
        "iam-service-wide-action"
    }
    fn severity(&self) -> Severity {
        Severity::Advisory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        grants(r, |statement| {
            let wide: Vec<&str> = actions(statement).filter(|a| a.ends_with(":*")).collect();
            (!wide.is_empty()).then(|| format!("allows every action of a service: {}", wide.join(", ")))
        })
    }
}

/// Runs `problem` over every Allow statement of the resource's identity policies; each finding
/// names the field and the statement (index and Sid).
fn grants(r: &PlannedResource<'_>, problem: impl Fn(&Value) -> Option<String>) -> Vec<String> {
    let mut found = Vec::new();
    for (field, text) in documents(r) {
        let Ok(doc) = decode_document(text) else { continue };
        for (i, statement) in statements(&doc).enumerate() {
            if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            if let Some(message) = problem(statement) {
                let sid =
                    statement.get("Sid").and_then(Value::as_str).map(|s| format!(" (Sid `{s}`)")).unwrap_or_default();
                found.push(format!("{field}: statement {i}{sid} {message}"));
            }
        }
    }
    found
}

/// The identity policy documents the resource holds, known now: `(field path, JSON text)`.
fn documents<'a>(r: &PlannedResource<'a>) -> Vec<(String, &'a str)> {
    let known = |v: Option<&'a Value>| match fact(v) {
        Fact::Known(Value::String(text)) => Some(text.as_str()),
        _ => None,
    };
    match r.kind {
        Role::KIND => r
            .inputs
            .get("inline_policies")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, v)| known(Some(v)).map(|t| (format!("inline_policies.{name}"), t)))
            .collect(),
        Policy::KIND => known(r.inputs.get("document")).map(|t| ("document".to_string(), t)).into_iter().collect(),
        _ => vec![],
    }
}

/// The actions a statement names (`Action` as a string or a list).
fn actions(statement: &Value) -> impl Iterator<Item = &str> {
    let list: Vec<&str> = match statement.get("Action") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    list.into_iter()
}
