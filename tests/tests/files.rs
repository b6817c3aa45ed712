//! Files and terminal, driving the local binary: a foreign SQLite file is byte-identical after
//! every verb; read-only verbs create nothing and work on a read-only state; `.plinth/` is 0700
//! and state files and saved plans 0600; values from state reach the terminal escaped.
//! None of these verbs needs the cloud to get as far as the file checks (a closed port is given).

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Nothing listens here: a verb that got past the state file would fail connecting.
const NOWHERE: &str = "http://127.0.0.1:9";

fn local(cwd: &Path, state: Option<&Path>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-local"));
    cmd.current_dir(cwd).args(args).env("AWS_ENDPOINT_URL", NOWHERE).env("PLINTH_MAX_ATTEMPTS", "1");
    if let Some(state) = state {
        cmd.arg("--state").arg(state);
    }
    let Output { status, stdout, stderr } = cmd.stdin(Stdio::null()).output().unwrap();
    (status.code().unwrap_or(-1), String::from_utf8_lossy(&stdout).into(), String::from_utf8_lossy(&stderr).into())
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

const VERBS: &[&[&str]] = &[
    &["preview"],
    &["preview", "--refresh"],
    &["preview", "--out", "plan.json"],
    &["up", "--yes"],
    &["up", "--refresh", "--yes"],
    &["destroy", "--yes"],
    &["refresh"],
    &["refresh", "--yes"],
    &["drift"],
    &["drift", "--fix", "--yes"],
    &["outputs"],
    &["state", "list"],
    &["state", "show", "vpc"],
    &["state", "history"],
    &["state", "unlock", "--force"],
    &["state", "journal"],
    &["state", "journal", "--drop", "1"],
    &["state", "forget", "vpc"],
];

#[test]
fn a_foreign_sqlite_file_is_byte_identical_after_every_verb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    foreign_db(&path);
    let before = std::fs::read(&path).unwrap();
    for verb in VERBS {
        let (code, _, stderr) = local(dir.path(), Some(&path), verb);
        assert_eq!(code, 1, "{verb:?} refuses: {stderr}");
        assert!(stderr.contains("not a Plinth state file"), "{verb:?}: {stderr}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{verb:?} changed the file");
        assert_eq!(listing(dir.path()), ["local.db"], "{verb:?} created a file beside it");
    }
}

/// Another program's SQLite database: a table of invoices, no Plinth schema version (written
/// by Python's sqlite3, as another tool would; only the state crate links SQLite here).
fn foreign_db(path: &Path) {
    let status = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)'); c.execute('INSERT INTO invoices VALUES (1, 9.5)'); c.commit(); c.close()",
        ])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn read_only_verbs_create_nothing_for_a_missing_state() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not").join("there").join("local.db");
    let (code, stdout, stderr) = local(dir.path(), Some(&missing), &["preview", "--detailed-exitcode"]);
    assert_eq!(code, 2, "a new stack: everything to create: {stderr}");
    assert!(stdout.contains("+ vpc") || stdout.contains("vpc"), "{stdout}");
    assert!(stderr.contains("no state at"), "{stderr}");
    for verb in [&["state", "list"][..], &["state", "history"], &["outputs"], &["drift"], &["refresh"]] {
        let (code, _, stderr) = local(dir.path(), Some(&missing), verb);
        assert_eq!(code, 1, "{verb:?}: {stderr}");
        assert!(stderr.contains("does not exist"), "{verb:?}: {stderr}");
    }
    assert_eq!(listing(dir.path()), Vec::<String>::new(), "no directory, no empty state");
}

#[cfg(unix)]
#[test]
fn a_read_only_state_serves_preview_and_state_list_and_is_left_as_it_was() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("ro");
    std::fs::create_dir(&state_dir).unwrap();
    let path = state_dir.join("local.db");
    plant_vpc(&path, "vpc-0123");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    std::fs::set_permissions(&state_dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let results: Vec<_> = [&["preview"][..], &["state", "list"], &["state", "history"], &["outputs"]]
        .iter()
        .map(|verb| (verb.to_vec(), local(dir.path(), Some(&path), verb)))
        .collect();
    std::fs::set_permissions(&state_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    for (verb, (code, stdout, stderr)) in results {
        assert_eq!(code, 0, "{verb:?}: {stdout}{stderr}");
        if verb == ["state", "list"] {
            assert!(stdout.contains("vpc-0123"), "{stdout}");
        }
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(listing(&state_dir), ["local.db"]);
}

/// A state holding one VPC row whose cloud id is `id`.
fn plant_vpc(path: &Path, id: &str) {
    let store = state::Store::open(path).unwrap();
    store
        .upsert_resource(&state::ResourceRow {
            name: "vpc".into(),
            kind: "aws:ec2:Vpc".into(),
            cloud_id: id.into(),
            inputs: serde_json::json!({}),
            outputs: serde_json::json!({ "vpc_id": id }),
            dependencies: vec![],
            options: serde_json::json!({}),
            created_at: String::new(),
            updated_at: String::new(),
            references: None,
        })
        .unwrap();
}

#[test]
fn state_list_escapes_an_escape_sequence_planted_in_a_cloud_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    plant_vpc(&path, "vpc-1\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}6n");
    for verb in [&["state", "list"][..], &["state", "show", "vpc"], &["outputs"], &["preview"]] {
        let (code, stdout, stderr) = local(dir.path(), Some(&path), verb);
        assert!(code == 0 || code == 2, "{verb:?}: {stderr}");
        assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{9b}') && !stdout.contains('\u{7}'), "{verb:?}");
        if verb == ["state", "list"] {
            assert!(stdout.contains("vpc-1\\u{1b}]0;owned\\u{7}"), "shown escaped: {stdout}");
        }
    }
}

#[cfg(unix)]
#[test]
fn the_state_directory_is_0700_and_state_files_and_saved_plans_0600() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = local(dir.path(), None, &["preview", "--out", "plan.json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(mode(&dir.path().join(".plinth")), 0o700);
    assert_eq!(mode(&dir.path().join(".plinth/local.db")), 0o600);
    assert_eq!(mode(&dir.path().join("plan.json")), 0o600);
    assert_eq!(listing(&dir.path().join(".plinth")), ["local.db"], "no journal left behind");
}
