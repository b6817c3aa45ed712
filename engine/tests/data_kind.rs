//! `plinth:core:Data` through the real CLI (the `plinth-data` binary, run as a user runs it):
//! create, update (dependents follow the root's new output on the next run), replace (a `triggers_replace`
//! change mints a new id), removal of resources from the program, and destroy.

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};

/// `plinth-data <verb…> --state <state>` with `count` resources and the given value/trigger.
fn run(state: &Path, count: usize, value: &str, trigger: Option<&str>, verb: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-data"));
    cmd.args(verb).arg("--state").arg(state).env("PLINTH_DATA_COUNT", count.to_string());
    cmd.env("PLINTH_DATA_VALUE", value);
    match trigger {
        Some(t) => cmd.env("PLINTH_DATA_TRIGGER", t),
        None => cmd.env_remove("PLINTH_DATA_TRIGGER"),
    };
    cmd.env_remove("PLINTH_STATE");
    cmd.output().unwrap()
}

fn ok(out: Output) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "exit {:?}: {text}", out.status.code());
    text
}

/// The row of `name` as `state show` prints it.
fn show(state: &Path, name: &str) -> Value {
    let out = ok(run(state, 0, "", None, &["state", "show", name]));
    let start = out.find('{').expect("a JSON row");
    serde_json::from_str(out[start..].trim()).unwrap()
}

fn names(state: &Path) -> Vec<String> {
    let out = ok(run(state, 0, "", None, &["state", "list"]));
    out.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect()
}

#[test]
fn data_resources_are_created_updated_replaced_and_deleted_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("data.db");

    ok(run(&state, 20, "one", None, &["up", "--yes"]));
    assert_eq!(names(&state).len(), 20);
    let root = show(&state, "g1");
    assert_eq!(root["kind"], "plinth:core:Data");
    assert_eq!(root["outputs"]["output"], json!({ "group": 1, "value": "one" }));
    let member = show(&state, "g1-4");
    assert_eq!(member["outputs"]["output"], root["outputs"]["output"], "a dependent's input is the root's output");
    assert_eq!(member["dependencies"], json!(["g1"]));
    let no_changes = run(&state, 20, "one", None, &["preview", "--detailed-exitcode"]);
    assert_eq!(no_changes.status.code(), Some(0), "{}", String::from_utf8_lossy(&no_changes.stdout));

    // Update: the roots take the new value in place. The planner takes an updated resource's
    // outputs as recorded, so the dependents follow the new output on the next `up`.
    let changes = run(&state, 20, "two", None, &["preview", "--detailed-exitcode"]);
    assert_eq!(changes.status.code(), Some(2));
    ok(run(&state, 20, "two", None, &["up", "--yes"]));
    let updated = show(&state, "g1");
    assert_eq!(updated["cloud_id"], root["cloud_id"], "an update keeps the id");
    assert_eq!(updated["outputs"]["output"], json!({ "group": 1, "value": "two" }));
    let follow = run(&state, 20, "two", None, &["preview", "--detailed-exitcode"]);
    assert_eq!(follow.status.code(), Some(2), "the dependents now differ from their root's output");
    ok(run(&state, 20, "two", None, &["up", "--yes"]));
    assert_eq!(show(&state, "g1-4")["outputs"]["output"], json!({ "group": 1, "value": "two" }));
    assert_eq!(show(&state, "g1-4")["cloud_id"], member["cloud_id"], "dependents are updated, not replaced");

    // Replace: a new trigger gives the roots new ids.
    ok(run(&state, 20, "two", Some("v2"), &["up", "--yes"]));
    let replaced = show(&state, "g1");
    assert_ne!(replaced["cloud_id"], root["cloud_id"], "a replacement mints a new id");
    assert_eq!(replaced["inputs"]["triggers_replace"], "v2");
    assert_eq!(run(&state, 20, "two", Some("v2"), &["preview", "--detailed-exitcode"]).status.code(), Some(0));

    // Removing resources from the program deletes them; destroy deletes the rest.
    ok(run(&state, 10, "two", Some("v2"), &["up", "--yes"]));
    let left = names(&state);
    assert_eq!(left.len(), 10, "{left:?}");
    assert!(left.iter().all(|n| n == "g0" || n.starts_with("g0-")), "{left:?}");
    ok(run(&state, 10, "two", Some("v2"), &["destroy", "--yes"]));
    assert!(names(&state).is_empty());
}

#[test]
fn a_count_that_is_not_a_number_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("data.db");
    let out = Command::new(env!("CARGO_BIN_EXE_plinth-data"))
        .args(["preview", "--state"])
        .arg(&state)
        .env("PLINTH_DATA_COUNT", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PLINTH_DATA_COUNT"));
    assert!(!state.exists(), "nothing was written");
}

/// The no-op preview at scale: a thousand resources, every one unchanged, reported as no
/// changes, and the state file not written (same bytes, no journal file left beside it).
#[test]
fn a_no_op_preview_of_a_big_stack_reports_no_changes_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("data.db");
    ok(run(&state, 1000, "big", None, &["up", "--yes"]));
    assert_eq!(names(&state).len(), 1000);
    let before = std::fs::read(&state).unwrap();
    let preview = run(&state, 1000, "big", None, &["preview", "--detailed-exitcode"]);
    let stdout = String::from_utf8_lossy(&preview.stdout);
    assert_eq!(preview.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&preview.stderr));
    assert!(stdout.contains("No changes. The cloud matches the program."), "{stdout}");
    assert!(std::fs::read(&state).unwrap() == before, "a preview changed the state file");
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(beside, vec![std::ffi::OsString::from("data.db")], "nothing was written beside it");
    // One resource more: exactly one create, the 1,000 others unchanged.
    let one_more = run(&state, 1001, "big", None, &["preview", "--detailed-exitcode"]);
    assert_eq!(one_more.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&one_more.stdout)
            .contains("Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 1000 unchanged."),
        "{}",
        String::from_utf8_lossy(&one_more.stdout)
    );
}
