//! Apply: runs exactly the plan's operations. Each starts as soon as the operations it waits for
//! have succeeded (no level barriers), under a global parallelism limit. Every mutating call is
//! bracketed by the journal; state is written one resource row at a time.

use crate::error::EngineError;
use crate::input::substitute;
use crate::ops::{build_ops, Op, OpKind};
use crate::plan::{keep_ignored, Plan, Step};
use crate::registry::{Context, ErasedKind, Registry};
use crate::resource::Meta;
use crate::stack::Stack;
use serde_json::Value;
use state::{JournalAction, JournalEntry, OpOutcome, PendingOp, ResourceRow, Store};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

mod bookkeeping;
mod partial;

pub use bookkeeping::record_bookkeeping;
use partial::{create_call, Call, Done, OpFailure};

/// Tells the user what apply is doing.
pub trait Progress: Send + Sync {
    fn started(&self, name: &str, what: &str);
    fn finished(&self, name: &str, what: &str, elapsed: Duration, error: Option<&str>);
    /// A long operation (a database being created) is still running.
    fn still_running(&self, _name: &str, _what: &str, _elapsed: Duration) {}
}

/// Progress that says nothing (tests).
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: &str, _: &str) {}
    fn finished(&self, _: &str, _: &str, _: Duration, _: Option<&str>) {}
}

pub struct ApplyOptions {
    pub run_id: String,
    /// Most operations in flight at once.
    pub parallel: usize,
    /// Flips to true on Ctrl-C / SIGTERM: launch nothing more, let in-flight calls finish.
    pub cancel: watch::Receiver<bool>,
    /// How often operations still running are reported.
    pub heartbeat: Duration,
    /// Most operations in flight against one service (AWS throttles per service and account).
    pub per_service: usize,
}

/// Default per-service limit.
pub const PER_SERVICE: usize = 8;

/// Default interval between "still running" reports.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

impl ApplyOptions {
    pub fn new(run_id: impl Into<String>, parallel: usize, cancel: watch::Receiver<bool>) -> Self {
        Self { run_id: run_id.into(), parallel, cancel, heartbeat: HEARTBEAT, per_service: PER_SERVICE }
    }
}

/// What happened, per resource.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    pub applied: Vec<String>,
    pub failed: Vec<(String, String)>,
    pub skipped: Vec<String>,
    pub interrupted: bool,
}

impl ApplyReport {
    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && !self.interrupted
    }
}

struct Runner<'a> {
    plan: &'a Plan,
    stack: &'a Stack,
    store: &'a Store,
    cx: Context,
    opts: &'a ApplyOptions,
    progress: &'a dyn Progress,
    ops: Vec<Op>,
    /// For each operation, the operations waiting on it.
    dependents: Vec<Vec<usize>>,
    /// Declared inputs (references unresolved) by name.
    nodes: BTreeMap<String, crate::stack::Node>,
    registry: &'a Registry,
    kinds: Vec<Arc<dyn ErasedKind>>,
    /// Rows as they stand, updated after every operation; references resolve from them.
    rows: BTreeMap<String, ResourceRow>,
    /// Rows as they stood when the run began (ignored fields keep these values).
    initial: BTreeMap<String, ResourceRow>,
    /// Journal rows begun ahead of time (the old object of a create-first replacement).
    journal: BTreeMap<usize, i64>,
    /// The inputs each launched operation was called with.
    sent: BTreeMap<usize, Value>,
}

