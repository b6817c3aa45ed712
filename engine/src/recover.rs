//! Journal recovery: what a previous run began but never committed (a crash, a kill, a create
//! whose reply was lost) is resolved by *reading* the cloud, and becomes part of the next plan.
//!
//! Outline: [`inspect`] reads, per journal row, what the cloud has now and decides, without
//! changing anything:
//! * a **create**: the object found by the kind's `find` (and proved ours) is adopted; not found
//!   is "never created" only once the original call can no longer land (its row's start plus
//!   [`RecoveryOptions::landing_bound`]); until then `up` polls, saying so, and `preview` says
//!   it is undecided. A lookup that fails stops the run: planning the create again could
//!   duplicate it.
//! * an **update or delete**: the object is re-read (and proved ours) and state follows it.
//! * an **import** (tagging an existing object): re-read; recorded when it carries the
//!   resource's tags, forgotten when it carries none ([`imported`]).
//! * the **old object of a replacement**: kept while a row's recorded reference values still
//!   point at it; otherwise read, proved ours, and listed as a [`Leftover`] to delete, which the
//!   plan shows with its reason and `up` deletes only once the plan is agreed.
//!
//! The state-only resolutions are overlaid on the rows the plan is made against
//! ([`Recovery::rows`]) and committed by `up` ([`Recovery::commit`]) after the user agreed (or
//! when there is nothing to agree to); `preview` commits nothing.
//!
//! # Guarantees
//! * Nothing in the cloud changes here: every mutating action is a [`Leftover`] in the plan.
//! * Recovery never deletes a protected (`options.protect`) or stateful object, one still
//!   recorded in state, or one whose tags do not prove it is this stack's: each is a refusal
//!   naming the journal row and the object, and the plan is refused until the row is dropped.
//! * An unknown kind, or options that do not decode, refuse the row: never guessed.
//!
//! # Assumptions
//! * A call sent by a dead run can no longer take effect `landing_bound` after its row was
//!   written (the SDK's total operation timeout, retries included, is shorter).
//! * Each kind's `find` adopts only what [`crate::ownership`] proves.

use crate::apply::read_owned;
use crate::error::EngineError;
use crate::plan::{is_live, Leftover, Plan};
use crate::registry::{Context, ErasedKind, Registry};
use crate::resource::{ErrorClass, Meta};
use crate::stack::Options;
use serde_json::Value;
use state::{JournalAction, OpOutcome, PendingOp, ResourceRow, Store};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

mod imported;
mod references;

use references::still_referenced;

/// How long after its journal row a create sent by a dead run may still land: the SDK's total
/// operation timeout (120 s, retries included, set on every client in `resources`) with margin.
pub const CREATE_MAY_LAND_WITHIN: Duration = Duration::from_secs(150);

/// How often a pending create is looked up again while it may still land.
pub const POLL: Duration = Duration::from_secs(5);

pub struct RecoveryOptions {
    /// See [`CREATE_MAY_LAND_WITHIN`].
    pub landing_bound: Duration,
    pub poll: Duration,
    /// Wait for pending creates to be decided (`up`); `false` reports them undecided (`preview`).
    pub wait: bool,
    /// Told once per create recovery waits for.
    pub on_wait: Option<WaitNote>,
}

/// Receives the line saying what recovery waits for.
pub type WaitNote = Box<dyn Fn(&str) + Send + Sync>;

impl RecoveryOptions {
    /// For `up`: waits for undecided creates.
    pub fn waiting() -> Self {
        RecoveryOptions { landing_bound: CREATE_MAY_LAND_WITHIN, poll: POLL, wait: true, on_wait: None }
    }

    /// For `preview`: reads only, never waits.
    pub fn read_only() -> Self {
        RecoveryOptions { wait: false, ..Self::waiting() }
    }
}

/// A journal row resolved in state only (adopted, never created, refreshed, forgotten).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub id: i64,
    pub name: String,
    pub action: JournalAction,
    pub outcome: OpOutcome,
    /// What was found, for the user.
    pub said: String,
}

/// A journal row left for a later run, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub id: i64,
    pub name: String,
    pub action: JournalAction,
    pub why: String,
}

/// What reading the cloud says about the journal.
#[derive(Debug, Default)]
pub struct Recovery {
    pub resolved: Vec<Resolved>,
    pub leftovers: Vec<Leftover>,
    pub kept: Vec<Kept>,
    /// Rows recovery refuses to act on: the plan is refused while they stand.
    pub refusals: Vec<String>,
}

