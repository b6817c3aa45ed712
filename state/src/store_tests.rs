//! Tests for opening, integrity and per-resource writes (`store.rs`, `rows.rs`, `schema.rs`).

use super::*;
use crate::rows::sample;
use crate::SCHEMA_VERSION;
use serde_json::json;

fn file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    (dir, path)
}

/// Tamper with a file behind the store's back, as a crash, a bug or a hand edit might.
fn tamper(path: &Path, sql: &str) {
    Connection::open(path).unwrap().execute_batch(sql).unwrap();
}

fn corrupt_problems(err: StateError) -> Vec<String> {
    match err {
        StateError::Corrupt { problems, .. } => problems,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn upsert_keeps_created_at_sets_updated_at_and_bumps_serial() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.serial().unwrap(), 0);
    let mut vpc = sample("vpc", &[]);
    vpc.created_at = "2020-01-01T00:00:00Z".to_string(); // e.g. an import keeps the original
    store.upsert_resource(&vpc).unwrap();
    assert_eq!(store.serial().unwrap(), 1);

    vpc.outputs = json!({ "arn": "arn:vpc", "cidr": "10.0.0.0/16" });
    vpc.created_at = "2030-12-31T00:00:00Z".to_string(); // ignored for an existing row
    store.upsert_resource(&vpc).unwrap();
    assert_eq!(store.serial().unwrap(), 2);

    let stored = store.resource("vpc").unwrap().unwrap();
    assert_eq!(stored.created_at, "2020-01-01T00:00:00Z");
    assert!(stored.updated_at.as_str() > "2024-01-01T00:00:00Z", "{}", stored.updated_at);
    assert_eq!(stored.outputs, vpc.outputs);
    assert_eq!(stored.cloud_id, "id-vpc");
}

#[test]
fn upsert_fills_timestamps_when_callers_pass_empty_ones() {
    let store = Store::open_in_memory().unwrap();
    store.upsert_resource(&sample("vpc", &[])).unwrap();
    let stored = store.resource("vpc").unwrap().unwrap();
    assert!(stored.created_at.ends_with('Z') && stored.created_at == stored.updated_at, "{stored:?}");
}

#[test]
fn an_identical_upsert_changes_nothing() {
    let store = Store::open_in_memory().unwrap();
    store.upsert_resource(&sample("vpc", &[])).unwrap();
    let before = store.resource("vpc").unwrap();
    store.upsert_resource(&sample("vpc", &[])).unwrap();
    assert_eq!(store.serial().unwrap(), 1);
    assert_eq!(store.resource("vpc").unwrap(), before);
}

#[test]
fn resources_come_back_ordered_by_name() {
    let store = Store::open_in_memory().unwrap();
    for name in ["vpc", "bucket", "role"] {
        store.upsert_resource(&sample(name, &[])).unwrap();
    }
    store.upsert_resource(&sample("subnet-a", &["vpc"])).unwrap();
    let names: Vec<String> = store.resources().unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["bucket", "role", "subnet-a", "vpc"]);
    assert_eq!(store.resource("nope").unwrap(), None);
}

#[test]
fn writes_refuse_to_leave_dangling_dependencies() {
    let store = Store::open_in_memory().unwrap();
    let err = store.upsert_resource(&sample("subnet-a", &["vpc"])).unwrap_err();
    assert_eq!(err.to_string(), "resource `subnet-a` depends on `vpc`, which is not in state");

    store.upsert_resource(&sample("vpc", &[])).unwrap();
    store.upsert_resource(&sample("subnet-a", &["vpc"])).unwrap();
    store.upsert_resource(&sample("subnet-b", &["vpc"])).unwrap();
    let err = store.remove_resource("vpc").unwrap_err();
    assert_eq!(err.to_string(), "cannot remove `vpc` from state: `subnet-a`, `subnet-b` still depend on it");
    assert_eq!(store.serial().unwrap(), 3);

    store.remove_resource("subnet-a").unwrap();
    store.remove_resource("subnet-b").unwrap();
    store.remove_resource("vpc").unwrap();
    assert!(store.resources().unwrap().is_empty());
    assert_eq!(store.serial().unwrap(), 6);
    store.remove_resource("vpc").unwrap(); // already gone: no-op, no serial bump
    assert_eq!(store.serial().unwrap(), 6);
}

#[test]
fn writes_refuse_names_that_differ_only_by_case() {
    let store = Store::open_in_memory().unwrap();
    store.upsert_resource(&sample("Vpc", &[])).unwrap();
    let err = store.upsert_resource(&sample("vpc", &[])).unwrap_err();
    assert!(matches!(&err, StateError::NameClash { name, existing } if name == "vpc" && existing == "Vpc"), "{err:?}");
    assert_eq!(store.resources().unwrap().len(), 1);
}

