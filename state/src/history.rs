//! Run history: one row per run (`up`, `destroy`, `refresh`, ...) with who ran it, when, the
//! serial at its start, and, once finished, its result and counts.

use crate::error::StateError;
use crate::store::Store;
use crate::time::now_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What is known when a run starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStart {
    pub run_id: String,
    pub command: String,
    pub user: String,
    pub host: String,
    pub started_at: String,
}

/// One run as recorded in history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    pub command: String,
    pub user: String,
    pub host: String,
    pub started_at: String,
    /// `None` while running (or if the run died).
    pub finished_at: Option<String>,
    pub result: Option<String>,
    /// Whatever the engine recorded at the end (e.g. `{"created": 3, "failed": 1}`); `null` until then.
    pub counts: Value,
    /// The state serial when the run started.
    pub serial: i64,
}

/// Marks run `run_id` as `abandoned` (its process died holding the lock), if it never finished.
pub(crate) fn mark_abandoned(conn: &rusqlite::Connection, run_id: &str) -> Result<(), StateError> {
    conn.execute(
        "UPDATE runs SET finished_at = ?2, result = 'abandoned' WHERE run_id = ?1 AND finished_at IS NULL",
        (run_id, now_rfc3339()),
    )?;
    Ok(())
}

impl Store {
    /// Record the start of a run, with the current serial.
    pub fn start_run(&self, run: &RunStart) -> Result<(), StateError> {
        self.write(|c| {
            c.execute(
                "INSERT INTO runs (run_id, command, user, host, started_at, serial)
                 VALUES (?1, ?2, ?3, ?4, ?5, (SELECT serial FROM meta WHERE id = 1))",
                (&run.run_id, &run.command, &run.user, &run.host, &run.started_at),
            )?;
            Ok(())
        })
    }

    /// Record the end of a run: now, its result (e.g. `ok`, `failed`) and counts.
    pub fn finish_run(&self, run_id: &str, result: &str, counts: &Value) -> Result<(), StateError> {
        let counts = serde_json::to_string(counts)?;
        self.write(|c| {
            let n = c.execute(
                "UPDATE runs SET finished_at = ?2, result = ?3, counts = ?4 WHERE run_id = ?1",
                (run_id, now_rfc3339(), result, &counts),
            )?;
            if n == 0 {
                return Err(StateError::UnknownRun(run_id.to_string()));
            }
            Ok(())
        })
    }

    /// Every run, newest first.
    pub fn history(&self) -> Result<Vec<RunRecord>, StateError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT run_id, command, user, host, started_at, finished_at, result, counts, serial
             FROM runs ORDER BY id DESC",
        )?;
        let raw = stmt
            .query_map([], |r| {
                Ok((
                    RunRecord {
                        run_id: r.get(0)?,
                        command: r.get(1)?,
                        user: r.get(2)?,
                        host: r.get(3)?,
                        started_at: r.get(4)?,
                        finished_at: r.get(5)?,
                        result: r.get(6)?,
                        counts: Value::Null,
                        serial: r.get(8)?,
                    },
                    r.get::<_, String>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter()
            .map(|(mut record, counts)| {
                record.counts = serde_json::from_str(&counts).map_err(|e| StateError::Corrupt {
                    path: self.display_path(),
                    problems: vec![format!("run {}: column counts is not valid JSON: {e}", record.run_id)],
                })?;
                Ok(record)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::sample;
    use serde_json::json;

    fn run(id: &str, command: &str) -> RunStart {
        RunStart {
            run_id: id.to_string(),
            command: command.to_string(),
            user: "ada".to_string(),
            host: "build-7".to_string(),
            started_at: now_rfc3339(),
        }
    }

    #[test]
    fn history_is_newest_first_with_the_serial_at_start() {
        let store = Store::open_in_memory().unwrap();
        store.start_run(&run("run-1", "up")).unwrap();
        store.upsert_resource(&sample("vpc", &[])).unwrap();
        store.upsert_resource(&sample("subnet", &["vpc"])).unwrap();
        store.finish_run("run-1", "ok", &json!({ "created": 2 })).unwrap();
        store.start_run(&run("run-2", "destroy")).unwrap();

        let history = store.history().unwrap();
        assert_eq!(history.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(), vec!["run-2", "run-1"]);
        let (latest, first) = (&history[0], &history[1]);
        assert_eq!((first.serial, latest.serial), (0, 2));
        assert_eq!(first.result.as_deref(), Some("ok"));
        assert_eq!(first.counts, json!({ "created": 2 }));
        assert!(first.finished_at.as_deref().is_some_and(|t| t.ends_with('Z')));
        assert_eq!((latest.finished_at.as_ref(), latest.result.as_ref(), &latest.counts), (None, None, &Value::Null));
        assert_eq!(
            (latest.command.as_str(), latest.user.as_str(), latest.host.as_str()),
            ("destroy", "ada", "build-7")
        );
    }

    #[test]
    fn finishing_an_unknown_run_fails() {
        let store = Store::open_in_memory().unwrap();
        let err = store.finish_run("ghost", "ok", &json!({})).unwrap_err();
        assert!(matches!(&err, StateError::UnknownRun(id) if id == "ghost"), "{err:?}");
    }

    #[test]
    fn history_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let store = Store::open(&path).unwrap();
        store.start_run(&run("run-1", "up")).unwrap();
        store.finish_run("run-1", "failed", &json!({ "failed": 1 })).unwrap();
        drop(store);
        let history = Store::open(&path).unwrap().history().unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].result.as_deref(), Some("failed"));
    }
}
