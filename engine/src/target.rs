//! Targeted runs (`--target NAME`, repeatable; `--target-dependents`): narrows a whole plan to
//! the named resources and what a consistent state needs with them. Pure: no I/O, no clock.
//!
//! The plan is made for the whole stack first ([`crate::plan::plan`]) and then narrowed, so a
//! targeted step is exactly the step the full plan would run (references from targeted
//! resources resolve from state as they would in a full run). The narrowed set is closed under:
//!
//! * **needs**: a resource the program declares brings everything it depends on (references and
//!   `depends_on`), transitively;
//! * **removal**: a step that deletes or replaces an object brings every step that uses it
//!   (desired or recorded in state): a resource cannot be deleted while its dependents remain,
//!   and a replaced object's dependents must move to the new one before the old one goes;
//! * **dependents** (`--target-dependents`, and always for `destroy`): the targets bring
//!   everything that depends on them, transitively.
//!
//! # Guarantees
//! * Every name given is a resource of the program or a row in state, or the run stops before
//!   any cloud call with an error naming each unknown name and close names
//!   ([`Targets::check_names`]).
//! * A resource removed from the program is deleted only when named (or when it depends on
//!   something deleted or replaced that was named): untargeted removals are not planned.
//! * After the narrowed plan is applied, no state row depends on a row that is gone, and a full
//!   preview shows exactly the steps that were left out.
//! * Guard rails are recomputed for the narrowed steps: protection and stateful refusals of
//!   what is planned still apply; those of what is left out do not stop the run.
//!
//! # Assumptions
//! * `plan` was made from `rows` (the same rows, recovery applied), so each removed row's step is
//!   its `Delete` and its recorded options are those of the row.

use crate::plan::{guard, recorded_options, refusal, Action, Plan, Step};
use serde::{Deserialize, Serialize};
use state::ResourceRow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What a targeted run was asked to plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// The names given with `--target`, sorted, without duplicates.
    pub names: Vec<String>,
    /// `--target-dependents`: also everything that depends on the targets.
    #[serde(default)]
    pub dependents: bool,
}

/// Names given with `--target` that name nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--target names what is not {scope}: {}", describe(.unknown))]
pub struct UnknownTargets {
    /// Each unknown name with up to three close names.
    pub unknown: Vec<(String, Vec<String>)>,
    /// Where names were looked for, e.g. "in the program or in state".
    pub scope: &'static str,
}

fn describe(unknown: &[(String, Vec<String>)]) -> String {
    let one = |(name, close): &(String, Vec<String>)| match close.as_slice() {
        [] => format!("`{name}`"),
        close => format!(
            "`{name}` (did you mean {}?)",
            close.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ),
    };
    unknown.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// A plan narrowed to its targets, with what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Narrowed {
    pub plan: Plan,
    /// Steps brought in because they use something the plan deletes or replaces: one sentence each.
    pub notes: Vec<String>,
    /// Resources of the whole plan that are not planned.
    pub left_out: usize,
    /// Of those, how many the whole plan would change.
    pub left_out_changes: usize,
}

impl Targets {
    /// Targets from the command line (`None` when no `--target` was given).
    pub fn new(names: &[String], dependents: bool) -> Option<Targets> {
        let names: BTreeSet<String> = names.iter().cloned().collect();
        (!names.is_empty()).then(|| Targets { names: names.into_iter().collect(), dependents })
    }

    /// Refuses names that are not among `known`, suggesting close ones.
    pub fn check_names<'a>(
        &self,
        known: impl IntoIterator<Item = &'a str>,
        scope: &'static str,
    ) -> Result<(), UnknownTargets> {
        let known: BTreeSet<&str> = known.into_iter().collect();
        let unknown: Vec<(String, Vec<String>)> = self
            .names
            .iter()
            .filter(|n| !known.contains(n.as_str()))
            .map(|n| (n.clone(), close_names(n, &known)))
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(UnknownTargets { unknown, scope })
        }
    }

    /// One line for the operator: what is planned and what is not (`destroy`: what is deleted).
    pub fn warning(&self, narrowed: &Narrowed, destroy: bool) -> String {
        let flags = self.names.join(" --target ");
        let (planned, left) = (narrowed.plan.steps.len(), narrowed.left_out);
        if destroy {
            return format!(
                "targeted destroy (--target {flags}): {planned} resource(s): the targets and what depends on them; \
                 the other {left} resource(s) stay; run without --target to destroy the whole stack"
            );
        }
        let with = if self.dependents { ", what depends on them" } else { "" };
        format!(
            "targeted run (--target {flags}): planned {planned} resource(s): the targets{with} and what they need; \
             the other {left} resource(s) are not planned ({} of them with changes a full plan would make); \
             run without --target to converge the whole stack",
            narrowed.left_out_changes
        )
    }
}

/// Up to three names close to `name`: containing it, or similar (Jaro-Winkler ≥ 0.8).
fn close_names(name: &str, known: &BTreeSet<&str>) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = known
        .iter()
        .map(|k| {
            let contains = name.len() >= 3 && (k.contains(name) || name.contains(k));
            let score = strsim::jaro_winkler(name, k);
            (if contains { score.max(0.9) } else { score }, *k)
        })
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, k)| k.to_string()).collect()
}

