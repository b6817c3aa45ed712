//! Turns a plan into the operations apply runs and the order constraints between them.
//! Pure. Creates wait for what they reference; deletes wait for everything that used the object.

use crate::error::EngineError;
use crate::plan::{Action, Plan};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Create,
    Update,
    Delete,
    /// The new object of a replacement.
    CreateReplacement,
    /// The old object of a replacement.
    DeleteReplaced,
}

impl OpKind {
    pub fn is_delete(self) -> bool {
        matches!(self, OpKind::Delete | OpKind::DeleteReplaced)
    }

    pub fn verb(self) -> &'static str {
        match self {
            OpKind::Create => "create",
            OpKind::Update => "update",
            OpKind::Delete => "delete",
            OpKind::CreateReplacement => "create replacement",
            OpKind::DeleteReplaced => "delete replaced",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Index of the plan step this operation belongs to.
    pub step: usize,
    pub kind: OpKind,
    /// Operations (indices) that must succeed first.
    pub deps: Vec<usize>,
}

/// The operations of `plan`, with their order constraints. Errors if they would form a cycle.
pub fn build_ops(plan: &Plan) -> Result<Vec<Op>, EngineError> {
    let mut ops: Vec<Op> = Vec::new();
    let mut by_step: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let kinds: &[OpKind] = match (step.action, step.delete_first) {
            (Action::Same, _) => &[],
            (Action::Create, _) => &[OpKind::Create],
            (Action::Update, _) => &[OpKind::Update],
            (Action::Delete, _) => &[OpKind::Delete],
            (Action::Replace, false) => &[OpKind::CreateReplacement, OpKind::DeleteReplaced],
            (Action::Replace, true) => &[OpKind::DeleteReplaced, OpKind::CreateReplacement],
        };
        for (n, kind) in kinds.iter().enumerate() {
            let deps = if n == 1 { vec![ops.len() - 1] } else { vec![] };
            by_step.entry(i).or_default().push(ops.len());
            ops.push(Op { step: i, kind: *kind, deps });
        }
    }
    let index: BTreeMap<&str, usize> = plan.steps.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    // Per name, the steps that used it (before or after this plan): what its deletes wait for.
    let mut users: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (t, other) in plan.steps.iter().enumerate() {
        for name in other.prior_depends_on.iter().chain(&other.depends_on) {
            users.entry(name.as_str()).or_default().insert(t);
        }
    }
    let main_op =
        |step: usize| -> Option<usize> { by_step.get(&step)?.iter().copied().find(|&o| !ops[o].kind.is_delete()) };
    let mut extra: Vec<(usize, usize)> = Vec::new();
    for (o, op) in ops.iter().enumerate() {
        let step = &plan.steps[op.step];
        if !op.kind.is_delete() {
            for dep in &step.depends_on {
                if let Some(d) = index.get(dep.as_str()).and_then(|&s| main_op(s)) {
                    extra.push((o, d));
                }
            }
            continue;
        }
        for &t in users.get(step.name.as_str()).into_iter().flatten().filter(|&&t| t != op.step) {
            let delete_first = op.kind == OpKind::DeleteReplaced && step.delete_first;
            for &d in by_step.get(&t).into_iter().flatten() {
                if !delete_first || ops[d].kind.is_delete() {
                    extra.push((o, d));
                }
            }
        }
    }
    for (o, d) in extra {
        ops[o].deps.push(d);
    }
    for op in &mut ops {
        op.deps.sort_unstable();
        op.deps.dedup();
    }
    check_acyclic(&ops, plan)?;
    Ok(ops)
}

fn check_acyclic(ops: &[Op], plan: &Plan) -> Result<(), EngineError> {
    // Kahn's algorithm: linear in operations and edges, however long the chains.
    let mut waiting: Vec<usize> = ops.iter().map(|op| op.deps.len()).collect();
    let mut dependents = vec![Vec::new(); ops.len()];
    for (i, op) in ops.iter().enumerate() {
        op.deps.iter().for_each(|&d| dependents[d].push(i));
    }
    let mut done = vec![false; ops.len()];
    let mut free: VecDeque<usize> = (0..ops.len()).filter(|&i| waiting[i] == 0).collect();
    while let Some(i) = free.pop_front() {
        done[i] = true;
        for &d in &dependents[i] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                free.push_back(d);
            }
        }
    }
    match done.iter().position(|d| !d) {
        None => Ok(()),
        Some(i) => {
            Err(EngineError::Unorderable { name: plan.steps[ops[i].step].name.clone(), verb: ops[i].kind.verb() })
        }
    }
}
