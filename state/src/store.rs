//! [`Store`]: opening a state file (directories, WAL, busy timeout, migrations, integrity
//! check), the meta row (lineage, serial) and per-resource reads and writes.
//!
//! The lock, journal and history methods live in their own modules as further `impl Store`
//! blocks. A `Store` is one SQLite connection: `Send` but not `Sync`; share it behind a mutex.

use crate::error::StateError;
use crate::rows::{self, RawRow, ResourceRow};
use crate::schema;
use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another process's write to finish before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open state file.
pub struct Store {
    pub(crate) conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
    /// Open (creating it and its parent directories if needed) the state file at `path`,
    /// migrate it to the current schema and check its integrity.
    pub fn open(path: &Path) -> Result<Store, StateError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StateError::Io { path: parent.to_path_buf(), source })?;
        }
        let store = Store { conn: Connection::open(path)?, path: Some(path.to_path_buf()) };
        store.init(true).map_err(|e| not_a_database(e, path))?;
        Ok(store)
    }

    /// A fresh state that lives only as long as the `Store` (tests, previews).
    pub fn open_in_memory() -> Result<Store, StateError> {
        let store = Store { conn: Connection::open_in_memory()?, path: None };
        store.init(false)?;
        Ok(store)
    }

    fn init(&self, on_disk: bool) -> Result<(), StateError> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        if on_disk {
            let mode: String = self.conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StateError::Corrupt {
                    path: self.display_path(),
                    problems: vec![format!("cannot switch the journal to WAL mode (got `{mode}`)")],
                });
            }
            // FULL: a journal row committed before a cloud call must survive a power cut.
            self.conn.pragma_update(None, "synchronous", "FULL")?;
        }
        schema::migrate(&self.conn, &self.display_path())?;
        self.check_integrity()
    }

    /// The file's path; `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The path for messages (`:memory:` for an in-memory store).
    pub(crate) fn display_path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from(":memory:"))
    }

    /// Run the integrity check again (it already ran on open); `Err(Corrupt)` lists every problem.
    pub fn check_integrity(&self) -> Result<(), StateError> {
        let problems = schema::integrity_problems(&self.conn)?;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StateError::Corrupt { path: self.display_path(), problems })
        }
    }

    /// The schema version of the open file (always [`crate::SCHEMA_VERSION`] after open).
    pub fn schema_version(&self) -> Result<i64, StateError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The id generated when the state was created; it never changes. Two files with different
    /// lineages describe different stacks.
    pub fn lineage(&self) -> Result<String, StateError> {
        Ok(self.conn.query_row("SELECT lineage FROM meta WHERE id = 1", [], |r| r.get(0))?)
    }

    /// Incremented by every committed write that changes a resource row.
    pub fn serial(&self) -> Result<i64, StateError> {
        Ok(self.conn.query_row("SELECT serial FROM meta WHERE id = 1", [], |r| r.get(0))?)
    }

    /// Run `f` in a `BEGIN IMMEDIATE` transaction: committed if it returns `Ok`, rolled back
    /// otherwise.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StateError>) -> Result<T, StateError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Decode a stored row, turning unparsable JSON into `Corrupt`.
    pub(crate) fn decode(&self, raw: RawRow) -> Result<ResourceRow, StateError> {
        raw.decode().map_err(|problems| StateError::Corrupt { path: self.display_path(), problems })
    }

    /// Every resource in state, ordered by name.
    pub fn resources(&self) -> Result<Vec<ResourceRow>, StateError> {
        rows::all_raw(&self.conn)?.into_iter().map(|raw| self.decode(raw)).collect()
    }

    /// One resource by exact name.
    pub fn resource(&self, name: &str) -> Result<Option<ResourceRow>, StateError> {
        rows::one_raw(&self.conn, name)?.map(|raw| self.decode(raw)).transpose()
    }

    /// Insert or update one resource in its own transaction. An existing row keeps its
    /// `created_at`; a changed row gets a new `updated_at` and bumps the serial; an identical
    /// row is left alone. Refuses dependencies on resources not in state
    /// ([`StateError::DanglingDependency`]) and names that differ from an existing one only by
    /// case ([`StateError::NameClash`]).
    pub fn upsert_resource(&self, row: &ResourceRow) -> Result<(), StateError> {
        self.write(|c| rows::upsert(c, row, |raw| self.decode(raw))).map(|_| ())
    }

    /// Remove one resource in its own transaction (bumping the serial if it was there).
    /// Refuses with [`StateError::StillNeeded`] while other resources depend on it.
    pub fn remove_resource(&self, name: &str) -> Result<(), StateError> {
        self.write(|c| rows::remove(c, name)).map(|_| ())
    }
}

/// A file that is not an SQLite database is reported as corrupt, naming the file.
fn not_a_database(e: StateError, path: &Path) -> StateError {
    match &e {
        StateError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) if f.code == ErrorCode::NotADatabase => {
            StateError::Corrupt { path: path.to_path_buf(), problems: vec!["not an SQLite database".to_string()] }
        }
        _ => e,
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
