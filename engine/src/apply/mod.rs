//! Apply: runs exactly the plan's operations.
//!
//! Outline: the leftovers an interrupted run left to delete (already agreed as part of the plan)
//! go first; then [`ReadyQueue`](queue::ReadyQueue) hands out the operations whose dependencies
//! have succeeded (no level barriers) under the global `--parallel` limit and a per-service
//! limit; each launched operation resolves its references from fresh outputs
//! ([`resolve`]), is journaled ([`journal::Journal`]) and runs as a future ([`calls`]); when it
//! finishes, its outcome and the journal row commit together and its dependents may become ready.
//! Operations launched together have their journal rows written in one transaction, and those
//! that finish together their outcomes (group commit, see [`journal`]).
//! A failure releases nothing that depends on it; independent branches go on.
//!
//! # Guarantees
//! * Every mutating call is bracketed by the journal; state is written one row at a time.
//! * A create that fails ambiguously (it may have landed: a timeout, a 5xx, a lost reply) and
//!   whose object the kind's `find` cannot see keeps its journal row: the next run's recovery
//!   looks again before anything creates it a second time.
//! * Deletes read the object first and refuse one whose tags do not prove it is this stack's.
//! * Each created or updated row records, per dependency, the reference values it was sent.

use crate::error::EngineError;
use crate::ops::{build_ops, Op, OpKind};
use crate::plan::{Plan, Step};
use crate::registry::{Context, ErasedKind, Registry};
use crate::resource::Meta;
use crate::stack::Stack;
use futures::FutureExt;
use serde_json::Value;
use state::{JournalAction, References, ResourceRow, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

mod bookkeeping;
mod calls;
mod journal;
mod leftovers;
mod outcome;
pub(crate) mod queue;
pub(crate) mod resolve;

pub use bookkeeping::record_bookkeeping;
use calls::{create_call, owned_delete, Call, Done};
pub(crate) use calls::{may_have_landed, read_owned};
use journal::{Journal, Ticket};
use queue::ReadyQueue;
use resolve::Resolver;

/// Tells the user what apply is doing.
pub trait Progress: Send + Sync {
    fn started(&self, name: &str, what: &str);
    fn finished(&self, name: &str, what: &str, elapsed: Duration, error: Option<&str>);
    /// A long operation (a database being created) is still running.
    fn still_running(&self, _name: &str, _what: &str, _elapsed: Duration) {}
    /// The operations this run will launch (after any leftovers), before the first starts:
    /// what a done/total count and a timeline's dependency arrows need.
    fn planned(&self, _ops: &[PlannedOp]) {}
}

/// One operation of the run as [`Progress::planned`] announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOp {
    pub name: String,
    /// The verb [`Progress::started`] and [`Progress::finished`] will name it with.
    pub what: &'static str,
    /// Indices (into the announced list) of the operations it waits for.
    pub deps: Vec<usize>,
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
    /// Makes the journal durable beyond this machine before each call is sent (remote state:
    /// the journal row reaches the bucket first, so a run killed right after the call leaves a
    /// row the next run resolves). An error means the call is not sent. `None`: the local
    /// commit is durable enough.
    pub durable: Option<Durable>,
}

/// See [`ApplyOptions::durable`].
pub type Durable = Arc<dyn Fn() -> futures::future::BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Default per-service limit.
pub const PER_SERVICE: usize = 8;

/// Default interval between "still running" reports.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

impl ApplyOptions {
    pub fn new(run_id: impl Into<String>, parallel: usize, cancel: watch::Receiver<bool>) -> Self {
        Self { run_id: run_id.into(), parallel, cancel, heartbeat: HEARTBEAT, per_service: PER_SERVICE, durable: None }
    }
}

/// What happened, per resource.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    pub applied: Vec<String>,
    pub failed: Vec<(String, String)>,
    pub skipped: Vec<String>,
    pub interrupted: bool,
    /// The names in `applied`, for a lookup that does not grow with the run.
    pub(crate) applied_names: BTreeSet<String>,
}

