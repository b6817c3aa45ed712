//! The CI/CD workflows (`.github/workflows/`) and the scripts they call (`scripts/ci/`), tested
//! here without GitHub: the scripts run as the workflows run them, against a fake GitHub REST API
//! on loopback (`e2e::github_fake`), and actionlint checks every workflow.

use e2e::github_fake::FakeGitHub;
use engine::graph::validate;
use engine::plan::plan;
use engine::{render, Options, Stack};
use resources::ssm::Parameter;
use serde_json::{json, Value};
use state::ResourceRow;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MARKER: &str = "<!-- plinth-preview -->";
const COMMENT_LIMIT: usize = 65_536;
const WORKFLOWS: [&str; 5] = ["preview.yml", "deploy.yml", "promote.yml", "drift.yml", "rollback.yml"];

fn script(name: &str) -> PathBuf {
    e2e::repo_root().join("scripts/ci").join(name)
}

/// Runs `scripts/ci/<name>` with `args`, talking to `github` when given.
fn run(name: &str, args: &[&str], github: Option<&FakeGitHub>) -> Output {
    let mut cmd = Command::new("python3");
    cmd.arg(script(name)).args(args).env_remove("GITHUB_OUTPUT");
    for (k, v) in github.map(|g| g.env()).into_iter().flatten() {
        cmd.env(k, v);
    }
    cmd.output().unwrap_or_else(|e| panic!("running {name}: {e}"))
}

fn ok(out: &Output) -> String {
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "exit {:?}\nstdout: {stdout}\nstderr: {stderr}", out.status.code());
    stdout.into_owned()
}

fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "expected a refusal, got stdout {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

// ---- the pull request comment ----

/// A row for a protected bucket the program no longer declares: planning it is a refusal.
fn protected_bucket_row() -> ResourceRow {
    let options = Options { protect: true, ..Options::default() };
    ResourceRow {
        name: "reports".into(),
        kind: "aws:s3:Bucket".into(),
        cloud_id: "plinth-reports-dev".into(),
        inputs: json!({ "bucket": "plinth-reports-dev" }),
        outputs: json!({ "bucket": "plinth-reports-dev" }),
        dependencies: vec![],
        options: serde_json::to_value(options).unwrap(),
        references: None,
        created_at: "2026-12-01T00:00:00Z".into(),
        updated_at: "2026-12-01T00:00:00Z".into(),
    }
}

/// The engine's own Markdown for a stack of `count` parameters, planned against `rows`.
fn plan_markdown(stack_name: &str, count: usize, rows: &[ResourceRow]) -> (String, String) {
    let mut stack = Stack::new(stack_name);
    for i in 0..count {
        let name = format!("/plinth/{stack_name}/setting-{i:04}");
        stack.add(
            format!("setting-{i:04}"),
            Parameter { name, value: format!("value {i}").into(), ..Default::default() },
        );
    }
    let plan = plan(&stack, &validate(&stack).unwrap(), rows, &resources::registry());
    (render::markdown(&plan), render::summary_line(&plan))
}