impl Recovery {
    /// `rows` as they stand once the resolutions are committed: what the plan is made against.
    pub fn rows(&self, rows: Vec<ResourceRow>) -> Vec<ResourceRow> {
        if self.resolved.is_empty() {
            return rows;
        }
        let mut by_name: BTreeMap<String, ResourceRow> = rows.into_iter().map(|r| (r.name.clone(), r)).collect();
        self.resolved.iter().for_each(|r| overlay(&mut by_name, &r.outcome));
        by_name.into_values().collect()
    }

    /// Adds the leftovers to delete and the refusals to `plan`.
    pub fn attach(&self, plan: &mut Plan) {
        plan.leftovers.extend(self.leftovers.iter().cloned());
        plan.refusals.extend(self.refusals.iter().cloned());
    }

    /// Commits the state-only resolutions (after the plan was agreed, or when it has nothing to agree to).
    pub fn commit(&self, store: &Store) -> Result<(), EngineError> {
        for r in &self.resolved {
            store.commit_op(r.id, &r.outcome)?;
        }
        Ok(())
    }

    /// One line per resolved or kept row, for the user.
    pub fn notes(&self) -> Vec<String> {
        let resolved = self.resolved.iter().map(|r| format!("interrupted {} of `{}`: {}", r.action, r.name, r.said));
        let kept = self.kept.iter().map(|k| {
            format!("interrupted {} of `{}` stays in the journal (row {}): {}", k.action, k.name, k.id, k.why)
        });
        resolved.chain(kept).collect()
    }
}

fn overlay(rows: &mut BTreeMap<String, ResourceRow>, outcome: &OpOutcome) {
    match outcome {
        OpOutcome::Upsert(row) => {
            rows.insert(row.name.clone(), row.clone());
        }
        OpOutcome::Remove(name) => {
            rows.remove(name);
        }
        OpOutcome::Nothing => {}
    }
}

/// Reads the cloud for every journal row (creates first) and decides what each needs.
pub async fn inspect(
    store: &Store,
    registry: &Registry,
    cx: &Context,
    stack: &str,
    opts: &RecoveryOptions,
) -> Result<Recovery, EngineError> {
    let mut pending = store.pending_ops()?;
    pending.sort_by_key(|(id, op)| (op.action != JournalAction::Create, *id));
    let rows = store.resources()?.into_iter().map(|r| (r.name.clone(), r)).collect();
    let mut inspector = Inspector { registry, cx, stack, opts, rows, recovery: Recovery::default() };
    for (id, op) in pending {
        inspector.inspect(id, &op).await?;
    }
    Ok(inspector.recovery)
}

/// What one row needs.
enum Decision {
    Resolve(OpOutcome, String),
    Keep(String),
    Delete(Leftover),
    Refuse(String),
}

struct Inspector<'a> {
    registry: &'a Registry,
    cx: &'a Context,
    stack: &'a str,
    opts: &'a RecoveryOptions,
    /// State as it will stand after the resolutions so far.
    rows: BTreeMap<String, ResourceRow>,
    recovery: Recovery,
}

