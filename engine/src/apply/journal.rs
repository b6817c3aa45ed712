//! Apply's side of the journal: every mutating call is bracketed by one [`Journal`]. A row is
//! committed before the call ([`Journal::begin`]); after it, the call's effect on state and the
//! removal of the row commit together ([`Journal::commit`]), or the row is deliberately kept
//! when the outcome is unknown (the next run's recovery resolves it by asking the cloud).
//!
//! # Guarantees
//! * The old object of a create-first replacement is journaled ([`Journal::begin_ahead`])
//!   before the new object is created, so a crash in between can never orphan it.
//! * Rows carry the typed entry recovery reads ([`state::JournalEntry`]): inputs, dependencies,
//!   options, the prior row and the reference values sent.

use crate::error::EngineError;
use crate::plan::Step;
use serde_json::Value;
use state::{JournalAction, JournalEntry, OpOutcome, PendingOp, References, ResourceRow, Store};
use std::collections::BTreeMap;

pub(super) struct Journal<'a> {
    store: &'a Store,
    run_id: String,
    /// Rows begun ahead of time, by the operation that will finish them, with the old row.
    ahead: BTreeMap<usize, (i64, ResourceRow)>,
}

impl<'a> Journal<'a> {
    pub fn new(store: &'a Store, run_id: &str) -> Self {
        Journal { store, run_id: run_id.to_string(), ahead: BTreeMap::new() }
    }

    /// Commits a row saying `action` of `step` is about to be sent; returns its id.
    pub fn begin(
        &self,
        step: &Step,
        action: JournalAction,
        inputs: &Value,
        references: Option<References>,
        prior: Option<&ResourceRow>,
    ) -> Result<i64, EngineError> {
        let deletes = matches!(action, JournalAction::Delete | JournalAction::DeleteReplaced);
        let op = PendingOp {
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
        };
        Ok(self.store.begin_op(&op)?)
    }

    /// Journals the delete of `old` (operation `op`) now, before the new object exists.
    pub fn begin_ahead(&mut self, op: usize, step: &Step, old: &ResourceRow) -> Result<(), EngineError> {
        let id = self.begin(step, JournalAction::DeleteReplaced, &Value::Null, None, Some(old))?;
        self.ahead.insert(op, (id, old.clone()));
        Ok(())
    }

    /// The row begun ahead of time for operation `op`, and the old object it records.
    pub fn ahead(&self, op: usize) -> Option<&(i64, ResourceRow)> {
        self.ahead.get(&op)
    }

    /// Forgets the row begun ahead for `op` (its delete is no longer due): nothing changes.
    pub fn cancel_ahead(&mut self, op: usize) -> Result<(), EngineError> {
        match self.ahead.remove(&op) {
            Some((id, _)) => self.commit(id, &OpOutcome::Nothing),
            None => Ok(()),
        }
    }

    /// In one transaction: `outcome` applied to state and row `id` removed.
    pub fn commit(&self, id: i64, outcome: &OpOutcome) -> Result<(), EngineError> {
        Ok(self.store.commit_op(id, outcome)?)
    }
}