#[test]
fn pr_comment_keeps_a_2000_resource_plan_under_the_limit_with_the_summary_intact() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("preview");
    let (dev_md, dev_summary) = plan_markdown("dev", 2000, &[protected_bucket_row()]);
    assert!(dev_md.len() > 4 * COMMENT_LIMIT, "the plan must be far over the limit to test anything");
    assert!(dev_md.contains("**Refused:**"), "the dev plan carries a refusal");
    write(&results.join("dev/preview.md"), &dev_md);
    write(&results.join("dev/exit_code"), "1\n");
    write(
        &results.join("dev/stderr.log"),
        "warning: could not read `cache`: throttled\nerror: refused: `reports` is protected\n",
    );
    let (staging_md, staging_summary) = plan_markdown("staging", 3, &[]);
    write(&results.join("staging/preview.md"), &staging_md);
    write(&results.join("staging/exit_code"), "2\n");
    let (prod_md, _) = plan_markdown("prod", 0, &[]);
    write(&results.join("prod/preview.md"), &prod_md);
    write(&results.join("prod/exit_code"), "0\n");

    let url = "https://github.com/acme/platform/actions/runs/42#artifacts";
    let args =
        ["render", "--results", results.to_str().unwrap(), "--envs", "dev,staging,prod", "--sha", "0123456789abcdef"];
    let body = ok(&run("pr_comment.py", &[&args[..], &["--artifact-url", url]].concat(), None));

    assert!(body.len() <= COMMENT_LIMIT, "the comment is {} bytes", body.len());
    assert!(body.starts_with(MARKER), "the marker comes first");
    let first_details = body.find("<details>").expect("plans are collapsed");
    let summary = &body[..first_details];
    assert!(dev_summary.starts_with("Plan: 2000 to create, 0 to update, 0 to replace, 1 to delete"), "{dev_summary}");
    for line in [
        format!("| `dev` | :no_entry: REFUSED | {dev_summary} |"),
        format!("| `staging` | changes | {staging_summary} |"),
    ] {
        assert!(summary.contains(&line), "summary table lacks {line}:\n{summary}");
    }
    assert!(summary.contains("| `prod` | no changes |"), "{summary}");
    assert!(
        summary.contains("**Refused:**") && summary.contains("reports"),
        "the refusal is in the summary:\n{summary}"
    );
    assert!(summary.contains(":warning: **Data loss:**"), "the data-loss warning is in the summary");
    assert!(summary.contains("warning: could not read 'cache': throttled"), "stderr warnings are included");
    assert!(body.contains("lines cut to fit the comment") && body.contains(url), "the cut points to the artifact");
    assert!(body.contains("setting-0000"), "the start of the dev table is kept");
    assert!(!body.contains("setting-1999"), "the end of the dev table was cut");
    assert!(body.contains(&staging_md), "the small staging plan is kept whole");
    assert_eq!(body.matches("<details>").count(), body.matches("</details>").count(), "balanced <details>");
}

#[test]
fn pr_comment_shows_an_environment_whose_preview_never_ran() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("preview");
    write(&results.join("dev/exit_code"), "1\n");
    write(&results.join("dev/stderr.log"), "error: STS GetCallerIdentity: AccessDenied <script>\n");
    let args = ["render", "--results", results.to_str().unwrap(), "--envs", "dev,prod", "--sha", "abc"];
    let body = ok(&run("pr_comment.py", &args, None));
    assert!(
        body.contains("| `dev` | :x: error | error: STS GetCallerIdentity: AccessDenied &lt;script&gt; |"),
        "{body}"
    );
    assert!(body.contains("| `prod` | :x: did not run | no plan |"), "{body}");
}

#[test]
fn sticky_comment_is_created_once_then_updated_in_place() {
    let github = FakeGitHub::start();
    let other = github.model().add_comment(7, "LGTM");
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("comment.md");

    write(&body, &format!("{MARKER}\nfirst preview\n"));
    let created =
        ok(&run("pr_comment.py", &["upsert", "--pr", "7", "--body-file", body.to_str().unwrap()], Some(&github)));
    assert!(created.starts_with("created comment"), "{created}");
    write(&body, &format!("{MARKER}\nsecond preview\n"));
    let updated =
        ok(&run("pr_comment.py", &["upsert", "--pr", "7", "--body-file", body.to_str().unwrap()], Some(&github)));
    assert!(updated.starts_with("updated comment"), "{updated}");

    let m = github.model();
    let comments = m.comments_on(7);
    assert_eq!(comments.len(), 2, "the reviewer's comment and one sticky comment: {comments:?}");
    assert_eq!(comments[0]["id"], other);
    assert_eq!(comments[0]["body"], "LGTM", "another comment is never touched");
    assert_eq!(comments[1]["body"], format!("{MARKER}\nsecond preview\n"));
    assert_eq!(m.requests_starting("POST"), 1);
    assert_eq!(m.requests_starting("PATCH /repos/acme/platform/issues/comments/"), 1);
    drop(m);

    write(&body, &format!("{MARKER}\n{}", "x".repeat(COMMENT_LIMIT)));
    let err =
        refused(&run("pr_comment.py", &["upsert", "--pr", "7", "--body-file", body.to_str().unwrap()], Some(&github)));
    assert!(err.contains("over GitHub's limit"), "{err}");
    assert_eq!(github.model().requests.len(), 4, "a body over the limit makes no call");
}