impl Inspector<'_> {
    async fn inspect(&mut self, id: i64, op: &PendingOp) -> Result<(), EngineError> {
        let decision = match self.registry.get(&op.kind).cloned() {
            None if op.action == JournalAction::Create => {
                return Err(EngineError::CreateUndecided {
                    id,
                    name: op.name.clone(),
                    run: op.run_id.clone(),
                    at: op.started_at.clone(),
                    problem: format!("its kind {} is not known to this build of Plinth", op.kind),
                })
            }
            None => Decision::Keep(format!("left for the next run: kind {} is not known to this build", op.kind)),
            Some(kind) => match op.action {
                JournalAction::Create => self.create(id, op, kind).await?,
                JournalAction::Update | JournalAction::Delete => self.reread(op, kind).await,
                JournalAction::DeleteReplaced => self.replaced(id, op, kind).await,
                JournalAction::Import => {
                    let meta = self.meta(&op.name);
                    imported::imported(op, kind.as_ref(), &meta, self.cx.clone(), &self.rows).await
                }
            },
        };
        let (name, action) = (op.name.clone(), op.action);
        match decision {
            Decision::Resolve(outcome, said) => {
                overlay(&mut self.rows, &outcome);
                self.recovery.resolved.push(Resolved { id, name, action, outcome, said });
            }
            Decision::Keep(why) => self.recovery.kept.push(Kept { id, name, action, why }),
            Decision::Delete(leftover) => self.recovery.leftovers.push(leftover),
            Decision::Refuse(why) => self.recovery.refusals.push(format!(
                "journal row {id} (the interrupted {action} of `{name}`, left by run {} at {}): {why}; nothing was \
                 changed. Check the cloud, then forget the row with `state journal --drop {id}`",
                op.run_id, op.started_at
            )),
        }
        Ok(())
    }

    fn meta(&self, name: &str) -> Meta {
        Meta::new(name, self.stack)
    }

    /// A create that may or may not have happened: find the object and adopt it, or conclude
    /// it never happened once the call can no longer land.
    async fn create(&self, id: i64, op: &PendingOp, kind: Arc<dyn ErasedKind>) -> Result<Decision, EngineError> {
        if let Err(why) = options_of(&op.entry.options) {
            return Ok(Decision::Refuse(why));
        }
        let undecided = |problem: String| EngineError::CreateUndecided {
            id,
            name: op.name.clone(),
            run: op.run_id.clone(),
            at: op.started_at.clone(),
            problem,
        };
        let started = state::unix_from_rfc3339(&op.started_at).unwrap_or(i64::MAX);
        let deadline = started.saturating_add(self.opts.landing_bound.as_secs() as i64);
        let mut told = false;
        // A create-first replacement's new object carries the old one's tags: skip the old one.
        let mut meta = self.meta(&op.name);
        meta.replacing = self.rows.get(&op.name).map(|r| r.cloud_id.clone());
        loop {
            let found = kind
                .find(op.entry.inputs.clone(), meta.clone(), self.cx.clone())
                .await
                .map_err(|e| undecided(format!("looking it up failed: {e}")))?;
            if let Some(outputs) = found {
                return self.adopt(op, kind.as_ref(), outputs).await.map_err(undecided);
            }
            let remaining = deadline - now_unix();
            if remaining <= 0 {
                return Ok(Decision::Resolve(OpOutcome::Nothing, "never created; nothing to adopt".into()));
            }
            let until = state::rfc3339_from_unix(deadline);
            if !self.opts.wait {
                return Ok(Decision::Keep(format!(
                    "not found yet, but the call could still land until {until}; `up` waits for it"
                )));
            }
            if !told {
                let line = format!(
                    "the interrupted create of `{}` (left by run {} at {}) is not in the cloud yet, but could still \
                     land until {until}: looking again every {:?} until then",
                    op.name, op.run_id, op.started_at, self.opts.poll
                );
                tracing::warn!(resource = %op.name, "{line}");
                if let Some(say) = &self.opts.on_wait {
                    say(&line);
                }
                told = true;
            }
            tokio::time::sleep(self.opts.poll.min(Duration::from_secs(remaining as u64))).await;
        }
    }

    async fn adopt(&self, op: &PendingOp, kind: &dyn ErasedKind, outputs: Value) -> Result<Decision, String> {
        let found_id = kind.cloud_id(&outputs).map_err(|e| e.to_string())?;
        if self.rows.get(&op.name).is_some_and(|r| r.cloud_id == found_id) {
            // The interrupted create was a replacement, and the lookup found the old object, which
            // carries the same tags: whether a new one exists too cannot be told from here.
            return Err(format!(
                "the lookup found {found_id}, the object being replaced; a second object tagged plinth:name={} may exist",
                op.name
            ));
        }
        let mut row = ResourceRow {
            name: op.name.clone(),
            kind: op.kind.clone(),
            cloud_id: found_id.clone(),
            inputs: op.entry.inputs.clone(),
            outputs,
            dependencies: op.entry.dependencies.clone(),
            options: op.entry.options.clone(),
            references: op.entry.references.clone(),
            created_at: String::new(),
            updated_at: String::new(),
        };
        match read_owned(kind, &row, &self.meta(&op.name), self.cx.clone()).await {
            Ok(Some((inputs, outputs))) => (row.inputs, row.outputs) = (inputs, outputs),
            Ok(None) => {}
            Err(e) if e.class == ErrorClass::NotOwned => return Err(e.to_string()),
            Err(_) => {} // unreadable now: recorded as found; the next refresh reads it
        }
        let said = format!("found {found_id} in the cloud; adopted into state");
        Ok(Decision::Resolve(OpOutcome::Upsert(row), said))
    }

    /// An update or delete that may have happened: record what the cloud has now.
    async fn reread(&self, op: &PendingOp, kind: Arc<dyn ErasedKind>) -> Decision {
        let Some(prior) = op.entry.prior.clone() else {
            return Decision::Refuse("it records no object to check".into());
        };
        match read_owned(kind.as_ref(), &prior, &self.meta(&op.name), self.cx.clone()).await {
            Err(e) if e.class == ErrorClass::NotOwned => Decision::Refuse(e.to_string()),
            Err(e) => Decision::Keep(format!("left for the next run: {e}")),
            Ok(None) if op.action == JournalAction::Delete && !self.has_dependents(&op.name) => {
                Decision::Resolve(OpOutcome::Remove(op.name.clone()), "gone from the cloud; removed from state".into())
            }
            Ok(None) => Decision::Resolve(
                OpOutcome::Upsert(ResourceRow { outputs: Value::Null, ..prior }),
                "gone from the cloud; will be created again".into(),
            ),
            Ok(Some((inputs, outputs))) => Decision::Resolve(
                OpOutcome::Upsert(ResourceRow { inputs, outputs, ..prior }),
                "still in the cloud; state refreshed from it".into(),
            ),
        }
    }

    /// The old object of a create-first replacement: a leftover to delete, once it is proved
    /// ours, unprotected, not stateful, not in state and not referenced.
    async fn replaced(&self, id: i64, op: &PendingOp, kind: Arc<dyn ErasedKind>) -> Decision {
        let Some(old) = op.entry.prior.clone() else {
            return Decision::Refuse("it records no object to delete".into());
        };
        let current = self.rows.get(&op.name).map(|r| &r.options);
        let protected = [Some(&old.options), current].into_iter().flatten().map(options_of);
        for options in protected {
            match options {
                Err(why) => return Decision::Refuse(why),
                Ok(o) if o.protect => {
                    return Decision::Refuse(format!("it would delete {} of protected `{}`", old.cloud_id, op.name))
                }
                Ok(_) => {}
            }
        }
        if let Some(holder) = self.rows.values().find(|r| is_live(r) && r.cloud_id == old.cloud_id) {
            if holder.name != op.name {
                return Decision::Refuse(format!(
                    "it names {}, which state records as `{}`",
                    old.cloud_id, holder.name
                ));
            }
            let said = format!("the replacement never happened; the old object {} is kept", old.cloud_id);
            return Decision::Resolve(OpOutcome::Nothing, said);
        }
        if kind.stateful() {
            return Decision::Refuse(format!(
                "it would delete {} ({}), which holds data: recovery never deletes it; delete it yourself if it is \
                 really unused",
                old.cloud_id, op.kind
            ));
        }
        if let Some(by) = still_referenced(&old, &op.name, &self.rows) {
            return Decision::Keep(format!(
                "the replaced object {} is still referenced by `{by}`; it is deleted by a later run once nothing uses it",
                old.cloud_id
            ));
        }
        match read_owned(kind.as_ref(), &old, &self.meta(&op.name), self.cx.clone()).await {
            Err(e) if e.class == ErrorClass::NotOwned => Decision::Refuse(e.to_string()),
            Err(e) => Decision::Keep(format!("left for the next run: {e}")),
            Ok(None) => {
                Decision::Resolve(OpOutcome::Nothing, format!("the replaced object {} is already gone", old.cloud_id))
            }
            Ok(Some(_)) => Decision::Delete(Leftover {
                journal_id: id,
                name: op.name.clone(),
                kind: op.kind.clone(),
                cloud_id: old.cloud_id.clone(),
                reason: format!("the old object of a replacement, left by run {} at {}", op.run_id, op.started_at),
                old,
            }),
        }
    }

    fn has_dependents(&self, name: &str) -> bool {
        self.rows.values().any(|r| r.dependencies.iter().any(|d| d == name))
    }
}

fn options_of(options: &Value) -> Result<Options, String> {
    serde_json::from_value(options.clone())
        .map_err(|e| format!("its recorded options do not decode ({e}), so what protects the object cannot be told"))
}

fn now_unix() -> i64 {
    state::unix_from_rfc3339(&state::now_rfc3339()).unwrap_or(0)
}
