//! Noticing that a state file changed: remote state uploads the file within about a second of
//! every committed write, so something must tell it a write happened without the writer's help.
//!
//! # Guarantees
//! * [`Changes::changed`] is true when any other connection committed a write to the file since
//!   the previous call (or since [`Changes::open`]): SQLite's `PRAGMA data_version`, read on this
//!   watcher's own read-only connection, changes exactly then.
//! * The watcher never writes and holds no lock between calls.

use crate::error::StateError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// A read-only connection that watches one state file for committed writes.
pub struct Changes {
    conn: Connection,
    seen: i64,
}

impl Changes {
    /// Starts watching the (existing) state file at `path`.
    pub fn open(path: &Path) -> Result<Changes, StateError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(crate::probe::BUSY_TIMEOUT)?;
        let seen = data_version(&conn)?;
        Ok(Changes { conn, seen })
    }

    /// Whether another connection committed a write since the last call.
    pub fn changed(&mut self) -> Result<bool, StateError> {
        let now = data_version(&self.conn)?;
        let changed = now != self.seen;
        self.seen = now;
        Ok(changed)
    }
}

fn data_version(conn: &Connection) -> Result<i64, StateError> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::sample;
    use crate::Store;

    #[test]
    fn a_commit_on_the_store_is_seen_once_and_a_read_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = Store::open(&path).unwrap();
        let mut changes = Changes::open(&path).unwrap();
        assert!(!changes.changed().unwrap(), "nothing committed yet");
        store.upsert_resource(&sample("vpc", &[])).unwrap();
        assert!(changes.changed().unwrap(), "the upsert is seen");
        assert!(!changes.changed().unwrap(), "and only once");
        store.resources().unwrap();
        assert!(!changes.changed().unwrap(), "a read is not a change");
        store.acquire_lock(&crate::LockHolder::here("run-1", "up")).unwrap();
        assert!(changes.changed().unwrap(), "the lock row is a change too");
    }
}