// ---- the drift issue ----

#[test]
fn drift_issue_is_opened_updated_and_closed_through_the_api() {
    let github = FakeGitHub::start();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("drift.md");
    let sync = |env: &str, text: &str, code: &str| {
        write(&report, text);
        let args = [
            "sync",
            "--env",
            env,
            "--report",
            report.to_str().unwrap(),
            "--exit-code",
            code,
            "--run-url",
            "https://ci/run/1",
        ];
        run("drift_issue.py", &args, Some(&github))
    };

    assert!(ok(&sync("dev", "No drift.", "0")).contains("no drift, no open issue"));
    assert!(github.model().issues.is_empty());

    assert!(ok(&sync("dev", "`vpc`: enable_dns_hostnames true → false", "2")).contains("opened #"));
    assert!(ok(&sync("prod", "`cache`: node_type changed", "2")).contains("opened #"), "one issue per environment");
    assert!(ok(&sync("dev", "`vpc` and `api-sg` drifted", "2")).contains("updated #"));
    assert!(ok(&sync("dev", "`vpc` and `api-sg` drifted", "2")).contains("already says this"));
    {
        let m = github.model();
        let open = m.open_issues();
        assert_eq!(open.len(), 2, "never a duplicate: {open:?}");
        let dev = open.iter().find(|i| i["body"].as_str().unwrap().contains("<!-- plinth-drift:dev -->")).unwrap();
        assert_eq!(dev["title"], "Drift in `dev`");
        assert!(dev["body"].as_str().unwrap().contains("`vpc` and `api-sg` drifted"), "the body is the new report");
    }

    let err = refused(&sync("dev", "error: 1 of 40 resources could not be read", "1"));
    assert!(err.contains("left as it is"), "{err}");
    assert_eq!(github.model().open_issues().len(), 2, "an error proves nothing: the issue stays open");

    assert!(ok(&sync("dev", "No drift.", "0")).contains("closed #"));
    let m = github.model();
    let open = m.open_issues();
    assert_eq!(open.len(), 1);
    assert!(open[0]["body"].as_str().unwrap().contains("<!-- plinth-drift:prod -->"), "prod's issue stays open");
    let closed = m.issues.iter().find(|i| i["state"] == "closed").unwrap();
    assert_eq!(closed["state_reason"], "completed");
    let note = m.comments_on(closed["number"].as_u64().unwrap());
    assert!(note[0]["body"].as_str().unwrap().contains("No drift in `dev`"), "{note:?}");
}

