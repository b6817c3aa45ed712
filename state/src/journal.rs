//! The journal of pending operations that brackets every mutating cloud call: a pending row is
//! committed before the call ([`Store::begin_op`]); after it, the call's effect on state and the
//! removal of the pending row commit together ([`Store::commit_op`]). A pending row found at the
//! next start means the process died mid-call, and the engine resolves it by looking the object
//! up in the cloud.

use crate::error::StateError;
use crate::rows::{self, ResourceRow};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A cloud call that has been started but whose outcome is not yet recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingOp {
    pub run_id: String,
    /// The resource's logical name.
    pub name: String,
    pub kind: String,
    /// `create`, `update`, `delete`, ... (opaque to the store).
    pub action: String,
    /// The inputs sent with the call (enough to find the object again by its tags).
    pub inputs: Value,
    pub started_at: String,
}

/// What a finished operation does to state.
#[derive(Debug, Clone, PartialEq)]
pub enum OpOutcome {
    /// The object exists (created, updated or adopted): write its row.
    Upsert(ResourceRow),
    /// The object is gone (deleted, or never created): remove the row with this name.
    Remove(String),
    /// State is unchanged (e.g. the call failed before touching anything).
    Nothing,
}

impl Store {
    /// Record that a cloud call is about to start; committed (durably) before it returns.
    /// Returns the operation's id for [`Store::commit_op`].
    pub fn begin_op(&self, op: &PendingOp) -> Result<i64, StateError> {
        let inputs = serde_json::to_string(&op.inputs)?;
        self.write(|c| {
            c.execute(
                "INSERT INTO pending_ops (run_id, name, kind, action, inputs, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (&op.run_id, &op.name, &op.kind, &op.action, &inputs, &op.started_at),
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// In one transaction: apply `outcome` to state and delete pending operation `op_id`.
    /// Either both happen or neither does; on error the pending row is still there.
    pub fn commit_op(&self, op_id: i64, outcome: &OpOutcome) -> Result<(), StateError> {
        self.write(|c| {
            let known = c.prepare_cached("SELECT 1 FROM pending_ops WHERE id = ?1")?.exists([op_id])?;
            if !known {
                return Err(StateError::UnknownOp(op_id));
            }
            match outcome {
                OpOutcome::Upsert(row) => {
                    rows::upsert(c, row, |raw| self.decode(raw))?;
                }
                OpOutcome::Remove(name) => {
                    rows::remove(c, name)?;
                }
                OpOutcome::Nothing => {}
            }
            c.execute("DELETE FROM pending_ops WHERE id = ?1", [op_id])?;
            Ok(())
        })
    }

    /// Every pending operation, oldest first, with its id.
    pub fn pending_ops(&self) -> Result<Vec<(i64, PendingOp)>, StateError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, run_id, name, kind, action, inputs, started_at FROM pending_ops ORDER BY id")?;
        let raw = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter()
            .map(|(id, run_id, name, kind, action, inputs, started_at)| {
                let inputs = serde_json::from_str(&inputs).map_err(|e| StateError::Corrupt {
                    path: self.display_path(),
                    problems: vec![format!(
                        "pending operation {id} ({action} `{name}`): column inputs is not valid JSON: {e}"
                    )],
                })?;
                Ok((id, PendingOp { run_id, name, kind, action, inputs, started_at }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::sample;

    fn op(name: &str, action: &str) -> PendingOp {
        PendingOp {
            run_id: "run-1".to_string(),
            name: name.to_string(),
            kind: "test:Thing".to_string(),
            action: action.to_string(),
            inputs: serde_json::json!({ "size": 1, "tags": { "plinth:name": name } }),
            started_at: "2025-03-01T12:00:00Z".to_string(),
        }
    }

    #[test]
    fn a_pending_op_is_durable_before_the_call_and_gone_after_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let id = Store::open(&path).unwrap().begin_op(&op("vpc", "create")).unwrap();

        // The process "crashed": a fresh open still sees the pending op, and no resource.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.pending_ops().unwrap(), vec![(id, op("vpc", "create"))]);
        assert_eq!(store.resource("vpc").unwrap(), None);

        store.commit_op(id, &OpOutcome::Upsert(sample("vpc", &[]))).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert!(store.pending_ops().unwrap().is_empty());
        assert_eq!(store.resource("vpc").unwrap().unwrap().cloud_id, "id-vpc");
        assert_eq!(store.serial().unwrap(), 1);
    }

    #[test]
    fn commit_op_keeps_the_pending_row_when_the_outcome_cannot_be_applied() {
        let store = Store::open_in_memory().unwrap();
        let id = store.begin_op(&op("subnet", "create")).unwrap();
        let err = store.commit_op(id, &OpOutcome::Upsert(sample("subnet", &["vpc"]))).unwrap_err();
        assert!(matches!(err, StateError::DanglingDependency { .. }), "{err:?}");
        assert_eq!(store.pending_ops().unwrap().len(), 1);
        assert_eq!(store.resource("subnet").unwrap(), None);
        assert_eq!(store.serial().unwrap(), 0);
    }

    #[test]
    fn commit_op_writes_nothing_when_the_pending_row_cannot_be_deleted() {
        let store = Store::open_in_memory().unwrap();
        let id = store.begin_op(&op("vpc", "create")).unwrap();
        store
            .conn
            .execute_batch(
                "CREATE TEMP TRIGGER no_delete BEFORE DELETE ON pending_ops
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
            )
            .unwrap();
        let err = store.commit_op(id, &OpOutcome::Upsert(sample("vpc", &[]))).unwrap_err();
        assert!(err.to_string().contains("injected failure"), "{err}");
        // The resource row was written inside the transaction, then rolled back with it.
        assert_eq!(store.resource("vpc").unwrap(), None);
        assert_eq!(store.serial().unwrap(), 0);
        assert_eq!(store.pending_ops().unwrap().len(), 1);
    }

    #[test]
    fn commit_op_remove_and_nothing() {
        let store = Store::open_in_memory().unwrap();
        store.upsert_resource(&sample("vpc", &[])).unwrap();
        let del = store.begin_op(&op("vpc", "delete")).unwrap();
        let failed = store.begin_op(&op("bucket", "create")).unwrap();
        assert_eq!(store.pending_ops().unwrap().iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![del, failed]);

        store.commit_op(del, &OpOutcome::Remove("vpc".to_string())).unwrap();
        assert_eq!(store.resource("vpc").unwrap(), None);
        assert_eq!(store.serial().unwrap(), 2);

        store.commit_op(failed, &OpOutcome::Nothing).unwrap();
        assert!(store.pending_ops().unwrap().is_empty());
        assert_eq!(store.serial().unwrap(), 2);
    }

    #[test]
    fn committing_an_unknown_op_fails_and_changes_nothing() {
        let store = Store::open_in_memory().unwrap();
        let err = store.commit_op(17, &OpOutcome::Upsert(sample("vpc", &[]))).unwrap_err();
        assert!(matches!(err, StateError::UnknownOp(17)), "{err:?}");
        assert_eq!(store.resource("vpc").unwrap(), None);
    }
}
