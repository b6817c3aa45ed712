//! Releases in the run history: what an `up` applied (the program's commit, the release data
//! the program ran with, the plan's hash and its `--target`s), recorded on its run's row, so an
//! earlier release can be found and applied again (rollback).
//!
//! # Guarantees
//! * A release is recorded on an existing run's row and read back unchanged; its data stays
//!   opaque JSON (this crate knows no release format).
//! * Runs without a release (other verbs, files written before schema 4) are not releases.
//!
//! # Assumptions
//! * The engine records the release only once the plan was agreed, so a release's run verdict
//!   (`ok`, `failed`, `interrupted`, ...) says whether it was applied.

use crate::error::StateError;
use crate::history::RunRecord;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an `up` applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// The program's commit, or `unknown`.
    pub program_commit: String,
    /// The release data the program ran with (e.g. the image per service); `null` when the
    /// program has none.
    pub data: Value,
    /// `sha256:<hex>` of the plan's canonical JSON.
    pub plan_hash: String,
    /// The `--target`s of the run (empty: the whole stack).
    pub targets: Vec<String>,
}

/// A release and the run that applied it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub run: RunRecord,
    pub release: ReleaseRecord,
}

impl Release {
    /// Whether its run finished `ok`: only then was the release applied.
    pub fn applied(&self) -> bool {
        self.run.result.as_deref() == Some("ok")
    }
}

impl Store {
    /// Records on run `run_id`'s row the release it applies.
    pub fn record_release(&self, run_id: &str, release: &ReleaseRecord) -> Result<(), StateError> {
        let data = serde_json::to_string(&release.data)?;
        let targets = serde_json::to_string(&release.targets)?;
        self.write(|c| {
            let n = c.execute(
                "UPDATE runs SET program_commit = ?2, release_data = ?3, plan_hash = ?4, release_targets = ?5
                 WHERE run_id = ?1",
                (run_id, &release.program_commit, &data, &release.plan_hash, &targets),
            )?;
            if n == 0 {
                return Err(StateError::UnknownRun(run_id.to_string()));
            }
            Ok(())
        })
    }

    /// Every recorded release, newest first.
    pub fn releases(&self) -> Result<Vec<Release>, StateError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT run_id, program_commit, release_data, plan_hash, release_targets FROM runs
             WHERE plan_hash IS NOT NULL ORDER BY id DESC",
        )?;
        let raw = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get(3)?, r.get::<_, String>(4)?))
            })?
            .collect::<Result<Vec<(String, String, String, String, String)>, _>>()?;
        let runs = self.history()?;
        raw.into_iter()
            .map(|(run_id, program_commit, data, plan_hash, targets)| {
                let corrupt = |column: &str, e: serde_json::Error| StateError::Corrupt {
                    path: self.display_path(),
                    problems: vec![format!("run {run_id}: column {column} is not valid JSON: {e}")],
                };
                let data = serde_json::from_str(&data).map_err(|e| corrupt("release_data", e))?;
                let targets = serde_json::from_str(&targets).map_err(|e| corrupt("release_targets", e))?;
                let run = runs.iter().find(|r| r.run_id == run_id).cloned().ok_or(StateError::UnknownRun(run_id))?;
                Ok(Release { run, release: ReleaseRecord { program_commit, data, plan_hash, targets } })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::RunStart;
    use crate::schema::MIGRATIONS;
    use serde_json::json;

    fn start(store: &Store, id: &str, command: &str) {
        let run = RunStart {
            run_id: id.into(),
            command: command.into(),
            user: "ada".into(),
            host: "ci".into(),
            started_at: crate::now_rfc3339(),
        };
        store.start_run(&run).unwrap();
    }

    fn release(tag: &str) -> ReleaseRecord {
        ReleaseRecord {
            program_commit: "0123abc".into(),
            data: json!({ "api": { "tag": tag } }),
            plan_hash: format!("sha256:{tag}"),
            targets: vec![],
        }
    }

    #[test]
    fn releases_are_the_runs_that_recorded_one_newest_first_with_their_verdict() {
        let store = Store::open_in_memory().unwrap();
        start(&store, "up-1", "up");
        store.record_release("up-1", &release("v1")).unwrap();
        store.finish_run("up-1", "ok", &json!({})).unwrap();
        start(&store, "destroy-1", "destroy");
        store.finish_run("destroy-1", "ok", &json!({})).unwrap();
        start(&store, "up-2", "up");
        let targeted = ReleaseRecord { targets: vec!["api-service".into()], ..release("v2") };
        store.record_release("up-2", &targeted).unwrap();
        store.finish_run("up-2", "failed", &json!({ "failed": 1 })).unwrap();

        let releases = store.releases().unwrap();
        let ids: Vec<&str> = releases.iter().map(|r| r.run.run_id.as_str()).collect();
        assert_eq!(ids, vec!["up-2", "up-1"]);
        assert_eq!((releases[0].applied(), releases[1].applied()), (false, true));
        assert_eq!(releases[0].release, targeted);
        assert_eq!(releases[1].release, release("v1"));
        assert_eq!(releases[1].run.command, "up");
    }

    #[test]
    fn recording_on_an_unknown_run_fails() {
        let store = Store::open_in_memory().unwrap();
        let err = store.record_release("ghost", &release("v1")).unwrap_err();
        assert!(matches!(&err, StateError::UnknownRun(id) if id == "ghost"), "{err:?}");
    }

    #[test]
    fn a_schema_3_file_opens_migrated_with_its_runs_and_no_releases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        for step in &MIGRATIONS[..3] {
            conn.execute_batch(step).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO meta (id, lineage, serial, created_at) VALUES (1, 'lineage-3', 7, '2025-01-01T00:00:00Z');
             INSERT INTO runs (run_id, command, user, host, started_at, finished_at, result, counts, serial)
               VALUES ('old-up', 'up', 'ada', 'ci', '2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', 'ok', '{}', 6);
             PRAGMA user_version = 3;",
        )
        .unwrap();
        drop(conn);
        let store = Store::open_read_only(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), crate::SCHEMA_VERSION);
        assert_eq!(store.history().unwrap()[0].run_id, "old-up");
        assert!(store.releases().unwrap().is_empty(), "a run before schema 4 recorded no release");
        drop(store);
        let store = Store::open(&path).unwrap();
        start(&store, "new-up", "up");
        store.record_release("new-up", &release("v2")).unwrap();
        assert_eq!(store.releases().unwrap()[0].release, release("v2"));
    }
}