#[test]
fn drift_fix_opt_in_is_data_and_names_only_known_environments() {
    let config = e2e::repo_root().join(".github/plinth/drift.json");
    let out = ok(&run(
        "drift_issue.py",
        &["fix-envs", "--config", config.to_str().unwrap(), "--envs", "dev,staging,prod"],
        None,
    ));
    assert_eq!(out.trim(), r#"["dev"]"#, "dev fixes drift by default, nothing else");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("drift.json");
    write(&bad, r#"{"fix": ["dev", "qa"]}"#);
    let err = refused(&run(
        "drift_issue.py",
        &["fix-envs", "--config", bad.to_str().unwrap(), "--envs", "dev,staging,prod"],
        None,
    ));
    assert!(err.contains("unknown environment(s) qa"), "{err}");
}

// ---- deployments and promotion ----

fn release(commit: &str, api: char) -> Value {
    json!({ "commit": commit, "images": { "api": { "digest": digest(api) }, "orchestrator": { "digest": digest('b') },
        "web": { "digest": digest('c') } } })
}

/// Records a dev deployment of `release` through the script, with `states` as its statuses.
fn deploy(github: &FakeGitHub, dir: &Path, env: &str, release: &Value, states: &[&str]) -> String {
    let file = dir.join(format!("release-{}.json", release["commit"].as_str().unwrap()));
    write(&file, &release.to_string());
    let id = ok(&run(
        "deployments.py",
        &["create", "--env", env, "--ref", "main", "--release", file.to_str().unwrap()],
        Some(github),
    ));
    let id = id.trim().to_string();
    for state in states {
        ok(&run("deployments.py", &["status", "--id", &id, "--state", state], Some(github)));
    }
    id
}

#[test]
fn promotion_refuses_a_release_that_did_not_pass_and_accepts_one_that_did() {
    let github = FakeGitHub::start();
    let dir = tempfile::tempdir().unwrap();
    let (good, failed, running) = (release("aaa111", '1'), release("bbb222", '2'), release("ccc333", '3'));
    deploy(&github, dir.path(), "dev", &good, &["in_progress", "success", "inactive"]);
    deploy(&github, dir.path(), "dev", &failed, &["in_progress", "failure"]);
    deploy(&github, dir.path(), "dev", &running, &["in_progress"]);
    deploy(&github, dir.path(), "staging", &failed, &["success"]);
    // GitHub's own record of a job that named the environment: success, but no release.
    github.model().add_deployment("dev", "deploy", json!({}), &["success"]);
    let out = dir.path().join("promote.json");
    let check = |args: &[&str]| {
        let base = ["--from", "dev", "--to", "staging", "--out", out.to_str().unwrap()];
        run("promote_check.py", &[&base[..], args].concat(), Some(&github))
    };

    for commit in ["bbb222", "ccc333", "zzz999"] {
        let err = refused(&check(&["--commit", commit]));
        assert!(err.contains(&format!("refusing to promote: commit {commit} has not passed in dev")), "{err}");
        assert!(!out.exists(), "nothing is written for a refused release");
    }
    let other_images = dir.path().join("other.json");
    write(&other_images, &release("aaa111", '9').to_string());
    let err = refused(&check(&["--release", other_images.to_str().unwrap()]));
    assert!(err.contains("that release has not passed in dev"), "same commit, other images: {err}");

    let said = ok(&check(&["--commit", "aaa111"]));
    assert!(said.contains("promoting to staging the release that passed in dev"), "{said}");
    let promoted: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(promoted, good, "exactly the digests and commit that passed: nothing rebuilt");
    std::fs::remove_file(&out).unwrap();
    ok(&check(&[]));
    let newest: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(newest, good, "without a choice, the newest release that passed");

    let skip = ["--from", "dev", "--to", "prod", "--out", out.to_str().unwrap()];
    assert!(refused(&run("promote_check.py", &skip, Some(&github))).contains("prod is promoted from staging"));
}

#[test]
fn deployment_records_carry_the_release_and_its_result() {
    let github = FakeGitHub::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("latest.json");
    let latest = || run("deployments.py", &["latest", "--env", "dev", "--out", out.to_str().unwrap()], Some(&github));
    assert_eq!(latest().status.code(), Some(3), "no release has passed yet");

    let id = deploy(&github, dir.path(), "dev", &release("aaa111", '1'), &["in_progress", "success"]);
    let m = github.model();
    let d = m.deployments.iter().find(|d| d["id"].as_u64().is_some_and(|v| id.parse() == Ok(v))).unwrap();
    assert_eq!((d["task"].as_str(), d["environment"].as_str()), (Some("plinth:deploy"), Some("dev")));
    assert_eq!(d["payload"], release("aaa111", '1'), "the payload is the release");
    drop(m);
    ok(&latest());
    let found: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(found["commit"], "aaa111");

    github.model().add_artifact("plinth-plan-dev-aaa111", 77, true);
    let find = |name: &str| run("deployments.py", &["plan-run", "--name", name], Some(&github));
    assert_eq!(find("plinth-plan-dev-aaa111").status.code(), Some(3), "an expired plan is no plan");
    github.model().add_artifact("plinth-plan-dev-aaa111", 78, false);
    assert_eq!(ok(&find("plinth-plan-dev-aaa111")).trim(), "78");
}

// ---- release files and rollback ----

#[test]
fn release_file_writer_writes_what_the_program_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (releases, out) = (dir.path().join("releases"), dir.path().join("release.json"));
    let base = e2e::repo_root().join("programs/releases/dev.json");
    let images = json!({ "api": digest('a') }).to_string();
    let web = format!("web={}", digest('e'));
    let args = [
        "write",
        "--env",
        "dev",
        "--dir",
        releases.to_str().unwrap(),
        "--commit",
        "abc123",
        "--base",
        base.to_str().unwrap(),
        "--images-json",
        &images,
        "--set",
        &web,
        "--set",
        "orchestrator=",
        "--require-digests",
        "--out",
        out.to_str().unwrap(),
    ];
    ok(&run("release_file.py", &args, None));

    let text = std::fs::read_to_string(releases.join("dev.json")).unwrap();
    let parsed = programs::release::parse(&text).expect("the program accepts the file");
    assert_eq!(parsed.image("api").on("repo"), format!("repo@{}", digest('a')));
    assert_eq!(parsed.image("web").on("repo"), format!("repo@{}", digest('e')));
    assert_eq!(parsed.image("orchestrator").on("repo"), "repo:0.1.0", "an empty input keeps the current image");
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(recorded["commit"], "abc123");
    assert_eq!(recorded["images"], serde_json::from_str::<Value>(&text).unwrap());

    let other = dir.path().join("other");
    for (bad, why) in [
        (json!({ "api": "v2" }), "tag `v2` given where a digest is required"),
        (json!({ "api": "sha256:ABC" }), "`api`: digest `sha256:ABC` is not sha256:"),
        (json!({ "billing": digest('a') }), "unknown service(s) billing"),
    ] {
        let bad = bad.to_string();
        let args = [
            "write",
            "--env",
            "dev",
            "--dir",
            other.to_str().unwrap(),
            "--commit",
            "abc",
            "--base",
            base.to_str().unwrap(),
            "--images-json",
            &bad,
            "--require-digests",
            "--out",
            out.to_str().unwrap(),
        ];
        let err = refused(&run("release_file.py", &args, None));
        assert!(err.contains(why), "{err}");
        assert!(!other.exists(), "nothing written for a refused release");
    }
}

#[test]
fn rollback_picks_the_previous_applied_release() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("releases.json");
    // The shape of `releases --format json`.
    let entry = |run: &str, at: &str, verdict: &str, commit: &str, api: char| {
        json!({ "run_id": run, "started_at": at, "finished_at": at, "verdict": verdict, "applied": verdict == "ok",
            "program_commit": commit, "release": release(commit, api)["images"], "plan_hash": "h" })
    };
    write(
        &history,
        &json!([
            entry("r5", "2026-12-05T00:00:00Z", "failed", "eee", '5'),
            entry("r4", "2026-12-04T00:00:00Z", "ok", "ddd", '4'),
            entry("r3", "2026-12-03T00:00:00Z", "ok", "ddd", '4'),
            entry("r2", "2026-12-02T00:00:00Z", "ok", "bbb", '2'),
            entry("r1", "2026-12-01T00:00:00Z", "ok", "aaa", '1'),
        ])
        .to_string(),
    );
    let pick = |id: &str| run("release_file.py", &["pick", "--history", history.to_str().unwrap(), "--id", id], None);

    assert_eq!(ok(&pick("")).trim(), "r2 bbb", "the newest applied release that differs from the current one (r4)");
    assert_eq!(ok(&pick("r1")).trim(), "r1 aaa");
    assert!(refused(&pick("r5")).contains("run r5 was not applied (verdict failed)"));
    assert!(refused(&pick("r9")).contains("no release with run id r9"));

    write(&history, &json!([entry("r1", "2026-12-01T00:00:00Z", "ok", "aaa", '1')]).to_string());
    assert!(refused(&pick("")).contains("no applied release before the current one"));
}