#[test]
fn data_and_lineage_survive_close_and_reopen() {
    let (_dir, path) = file();
    let store = Store::open(&path).unwrap();
    let lineage = store.lineage().unwrap();
    assert_eq!(uuid::Uuid::parse_str(&lineage).unwrap().get_version_num(), 4);
    store.upsert_resource(&sample("vpc", &[])).unwrap();
    store.upsert_resource(&sample("subnet-a", &["vpc"])).unwrap();
    let before = store.resources().unwrap();
    drop(store);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.lineage().unwrap(), lineage);
    assert_eq!(store.serial().unwrap(), 2);
    assert_eq!(store.resources().unwrap(), before);
    assert_eq!(store.path(), Some(path.as_path()));

    let (_other_dir, other) = file();
    assert_ne!(Store::open(&other).unwrap().lineage().unwrap(), lineage, "each new state gets its own lineage");
}

#[test]
fn open_creates_parent_directories_and_uses_the_rollback_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".plinth").join("dev").join("state.db");
    let store = Store::open(&path).unwrap();
    assert!(path.is_file());
    let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn in_memory_store_has_no_path_and_a_lineage() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.path(), None);
    assert!(!store.lineage().unwrap().is_empty());
}

#[test]
fn a_file_from_a_newer_plinth_is_refused_and_left_untouched() {
    let (_dir, path) = file();
    Store::open(&path).unwrap().upsert_resource(&sample("vpc", &[])).unwrap();
    let newer = SCHEMA_VERSION + 5;
    tamper(&path, &format!("PRAGMA user_version = {newer}"));

    let err = Store::open(&path).err().expect("a newer schema must be refused");
    let msg = err.to_string();
    assert!(
        matches!(&err, StateError::NewerSchema { found, supported, path: p } if *found == newer && *supported == SCHEMA_VERSION && p == &path),
        "{err:?}"
    );
    assert!(msg.contains("newer Plinth") && msg.contains("upgrade") && msg.contains("state.db"), "{msg}");
    let version: i64 = Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, newer);
}

#[test]
fn a_file_with_a_dangling_dependency_is_refused_naming_both_resources() {
    let (_dir, path) = file();
    let store = Store::open(&path).unwrap();
    store.upsert_resource(&sample("vpc", &[])).unwrap();
    store.upsert_resource(&sample("subnet-a", &["vpc"])).unwrap();
    drop(store);
    tamper(&path, "DELETE FROM resources WHERE name = 'vpc'");

    let err = Store::open(&path).err().expect("dangling dependency must be refused");
    assert!(err.to_string().contains("resource `subnet-a` depends on `vpc`, which is not in state"), "{err}");
    assert_eq!(corrupt_problems(err), ["resource `subnet-a` depends on `vpc`, which is not in state"]);
}

#[test]
fn a_file_with_names_differing_only_by_case_is_refused() {
    let (_dir, path) = file();
    Store::open(&path).unwrap().upsert_resource(&sample("vpc", &[])).unwrap();
    tamper(&path, "UPDATE resources SET name = 'Vpc'; INSERT INTO resources SELECT 'vpc', kind, cloud_id, inputs, outputs, dependencies, options, created_at, updated_at, reference_values FROM resources");

    let problems = corrupt_problems(Store::open(&path).err().expect("duplicates must be refused"));
    assert_eq!(problems, ["resource names `Vpc` and `vpc` differ only by case"]);
}

#[test]
fn unparsable_json_is_refused_and_every_problem_is_listed() {
    let (_dir, path) = file();
    let store = Store::open(&path).unwrap();
    store.upsert_resource(&sample("bucket", &[])).unwrap();
    store.upsert_resource(&sample("vpc", &[])).unwrap();
    store
        .begin_op(&crate::PendingOp {
            run_id: "r".into(),
            name: "role".into(),
            kind: "k".into(),
            action: crate::JournalAction::Create,
            entry: crate::JournalEntry {
                inputs: json!({}),
                dependencies: vec![],
                options: json!({}),
                prior: None,
                references: None,
            },
            started_at: "2025-03-01T12:00:00Z".into(),
        })
        .unwrap();
    drop(store);
    tamper(
        &path,
        "UPDATE resources SET outputs = '{\"arn\":' WHERE name = 'bucket';
         UPDATE resources SET dependencies = '\"vpc\"', options = 'nope' WHERE name = 'vpc';
         UPDATE pending_ops SET inputs = '[1,';",
    );

    let err = Store::open(&path).err().expect("bad JSON must be refused");
    let msg = err.to_string();
    assert!(msg.contains("4 problems") && msg.contains("state.db"), "{msg}");
    let problems = corrupt_problems(err);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].starts_with("resource `bucket`: column outputs is not valid JSON"), "{problems:#?}");
    assert!(problems[1].starts_with("resource `vpc`: column options is not valid JSON"), "{problems:#?}");
    assert!(
        problems[2].starts_with("resource `vpc`: column dependencies is not a JSON array of names"),
        "{problems:#?}"
    );
    assert!(
        problems[3].starts_with("pending operation 1 (create `role`): column inputs is not valid JSON"),
        "{problems:#?}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let (_dir, path) = file();
    std::fs::write(&path, "this is a terraform.tfstate, not SQLite\n".repeat(200)).unwrap();
    let problems = corrupt_problems(Store::open(&path).err().expect("must be refused"));
    assert_eq!(problems, ["not an SQLite database"]);
}

