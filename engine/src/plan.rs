//! The planner: desired graph + state → one step per resource. Pure: no I/O, no clock.

use crate::diff::{diff_fields, diff_inputs, FieldDiff};
use crate::graph::Graph;
use crate::input::{contains_unknown, substitute, unknown};
use crate::registry::Registry;
use crate::shape::Shape;
use crate::stack::{Node, Options, Stack};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use state::ResourceRow;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    Same,
}

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Same => "same",
        }
    }
}

/// What will happen to one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub kind: String,
    pub action: Action,
    /// The cloud id today, when the resource exists.
    pub cloud_id: Option<String>,
    pub diffs: Vec<FieldDiff>,
    /// Fields whose change forces the replacement.
    pub replace_reasons: Vec<String>,
    /// A replacement deletes the old object before creating the new one.
    pub delete_first: bool,
    /// Delete leaves the cloud object alone and only forgets it (`retain_on_delete`).
    pub retain: bool,
    /// What this step waits for: desired dependencies, or those recorded in state for deletes.
    pub depends_on: Vec<String>,
    /// The dependencies recorded in state for the existing object (what must go before it).
    pub prior_depends_on: Vec<String>,
    /// Inputs as planned: references resolved where known, `$unknown` markers elsewhere.
    pub inputs: Value,
    pub options: Options,
    /// The kind holds data users fear to lose (guard rails apply).
    #[serde(default)]
    pub stateful: bool,
}

/// A replacement or deletion of a stateful resource: `up` refuses it unless the operator names
/// it (`--allow-replace NAME` / `--allow-delete NAME`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guarded {
    pub name: String,
    pub kind: String,
    pub action: Action,
    pub reason: String,
}

impl Guarded {
    /// The flag that allows it.
    pub fn flag(&self) -> String {
        let verb = if self.action == Action::Replace { "replace" } else { "delete" };
        format!("--allow-{verb} {}", self.name)
    }
}

/// The whole plan for a stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub stack: String,
    pub steps: Vec<Step>,
    /// Reasons the plan must not be applied (protected resources it would delete or replace).
    pub refusals: Vec<String>,
    /// Stateful resources the plan would replace or delete.
    #[serde(default)]
    pub guarded: Vec<Guarded>,
    /// Objects an interrupted run left to delete, found by recovery (see [`crate::recover`]):
    /// deleted by `up` before the steps, once the plan is agreed.
    #[serde(default)]
    pub leftovers: Vec<Leftover>,
}

/// An object an interrupted run left behind for deletion (the old object of a create-first
/// replacement), which recovery read from the cloud and proved to be this stack's and unused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leftover {
    /// The journal row that asks for it; committed once the object is gone.
    pub journal_id: i64,
    pub name: String,
    pub kind: String,
    pub cloud_id: String,
    /// Why it is deleted: "the old object of a replacement, left by run <id> at <time>".
    pub reason: String,
    /// The object's row as the interrupted run journaled it.
    pub old: ResourceRow,
}

impl Plan {
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    pub fn has_changes(&self) -> bool {
        !self.leftovers.is_empty() || self.steps.iter().any(|s| s.action != Action::Same)
    }

    /// How many steps take each action.
    pub fn counts(&self) -> BTreeMap<Action, usize> {
        let mut counts = BTreeMap::new();
        for step in &self.steps {
            *counts.entry(step.action).or_default() += 1;
        }
        counts
    }
}

/// A state row that stands for an object (not a tombstone left by an interrupted replace).
pub fn is_live(row: &ResourceRow) -> bool {
    !row.outputs.is_null()
}

/// Plans `stack` (already validated into `graph`) against the rows in state. `registry` says
/// which kinds are stateful, including kinds of resources no longer in the program.
pub fn plan(stack: &Stack, graph: &Graph, rows: &[ResourceRow], registry: &Registry) -> Plan {
    let declared = stack.declared();
    let nodes: BTreeMap<&str, &Node> = declared.iter().map(|n| (n.name.as_str(), &**n)).collect();
    let prior: BTreeMap<&str, &ResourceRow> =
        rows.iter().filter(|r| is_live(r)).map(|r| (r.name.as_str(), r)).collect();
    let recorded: BTreeMap<&str, &ResourceRow> = rows.iter().map(|r| (r.name.as_str(), r)).collect();
    let mut steps: Vec<Step> = Vec::new();
    let mut actions: BTreeMap<String, Action> = BTreeMap::new();
    let mut deleted_first: BTreeSet<String> = BTreeSet::new();
    for name in &graph.order {
        let node = nodes[name.as_str()];
        let shape = registry.shape(node.kind.kind());
        let mut step = plan_node(stack, node, prior.get(name.as_str()).copied(), &actions, &prior, &shape);
        // A tombstone's recorded dependencies still order deletes around it.
        step.prior_depends_on = recorded.get(name.as_str()).map(|r| r.dependencies.clone()).unwrap_or_default();
        // Replacing something that references an object deleted first must delete first too:
        // its old object has to go before that object can.
        if step.action == Action::Replace && step.depends_on.iter().any(|d| deleted_first.contains(d)) {
            step.delete_first = true;
        }
        if step.action == Action::Replace && step.delete_first {
            deleted_first.insert(name.clone());
        }
        actions.insert(name.clone(), step.action);
        steps.push(step);
    }
    let (deletes, mut refusals) = plan_deletes(rows, &nodes, registry);
    steps.extend(deletes);
    refusals.extend(steps.iter().filter_map(refusal));
    let guarded = steps.iter().filter_map(guard).collect();
    Plan { stack: stack.name().to_string(), steps, refusals, guarded, leftovers: Vec::new() }
}