/// A stand-in for an environment's binary: `releases` answers from files beside it.
fn fake_binary(dir: &Path) -> PathBuf {
    let bin = dir.join("fake-env");
    let script = r#"#!/bin/sh
d="$(dirname "$0")"
case "$*" in
  "-v releases --format json") if [ -f "$d/history.json" ]; then cat "$d/history.json"; else cat "$d/error.txt" >&2; exit 1; fi ;;
  "releases show r2 --release-file") cat "$d/r2.json" ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
"#;
    write(&bin, script);
    std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn current_release_is_the_newest_applied_one_or_the_repository_file_for_a_new_environment() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_binary(dir.path());
    let out = dir.path().join("current.json");
    let current = || {
        run(
            "release_file.py",
            &["current", "--bin", bin.to_str().unwrap(), "--env", "dev", "--out", out.to_str().unwrap()],
            None,
        )
    };
    let read = || serde_json::from_str::<Value>(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let repo: Value =
        serde_json::from_str(&std::fs::read_to_string(e2e::repo_root().join("programs/releases/dev.json")).unwrap())
            .unwrap();

    let applied = release("bbb", '2')["images"].clone();
    write(&dir.path().join("history.json"), &json!([
        { "run_id": "r3", "finished_at": "2026-12-03T00:00:00Z", "verdict": "failed", "applied": false, "release": release("ccc", '3')["images"] },
        { "run_id": "r2", "finished_at": "2026-12-02T00:00:00Z", "verdict": "ok", "applied": true, "release": applied },
    ]).to_string());
    write(&dir.path().join("r2.json"), &applied.to_string());
    ok(&current());
    assert_eq!(read(), applied, "what the last applied run deployed, not the failed one after it");

    write(&dir.path().join("history.json"), "[]");
    ok(&current());
    assert_eq!(read(), repo, "no release applied yet: the repository's file");

    std::fs::remove_file(dir.path().join("history.json")).unwrap();
    write(
        &dir.path().join("error.txt"),
        "error: state file s3://b/dev.db does not exist (nothing has been deployed with it)\n",
    );
    std::fs::remove_file(&out).unwrap();
    ok(&current());
    assert_eq!(read(), repo, "no state yet: the repository's file");

    write(&dir.path().join("error.txt"), "error: AccessDenied: not allowed to read the state\n");
    std::fs::remove_file(&out).unwrap();
    assert!(refused(&current()).contains("AccessDenied"));
    assert!(!out.exists(), "any other failure is an error, never a guess");
}