/// Narrows `plan` (made from `rows`) to `targets` and what they need (module docs). Names must
/// have been checked ([`Targets::check_names`]); a name without a step plans nothing for it.
pub fn narrow(plan: &Plan, rows: &[ResourceRow], targets: &Targets) -> Narrowed {
    let steps = &plan.steps;
    let index: BTreeMap<&str, usize> = steps.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let users = users(steps);
    let named: Vec<usize> = targets.names.iter().filter_map(|n| index.get(n.as_str()).copied()).collect();
    let start: Vec<usize> =
        if targets.dependents { reach(&named, |i| users[i].clone()).into_iter().collect() } else { named };
    let mut notes = Vec::new();
    let chosen = reach(&start, |i| {
        let step = &steps[i];
        let mut next: Vec<usize> = Vec::new();
        if step.action != Action::Delete {
            next.extend(step.depends_on.iter().filter_map(|d| index.get(d.as_str()).copied()));
        }
        if matches!(step.action, Action::Delete | Action::Replace) {
            for &u in &users[i] {
                notes.push((u, i));
                next.push(u);
            }
        }
        next
    });
    let start: BTreeSet<usize> = start.into_iter().collect();
    let mut noted = BTreeSet::new();
    let notes = notes
        .into_iter()
        .filter(|(u, _)| !start.contains(u) && noted.insert(*u))
        .map(|(u, by)| {
            format!(
                "`{}` is planned too: it depends on `{}`, which the plan {}s (a resource cannot be deleted while \
                 its dependents remain)",
                steps[u].name,
                steps[by].name,
                steps[by].action.verb()
            )
        })
        .collect();
    let kept: Vec<Step> =
        steps.iter().enumerate().filter(|(i, _)| chosen.contains(i)).map(|(_, s)| s.clone()).collect();
    let left: Vec<&Step> = steps.iter().enumerate().filter(|(i, _)| !chosen.contains(i)).map(|(_, s)| s).collect();
    Narrowed {
        plan: with_guard_rails(plan, kept, rows),
        notes,
        left_out: left.len(),
        left_out_changes: left.iter().filter(|s| s.action != Action::Same).count(),
    }
}

/// For each step, the steps that use it: those whose desired or recorded dependencies name it.
fn users(steps: &[Step]) -> Vec<Vec<usize>> {
    let index: BTreeMap<&str, usize> = steps.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let mut users: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); steps.len()];
    for (u, step) in steps.iter().enumerate() {
        for dep in step.depends_on.iter().chain(&step.prior_depends_on) {
            if let Some(&d) = index.get(dep.as_str()).filter(|&&d| d != u) {
                users[d].insert(u);
            }
        }
    }
    users.into_iter().map(|s| s.into_iter().collect()).collect()
}

/// Everything reachable from `start` through `next`, `start` included.
fn reach(start: &[usize], mut next: impl FnMut(usize) -> Vec<usize>) -> BTreeSet<usize> {
    let mut seen: BTreeSet<usize> = start.iter().copied().collect();
    let mut queue: VecDeque<usize> = start.iter().copied().collect();
    while let Some(i) = queue.pop_front() {
        for n in next(i) {
            if seen.insert(n) {
                queue.push_back(n);
            }
        }
    }
    seen
}

/// `steps` as a plan of `whole`'s stack, with refusals and guarded steps of these steps only
/// (recorded options that do not decode refuse, as in the whole plan).
fn with_guard_rails(whole: &Plan, steps: Vec<Step>, rows: &[ResourceRow]) -> Plan {
    let deleted: BTreeSet<&str> =
        steps.iter().filter(|s| s.action == Action::Delete).map(|s| s.name.as_str()).collect();
    let mut refusals: Vec<String> =
        rows.iter().filter(|r| deleted.contains(r.name.as_str())).filter_map(|r| recorded_options(r).err()).collect();
    refusals.extend(steps.iter().filter_map(refusal));
    let guarded = steps.iter().filter_map(guard).collect();
    Plan { stack: whole.stack.clone(), steps, refusals, guarded, leftovers: whole.leftovers.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> BTreeSet<&'static str> {
        ["sub-a", "sub-b", "net", "database"].into_iter().collect()
    }

    #[test]
    fn unknown_names_are_named_with_close_ones() {
        let targets = Targets::new(&["sub".into(), "net".into(), "zzz".into(), "databse".into()], false).unwrap();
        let err = targets.check_names(known(), "in the program or in state").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--target names what is not in the program or in state: `databse` (did you mean `database`?), \
             `sub` (did you mean `sub-a`, `sub-b`?), `zzz`"
        );
    }

    #[test]
    fn known_names_pass_and_duplicates_fold() {
        let targets = Targets::new(&["net".into(), "net".into()], true).unwrap();
        assert_eq!(targets.names, vec!["net".to_string()]);
        assert!(targets.check_names(known(), "in state").is_ok());
        assert_eq!(Targets::new(&[], true), None);
    }
}
