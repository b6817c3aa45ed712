//! [`Store`]: opening a state file (directories and modes, rollback journal, busy timeout,
//! migrations, integrity check), the meta row (lineage, serial, account) and per-resource reads
//! and writes.
//!
//! The lock, journal and history methods live in their own modules as further `impl Store`
//! blocks. A `Store` is one SQLite connection: `Send` but not `Sync`; share it behind a mutex.
//!
//! # Guarantees
//! * A file that is not a Plinth state (another program's SQLite database, a newer schema, not
//!   SQLite at all) is refused after a read-only look, before any pragma or write: it is left
//!   byte-for-byte as it was.
//! * Directories Plinth creates for state are 0700; state files it creates are 0600 (SQLite
//!   gives its `-journal` file the database file's mode).
//! * The journal mode is SQLite's rollback journal (`DELETE`), not WAL: a WAL file can only be
//!   read by creating `-wal` and `-shm` files beside it, so a read-only look would leave files
//!   behind and fail in a read-only directory. Writes are small single-row transactions, so
//!   WAL's concurrency is not needed; `synchronous = FULL` keeps every commit durable.
//! * [`Store::open_read_only`] creates nothing and writes nothing (except migrating an older
//!   Plinth schema forward when the file is writable).
//! * A state a crashed run left mid-write (a hot `-journal` beside it) opens: [`Store::open`]
//!   lets SQLite roll the unfinished write back; [`Store::open_read_only`] reads a rolled-back
//!   private copy and leaves the file and journal as they are ([`crate::probe`]).

use crate::deps_index;
use crate::error::StateError;
use crate::probe::{not_a_database, probe, BUSY_TIMEOUT};
use crate::rows::{self, RawRow, ResourceRow};
use crate::schema;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};

/// An open state file.
pub struct Store {
    pub(crate) conn: Connection,
    path: Option<PathBuf>,
    /// For a read-only open of a file a crashed run left with a hot journal: the private,
    /// rolled-back copy the connection reads (see [`crate::probe`]). Removed on drop.
    _rolled_back: Option<tempfile::TempDir>,
}

impl Store {
    /// Open (creating it, 0600, and its parent directories, 0700, if needed) the state file at
    /// `path`, migrate it to the current schema and check its integrity.
    pub fn open(path: &Path) -> Result<Store, StateError> {
        create_private(path)?;
        // A hot journal is rolled back by SQLite on this connection's first read.
        probe(path)?;
        let store = Store { conn: Connection::open(path)?, path: Some(path.to_path_buf()), _rolled_back: None };
        store.init(true).map_err(|e| not_a_database(e, path))?;
        Ok(store)
    }

    /// Open an existing state file for reading only: a missing file is [`StateError::Missing`]
    /// (nothing is created), a read-only file or directory is fine. A file of an older Plinth
    /// schema is migrated first if it can be written, refused otherwise.
    pub fn open_read_only(path: &Path) -> Result<Store, StateError> {
        if !path.exists() {
            return Err(StateError::Missing { path: path.to_path_buf() });
        }
        let look = probe(path)?;
        let version = look.version;
        if version == 0 {
            // An empty file holds no state yet: same as no file, and left as it is.
            return Err(StateError::Missing { path: path.to_path_buf() });
        }
        if version < schema::SCHEMA_VERSION {
            return Store::open(path);
        }
        // After a crash mid-write, read the rolled-back copy: the real file is not written.
        let source = look.copy_path().unwrap_or_else(|| path.to_path_buf());
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&source, flags).map_err(|e| not_a_database(e.into(), path))?;
        let store = Store { conn, path: Some(path.to_path_buf()), _rolled_back: look.rolled_back };
        store.conn.busy_timeout(BUSY_TIMEOUT)?;
        store.check_integrity()?;
        Ok(store)
    }

    /// A fresh state that lives only as long as the `Store` (tests, previews).
    pub fn open_in_memory() -> Result<Store, StateError> {
        let store = Store { conn: Connection::open_in_memory()?, path: None, _rolled_back: None };
        store.init(false)?;
        Ok(store)
    }

    fn init(&self, on_disk: bool) -> Result<(), StateError> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        if on_disk {
            // Also turns a state written by an earlier Plinth (WAL) back to the rollback journal.
            let mode: String = self.conn.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("delete") {
                return Err(StateError::Corrupt {
                    path: self.display_path(),
                    problems: vec![format!("cannot switch to the rollback journal (got `{mode}`)")],
                });
            }
            // FULL: a journal row committed before a cloud call must survive a power cut.
            self.conn.pragma_update(None, "synchronous", "FULL")?;
        }
        schema::migrate(&self.conn, &self.display_path())?;
        self.check_integrity()?;
        // Derived data: a file edited by hand gets its dependency index rebuilt from its rows.
        deps_index::heal(&self.conn)?;
        Ok(())
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

    /// The AWS account this state belongs to, once a run recorded it.
    pub fn account(&self) -> Result<Option<String>, StateError> {
        Ok(self.conn.query_row("SELECT account FROM meta WHERE id = 1", [], |r| r.get(0)).optional()?.flatten())
    }

    /// Refuses ([`StateError::WrongAccount`]) when the state belongs to another account than
    /// `actual`; records `actual` when the state has no account yet and `record` is set.
    pub fn check_account(&self, actual: &str, record: bool) -> Result<(), StateError> {
        let wrong = |recorded: String| StateError::WrongAccount {
            path: self.display_path(),
            recorded,
            actual: actual.to_string(),
        };
        match self.account()? {
            Some(recorded) if recorded == actual => Ok(()),
            Some(recorded) => Err(wrong(recorded)),
            None if !record => Ok(()),
            None => self.write(|c| {
                // Re-read under the write lock: another run may have recorded one meanwhile.
                let now: Option<String> = c.query_row("SELECT account FROM meta WHERE id = 1", [], |r| r.get(0))?;
                match now {
                    Some(recorded) if recorded != actual => Err(wrong(recorded)),
                    _ => Ok(c.execute("UPDATE meta SET account = ?1 WHERE id = 1", [actual]).map(|_| ())?),
                }
            }),
        }
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
    pub(crate) fn decode(&self, raw: RawRow<'_>) -> Result<ResourceRow, StateError> {
        raw.decode().map_err(|problems| StateError::Corrupt { path: self.display_path(), problems })
    }

    /// Every resource in state, ordered by name.
    pub fn resources(&self) -> Result<Vec<ResourceRow>, StateError> {
        let mut rows = Vec::new();
        rows::each_raw(&self.conn, |raw| {
            rows.push(self.decode(raw)?);
            Ok(())
        })?;
        Ok(rows)
    }

    /// One resource by exact name.
    pub fn resource(&self, name: &str) -> Result<Option<ResourceRow>, StateError> {
        rows::one(&self.conn, name, |raw| self.decode(raw))
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

/// Creates the parent directories (0700) and the file (0600) when they are missing; an existing
/// file or directory keeps its mode.
fn create_private(path: &Path) -> Result<(), StateError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        let mut dirs = std::fs::DirBuilder::new();
        dirs.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dirs, 0o700);
        dirs.create(parent).map_err(io_error(parent))?;
    }
    match create_new_private(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Creates `path` for writing, 0600, failing if it already exists.
pub(crate) fn create_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    file.open(path)
}

/// An I/O failure on `path`, as the error that names it.
pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StateError {
    let path = path.to_path_buf();
    move |source| StateError::Io { path, source }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
