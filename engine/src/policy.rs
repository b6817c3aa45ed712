//! Policy checks on the plan: rules over each planned resource (its kind, name and the inputs
//! it will have), each advisory or mandatory. Built-in rules that need a kind's field names are
//! registered with the kinds ([`crate::Registry::with_rule`], e.g. `resources`' guard rails);
//! a program adds its own on its stack ([`crate::Stack::policy_rule`]). Pure: no I/O, no clock.
//!
//! The CLI shows the findings under every preview (text, markdown, json) and under the plan
//! `up` shows. A mandatory finding is an error, like a refusal: `preview` exits 1 after showing
//! it (as Sentinel's hard-mandatory and conftest's failures do), and `up` refuses before any
//! cloud call (it checks the program first, before it reads state or connects) and again on the
//! plan it made, before anything is asked or changed. Advisory findings are shown and change
//! no exit code.
//!
//! # Guarantees
//! * Every planned resource that will exist after the run (not a delete) is checked by every
//!   rule, whatever its action: an unchanged violation still counts.
//! * Findings come out sorted by severity (mandatory first), rule id and resource name.
//!
//! # Assumptions
//! * Rules are pure and cheap (no I/O); a value only apply can know (`(known after apply)`) is
//!   not a violation: rules check what the plan knows, and a later plan checks it again once it
//!   is known.
//! * A rule that does not apply to a kind says nothing about it.

mod render;
mod tags;

pub use render::{json, markdown, text};
pub use tags::RequiredTags;

use crate::error::EngineError;
use crate::input::{as_reference, is_unknown};
use crate::plan::{Action, Plan};
use crate::registry::Registry;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops `up` (and fails `preview`).
    Mandatory,
    /// Shown; nothing stops.
    Advisory,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Mandatory => "mandatory",
            Severity::Advisory => "advisory",
        }
    }
}

/// One rule's verdict on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub resource: String,
    pub kind: String,
    /// What is wrong, naming the input field (`storage_encrypted is false`).
    pub message: String,
}

/// A check over planned resources. Implement it in the program and register it with
/// [`crate::Stack::policy_rule`].
pub trait PolicyRule: Send + Sync {
    /// A short stable id (`s3-tls-only`), shown with each finding.
    fn id(&self) -> &'static str;
    fn severity(&self) -> Severity;
    /// What is wrong with `resource`, one message per problem (each naming the field); empty
    /// when the rule is satisfied or does not apply to the resource's kind.
    fn check(&self, resource: &PlannedResource<'_>) -> Vec<String>;
}

/// A resource as it will be after the run, with what a rule may need to know around it.
pub struct PlannedResource<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub action: Action,
    /// Inputs as planned: references resolved where known, `$unknown` markers elsewhere.
    pub inputs: &'a Value,
    /// The kind carries tags (the stack's default tags were merged into `tags`).
    pub taggable: bool,
    /// The stack (environment) name: `prod`, `local`, ...
    pub environment: &'a str,
    /// The resources this one references or depends on.
    pub depends_on: &'a [String],
    around: &'a Around<'a>,
}

/// What a value in a resource's inputs is, for a rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fact<'a> {
    /// Not set (absent or `null`).
    Missing,
    /// Only apply will know it (a reference to an object not created yet).
    Unknown,
    Known(&'a Value),
}

impl<'a> PlannedResource<'a> {
    /// The input at `path` (field names joined with `.`).
    pub fn field(&self, path: &str) -> Fact<'a> {
        fact(path.split('.').try_fold(self.inputs, |v, key| v.get(key)))
    }

    /// The input at `path` as a boolean; `None` when unset or unknown.
    pub fn flag(&self, path: &str) -> Option<bool> {
        match self.field(path) {
            Fact::Known(v) => v.as_bool(),
            _ => None,
        }
    }

    /// The kind of a planned resource, by name.
    pub fn kind_of(&self, name: &str) -> Option<&'a str> {
        self.around.kinds.get(name).copied()
    }

    /// The planned resources that depend on this one: `(name, kind)`.
    pub fn used_by(&self) -> &'a [(&'a str, &'a str)] {
        self.dependents_of(self.name)
    }

    /// The planned resources that depend on `name`: `(name, kind)`.
    pub fn dependents_of(&self, name: &str) -> &'a [(&'a str, &'a str)] {
        self.around.dependents.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// What a JSON value found at a path is.
