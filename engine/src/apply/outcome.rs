//! What a finished operation does to state: the row it writes (or removes) committed together
//! with its journal row, or, for a create that may still land, the journal row kept.

use super::calls::{may_have_landed, Done, OpFailure};
use super::{ApplyReport, Runner};
use crate::error::EngineError;
use crate::ops::OpKind;
use crate::plan::Step;
use serde_json::Value;
use state::{OpOutcome, ResourceRow};

impl Runner<'_> {
    /// Stages what one finished operation does to state (written with the others that finished
    /// together by `complete_all`). Returns whether it succeeded.
    pub(super) fn complete(&mut self, done: Done, report: &mut ApplyReport) -> Result<bool, EngineError> {
        let Done { op, journal_id, result, elapsed } = done;
        let step = self.step(op).clone();
        let outputs = match result {
            Ok(outputs) => outputs,
            Err(failure) => {
                let message = self.fail(op, journal_id, failure)?;
                self.sent.remove(&op);
                self.progress.finished(&step.name, self.what(op), elapsed, Some(&message));
                report.failed.push((step.name.clone(), message));
                return Ok(false);
            }
        };
        let outcome = match (self.ops[op].kind, outputs) {
            (OpKind::Delete, _) => OpOutcome::Remove(step.name.clone()),
            (OpKind::DeleteReplaced, _) if step.delete_first => OpOutcome::Upsert(self.tombstone(&step)),
            (OpKind::DeleteReplaced, _) => OpOutcome::Nothing,
            (_, Some(outputs)) => OpOutcome::Upsert(self.row(op, &step, outputs)?),
            (_, None) => OpOutcome::Nothing,
        };
        self.sent.remove(&op);
        self.record(&outcome);
        self.journal.commit(journal_id, outcome);
        self.progress.finished(&step.name, self.what(op), elapsed, None);
        report.applied(&step.name);
        Ok(true)
    }

    /// Records a failure in state and the journal; returns the message for the user.
    fn fail(&mut self, op: usize, journal_id: i64, failure: OpFailure) -> Result<String, EngineError> {
        let step = self.step(op).clone();
        let op_kind = self.ops[op].kind;
        let OpFailure { error, partial, unlooked } = failure;
        if let Some((inputs, outputs)) = partial {
            let row = ResourceRow { inputs, ..self.row(op, &step, outputs)? };
            let outcome = OpOutcome::Upsert(row.clone());
            self.record(&outcome);
            self.journal.commit(journal_id, outcome);
            return Ok(format!(
                "{error} (the object {} exists and is recorded in state: the next run continues from it)",
                row.cloud_id
            ));
        }
        let creates = matches!(op_kind, OpKind::Create | OpKind::CreateReplacement);
        if let (true, Some(why)) = (creates, &unlooked) {
            // Nobody knows whether the failed create left an object: keep the row, as after a crash.
            return Ok(format!(
                "{error} (whether it left an object is unknown: {why}; its journal row is kept, and the next run \
                 looks the object up before creating anything)"
            ));
        }
        if creates && may_have_landed(&error) {
            // Like a crash mid-call: every row stays, and the next run asks the cloud first.
            return Ok(format!(
                "{error} (the create may still have happened: its journal row is kept, and the next run looks \
                 the object up before creating anything)"
            ));
        }
        // A failed delete of a replaced object stays journaled: the next run retries it.
        if op_kind != OpKind::DeleteReplaced || step.delete_first {
            self.journal.commit(journal_id, OpOutcome::Nothing);
        }
        // No new object, so the old one stays in state: its delete is no longer due.
        if op_kind == OpKind::CreateReplacement && !step.delete_first {
            if let Some(delete_op) = self.sibling_delete(op) {
                self.journal.cancel_ahead(delete_op);
            }
        }
        Ok(error.to_string())
    }

    fn record(&mut self, outcome: &OpOutcome) {
        match outcome {
            OpOutcome::Upsert(row) => {
                self.rows.insert(row.name.clone(), row.clone());
            }
            OpOutcome::Remove(name) => {
                self.rows.remove(name);
            }
            OpOutcome::Nothing => {}
        }
    }

    /// The row `op` leaves; what it was sent moves into the row (the runner keeps what it sent
    /// only while the call runs).
    fn row(&mut self, op: usize, step: &Step, outputs: Value) -> Result<ResourceRow, EngineError> {
        let kind = &self.kinds[self.ops[op].step];
        let cloud_id =
            kind.cloud_id(&outputs).map_err(|source| EngineError::CloudId { name: step.name.clone(), source })?;
        let sent = self.sent.remove(&op);
        let (inputs, references) = sent.map_or((Value::Null, None), |s| (s.inputs, s.references));
        Ok(ResourceRow {
            name: step.name.clone(),
            kind: step.kind.clone(),
            cloud_id,
            inputs,
            outputs,
            dependencies: step.depends_on.clone(),
            options: serde_json::to_value(&step.options).unwrap_or(Value::Null),
            references,
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