#[test]
fn another_programs_database_is_refused_and_not_modified() {
    let (_dir, path) = file();
    tamper(&path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
    let problems = corrupt_problems(Store::open(&path).err().expect("must be refused"));
    assert_eq!(
        problems,
        ["not a Plinth state file: it is an SQLite database holding invoices but no Plinth schema version"]
    );
    let tables: i64 =
        Connection::open(&path).unwrap().query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn an_empty_existing_file_becomes_a_fresh_state() {
    let (_dir, path) = file();
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!((store.schema_version().unwrap(), store.serial().unwrap()), (SCHEMA_VERSION, 0));
}

#[test]
fn two_connections_see_each_others_writes() {
    let (_dir, path) = file();
    let a = Store::open(&path).unwrap();
    let b = Store::open(&path).unwrap();
    a.upsert_resource(&sample("vpc", &[])).unwrap();
    b.upsert_resource(&sample("subnet-a", &["vpc"])).unwrap();
    assert_eq!(a.serial().unwrap(), 2);
    assert_eq!(a.resources().unwrap().len(), 2);
}

#[test]
fn a_store_can_move_to_another_thread() {
    fn assert_send<T: Send>(_: &T) {}
    let store = Store::open_in_memory().unwrap();
    assert_send(&store);
    let serial = std::thread::spawn(move || store.serial().unwrap()).join().unwrap();
    assert_eq!(serial, 0);
}

#[test]
fn a_foreign_database_is_byte_identical_after_being_refused_by_every_open() {
    let (_dir, path) = file();
    tamper(&path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (1)");
    let before = std::fs::read(&path).unwrap();
    assert!(Store::open(&path).is_err());
    assert!(Store::open_read_only(&path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before, "no pragma ran, nothing was written");
    let siblings: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(siblings.len(), 1, "no journal or WAL file created");
}

#[cfg(unix)]
#[test]
fn new_state_directories_are_0700_and_state_files_with_their_journal_0600() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".plinth").join("nested").join("dev.db");
    let store = Store::open(&path).unwrap();
    store.upsert_resource(&sample("vpc", &[])).unwrap();
    assert_eq!(mode(&dir.path().join(".plinth")), 0o700);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert_eq!(mode(&path), 0o600);
    // The rollback journal exists while a write transaction is open.
    let writer = Connection::open(&path).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE; UPDATE meta SET serial = serial + 1;").unwrap();
    let journal = PathBuf::from(format!("{}-journal", path.display()));
    assert_eq!(mode(&journal), 0o600, "{}", journal.display());
    writer.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn read_only_open_of_a_missing_file_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("local.db");
    let err = Store::open_read_only(&path).err().expect("missing");
    assert!(matches!(&err, StateError::Missing { path: p } if p == &path), "{err:?}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("missing").exists(), "no directory created");
}

#[cfg(unix)]
#[test]
fn a_read_only_state_in_a_read_only_directory_can_be_read() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = file();
    let store = Store::open(&path).unwrap();
    store.upsert_resource(&sample("vpc", &[])).unwrap();
    drop(store);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let read = Store::open_read_only(&path).map(|s| s.resources().unwrap().len());
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(read.unwrap(), 1);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing created beside it");
}

#[test]
fn the_state_records_its_account_and_refuses_another() {
    let (_dir, path) = file();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.account().unwrap(), None);
    store.check_account("111111111111", false).unwrap();
    assert_eq!(store.account().unwrap(), None, "a read-only check records nothing");
    store.check_account("111111111111", true).unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.account().unwrap().as_deref(), Some("111111111111"));
    let err = store.check_account("222222222222", true).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("111111111111") && msg.contains("222222222222"), "{msg}");
    assert!(matches!(store.check_account("222222222222", false), Err(StateError::WrongAccount { .. })));
}

#[test]
fn a_schema_1_file_with_a_lock_opens_and_its_holder_cannot_be_checked() {
    let (_dir, path) = file();
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
    conn.execute_batch(
        "INSERT INTO meta VALUES (1, 'lineage-1', 0, '2025-01-01T00:00:00Z');
         INSERT INTO lock VALUES (1, 'old-run', 1, 'elsewhere', 'ada', 'up', '2025-01-01T00:00:00Z');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let holder = store.lock_holder().unwrap().unwrap();
    assert_eq!((holder.run_id.as_str(), holder.pid_start, holder.pid_scope.as_deref()), ("old-run", None, None));
    assert_eq!(store.account().unwrap(), None);
    assert!(matches!(
        store.acquire_lock(&crate::LockHolder::here("new", "up")),
        Err(StateError::Locked { liveness: crate::Liveness::OtherHost, .. })
    ));
}
