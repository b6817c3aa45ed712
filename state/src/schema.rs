//! The versioned schema: migrations applied in order on open, and the integrity check that
//! refuses a damaged file before anything reads or writes it.
//!
//! The version lives in `PRAGMA user_version`. `MIGRATIONS[i]` takes a file from version `i` to
//! `i + 1`; all pending steps and the version bump commit in one transaction, so a crash during
//! a migration leaves the file at its old version. A file whose version is newer than
//! [`SCHEMA_VERSION`] is refused untouched.

use crate::error::StateError;
use crate::rows;
use crate::time::now_rfc3339;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Migration steps; step `i` upgrades a file from version `i` to `i + 1`. Append only: never
/// edit a step that has shipped.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the initial schema.
    r#"
    CREATE TABLE meta (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        lineage    TEXT NOT NULL,
        serial     INTEGER NOT NULL,
        created_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE resources (
        name         TEXT PRIMARY KEY NOT NULL,
        kind         TEXT NOT NULL,
        cloud_id     TEXT NOT NULL,
        inputs       TEXT NOT NULL,
        outputs      TEXT NOT NULL,
        dependencies TEXT NOT NULL,
        options      TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
    ) STRICT;
    CREATE INDEX resources_name_nocase ON resources (name COLLATE NOCASE);
    CREATE TABLE pending_ops (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id     TEXT NOT NULL,
        name       TEXT NOT NULL,
        kind       TEXT NOT NULL,
        action     TEXT NOT NULL,
        inputs     TEXT NOT NULL,
        started_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id      TEXT NOT NULL UNIQUE,
        command     TEXT NOT NULL,
        user        TEXT NOT NULL,
        host        TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        result      TEXT,
        counts      TEXT NOT NULL DEFAULT 'null',
        serial      INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE lock (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        run_id     TEXT NOT NULL,
        pid        INTEGER NOT NULL,
        host       TEXT NOT NULL,
        user       TEXT NOT NULL,
        command    TEXT NOT NULL,
        started_at TEXT NOT NULL
    ) STRICT;
    "#,
    // 1 -> 2: the lock holder's pid start time and pid scope (a dead holder's lock heals), and
    // the AWS account the state belongs to (refused against another).
    r#"
    ALTER TABLE lock ADD COLUMN pid_start INTEGER;
    ALTER TABLE lock ADD COLUMN pid_scope TEXT;
    ALTER TABLE meta ADD COLUMN account TEXT;
    "#,
    // 2 -> 3: the reference values each resource was sent with (NULL: not recorded, older rows).
    r#"
    ALTER TABLE resources ADD COLUMN reference_values TEXT;
    "#,
    // 3 -> 4: the release an `up` applied (NULL for other runs and older rows): the program's
    // commit, the release data it ran with (JSON), the plan's hash and its `--target`s (JSON).
    r#"
    ALTER TABLE runs ADD COLUMN program_commit TEXT;
    ALTER TABLE runs ADD COLUMN release_data TEXT;
    ALTER TABLE runs ADD COLUMN plan_hash TEXT;
    ALTER TABLE runs ADD COLUMN release_targets TEXT;
    "#,
    // 4 -> 5: the dependency index (`deps_index.rs`): who depends on a resource, found without
    // scanning every row's dependencies. Self-contained: creates and fills its own table.
    r#"
    CREATE TABLE resource_dependencies (
        name       TEXT NOT NULL,
        dependency TEXT NOT NULL,
        PRIMARY KEY (dependency, name)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX resource_dependencies_by_name ON resource_dependencies (name);
    INSERT OR IGNORE INTO resource_dependencies (name, dependency)
        SELECT r.name, d.value FROM resources r, json_each(r.dependencies) d
        WHERE json_valid(r.dependencies) AND json_type(r.dependencies) = 'array';
    "#,
];

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

fn user_version(conn: &Connection) -> Result<i64, StateError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

fn check_version(found: i64, path: &Path) -> Result<(), StateError> {
    if found > SCHEMA_VERSION {
        return Err(StateError::NewerSchema { found, supported: SCHEMA_VERSION, path: path.to_path_buf() });
    }
    if found < 0 {
        return Err(StateError::Corrupt {
            path: path.to_path_buf(),
            problems: vec![format!("schema version {found} is negative; no Plinth writes that")],
        });
    }
    Ok(())
}

/// The file's schema version, refusing (before anything writes to it) an SQLite database of
/// another program (tables but no Plinth schema version) and newer schemas. Read-only.
pub(crate) fn check_foreign(conn: &Connection, path: &Path) -> Result<i64, StateError> {
    let found = user_version(conn)?;
    check_version(found, path)?;
    if found == 0 {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")?;
        let foreign: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        if !foreign.is_empty() {
            return Err(StateError::Corrupt {
                path: path.to_path_buf(),
                problems: vec![format!(
                    "not a Plinth state file: it is an SQLite database holding {} but no Plinth schema version",
                    foreign.join(", ")
                )],
            });
        }
    }
    Ok(found)
}

/// Bring the file up to [`SCHEMA_VERSION`], creating the meta row (lineage, serial 0) for a new
/// file. Refuses newer files and SQLite databases that are not Plinth state.
pub(crate) fn migrate(conn: &Connection, path: &Path) -> Result<(), StateError> {
    check_version(user_version(conn)?, path)?;
    if user_version(conn)? == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    // Re-read under the write lock: another process may have migrated while we waited.
    let found = user_version(&tx)?;
    check_version(found, path)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found == 0 {
        check_foreign(&tx, path)?;
    }
    for step in &MIGRATIONS[found as usize..] {
        tx.execute_batch(step)?;
    }
    if found == 0 {
        tx.execute(
            "INSERT INTO meta (id, lineage, serial, created_at) VALUES (1, ?1, 0, ?2)",
            (uuid::Uuid::new_v4().to_string(), now_rfc3339()),
        )?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Every problem found in the file, in a stable order; empty means healthy.
///
/// Checks SQLite's own `quick_check` first (and stops there if it fails, since the tables may
/// not be readable), then the meta row, every JSON column, case-insensitive duplicate resource
/// names and dependencies on resources that are not in state.
pub(crate) fn integrity_problems(conn: &Connection) -> Result<Vec<String>, StateError> {
    let mut stmt = conn.prepare("PRAGMA quick_check")?;
    let quick: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut problems: Vec<String> =
        quick.into_iter().filter(|m| m != "ok").map(|m| format!("SQLite quick_check: {m}")).collect();
    if !problems.is_empty() {
        return Ok(problems);
    }

    let metas: i64 = conn.query_row("SELECT count(*) FROM meta", [], |r| r.get(0))?;
    if metas != 1 {
        problems.push("the meta row (lineage and serial) is missing".to_string());
    }

    let mut names = BTreeSet::new();
    let mut deps: Vec<(String, Vec<String>)> = Vec::new();
    rows::each_raw(conn, |raw| {
        match raw.check() {
            Ok(needs) if !needs.is_empty() => deps.push((raw.name.to_string(), needs)),
            Ok(_) => {}
            Err(found) => problems.extend(found),
        }
        names.insert(raw.name.to_string());
        Ok(())
    })?;

    let mut by_folded: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for name in &names {
        by_folded.entry(name.to_lowercase()).or_default().push(name);
    }
    for same in by_folded.values().filter(|v| v.len() > 1) {
        let listed: Vec<String> = same.iter().map(|n| format!("`{n}`")).collect();
        problems.push(format!("resource names {} differ only by case", listed.join(" and ")));
    }

    for (name, needs) in &deps {
        for dep in needs.iter().filter(|d| !names.contains(*d)) {
            problems.push(format!("resource `{name}` depends on `{dep}`, which is not in state"));
        }
    }

    let mut stmt = conn.prepare("SELECT id, action, name, inputs FROM pending_ops ORDER BY id")?;
    let ops = stmt.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    for op in ops {
        let (id, action, name, inputs) = op?;
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&inputs) {
            problems.push(format!("pending operation {id} ({action} `{name}`): column inputs is not valid JSON: {e}"));
        }
    }

    let mut stmt = conn.prepare("SELECT run_id, counts FROM runs ORDER BY id")?;
    let runs = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for run in runs {
        let (run_id, counts) = run?;
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&counts) {
            problems.push(format!("run {run_id}: column counts is not valid JSON: {e}"));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn a_schema_1_file_opens_migrated_and_its_rows_say_references_were_not_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "INSERT INTO meta VALUES (1, 'lineage-1', 3, '2025-01-01T00:00:00Z');
             INSERT INTO resources VALUES ('net', 'test:Thing', 'id-net', '{}', '{\"id\":\"id-net\"}', '[]', '{}',
               '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
             PRAGMA user_version = 1;",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!((store.lineage().unwrap(), store.serial().unwrap()), ("lineage-1".to_string(), 3));
        let row = store.resource("net").unwrap().unwrap();
        assert_eq!((row.cloud_id.as_str(), &row.references), ("id-net", &None));
        let mut recorded = row.clone();
        recorded.references = Some([("vpc".to_string(), vec![serde_json::json!("vpc-1")])].into());
        store.upsert_resource(&recorded).unwrap();
        assert_eq!(store.resource("net").unwrap().unwrap().references, recorded.references);
    }
}
