//! The journal of pending operations that brackets every mutating cloud call: a pending row is
//! committed before the call ([`Store::begin_op`]); after it, the call's effect on state and the
//! removal of the pending row commit together ([`Store::commit_op`]). A pending row found at the
//! next start means the process died mid-call, and the engine resolves it by looking the object
//! up in the cloud.

use crate::entry::{JournalAction, JournalEntry, JournalError};
use crate::error::StateError;
use crate::rows::{self, ResourceRow};
use crate::store::Store;

/// A cloud call that has been started but whose outcome is not yet recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingOp {
    pub run_id: String,
    /// The resource's logical name.
    pub name: String,
    /// The kind that performs the call (for a delete, the old object's own kind).
    pub kind: String,
    pub action: JournalAction,
    pub entry: JournalEntry,
    /// RFC 3339 UTC, when the row was committed (before the call was sent).
    pub started_at: String,
}

/// One journal row as listed: its id and operation, or why it does not decode.
pub type JournalRow = Result<(i64, PendingOp), JournalError>;

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

/// A pending row as stored, before its action and entry are decoded.
struct RawPending {
    id: i64,
    run_id: String,
    name: String,
    kind: String,
    action: String,
    inputs: String,
    started_at: String,
}

impl RawPending {
    fn decode(self) -> Result<(i64, PendingOp), JournalError> {
        let refuse = |problem: String| JournalError {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind.clone(),
            action: self.action.clone(),
            problem,
        };
        let action = JournalAction::parse(&self.action)
            .ok_or_else(|| refuse(format!("has action `{}`, which no Plinth writes", self.action)))?;
        let entry: JournalEntry = serde_json::from_str(&self.inputs)
            .map_err(|e| refuse(format!("has an entry that does not decode ({e})")))?;
        if crate::time::unix_from_rfc3339(&self.started_at).is_none() {
            return Err(refuse(format!("has start time `{}`, which is not an RFC 3339 UTC time", self.started_at)));
        }
        let op = PendingOp {
            run_id: self.run_id,
            name: self.name,
            kind: self.kind,
            action,
            entry,
            started_at: self.started_at,
        };
        Ok((self.id, op))
    }
}

/// `outcome` applied to state and pending row `op_id` removed, inside the caller's transaction.
fn commit_one(c: &rusqlite::Connection, op_id: i64, outcome: &OpOutcome, store: &Store) -> Result<(), StateError> {
    let known = c.prepare_cached("SELECT 1 FROM pending_ops WHERE id = ?1")?.exists([op_id])?;
    if !known {
        return Err(StateError::UnknownOp(op_id));
    }
    match outcome {
        OpOutcome::Upsert(row) => {
            rows::upsert(c, row, |raw| store.decode(raw))?;
        }
        OpOutcome::Remove(name) => {
            rows::remove(c, name)?;
        }
        OpOutcome::Nothing => {}
    }
    c.prepare_cached("DELETE FROM pending_ops WHERE id = ?1")?.execute([op_id])?;
    Ok(())
}

impl Store {
    /// Record that a cloud call is about to start; committed (durably) before it returns.
    /// Returns the operation's id for [`Store::commit_op`].
    pub fn begin_op(&self, op: &PendingOp) -> Result<i64, StateError> {
        let ids = self.begin_ops(std::slice::from_ref(op))?;
        Ok(ids[0])
    }

    /// Record that several cloud calls are about to start, in one transaction committed
    /// (durably) before it returns: each row is as durable as [`Store::begin_op`] makes it, for
    /// one sync instead of one per call. All rows or none. Returns their ids, in order.
    pub fn begin_ops(&self, ops: &[PendingOp]) -> Result<Vec<i64>, StateError> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let entries = ops.iter().map(|op| serde_json::to_string(&op.entry)).collect::<Result<Vec<_>, _>>()?;
        self.write(|c| {
            let mut insert = c.prepare_cached(
                "INSERT INTO pending_ops (run_id, name, kind, action, inputs, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut ids = Vec::with_capacity(ops.len());
            for (op, entry) in ops.iter().zip(&entries) {
                insert.execute((&op.run_id, &op.name, &op.kind, op.action.as_str(), entry, &op.started_at))?;
                ids.push(c.last_insert_rowid());
            }
            Ok(ids)
        })
    }

    /// In one transaction: apply `outcome` to state and delete pending operation `op_id`.
    /// Either both happen or neither does; on error the pending row is still there.
    pub fn commit_op(&self, op_id: i64, outcome: &OpOutcome) -> Result<(), StateError> {
        self.write(|c| commit_one(c, op_id, outcome, self))
    }