fn plan_node(
    stack: &Stack,
    node: &Node,
    prior: Option<&ResourceRow>,
    actions: &BTreeMap<String, Action>,
    rows: &BTreeMap<&str, &ResourceRow>,
    shape: &Shape,
) -> Step {
    let mut inputs = resolve_for_plan(stack, node, actions, rows);
    let mut step = Step {
        name: node.name.clone(),
        kind: node.kind.kind().to_string(),
        action: Action::Create,
        cloud_id: prior.map(|p| p.cloud_id.clone()),
        diffs: Vec::new(),
        replace_reasons: Vec::new(),
        delete_first: node.kind.delete_before_replace() || node.options.delete_before_replace,
        retain: node.options.retain_on_delete,
        depends_on: node.dependencies(),
        prior_depends_on: Vec::new(),
        inputs: Value::Null,
        options: node.options.clone(),
        stateful: node.kind.stateful(),
    };
    let Some(prior) = prior else {
        step.diffs = diff_fields(&Value::Null, &inputs);
        step.inputs = inputs;
        return step;
    };
    keep_ignored(&mut inputs, &prior.inputs, &node.options.ignore_changes);
    step.diffs = diff_inputs(&prior.inputs, &inputs, shape);
    step.replace_reasons = replace_reasons(node, prior, &step.diffs);
    step.action = match (step.diffs.is_empty(), step.replace_reasons.is_empty()) {
        (true, _) => Action::Same,
        (false, true) => Action::Update,
        (false, false) => Action::Replace,
    };
    step.inputs = inputs;
    step
}

fn replace_reasons(node: &Node, prior: &ResourceRow, diffs: &[FieldDiff]) -> Vec<String> {
    if prior.kind != node.kind.kind() {
        return vec![format!("kind changed from {} to {}", prior.kind, node.kind.kind())];
    }
    let mut reasons: Vec<String> = diffs
        .iter()
        .map(|d| d.top_field().to_string())
        .filter(|f| node.kind.replace_fields().contains(&f.as_str()))
        .collect();
    reasons.dedup();
    reasons
}

/// Substitutes references: known from state when the dependency keeps its object, `$unknown`
/// when the dependency will get a new one.
fn resolve_for_plan(
    stack: &Stack,
    node: &Node,
    actions: &BTreeMap<String, Action>,
    rows: &BTreeMap<&str, &ResourceRow>,
) -> Value {
    let mut resolve = |resource: &str, key: usize| -> Result<Value, ()> {
        let fresh = matches!(actions.get(resource), Some(Action::Create | Action::Replace) | None);
        let (Some(row), false) = (rows.get(resource), fresh) else { return Ok(unknown(resource)) };
        let projection = stack.projection(key).ok_or(())?;
        Ok(projection(&row.outputs).unwrap_or_else(|_| unknown(resource)))
    };
    substitute(&node.inputs, &mut resolve).unwrap_or_else(|()| node.inputs.clone())
}

pub(crate) fn keep_ignored(inputs: &mut Value, prior: &Value, ignored: &[String]) {
    let (Some(desired), Some(prior)) = (inputs.as_object_mut(), prior.as_object()) else { return };
    for field in ignored {
        match prior.get(field) {
            Some(old) => desired.insert(field.clone(), old.clone()),
            None => desired.remove(field),
        };
    }
}