pub fn fact(v: Option<&Value>) -> Fact<'_> {
    match v {
        None | Some(Value::Null) => Fact::Missing,
        Some(v) if is_unknown(v) || as_reference(v).is_some() => Fact::Unknown,
        Some(v) => Fact::Known(v),
    }
}

/// Names and dependents of every planned resource.
struct Around<'a> {
    kinds: BTreeMap<&'a str, &'a str>,
    dependents: BTreeMap<&'a str, Vec<(&'a str, &'a str)>>,
}

/// The rules in force: the registry's built-ins, then the program's.
#[derive(Clone, Default)]
pub struct Rules(Vec<Arc<dyn PolicyRule>>);

impl Rules {
    pub fn new(rules: impl IntoIterator<Item = Arc<dyn PolicyRule>>) -> Self {
        Self(rules.into_iter().collect())
    }

    /// The registry's rules followed by the stack's.
    /// The registry's built-in rules and the program's own; a rule the program waived is kept,
    /// advisory, its messages carrying the waiver's reason.
    pub fn of(registry: &Registry, stack: &crate::Stack) -> Self {
        let waivers = stack.policy_waivers();
        Self::new(registry.rules().iter().cloned().chain(stack.policy_rules()).map(
            |rule| match waivers.get(rule.id()) {
                Some(reason) => Arc::new(Waived { rule, reason: reason.clone() }) as Arc<dyn PolicyRule>,
                None => rule,
            },
        ))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn PolicyRule>> {
        self.0.iter()
    }
}

/// A rule the program waived: advisory, saying why.
struct Waived {
    rule: Arc<dyn PolicyRule>,
    reason: String,
}

impl PolicyRule for Waived {
    fn id(&self) -> &'static str {
        self.rule.id()
    }

    fn severity(&self) -> Severity {
        Severity::Advisory
    }

    fn check(&self, resource: &PlannedResource<'_>) -> Vec<String> {
        let reason = &self.reason;
        self.rule.check(resource).into_iter().map(|m| format!("{m} (waived: {reason})")).collect()
    }
}

/// Every rule over every step of `plan` that is not a delete. `registry` says which kinds are
/// taggable.
pub fn evaluate(plan: &Plan, registry: &Registry, rules: &Rules) -> Vec<Finding> {
    let live: Vec<_> = plan.steps.iter().filter(|s| s.action != Action::Delete).collect();
    let mut around = Around { kinds: BTreeMap::new(), dependents: BTreeMap::new() };
    for step in &live {
        around.kinds.insert(&step.name, &step.kind);
        for dep in &step.depends_on {
            around.dependents.entry(dep.as_str()).or_default().push((&step.name, &step.kind));
        }
    }
    let mut findings = Vec::new();
    for step in &live {
        let resource = PlannedResource {
            name: &step.name,
            kind: &step.kind,
            action: step.action,
            inputs: &step.inputs,
            taggable: registry.get(&step.kind).is_some_and(|k| k.taggable()),
            environment: &plan.stack,
            depends_on: &step.depends_on,
            around: &around,
        };
        for rule in rules.iter() {
            findings.extend(rule.check(&resource).into_iter().map(|message| Finding {
                rule: rule.id().to_string(),
                severity: rule.severity(),
                resource: step.name.clone(),
                kind: step.kind.clone(),
                message,
            }));
        }
    }
    findings.sort_by(|a, b| (a.severity, &a.rule, &a.resource).cmp(&(b.severity, &b.rule, &b.resource)));
    findings
}

/// The program's findings before anything is read or called: `stack` planned as if nothing
/// existed yet (every resource a create, references unknown) and checked by `rules`. What `up`
/// checks before it touches state or the cloud, and how tests check a program.
pub fn check_program(stack: &crate::Stack, registry: &Registry, rules: &Rules) -> Result<Vec<Finding>, EngineError> {
    let graph = crate::graph::validate(stack)?;
    let plan = crate::plan::plan(stack, &graph, &[], registry);
    Ok(evaluate(&plan, registry, rules))
}

/// The mandatory findings as refusals: `policy <rule> (mandatory): <resource>: <message>`.
pub fn refusals(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Mandatory)
        .map(|f| format!("policy {} (mandatory): `{}` ({}): {}", f.rule, f.resource, f.kind, f.message))
        .collect()
}

#[cfg(test)]
mod tests;
