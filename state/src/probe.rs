//! The read-only look at an existing file before a [`crate::Store`] opens it: is it SQLite, is
//! it a Plinth state (not another program's database, not a newer schema), which schema version.
//!
//! A run killed in the middle of a write (SIGKILL, power cut) leaves a *hot journal* beside the
//! file: `<state>-journal` holding the pages the write had not finished replacing. SQLite rolls
//! it back on the next read, which needs write access, so a read-only connection cannot read
//! the file at all ("database has hot journal", extended code 776). The look therefore happens on
//! a private copy of the file and its journal when a journal is present; SQLite rolls the copy
//! back and the look reads the last committed state without writing to the real file.
//!
//! # Guarantees
//! * The file and its journal are never written here: a foreign database with a hot journal is
//!   refused and left byte-for-byte as it was (its own program will roll it back).
//! * A Plinth state with a hot journal is reported as such ([`Probe::rolled_back`]) with the copy
//!   it was read from, so read-only verbs can read that copy and writing verbs can open the real
//!   file read-write, where SQLite rolls the journal back before anything else happens.
//!
//! # Assumptions
//! * The journal is SQLite's rollback journal named `<file>-journal` (Plinth never uses WAL;
//!   [`crate::Store`] switches older files back to the rollback journal).

use crate::error::StateError;
use crate::schema;
use crate::store::{create_new_private, io_error};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a read waits for another process's write to finish before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the look found.
pub(crate) struct Probe {
    /// The file's schema version (0: an empty SQLite file, no Plinth state yet).
    pub version: i64,
    /// Set when the file had a hot journal: a private directory holding the rolled-back copy
    /// (`state.db`) that was read. Dropping it removes the copy.
    pub rolled_back: Option<tempfile::TempDir>,
}

impl Probe {
    /// The rolled-back copy's path, when there was a hot journal.
    pub fn copy_path(&self) -> Option<PathBuf> {
        self.rolled_back.as_ref().map(|dir| dir.path().join(COPY_NAME))
    }
}

const COPY_NAME: &str = "state.db";

/// Look at `path` without writing to it or to its journal.
pub(crate) fn probe(path: &Path) -> Result<Probe, StateError> {
    let journal = journal_path(path);
    if !has_content(&journal) {
        let version = look(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        return Ok(Probe { version, rolled_back: None });
    }
    let dir = private_copy(path, &journal)?;
    let copy = dir.path().join(COPY_NAME);
    // Read-write on the copy: SQLite rolls the copied journal back into the copied file.
    let version = look(&copy, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|e| renamed(e, &copy, path))?;
    Ok(Probe { version, rolled_back: Some(dir) })
}

/// `<path>-journal`, where SQLite keeps the rollback journal.
pub(crate) fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-journal");
    PathBuf::from(name)
}

fn has_content(path: &Path) -> bool {
    std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false)
}

/// Copies the file and its journal into a fresh 0700 directory (`tempfile`; the copies are 0600),
/// under the names SQLite pairs them by.
fn private_copy(path: &Path, journal: &Path) -> Result<tempfile::TempDir, StateError> {
    let dir = tempfile::Builder::new().prefix("plinth-state-").tempdir().map_err(io_error(path))?;
    let copy = dir.path().join(COPY_NAME);
    copy_private(path, &copy).map_err(io_error(path))?;
    copy_private(journal, &journal_path(&copy)).map_err(io_error(journal))?;
    Ok(dir)
}

fn copy_private(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut out = create_new_private(to)?;
    std::io::copy(&mut std::fs::File::open(from)?, &mut out)?;
    Ok(())
}

fn look(path: &Path, access: OpenFlags) -> Result<i64, StateError> {
    let read = || -> Result<i64, StateError> {
        let conn = Connection::open_with_flags(path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        schema::check_foreign(&conn, path)
    };
    read().map_err(|e| not_a_database(e, path))
}

/// Errors about the copy name the real file.
fn renamed(e: StateError, copy: &Path, real: &Path) -> StateError {
    match e {
        StateError::Corrupt { path, problems } if path == copy => {
            StateError::Corrupt { path: real.to_path_buf(), problems }
        }
        other => other,
    }
}

/// A file that is not an SQLite database is reported as corrupt, naming the file.
pub(crate) fn not_a_database(e: StateError, path: &Path) -> StateError {
    match &e {
        StateError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) if f.code == ErrorCode::NotADatabase => {
            StateError::Corrupt { path: path.to_path_buf(), problems: vec!["not an SQLite database".to_string()] }
        }
        _ => e,
    }
}

#[cfg(test)]
#[path = "probe_tests.rs"]
mod tests;