// ---- the workflows themselves ----

fn workflow_dir() -> PathBuf {
    e2e::repo_root().join(".github/workflows")
}

fn workflow_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(workflow_dir())
        .expect(".github/workflows exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn actionlint_passes_on_every_workflow() {
    let venv_bin = e2e::repo_root().join(".venv/bin");
    let actionlint = venv_bin.join("actionlint");
    assert!(actionlint.exists(), "{} is missing: run `scripts/emulator install`", actionlint.display());
    let files = workflow_files();
    for name in WORKFLOWS {
        assert!(files.iter().any(|f| f.ends_with(name)), "{name} is missing");
    }
    // shellcheck (from the same venv) on PATH makes actionlint check every `run:` script too.
    let path = format!("{}:{}", venv_bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new(&actionlint).args(&files).env("PATH", path).current_dir(e2e::repo_root()).output().unwrap();
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn workflows_pin_actions_use_oidc_and_serialize_applies() {
    for file in workflow_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for line in text.lines().map(str::trim).filter(|l| l.starts_with("uses:") || l.starts_with("- uses:")) {
            let target = line.trim_start_matches("- ").trim_start_matches("uses:").trim();
            if target.starts_with("./") {
                continue;
            }
            let sha = target.split('@').nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or("");
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{name}: `{line}` is not pinned to a commit"
            );
            assert!(line.contains("# v"), "{name}: `{line}` does not say its version");
        }
        for key in ["aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY"] {
            assert!(!text.contains(key), "{name} uses a static key ({key})");
        }
        if text.contains("configure-aws-credentials") {
            assert!(text.contains("role-to-assume:") && text.contains("id-token: write"), "{name}: OIDC role");
        }
        // Commands that change an environment (a binary run with an applying verb), not prose about them.
        let applies = text
            .lines()
            .filter(|l| l.contains("target/debug/"))
            .any(|l| ["up --plan", "up --yes", "drift --fix"].iter().any(|verb| l.contains(verb)));
        if applies {
            assert!(
                text.contains("group: plinth-apply-"),
                "{name} applies without the environment's concurrency group"
            );
        }
    }
}

#[test]
fn every_ci_script_explains_itself() {
    for name in ["pr_comment.py", "drift_issue.py", "promote_check.py", "release_file.py", "deployments.py"] {
        let help = ok(&run(name, &["--help"], None));
        assert!(help.contains("Guarantees"), "{name} --help says what it guarantees");
    }
}
