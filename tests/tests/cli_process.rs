//! The local binary as a user runs it: a subprocess whose output and exit code are checked.

use e2e::Emulator;
use std::path::Path;
use std::process::{Command, Output};

fn local(state: &Path, endpoint: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-local"));
    cmd.args(args).arg("--state").arg(state).env("PLINTH_MAX_ATTEMPTS", "2").env_remove("AWS_ENDPOINT_URL");
    if let Some(url) = endpoint {
        cmd.env("AWS_ENDPOINT_URL", url);
    }
    cmd
}

fn run(mut cmd: Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("run the local binary");
    (status.code().unwrap_or(-1), String::from_utf8_lossy(&stdout).into(), String::from_utf8_lossy(&stderr).into())
}

#[test]
fn preview_json_lists_every_step_and_json_logs_carry_the_run_id() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let (code, stdout, stderr) =
        run(local(&state, Some(&emu.endpoint()), &["preview", "--format", "json", "--detailed-exitcode"]));
    assert_eq!(code, 2, "changes present: {stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).expect("preview --format json prints JSON");
    let steps = plan["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["action"] == "create"));
    assert_eq!(plan["summary"]["create"].as_u64(), Some(steps.len() as u64));
    assert!(steps.iter().any(|s| s["name"] == "vpc" && s["kind"] == "aws:ec2:Vpc"));

    let (code, _, stderr) = run(local(&state, Some(&emu.endpoint()), &["up", "--yes", "--log-format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty());
    let run_id = lines[0]["span"]["run_id"].as_str().expect("run id on every line").to_string();
    assert!(lines.iter().all(|l| l["span"]["run_id"] == run_id.as_str()), "one run id for the whole run");
    assert!(lines.iter().any(|l| l["fields"]["resource"] == "vpc" && l["fields"]["message"] == "done"));

    let (code, stdout, _) = run(local(&state, Some(&emu.endpoint()), &["preview"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("No changes."), "{stdout}");
    let (code, stdout, _) = run(local(&state, Some(&emu.endpoint()), &["state", "list"]));
    assert_eq!(code, 0);
    assert!(stdout.lines().any(|l| l.starts_with("vpc ") && l.contains("vpc-")), "{stdout}");
    let (code, stdout, _) = run(local(&state, Some(&emu.endpoint()), &["outputs", "--format", "json"]));
    assert_eq!(code, 0);
    let outputs: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(outputs["vpc"]["vpc_id"].as_str().unwrap().starts_with("vpc-"));
    let (code, stdout, _) = run(local(&state, Some(&emu.endpoint()), &["graph", "--format", "mermaid"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("vpc --> public_a"), "{stdout}");
    let (code, stdout, _) = run(local(&state, Some(&emu.endpoint()), &["state", "history"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("up") && stdout.contains("ok"), "{stdout}");
}

#[test]
fn up_without_a_terminal_refuses_unless_yes() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let mut cmd = local(&state, Some(&emu.endpoint()), &["up"]);
    cmd.stdin(std::process::Stdio::null());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 1);
    assert!(stderr.contains("pass --yes"), "{stderr}");
    let (_, stdout, _) = run(local(&state, Some(&emu.endpoint()), &["state", "list"]));
    assert!(stdout.trim().is_empty(), "nothing was created: {stdout}");
}

#[test]
fn an_invalid_state_path_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("not-a-db.db");
    std::fs::write(&bogus, b"this is not sqlite").unwrap();
    let (code, _, stderr) = run(local(&bogus, Some("http://127.0.0.1:9"), &["preview"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("not-a-db.db"), "{stderr}");
}
