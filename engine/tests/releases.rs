//! Releases through the CLI against the fake cloud: every agreed `up` records its release
//! (commit, the app's release data, the applied plan's hash); rolling back is writing an earlier
//! release's data back and running `up`, which converges the cloud to it again.

mod common;

use common::{app, args, Cloud, Db, FakeCloud, Net};
use engine::cli::run;
use engine::release::{plan_hash, release_file};
use engine::saved::SavedPlan;
use engine::{ErrorClass, Stack};
use serde_json::{json, Value};
use state::Store;
use std::path::Path;

/// The app for release data `release`: the network's label is its `svc` tag, as a task
/// definition's image is its service's.
fn released(cloud: &Cloud, release: Value) -> engine::cli::App {
    let tag = release["svc"]["tag"].as_str().unwrap().to_string();
    let mut app = app(cloud, move |stack: &mut Stack| {
        stack.add("net", Net { cidr: "10.0.0.0/16".into(), label: tag.clone(), ..Default::default() });
        stack.add("db", Db { engine: "pg".into(), ..Default::default() });
    });
    app.release = Some(release);
    app
}

fn labels(cloud: &Cloud) -> Vec<String> {
    let objects = cloud.objects.lock().unwrap();
    objects.values().filter_map(|(_, v)| v["label"].as_str().map(str::to_string)).collect()
}

fn releases(state: &Path) -> Vec<state::Release> {
    Store::open_read_only(state).unwrap().releases().unwrap()
}

#[test]
fn two_ups_are_two_releases_and_rolling_back_restores_the_first() {
    std::env::set_var("PLINTH_PROGRAM_COMMIT", "c0ffee1");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    let (v1, v2) = (json!({ "svc": { "tag": "v1" } }), json!({ "svc": { "tag": "v2" } }));
    assert_eq!(run(released(&cloud, v1.clone()), args(&state, &["up", "--yes"])), 0);
    assert_eq!(run(released(&cloud, v2.clone()), args(&state, &["up", "--yes"])), 0);
    assert_eq!(labels(&cloud), vec!["v2"]);

    let listed = releases(&state);
    assert_eq!(listed.iter().map(|r| &r.release.data).collect::<Vec<_>>(), vec![&v2, &v1], "newest first");
    assert!(listed.iter().all(|r| r.applied() && r.release.program_commit == "c0ffee1"));
    assert!(listed.iter().all(|r| r.release.plan_hash.starts_with("sha256:") && r.release.plan_hash.len() == 71));
    assert_ne!(listed[0].release.plan_hash, listed[1].release.plan_hash);

    // Rollback: the first release's data, written back as its file, applied by a plain `up`.
    let file = release_file(&listed[1]).unwrap();
    let rolled_back: Value = serde_json::from_str(&file).unwrap();
    assert_eq!(rolled_back, v1);
    assert_eq!(run(released(&cloud, rolled_back), args(&state, &["up", "--yes"])), 0);
    assert_eq!(labels(&cloud), vec!["v1"]);
    let listed = releases(&state);
    assert_eq!((listed.len(), &listed[0].release.data), (3, &v1), "the rollback is a release too");
}

#[test]
fn only_agreed_ups_record_a_release_and_a_failed_one_is_no_rollback_target() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    let v1 = json!({ "svc": { "tag": "v1" } });
    assert_eq!(run(released(&cloud, v1.clone()), args(&state, &["up"])), 1, "no terminal, no --yes");
    assert_eq!(run(released(&cloud, v1.clone()), args(&state, &["preview"])), 0);
    assert!(releases(&state).is_empty(), "nothing was agreed, nothing applied");

    cloud.fail("create", "net", ErrorClass::Invalid);
    assert_eq!(run(released(&cloud, v1.clone()), args(&state, &["up", "--yes"])), 1);
    let listed = releases(&state);
    assert_eq!((listed.len(), listed[0].run.result.as_deref()), (1, Some("failed")));
    let refused = release_file(&listed[0]).unwrap_err().to_string();
    assert!(refused.contains("verdict failed"), "{refused}");
    assert_eq!(run(released(&cloud, v1), args(&state, &["destroy", "--yes"])), 0);
    assert_eq!(releases(&state).len(), 1, "destroy records no release");
}

#[test]
fn the_recorded_hash_is_the_hash_of_the_plan_that_was_applied() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let saved = dir.path().join("plan.json");
    let cloud = FakeCloud::new();
    let v1 = json!({ "svc": { "tag": "v1" } });
    let preview = ["preview", "--out", saved.to_str().unwrap()];
    assert_eq!(run(released(&cloud, v1.clone()), args(&state, &preview)), 0);
    let apply = ["up", "--yes", "--plan", saved.to_str().unwrap()];
    assert_eq!(run(released(&cloud, v1), args(&state, &apply)), 0);
    let plan = SavedPlan::read(&saved).unwrap().plan;
    assert_eq!(releases(&state)[0].release.plan_hash, plan_hash(&plan));
}