/// Deletes for rows no longer in the program, dependents first. A tombstone (its object already
/// gone) is only forgotten: a state-only delete, ordered like the others. A row whose recorded
/// options do not decode is planned as protected and retained, with a refusal naming it: what
/// protected it cannot be known, so it is never assumed unprotected.
fn plan_deletes(rows: &[ResourceRow], nodes: &BTreeMap<&str, &Node>, registry: &Registry) -> (Vec<Step>, Vec<String>) {
    let mut gone: Vec<&ResourceRow> = rows.iter().filter(|r| !nodes.contains_key(r.name.as_str())).collect();
    order_dependents_first(&mut gone);
    let mut refusals = Vec::new();
    let steps = gone
        .into_iter()
        .map(|row| {
            let options = match recorded_options(row) {
                Ok(options) => options,
                Err(refused) => {
                    refusals.push(refused);
                    Options { protect: true, retain_on_delete: true, ..Options::default() }
                }
            };
            Step {
                name: row.name.clone(),
                kind: row.kind.clone(),
                action: Action::Delete,
                cloud_id: is_live(row).then(|| row.cloud_id.clone()),
                diffs: diff_fields(&row.inputs, &Value::Null),
                replace_reasons: Vec::new(),
                delete_first: false,
                retain: options.retain_on_delete || !is_live(row),
                depends_on: row.dependencies.clone(),
                prior_depends_on: row.dependencies.clone(),
                inputs: row.inputs.clone(),
                options,
                stateful: registry.get(&row.kind).is_some_and(|k| k.stateful()),
            }
        })
        .collect();
    (steps, refusals)
}

/// The options recorded in a state row, or a refusal naming the row when they do not decode.
pub fn recorded_options(row: &ResourceRow) -> Result<Options, String> {
    serde_json::from_value(row.options.clone()).map_err(|e| {
        format!(
            "resource `{}` ({}) is no longer in the program, but its recorded options do not decode ({e}): \
             whether it is protected cannot be told, so it is not deleted; fix its options in state or \
             `state forget {}` it",
            row.name, row.cloud_id, row.name
        )
    })
}

/// Orders rows so that a resource comes before everything it depends on (the order deletes run),
/// in rounds: first the rows nothing else among them depends on, in their given order, then
/// those only the first round depended on, and so on; rows on a cycle come last, in their
/// given order. Linear in rows and dependencies: each row counts its dependents among `rows`,
/// and a round hands its rows' dependencies their last dependent gone.
pub(crate) fn order_dependents_first(rows: &mut Vec<&ResourceRow>) {
    let index: BTreeMap<&str, usize> = rows.iter().enumerate().map(|(i, r)| (r.name.as_str(), i)).collect();
    // Per row, the rows (by index) it depends on, each once.
    let needs: Vec<BTreeSet<usize>> =
        rows.iter().map(|r| r.dependencies.iter().filter_map(|d| index.get(d.as_str()).copied()).collect()).collect();
    let mut dependents = vec![0usize; rows.len()];
    needs.iter().flatten().for_each(|&d| dependents[d] += 1);
    let mut placed = vec![false; rows.len()];
    let mut round: Vec<usize> = (0..rows.len()).filter(|&i| dependents[i] == 0).collect();
    let mut order: Vec<usize> = Vec::with_capacity(rows.len());
    while !round.is_empty() {
        round.iter().for_each(|&i| placed[i] = true);
        let mut next = Vec::new();
        for &i in &round {
            for &d in &needs[i] {
                dependents[d] -= 1;
                if dependents[d] == 0 && !placed[d] {
                    next.push(d);
                }
            }
        }
        next.sort_unstable();
        order.append(&mut round);
        round = next;
    }
    order.extend((0..rows.len()).filter(|&i| !placed[i]));
    *rows = order.into_iter().map(|i| rows[i]).collect();
}

pub(crate) fn refusal(step: &Step) -> Option<String> {
    let verb = match step.action {
        Action::Delete if step.retain => return None,
        Action::Delete => "delete",
        Action::Replace => "replace",
        _ => return None,
    };
    step.options.protect.then(|| {
        format!(
            "resource `{}` is protected and the plan would {verb} it; remove `.protect()` in the program first",
            step.name
        )
    })
}

pub(crate) fn guard(step: &Step) -> Option<Guarded> {
    let reason = match step.action {
        Action::Replace => format!(
            "{} would be replaced ({}): the old object and its data are deleted",
            step.name,
            step.replace_reasons.join(", ")
        ),
        Action::Delete if !step.retain => format!("{} would be deleted with its data", step.name),
        _ => return None,
    };
    step.stateful.then(|| Guarded { name: step.name.clone(), kind: step.kind.clone(), action: step.action, reason })
}

/// True when any planned input is still unknown (it will be known after apply).
pub fn has_unknowns(step: &Step) -> bool {
    contains_unknown(&step.inputs)
}

#[cfg(test)]
#[path = "plan_order_tests.rs"]
mod order_tests;