    /// Several [`Store::commit_op`]s in one transaction (one sync): each outcome and the removal
    /// of its pending row happen together or not at all (a savepoint each), so one that cannot
    /// be applied keeps its pending row and leaves the others to commit. Returns, in order,
    /// each one's result.
    pub fn commit_ops(&self, done: &[(i64, OpOutcome)]) -> Result<Vec<Result<(), StateError>>, StateError> {
        if done.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|c| {
            let mut results = Vec::with_capacity(done.len());
            for (op_id, outcome) in done {
                c.execute_batch("SAVEPOINT plinth_op")?;
                let result = commit_one(c, *op_id, outcome, self);
                if result.is_err() {
                    c.execute_batch("ROLLBACK TO plinth_op")?;
                }
                c.execute_batch("RELEASE plinth_op")?;
                results.push(result);
            }
            Ok(results)
        })
    }

    /// Every pending operation, oldest first, with its id. The first row whose action or entry
    /// does not decode is refused ([`StateError::Journal`]), naming it.
    pub fn pending_ops(&self) -> Result<Vec<(i64, PendingOp)>, StateError> {
        self.journal_rows()?.into_iter().map(|r| r.map_err(|e| StateError::Journal(Box::new(e)))).collect()
    }

    /// Every journal row, oldest first, each decoded or with the reason it does not decode: for
    /// listing a journal that holds a row no Plinth wrote, so it can be inspected and dropped.
    pub fn journal_rows(&self) -> Result<Vec<JournalRow>, StateError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, run_id, name, kind, action, inputs, started_at FROM pending_ops ORDER BY id")?;
        let raw = stmt
            .query_map([], |r| {
                Ok(RawPending {
                    id: r.get(0)?,
                    run_id: r.get(1)?,
                    name: r.get(2)?,
                    kind: r.get(3)?,
                    action: r.get(4)?,
                    inputs: r.get(5)?,
                    started_at: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(raw.into_iter().map(RawPending::decode).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{JournalAction, JournalEntry};
    use crate::rows::sample;

    fn op(name: &str, action: &str) -> PendingOp {
        PendingOp {
            run_id: "run-1".to_string(),
            name: name.to_string(),
            kind: "test:Thing".to_string(),
            action: JournalAction::parse(action).unwrap(),
            entry: JournalEntry {
                inputs: serde_json::json!({ "size": 1, "tags": { "plinth:name": name } }),
                dependencies: vec![],
                options: serde_json::json!({}),
                prior: None,
                references: Some(Default::default()),
            },
            started_at: "2025-03-01T12:00:00Z".to_string(),
        }
    }

    /// Writes a row as earlier versions did (and as a hand-edited file might), bypassing the types.
    fn insert_raw(store: &Store, action: &str, inputs: &str, started_at: &str) -> i64 {
        store.conn
            .execute(
                "INSERT INTO pending_ops (run_id, name, kind, action, inputs, started_at) VALUES ('old', 'net', 'test:Thing', ?1, ?2, ?3)",
                (action, inputs, started_at),
            )
            .unwrap();
        store.conn.last_insert_rowid()
    }

    #[test]
    fn rows_in_the_shape_earlier_versions_wrote_still_read() {
        let store = Store::open_in_memory().unwrap();
        let prior = r#"{"name":"net","kind":"test:Thing","cloud_id":"id-net","inputs":{"size":1},"outputs":{"arn":"arn:net"},
            "dependencies":[],"options":{"protect":true},"created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}"#;
        let old = format!(r#"{{"inputs":null,"dependencies":["vpc"],"options":{{"protect":true}},"prior":{prior}}}"#);
        let id = insert_raw(&store, "delete-replaced", &old, "2025-03-01T12:00:00Z");
        let create = insert_raw(
            &store,
            "create",
            r#"{"inputs":{"size":2},"dependencies":[],"options":{},"prior":null}"#,
            "2025-03-01T12:00:01Z",
        );
        let ops = store.pending_ops().unwrap();
        assert_eq!(ops.len(), 2);
        let (got, op) = &ops[0];
        assert_eq!((*got, op.action, op.name.as_str()), (id, JournalAction::DeleteReplaced, "net"));
        assert_eq!(op.entry.dependencies, vec!["vpc"]);
        assert_eq!(op.entry.options["protect"], true);
        let prior = op.entry.prior.as_ref().unwrap();
        assert_eq!((prior.cloud_id.as_str(), &prior.references), ("id-net", &None), "old rows recorded no references");
        assert_eq!(op.entry.references, None);
        assert_eq!(
            (ops[1].0, ops[1].1.action, ops[1].1.entry.inputs["size"].clone()),
            (create, JournalAction::Create, serde_json::json!(2))
        );
    }

    #[test]
    fn an_unknown_action_or_an_undecodable_entry_is_refused_naming_the_row() {
        for (action, inputs, started, problem) in [
            (
                "delete-replacd",
                r#"{"inputs":null,"dependencies":[],"options":{},"prior":null}"#,
                "2025-03-01T12:00:00Z",
                "action `delete-replacd`",
            ),
            (
                "create",
                r#"{"inputs":{},"dependencies":"vpc","options":{},"prior":null}"#,
                "2025-03-01T12:00:00Z",
                "does not decode",
            ),
            ("create", r#"{"inputs":{},"options":{},"prior":null}"#, "2025-03-01T12:00:00Z", "does not decode"),
            (
                "delete",
                r#"{"inputs":null,"dependencies":[],"options":{},"prior":{"name":"net"}}"#,
                "2025-03-01T12:00:00Z",
                "does not decode",
            ),
            (
                "create",
                r#"{"inputs":{},"dependencies":[],"options":{},"prior":null}"#,
                "yesterday",
                "start time `yesterday`",
            ),
        ] {
            let store = Store::open_in_memory().unwrap();
            let id = insert_raw(&store, action, inputs, started);
            let err = store.pending_ops().unwrap_err();
            let StateError::Journal(found) = &err else { panic!("{err:?}") };
            assert_eq!((found.id, found.name.as_str()), (id, "net"));
            let text = err.to_string();
            assert!(text.contains(&format!("journal row {id}")) && text.contains("`net`"), "{text}");
            assert!(text.contains(problem) && text.contains(&format!("state journal --drop {id}")), "{text}");
        }
    }

    #[test]
    fn an_undecodable_row_is_listed_beside_the_good_ones_and_can_be_dropped() {
        let store = Store::open_in_memory().unwrap();
        let good = store.begin_op(&op("vpc", "create")).unwrap();
        let bad = insert_raw(&store, "delete-everything", "{}", "2025-03-01T12:00:00Z");
        let rows = store.journal_rows().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].as_ref().map(|(id, op)| (*id, op.name.as_str())).ok(), Some((good, "vpc")));
        let undecodable = rows[1].as_ref().unwrap_err();
        assert_eq!((undecodable.id, undecodable.action.as_str()), (bad, "delete-everything"));
        assert!(store.pending_ops().is_err(), "runs still refuse while the row is there");
        store.commit_op(bad, &OpOutcome::Nothing).unwrap();
        assert_eq!(store.pending_ops().unwrap().len(), 1);
    }

    #[test]
    fn every_action_round_trips_through_its_stored_string() {
        for action in JournalAction::ALL {
            assert_eq!(JournalAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(JournalAction::parse("Create"), None);
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
    fn rows_begun_together_are_all_durable_before_begin_ops_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let batch = [op("vpc", "create"), op("bucket", "create"), op("queue", "create")];
        let ids = Store::open(&path).unwrap().begin_ops(&batch).unwrap();
        // The process "crashed" right after the calls were sent: a fresh open sees every row.
        let store = Store::open(&path).unwrap();
        let pending = store.pending_ops().unwrap();
        assert_eq!(pending, ids.iter().copied().zip(batch.iter().cloned()).collect::<Vec<_>>());
        assert!(store.begin_ops(&[]).unwrap().is_empty());
    }

    #[test]
    fn outcomes_committed_together_keep_the_pending_row_of_the_one_that_cannot_apply() {
        let store = Store::open_in_memory().unwrap();
        let ids = store.begin_ops(&[op("vpc", "create"), op("subnet", "create"), op("bucket", "create")]).unwrap();
        let results = store
            .commit_ops(&[
                (ids[0], OpOutcome::Upsert(sample("vpc", &[]))),
                (ids[1], OpOutcome::Upsert(sample("subnet", &["gone"]))),
                (ids[2], OpOutcome::Upsert(sample("bucket", &["vpc"]))),
            ])
            .unwrap();
        assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
        assert!(matches!(results[1], Err(StateError::DanglingDependency { .. })), "{results:?}");
        let names: Vec<String> = store.resources().unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, vec!["bucket", "vpc"]);
        let pending: Vec<i64> = store.pending_ops().unwrap().into_iter().map(|(id, _)| id).collect();
        assert_eq!(pending, vec![ids[1]], "only the failed outcome's row stays");
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
