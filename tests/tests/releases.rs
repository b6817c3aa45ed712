//! Releases and targeted runs through the real `plinth-local` binary against moto: two `up`s
//! with different release files are two releases; rolling back to the first (its release file
//! printed by `releases show ID --release-file`, written to `PLINTH_RELEASES_DIR`, then `up`)
//! makes the API's task definition run the first release's image again. Every `up` targets the
//! API's task definition, so only it and what it needs are created; a full preview afterwards
//! still plans the rest.

use e2e::Emulator;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const TARGET: &str = "api-task-definition";

/// The local binary with release files from `releases` and the program commit `commit`.
fn local(emu: &Emulator, state: &Path, releases: &Path, commit: &str, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-local"));
    cmd.args(args)
        .arg("--state")
        .arg(state)
        .env("AWS_ENDPOINT_URL", emu.endpoint())
        .env("PLINTH_MAX_ATTEMPTS", "2")
        .env("PLINTH_RELEASES_DIR", releases)
        .env("PLINTH_PROGRAM_COMMIT", commit)
        .env_remove("GITHUB_SHA");
    let Output { status, stdout, stderr } = cmd.output().expect("run the local binary");
    (status.code().unwrap_or(-1), String::from_utf8_lossy(&stdout).into(), String::from_utf8_lossy(&stderr).into())
}

/// A releases directory whose `local.json` tags every service `tag`.
fn release_dir(root: &Path, tag: &str) -> std::path::PathBuf {
    let dir = root.join(format!("releases-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file =
        format!(r#"{{"api": {{"tag": "{tag}"}}, "orchestrator": {{"tag": "{tag}"}}, "web": {{"tag": "{tag}"}}}}"#);
    std::fs::write(dir.join("local.json"), file).unwrap();
    dir
}

/// The images of the API task definition's containers, read from ECS.
async fn api_images(emu: &Emulator, state: &Path, releases: &Path) -> Vec<String> {
    let (code, stdout, stderr) = local(emu, state, releases, "x", &["outputs", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let outputs: Value = serde_json::from_str(&stdout).unwrap();
    let arn = outputs[TARGET]["arn"].as_str().expect("the task definition's ARN in outputs");
    let ecs = aws_sdk_ecs::Client::new(&emu.sdk_config().await);
    let live = ecs.describe_task_definition().task_definition(arn).send().await.expect("DescribeTaskDefinition");
    let td = live.task_definition().expect("a task definition");
    td.container_definitions().iter().filter_map(|c| c.image().map(str::to_string)).collect()
}

fn api_image_tag(images: &[String]) -> String {
    let api = images.iter().find(|i| i.contains("/api:")).unwrap_or_else(|| panic!("no API image in {images:?}"));
    api.rsplit(':').next().unwrap().to_string()
}

#[tokio::test]
async fn releases_lists_both_ups_and_rolling_back_restores_the_first_image() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let (first, second) = (release_dir(dir.path(), "1.0.0"), release_dir(dir.path(), "2.0.0"));
    let up = ["up", "--yes", "--target", TARGET];

    let (code, _, stderr) = local(&emu, &state, &first, "1111111", &up);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("targeted run (--target api-task-definition)"), "the warning: {stderr}");
    assert!(stderr.contains("are not planned"), "{stderr}");
    assert_eq!(api_image_tag(&api_images(&emu, &state, &first).await), "1.0.0");
    let (code, _, stderr) = local(&emu, &state, &second, "2222222", &up);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(api_image_tag(&api_images(&emu, &state, &second).await), "2.0.0");

    let (code, stdout, stderr) = local(&emu, &state, &second, "x", &["releases", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let listed: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(listed.len(), 2, "{stdout}");
    let commits: Vec<&str> = listed.iter().map(|r| r["program_commit"].as_str().unwrap()).collect();
    assert_eq!(commits, vec!["2222222", "1111111"], "newest first");
    assert_eq!(listed[1]["release"]["api"]["tag"], "1.0.0");
    assert!(listed.iter().all(|r| r["verdict"] == "ok" && r["targets"] == serde_json::json!([TARGET])));
    assert!(listed.iter().all(|r| r["plan_hash"].as_str().unwrap().starts_with("sha256:")));
    let (code, table, _) = local(&emu, &state, &second, "x", &["releases"]);
    assert_eq!(code, 0);
    assert!(table.lines().nth(1).unwrap().contains("api=tag:2.0.0"), "{table}");

    // Rollback: the first release's file, written where the program reads releases, then `up`.
    let first_run = listed[1]["run_id"].as_str().unwrap();
    let (code, file, stderr) = local(&emu, &state, &second, "x", &["releases", "show", first_run, "--release-file"]);
    assert_eq!(code, 0, "{stderr}");
    let rollback = dir.path().join("rollback");
    std::fs::create_dir_all(&rollback).unwrap();
    std::fs::write(rollback.join("local.json"), &file).unwrap();
    let (code, _, stderr) = local(&emu, &state, &rollback, "2222222", &up);
    assert_eq!(code, 0, "{stderr}");
    let images = api_images(&emu, &state, &rollback).await;
    assert_eq!(api_image_tag(&images), "1.0.0", "the first release's image again: {images:?}");
    let (_, stdout, _) = local(&emu, &state, &rollback, "x", &["releases", "--format", "json"]);
    let listed: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!((listed.len(), &listed[0]["release"]["api"]["tag"]), (3, &Value::from("1.0.0")));

    // The rest of the stack was never planned: a full preview still creates it, and the
    // targeted closure has nothing left to do.
    let (code, stdout, _) =
        local(&emu, &state, &rollback, "x", &["preview", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(code, 2);
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let creates =
        |name: &str| plan["steps"].as_array().unwrap().iter().any(|s| s["name"] == name && s["action"] == "create");
    assert!(creates("api-service") && creates("web-service"), "the rest is still to create: {stdout}");
    assert!(!creates(TARGET));
    let targeted = ["preview", "--detailed-exitcode", "--target", TARGET];
    assert_eq!(local(&emu, &state, &rollback, "x", &targeted).0, 0, "the target's closure is converged");
}

#[test]
fn an_unknown_target_is_refused_naming_close_names_before_any_cloud_call() {
    // No emulator: any cloud call would fail to connect, so exit 1 with the target message
    // proves the refusal came first.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-local"));
    cmd.args(["up", "--yes", "--target", "api-task-defnition", "--state"])
        .arg(&state)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    let Output { status, stderr, .. } = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&stderr);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.contains("--target names what is not in the program or in state: `api-task-defnition` (did you mean `api-task-definition`"),
        "{stderr}"
    );
    let store = state::Store::open_read_only(&state).unwrap();
    assert!(store.resources().unwrap().is_empty() && store.history().unwrap().is_empty(), "no run was started");
}
