//! Apply's side of the journal: every mutating call is bracketed by one [`Journal`]. A row is
//! committed before the call ([`Journal::begin`] stages it, [`Journal::write_begun`] commits
//! it); after it, the call's effect on state and the removal of the row commit together
//! ([`Journal::commit`] stages, [`Journal::write_outcomes`] commits), or the row is deliberately
//! kept when the outcome is unknown (the next run's recovery resolves it by asking the cloud).
//!
//! Group commit: the rows of the operations launched together are written in one transaction,
//! and so are the outcomes of the operations that finished together: one sync per batch instead
//! of two per operation, with the same guarantee for each operation.
//!
//! # Guarantees
//! * A call is sent only after its row is durable: the runner spawns a batch's calls only once
//!   [`Journal::write_begun`] returned `Ok`.
//! * An operation's dependents launch only after its outcome is durable: the runner releases
//!   them only once [`Journal::write_outcomes`] returned `Ok`.
//! * The old object of a create-first replacement is journaled ([`Journal::begin_ahead`])
//!   in the same transaction as, and before, the new object's create.
//! * Rows carry the typed entry recovery reads ([`state::JournalEntry`]): inputs, dependencies,
//!   options, the prior row and the reference values sent.

use crate::error::EngineError;
use crate::plan::Step;
use serde_json::Value;
use state::{JournalAction, JournalEntry, OpOutcome, PendingOp, References, ResourceRow, Store};
use std::collections::BTreeMap;

/// A journal row begun by [`Journal::begin`]; its id is known once the row is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ticket(usize);

pub(super) struct Journal<'a> {
    store: &'a Store,
    run_id: String,
    /// Rows begun ahead of time, by the operation that will finish them, with the old row.
    ahead: BTreeMap<usize, (Ticket, ResourceRow)>,
    /// Rows begun and not written yet (the last `staged.len()` tickets).
    staged: Vec<PendingOp>,
    /// Per ticket, its row's id once written.
    ids: Vec<Option<i64>>,
    /// Outcomes staged by `commit`, not written yet.
    outcomes: Vec<(i64, OpOutcome)>,
}

impl<'a> Journal<'a> {
    pub fn new(store: &'a Store, run_id: &str) -> Self {
        Journal {
            store,
            run_id: run_id.to_string(),
            ahead: BTreeMap::new(),
            staged: Vec::new(),
            ids: Vec::new(),
            outcomes: Vec::new(),
        }
    }

    /// Stages a row saying `action` of `step` is about to be sent; it is written by the next
    /// [`Journal::write_begun`], which must succeed before the call is sent.
    pub fn begin(
        &mut self,
        step: &Step,
        action: JournalAction,
        inputs: &Value,
        references: Option<References>,
        prior: Option<&ResourceRow>,
    ) -> Ticket {
        let deletes = matches!(action, JournalAction::Delete | JournalAction::DeleteReplaced);
        self.staged.push(PendingOp {
            run_id: self.run_id.clone(),
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
                references,
            },
            started_at: state::now_rfc3339(),
        });
        self.ids.push(None);
        Ticket(self.ids.len() - 1)
    }

    /// Writes every staged row in one transaction. On error nothing was written, and rows
    /// begun ahead in this batch are forgotten with it.
    pub fn write_begun(&mut self) -> Result<(), EngineError> {
        let staged = std::mem::take(&mut self.staged);
        let first = self.ids.len() - staged.len();
        match self.store.begin_ops(&staged) {
            Ok(ids) => {
                for (slot, id) in self.ids[first..].iter_mut().zip(ids) {
                    *slot = Some(id);
                }
                Ok(())
            }
            Err(e) => {
                let ids = &self.ids;
                self.ahead.retain(|_, (ticket, _)| ids[ticket.0].is_some());
                Err(e.into())
            }
        }
    }

    /// The id of a written row.
    pub fn id(&self, ticket: Ticket) -> Option<i64> {
        self.ids.get(ticket.0).copied().flatten()
    }

    /// Journals the delete of `old` (operation `op`) now, before the new object exists.
    pub fn begin_ahead(&mut self, op: usize, step: &Step, old: &ResourceRow) {
        let ticket = self.begin(step, JournalAction::DeleteReplaced, &Value::Null, None, Some(old));
        self.ahead.insert(op, (ticket, old.clone()));
    }

    /// The row begun ahead of time for operation `op`, and the old object it records.
    pub fn ahead(&self, op: usize) -> Option<&(Ticket, ResourceRow)> {
        self.ahead.get(&op)
    }

    /// Forgets the row begun ahead for `op` (its delete is no longer due): nothing changes.
    pub fn cancel_ahead(&mut self, op: usize) {
        if let Some(id) = self.ahead.remove(&op).and_then(|(ticket, _)| self.id(ticket)) {
            self.commit(id, OpOutcome::Nothing);
        }
    }

    /// Stages `outcome` and the removal of row `id`, written together by the next
    /// [`Journal::write_outcomes`].
    pub fn commit(&mut self, id: i64, outcome: OpOutcome) {
        self.outcomes.push((id, outcome));
    }

    /// Writes every staged outcome in one transaction, each with the removal of its row (one
    /// that cannot be applied keeps its row; the others are written). Errs with the first that
    /// could not be applied.
    pub fn write_outcomes(&mut self) -> Result<(), EngineError> {
        let outcomes = std::mem::take(&mut self.outcomes);
        let results = self.store.commit_ops(&outcomes)?;
        results.into_iter().collect::<Result<Vec<()>, _>>()?;
        Ok(())
    }
}
