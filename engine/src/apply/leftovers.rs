//! The leftovers of an interrupted run (old objects of create-first replacements), deleted
//! first: recovery found them by reading the cloud, the plan listed them with their reason, and
//! the user agreed. Each delete proves ownership again just before it is sent.

use super::calls::owned_delete;
use super::{ApplyReport, Runner};
use crate::error::EngineError;
use std::time::Instant;

const WHAT: &str = "delete leftover";

impl Runner<'_> {
    pub(super) async fn delete_leftovers(&mut self, report: &mut ApplyReport) -> Result<(), EngineError> {
        for leftover in &self.plan.leftovers {
            if *self.opts.cancel.borrow() {
                report.interrupted = true;
                report.skipped.push(leftover.name.clone());
                continue;
            }
            let kind = self
                .registry
                .get(&leftover.kind)
                .cloned()
                .ok_or_else(|| EngineError::UnknownKind(leftover.kind.clone(), leftover.name.clone()))?;
            self.progress.started(&leftover.name, WHAT);
            let started = Instant::now();
            let meta = self.meta(&leftover.name);
            match owned_delete(kind, leftover.old.clone(), meta, self.cx.clone()).await {
                Ok(()) => {
                    self.journal.commit(leftover.journal_id, state::OpOutcome::Nothing);
                    self.journal.write_outcomes()?;
                    self.progress.finished(&leftover.name, WHAT, started.elapsed(), None);
                    report.applied(&leftover.name);
                }
                Err(e) => {
                    let message = format!(
                        "deleting {} ({}): {e}; journal row {} is kept",
                        leftover.cloud_id, leftover.reason, leftover.journal_id
                    );
                    self.progress.finished(&leftover.name, WHAT, started.elapsed(), Some(&message));
                    report.failed.push((leftover.name.clone(), message));
                }
            }
        }
        Ok(())
    }
}
