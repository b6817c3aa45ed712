//! Tests for opening a state a crashed run left with a hot journal (`probe.rs`).

use crate::rows::sample;
use crate::{StateError, Store};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// What a run killed in the middle of a write leaves: `<dir>/<name>` holding part of an
/// unfinished transaction (pages spilled from a tiny cache) and its hot `-journal`. The
/// committed content is whatever `commit` wrote first.
fn crashed_mid_write(dir: &Path, name: &str, commit: impl FnOnce(&Path)) -> PathBuf {
    let live = dir.join(format!("live-{name}"));
    commit(&live);
    let writer = Connection::open(&live).unwrap();
    writer
        .execute_batch(
            "PRAGMA journal_mode = DELETE; PRAGMA cache_size = 10; BEGIN IMMEDIATE;
             CREATE TABLE unfinished (x BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
             INSERT INTO unfinished SELECT randomblob(4000) FROM n;",
        )
        .unwrap();
    // Copy both files while the transaction is open: the copy is what SIGKILL leaves.
    let crashed = dir.join(name);
    std::fs::copy(&live, &crashed).unwrap();
    std::fs::copy(super::journal_path(&live), super::journal_path(&crashed)).unwrap();
    drop(writer);
    crashed
}

fn plinth_state_with_one_resource(path: &Path) {
    Store::open(path).unwrap().upsert_resource(&sample("vpc", &[])).unwrap();
}

fn names(store: &Store) -> Vec<String> {
    store.resources().unwrap().into_iter().map(|r| r.name).collect()
}

fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

/// The fixture is really hot: a plain read-only SQLite connection cannot read it.
fn assert_hot(path: &Path) {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let read = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0));
    assert!(read.is_err(), "a read-only connection must fail on a hot journal, got {read:?}");
}

#[test]
fn a_read_only_open_after_a_crash_mid_write_reads_the_last_commit_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let crashed = crashed_mid_write(dir.path(), "state.db", plinth_state_with_one_resource);
    assert_hot(&crashed);
    let before = files_in(dir.path());
    let store = Store::open_read_only(&crashed).unwrap();
    assert_eq!(names(&store), ["vpc"]);
    drop(store);
    assert_eq!(files_in(dir.path()), before, "the file and its journal are left as they were");
}

#[test]
fn a_writing_open_after_a_crash_mid_write_rolls_the_unfinished_write_back() {
    let dir = tempfile::tempdir().unwrap();
    let crashed = crashed_mid_write(dir.path(), "state.db", plinth_state_with_one_resource);
    assert_hot(&crashed);
    let store = Store::open(&crashed).unwrap();
    assert_eq!(names(&store), ["vpc"]);
    store.upsert_resource(&sample("subnet", &[])).unwrap();
    assert_eq!(names(&store), ["subnet", "vpc"]);
    assert!(!super::journal_path(&crashed).exists(), "the hot journal was rolled back and removed");
    let tables: i64 =
        store.conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'unfinished'", [], |r| r.get(0)).unwrap();
    assert_eq!(tables, 0, "the unfinished transaction is gone");
}

#[test]
fn a_foreign_database_with_a_hot_journal_is_refused_and_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = |path: &Path| {
        Connection::open(path).unwrap().execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY)").unwrap();
    };
    let crashed = crashed_mid_write(dir.path(), "other.db", foreign);
    let before = files_in(dir.path());
    for err in [Store::open(&crashed).err(), Store::open_read_only(&crashed).err()] {
        match err {
            Some(StateError::Corrupt { path, problems }) => {
                assert_eq!(path, crashed, "the error names the real file, not the private copy");
                assert!(problems[0].contains("not a Plinth state file"), "{problems:?}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(files_in(dir.path()), before);
}