impl ApplyReport {
    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && !self.interrupted
    }

    fn applied(&mut self, name: &str) {
        if self.applied_names.insert(name.to_string()) {
            self.applied.push(name.to_string());
        }
    }
}

/// What a launched create or update was sent with (recorded in its row).
struct Sent {
    inputs: Value,
    references: Option<References>,
}

struct Runner<'a> {
    plan: &'a Plan,
    registry: &'a Registry,
    cx: Context,
    opts: &'a ApplyOptions,
    progress: &'a dyn Progress,
    ops: Vec<Op>,
    /// The kind of each step.
    kinds: Vec<Arc<dyn ErasedKind>>,
    journal: Journal<'a>,
    resolver: Resolver<'a>,
    /// Rows as they stand, updated after every operation; references resolve from them.
    rows: BTreeMap<String, ResourceRow>,
    sent: BTreeMap<usize, Sent>,
    /// Per step, the operation deleting its replaced object.
    replaced_deletes: BTreeMap<usize, usize>,
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
    let ops = build_ops(plan)?;
    let kinds = plan
        .steps
        .iter()
        .map(|s| registry.get(&s.kind).cloned().ok_or_else(|| EngineError::UnknownKind(s.kind.clone(), s.name.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = bookkeeping::by_name(store.resources()?);
    bookkeeping::record_in(plan, stack, store, &mut rows)?;
    let replaced_deletes =
        ops.iter().enumerate().filter(|(_, o)| o.kind == OpKind::DeleteReplaced).map(|(i, o)| (o.step, i)).collect();
    let mut runner = Runner {
        plan,
        registry,
        cx,
        opts,
        progress,
        ops,
        kinds,
        journal: Journal::new(store, &opts.run_id),
        resolver: Resolver::new(stack, &rows),
        rows,
        sent: BTreeMap::new(),
        replaced_deletes,
    };
    let mut report = ApplyReport::default();
    runner.delete_leftovers(&mut report).await?;
    runner.run(&mut report).await?;
    // For dependencies created in the run; the runner's rows are state as it now stands.
    bookkeeping::record_in(plan, stack, store, &mut runner.rows)?;
    Ok(report)
}

impl Runner<'_> {
    async fn run(&mut self, report: &mut ApplyReport) -> Result<(), EngineError> {
        let deps: Vec<Vec<usize>> = self.ops.iter().map(|o| o.deps.clone()).collect();
        let services: Vec<&str> = self.ops.iter().map(|o| self.kinds[o.step].service()).collect();
        let mut queue = ReadyQueue::new(&deps, &services, self.opts.parallel, self.opts.per_service);
        let planned: Vec<PlannedOp> = (0..self.ops.len())
            .map(|op| PlannedOp { name: self.step(op).name.clone(), what: self.what(op), deps: deps[op].clone() })
            .collect();
        self.progress.planned(&planned);
        let mut running: JoinSet<Done> = JoinSet::new();
        let mut cancel = self.opts.cancel.clone();
        let mut cancel_open = true;
        let mut running_since: BTreeMap<usize, Instant> = BTreeMap::new();
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + self.opts.heartbeat, self.opts.heartbeat);
        loop {
            report.interrupted |= *cancel.borrow();
            if !report.interrupted {
                self.launch_ready(&mut queue, &mut running, &mut running_since, report);
            }
            if running.is_empty() {
                break;
            }
            tokio::select! {
                joined = running.join_next() => {
                    let Some(joined) = joined else { continue };
                    let mut finished = vec![joined.map_err(|e| EngineError::Task(e.to_string()))?];
                    // Whatever else finished meanwhile commits in the same transaction.
                    while let Some(more) = running.try_join_next() {
                        finished.push(more.map_err(|e| EngineError::Task(e.to_string()))?);
                    }
                    finished.iter().for_each(|done| { running_since.remove(&done.op); });
                    self.complete_all(finished, &mut queue, report)?;
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
        self.collect_skipped(&queue, report);
        Ok(())
    }

    fn step(&self, op: usize) -> &Step {
        &self.plan.steps[self.ops[op].step]
    }

    fn meta(&self, name: &str) -> Meta {
        Meta::new(name, self.plan.stack.clone())
    }

    fn what(&self, op: usize) -> &'static str {
        if self.ops[op].kind == OpKind::Delete && self.step(op).retain {
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

    fn collect_skipped(&self, queue: &ReadyQueue, report: &mut ApplyReport) {
        let failed: BTreeSet<String> = report.failed.iter().map(|(n, _)| n.clone()).collect();
        let mut skipped: BTreeSet<String> = report.skipped.iter().cloned().collect();
        for (i, op) in self.ops.iter().enumerate() {
            let name = &self.plan.steps[op.step].name;
            // A name can be applied and skipped: a replacement created, its old object's delete not.
            if !queue.succeeded(i) && !failed.contains(name) && skipped.insert(name.clone()) {
                report.skipped.push(name.clone());
            }
        }
    }

    /// Launches every operation the queue lets start now: their journal rows are written in
    /// one transaction, and only once it committed are their calls sent.
    fn launch_ready(
        &mut self,
        queue: &mut ReadyQueue,
        running: &mut JoinSet<Done>,
        running_since: &mut BTreeMap<usize, Instant>,
        report: &mut ApplyReport,
    ) {
        let mut prepared: Vec<(usize, Ticket, Call)> = Vec::new();
        while let Some(op) = queue.next() {
            match self.prepare(op) {
                Ok((ticket, call)) => prepared.push((op, ticket, call)),
                Err(e) => {
                    self.record_failure(op, &e.to_string(), report);
                    queue.done(op, false);
                }
            }
        }
        if prepared.is_empty() {
            return;
        }
        if let Err(e) = self.journal.write_begun() {
            // Nothing was written, so nothing is sent.
            for (op, _, _) in prepared {
                self.record_failure(op, &e.to_string(), report);
                queue.done(op, false);
            }
            return;
        }
        // Remote state: the batch's rows reach the bucket (one upload) before any of its calls.
        let made_durable = self.opts.durable.as_ref().map(|durable| durable().shared());
        for (op, ticket, call) in prepared {
            let Some(journal_id) = self.journal.id(ticket) else {
                self.record_failure(op, "its journal row was not written", report);
                queue.done(op, false);
                continue;
            };
            self.progress.started(&self.step(op).name, self.what(op));
            let started = Instant::now();
            running_since.insert(op, started);
            let made_durable = made_durable.clone();
            running.spawn(async move {
                let result = match made_durable {
                    Some(made_durable) => match made_durable.await {
                        Ok(()) => call.await,
                        Err(why) => Err(calls::not_sent(why)),
                    },
                    None => call.await,
                };
                Done { op, journal_id, result, elapsed: started.elapsed() }
            });
        }
    }

    /// The call of `op` and its staged journal row, not sent yet.
    fn prepare(&mut self, op: usize) -> Result<(Ticket, Call), EngineError> {
        match self.ops[op].kind {
            OpKind::Create | OpKind::CreateReplacement => self.launch_create(op),
            OpKind::Update => self.launch_update(op),
            OpKind::Delete | OpKind::DeleteReplaced => self.launch_delete(op),
        }
    }

    /// Persists the operations that finished together in one transaction, then lets their
    /// dependents become ready (never before their outcome is durable).
    fn complete_all(
        &mut self,
        finished: Vec<Done>,
        queue: &mut ReadyQueue,
        report: &mut ApplyReport,
    ) -> Result<(), EngineError> {
        let mut outcomes = Vec::with_capacity(finished.len());
        for done in finished {
            let op = done.op;
            outcomes.push((op, self.complete(done, report)?));
        }
        self.journal.write_outcomes()?;
        for (op, succeeded) in outcomes {
            queue.done(op, succeeded);
        }
        Ok(())
    }

    /// Resolves `op`'s inputs and remembers what was sent.
    fn resolve(&mut self, op: usize) -> Result<Value, EngineError> {
        let step = self.step(op);
        let resolved = self
            .resolver
            .resolve(step, &self.rows)
            .map_err(|problem| EngineError::Unresolved { name: step.name.clone(), problem })?;
        let inputs = resolved.inputs.clone();
        self.sent.insert(op, Sent { inputs: resolved.inputs, references: resolved.references });
        Ok(inputs)
    }

    fn launch_create(&mut self, op: usize) -> Result<(Ticket, Call), EngineError> {
        let inputs = self.resolve(op)?;
        let step = self.step(op).clone();
        let replacing_first = self.ops[op].kind == OpKind::CreateReplacement && !step.delete_first;
        if replacing_first {
            if let (Some(old), Some(delete_op)) = (self.rows.get(&step.name).cloned(), self.sibling_delete(op)) {
                self.journal.begin_ahead(delete_op, &step, &old);
            }
        }
        let references = self.sent[&op].references.clone();
        let id = self.journal.begin(&step, JournalAction::Create, &inputs, references, None);
        // The old object of a create-first replacement carries the same tags: the lookup for a
        // partial object must not take it for the new one.
        let mut meta = self.meta(&step.name);
        meta.replacing = replacing_first.then(|| self.rows.get(&step.name).map(|r| r.cloud_id.clone())).flatten();
        let kind = self.kinds[self.ops[op].step].clone();
        Ok((id, create_call(kind, inputs, meta, self.cx.clone())))
    }

    fn launch_update(&mut self, op: usize) -> Result<(Ticket, Call), EngineError> {
        let inputs = self.resolve(op)?;
        let step = self.step(op).clone();
        let prior = self
            .rows
            .get(&step.name)
            .cloned()
            .ok_or(EngineError::NotInState { name: step.name.clone(), verb: "updated" })?;
        let references = self.sent[&op].references.clone();
        let id = self.journal.begin(&step, JournalAction::Update, &inputs, references, Some(&prior));
        let (kind, cx) = (self.kinds[self.ops[op].step].clone(), self.cx.clone());
        Ok((id, Box::pin(async move { Ok(Some(kind.update(inputs, prior.inputs, prior.outputs, cx).await?)) })))
    }

    fn launch_delete(&mut self, op: usize) -> Result<(Ticket, Call), EngineError> {
        let step = self.step(op).clone();
        let (id, old) = match self.journal.ahead(op) {
            Some((id, old)) => (*id, old.clone()),
            None => {
                let old = self
                    .rows
                    .get(&step.name)
                    .cloned()
                    .ok_or(EngineError::NotInState { name: step.name.clone(), verb: "deleted" })?;
                (self.journal.begin(&step, JournalAction::Delete, &Value::Null, None, Some(&old)), old)
            }
        };
        // The old object is deleted by its own kind (a replacement may change the kind).
        let kind = self
            .registry
            .get(&old.kind)
            .cloned()
            .ok_or_else(|| EngineError::UnknownKind(old.kind.clone(), old.name.clone()))?;
        let retain = step.retain && self.ops[op].kind == OpKind::Delete;
        let (meta, cx) = (self.meta(&step.name), self.cx.clone());
        Ok((
            id,
            Box::pin(async move {
                if !retain {
                    owned_delete(kind, old, meta, cx).await?;
                }
                Ok(None)
            }),
        ))
    }

    /// The delete of the old object belonging to the same replacement as `op`.
    fn sibling_delete(&self, op: usize) -> Option<usize> {
        self.replaced_deletes.get(&self.ops[op].step).copied()
    }
}
