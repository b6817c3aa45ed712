//! A consistent copy of a state file while a run keeps writing it: what remote state uploads.
//!
//! # Guarantees
//! * The copy is one committed state: `VACUUM INTO` reads inside one read transaction, so a
//!   write in progress on the run's own connection is either wholly in it or not at all.
//! * The state file is not changed (the copy is made through a read-only connection).
//!
//! # Assumptions
//! * The file uses the rollback journal (as every [`crate::Store`] does), so the main file alone
//!   holds every committed write.

use crate::error::StateError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// The bytes of a consistent copy of the state file at `path`.
pub fn snapshot(path: &Path) -> Result<Vec<u8>, StateError> {
    let io = |source| StateError::Io { path: path.to_path_buf(), source };
    let dir = tempfile::Builder::new().prefix("plinth-snapshot-").tempdir().map_err(io)?;
    let copy = dir.path().join("state.db");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute("VACUUM INTO ?1", [copy.to_string_lossy()])?;
    drop(conn);
    std::fs::read(&copy).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::sample;
    use crate::Store;

    #[test]
    fn a_snapshot_opens_as_the_same_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = Store::open(&path).unwrap();
        store.upsert_resource(&sample("vpc", &[])).unwrap();
        let bytes = snapshot(&path).unwrap();
        let copy = dir.path().join("copy.db");
        std::fs::write(&copy, &bytes).unwrap();
        let read = Store::open_read_only(&copy).unwrap();
        assert_eq!(read.resources().unwrap().len(), 1);
        assert_eq!(read.lineage().unwrap(), store.lineage().unwrap());
        assert_eq!(read.serial().unwrap(), store.serial().unwrap());
    }
}