/// Applies `plan`, persisting as it goes.
pub async fn apply(
    plan: &Plan,
    stack: &Stack,
    registry: &Registry,
    store: &Store,
    cx: Context,
    opts: &ApplyOptions,
    progress: &dyn Progress,
) -> Result<ApplyReport, EngineError> {
    let ops = build_ops(plan).map_err(EngineError::Plan)?;
    let kinds = plan
        .steps
        .iter()
        .map(|s| registry.get(&s.kind).cloned().ok_or_else(|| EngineError::UnknownKind(s.kind.clone(), s.name.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = store.resources()?.into_iter().map(|r| (r.name.clone(), r)).collect();
    let mut dependents = vec![Vec::new(); ops.len()];
    for (o, op) in ops.iter().enumerate() {
        op.deps.iter().for_each(|&d| dependents[d].push(o));
    }
    let nodes = stack.nodes().into_iter().map(|n| (n.name.clone(), n)).collect();
    record_bookkeeping(plan, store)?;
    let initial: BTreeMap<String, ResourceRow> = store.resources()?.into_iter().map(|r| (r.name.clone(), r)).collect();
    let mut runner = Runner {
        plan,
        stack,
        store,
        cx,
        opts,
        progress,
        ops,
        dependents,
        nodes,
        registry,
        kinds,
        rows,
        initial,
        journal: BTreeMap::new(),
        sent: BTreeMap::new(),
    };
    let report = runner.run().await?;
    record_bookkeeping(plan, store)?;
    Ok(report)
}

impl Runner<'_> {
    async fn run(&mut self) -> Result<ApplyReport, EngineError> {
        let mut waiting: Vec<usize> = self.ops.iter().map(|o| o.deps.len()).collect();
        let mut ready: VecDeque<usize> = (0..self.ops.len()).filter(|&i| waiting[i] == 0).collect();
        let mut finished = vec![false; self.ops.len()];
        let mut running: JoinSet<Done> = JoinSet::new();
        let mut report = ApplyReport::default();
        let mut cancel = self.opts.cancel.clone();
        let mut cancel_open = true;
        let mut running_since: BTreeMap<usize, Instant> = BTreeMap::new();
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + self.opts.heartbeat, self.opts.heartbeat);
        loop {
            report.interrupted |= *cancel.borrow();
            while !report.interrupted && running.len() < self.opts.parallel.max(1) {
                // The first ready operation whose service has room (per-service limit).
                let busy = |op: &usize| {
                    let service = self.service(*op);
                    running_since.keys().filter(|r| self.service(**r) == service).count()
                        >= self.opts.per_service.max(1)
                };
                let Some(pos) = ready.iter().position(|op| !busy(op)) else { break };
                let Some(op) = ready.remove(pos) else { break };
                match self.launch(op, &mut running) {
                    Ok(()) => {
                        running_since.insert(op, Instant::now());
                    }
                    Err(e) => self.record_failure(op, &e.to_string(), &mut report),
                }
            }
            if running.is_empty() {
                break;
            }
            tokio::select! {
                joined = running.join_next() => {
                    let Some(joined) = joined else { continue };
                    let (op, journal_id, result, elapsed) = joined.map_err(|e| EngineError::Internal(e.to_string()))?;
                    running_since.remove(&op);
                    if self.complete(op, journal_id, result, elapsed, &mut report)? {
                        finished[op] = true;
                        for &d in &self.dependents[op] {
                            waiting[d] -= 1;
                            if waiting[d] == 0 { ready.push_back(d); }
                        }
                    }
                }
                _ = heartbeat.tick() => {
                    for (&op, since) in &running_since {
                        self.progress.still_running(&self.step(op).name, self.what(op), since.elapsed());
                    }
                }
                changed = cancel.changed(), if cancel_open => {
                    cancel_open = changed.is_ok();
                    report.interrupted |= *cancel.borrow();
                }
            }
        }
        self.collect_skipped(&finished, &mut report);
        Ok(report)
    }

    /// The service an operation calls, as its kind declares it (`Resource::SERVICE`).
    fn service(&self, op: usize) -> &str {
        self.kinds[self.ops[op].step].service()
    }

    fn step(&self, op: usize) -> &Step {
        &self.plan.steps[self.ops[op].step]
    }

    fn what(&self, op: usize) -> &'static str {
        let step = self.step(op);
        if self.ops[op].kind == OpKind::Delete && step.retain {
            "forget (retained)"
        } else {
            self.ops[op].kind.verb()
        }
    }

    fn record_failure(&self, op: usize, message: &str, report: &mut ApplyReport) {
        let name = self.step(op).name.clone();
        self.progress.finished(&name, self.what(op), Duration::ZERO, Some(message));
        report.failed.push((name, message.to_string()));
    }

    fn collect_skipped(&self, finished: &[bool], report: &mut ApplyReport) {
        for (i, op) in self.ops.iter().enumerate() {
            let name = &self.plan.steps[op.step].name;
            let failed = report.failed.iter().any(|(n, _)| n == name);
            // A name can be applied and skipped: a replacement created, its old object's delete not.
            if !finished[i] && !failed && !report.skipped.contains(name) {
                report.skipped.push(name.clone());
            }
        }
    }

    /// The inputs to send: references resolved from current outputs, ignored fields kept.
    fn resolve_inputs(&self, step: &Step) -> Result<Value, String> {
        let Some(node) = self.nodes.get(&step.name) else { return Ok(step.inputs.clone()) };
        let mut resolve = |resource: &str, key: usize| -> Result<Value, String> {
            let row = self.rows.get(resource).filter(|r| !r.outputs.is_null());
            let row = row.ok_or_else(|| format!("`{resource}` has no outputs yet"))?;
            let projection = self.stack.projection(key).ok_or_else(|| format!("unknown reference #{key}"))?;
            projection(&row.outputs).map_err(|e| format!("cannot read `{resource}` outputs: {e}"))
        };
        let mut inputs = substitute(&node.inputs, &mut resolve)?;
        if let Some(prior) = self.initial.get(&step.name).filter(|r| !r.outputs.is_null()) {
            keep_ignored(&mut inputs, &prior.inputs, &step.options.ignore_changes);
        }
        Ok(inputs)
    }

    fn pending(&self, step: &Step, action: JournalAction, inputs: &Value, prior: Option<&ResourceRow>) -> PendingOp {
        let deletes = matches!(action, JournalAction::Delete | JournalAction::DeleteReplaced);
        PendingOp {
            run_id: self.opts.run_id.clone(),
            name: step.name.clone(),
            // A delete is done by the old object's own kind (a replacement may change the kind).
            kind: match (deletes, prior) {
                (true, Some(p)) => p.kind.clone(),
                _ => step.kind.clone(),
            },
            action,
            entry: JournalEntry {
                inputs: inputs.clone(),
                dependencies: step.depends_on.clone(),
                options: serde_json::to_value(&step.options).unwrap_or(Value::Null),
                prior: prior.cloned(),
                references: None,
            },
            started_at: state::now_rfc3339(),
        }
    }

    fn launch(&mut self, op: usize, running: &mut JoinSet<Done>) -> Result<(), EngineError> {
        let step = self.step(op).clone();
        let kind = self.kinds[self.ops[op].step].clone();
        let prior = self.rows.get(&step.name).cloned();
        let meta = Meta { name: step.name.clone(), stack: self.plan.stack.clone() };
        let cx = self.cx.clone();
        let op_kind = self.ops[op].kind;
        let (journal_id, call): (i64, Call) = match op_kind {
            OpKind::Create | OpKind::CreateReplacement => {
                let inputs = self.resolve_inputs(&step).map_err(EngineError::Plan)?;
                if op_kind == OpKind::CreateReplacement && !step.delete_first {
                    // The old object's delete is journaled before the new one exists, so a crash
                    // in between can never orphan it.
                    let old = self.pending(&step, JournalAction::DeleteReplaced, &Value::Null, prior.as_ref());
                    let id = self.store.begin_op(&old)?;
                    let delete_op =
                        self.ops.iter().position(|o| o.step == self.ops[op].step && o.kind == OpKind::DeleteReplaced);
                    if let Some(d) = delete_op {
                        self.journal.insert(d, id);
                    }
                }
                let id = self.store.begin_op(&self.pending(&step, JournalAction::Create, &inputs, None))?;
                self.sent.insert(op, inputs.clone());
                // The old object of a create-first replacement carries the same tags: a lookup
                // could find it instead, so only plain creates look for a partial object.
                let adopt_partial = op_kind == OpKind::Create || step.delete_first;
                (id, create_call(kind, inputs, meta, cx, adopt_partial))
            }
            OpKind::Update => {
                let inputs = self.resolve_inputs(&step).map_err(EngineError::Plan)?;
                let prior = prior.ok_or_else(|| EngineError::Plan(format!("`{}` is not in state", step.name)))?;
                let id = self.store.begin_op(&self.pending(&step, JournalAction::Update, &inputs, Some(&prior)))?;
                self.sent.insert(op, inputs.clone());
                (id, Box::pin(async move { Ok(Some(kind.update(inputs, prior.inputs, prior.outputs, cx).await?)) }))
            }
            OpKind::Delete | OpKind::DeleteReplaced => {
                let prior = self.old_object(op, prior)?;
                // The old object is deleted by its own kind (a replacement may change the kind).
                let kind = self
                    .registry
                    .get(&prior.kind)
                    .cloned()
                    .ok_or_else(|| EngineError::UnknownKind(prior.kind.clone(), prior.name.clone()))?;
                let id = match self.journal.get(&op) {
                    Some(&id) => id,
                    None => self.store.begin_op(&self.pending(&step, JournalAction::Delete, &Value::Null, Some(&prior)))?,
                };
                let retain = step.retain && op_kind == OpKind::Delete;
                (
                    id,
                    Box::pin(async move {
                        if !retain {
                            kind.delete(prior.inputs, prior.outputs, cx).await?;
                        }
                        Ok(None)
                    }),
                )
            }
        };
        self.progress.started(&step.name, self.what(op));
        let started = Instant::now();
        running.spawn(async move {
            let result = call.await;
            (op, journal_id, result, started.elapsed())
        });
        Ok(())
    }

    /// The row of the object a delete removes: for a create-first replacement, the row as it
    /// was before the new object took its place.
    fn old_object(&self, op: usize, current: Option<ResourceRow>) -> Result<ResourceRow, EngineError> {
        let name = &self.step(op).name;
        if let Some(&id) = self.journal.get(&op) {
            let pending = self.store.pending_ops()?.into_iter().find(|(i, _)| *i == id);
            return pending
                .and_then(|(_, p)| p.entry.prior)
                .ok_or_else(|| EngineError::Internal(format!("journal row {id} for `{name}` records no old object")));
        }
        current.ok_or_else(|| EngineError::Plan(format!("`{name}` is not in state")))
    }

    /// Persists one finished operation. Returns whether it succeeded.
    fn complete(
        &mut self,
        op: usize,
        journal_id: i64,
        result: Result<Option<Value>, OpFailure>,
        elapsed: Duration,
        report: &mut ApplyReport,
    ) -> Result<bool, EngineError> {
        let step = self.step(op).clone();
        let op_kind = self.ops[op].kind;
        let outputs = match result {
            Err(OpFailure { error: e, partial: Some((inputs, outputs)) }) => {
                let mut row = self.row(op, &step, outputs)?;
                row.inputs = inputs;
                self.store.commit_op(journal_id, &OpOutcome::Upsert(row.clone()))?;
                self.rows.insert(row.name.clone(), row.clone());
                let message = format!(
                    "{e} (the object {} exists and is recorded in state: the next run continues from it)",
                    row.cloud_id
                );
                self.progress.finished(&step.name, self.what(op), elapsed, Some(&message));
                report.failed.push((step.name.clone(), message));
                return Ok(false);
            }
            Err(OpFailure { error: e, partial: None }) => {
                // A failed delete of a replaced object stays journaled: the next run retries it.
                if op_kind != OpKind::DeleteReplaced || step.delete_first {
                    self.store.commit_op(journal_id, &OpOutcome::Nothing)?;
                }
                // No new object, so the old one stays in state: its delete is no longer due.
                if op_kind == OpKind::CreateReplacement && !step.delete_first {
                    let old_delete =
                        self.ops.iter().position(|o| o.step == self.ops[op].step && o.kind == OpKind::DeleteReplaced);
                    if let Some(id) = old_delete.and_then(|d| self.journal.remove(&d)) {
                        self.store.commit_op(id, &OpOutcome::Nothing)?;
                    }
                }
                self.progress.finished(&step.name, self.what(op), elapsed, Some(&e.to_string()));
                report.failed.push((step.name.clone(), e.to_string()));
                return Ok(false);
            }
            Ok(outputs) => outputs,
        };
        let outcome = match (op_kind, outputs) {
            (OpKind::Delete, _) => OpOutcome::Remove(step.name.clone()),
            (OpKind::DeleteReplaced, _) if step.delete_first => OpOutcome::Upsert(self.tombstone(&step)),
            (OpKind::DeleteReplaced, _) => OpOutcome::Nothing,
            (_, Some(outputs)) => OpOutcome::Upsert(self.row(op, &step, outputs)?),
            (_, None) => OpOutcome::Nothing,
        };
        self.store.commit_op(journal_id, &outcome)?;
        match &outcome {
            OpOutcome::Upsert(row) => {
                self.rows.insert(row.name.clone(), row.clone());
            }
            OpOutcome::Remove(name) => {
                self.rows.remove(name);
            }
            OpOutcome::Nothing => {}
        }
        self.progress.finished(&step.name, self.what(op), elapsed, None);
        if !report.applied.contains(&step.name) {
            report.applied.push(step.name.clone());
        }
        Ok(true)
    }

    fn row(&self, op: usize, step: &Step, outputs: Value) -> Result<ResourceRow, EngineError> {
        let kind = &self.kinds[self.ops[op].step];
        Ok(ResourceRow {
            name: step.name.clone(),
            kind: step.kind.clone(),
            cloud_id: kind.cloud_id(&outputs).map_err(|e| EngineError::Internal(e.to_string()))?,
            inputs: self.sent.get(&op).cloned().unwrap_or(Value::Null),
            outputs,
            dependencies: step.depends_on.clone(),
            options: serde_json::to_value(&step.options).unwrap_or(Value::Null),
            references: None,
            created_at: String::new(),
            updated_at: String::new(),
        })
    }

    /// The row left between the delete and the create of a delete-first replacement: the name
    /// stays known (dependents still point at it) but stands for no object.
    fn tombstone(&self, step: &Step) -> ResourceRow {
        let mut row = self.rows.get(&step.name).cloned().unwrap_or_else(|| ResourceRow {
            name: step.name.clone(),
            kind: step.kind.clone(),
            cloud_id: String::new(),
            inputs: Value::Null,
            outputs: Value::Null,
            dependencies: vec![],
            options: Value::Null,
            references: None,
            created_at: String::new(),
            updated_at: String::new(),
        });
        row.cloud_id = String::new();
        row.outputs = Value::Null;
        row
    }
}
