//! Remote state as teams use it (issue 10): the real `plinth-local` binary, run in working
//! directories that share nothing locally, against one moto server whose S3 bucket holds the
//! state (`--state s3://…`). Each test has its own emulator. The lease TTL is shortened with
//! `PLINTH_LEASE_TTL` so an abandoned lease expires within seconds.

use e2e::Emulator;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BUCKET: &str = "plinth-team-state";
const URL: &str = "s3://plinth-team-state/envs/local.db";
/// Short enough that a killed run's lease expires quickly, long enough to renew (every 2 s).
const TTL_SECONDS: &str = "6";

struct Team {
    emu: Emulator,
    _root: tempfile::TempDir,
    a: std::path::PathBuf,
    b: std::path::PathBuf,
}

impl Team {
    /// An emulator with the state bucket, and two empty working directories.
    async fn start() -> Team {
        let emu = Emulator::start();
        emu.s3().await.create_bucket().bucket(BUCKET).send().await.expect("create the state bucket");
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        Team { emu, _root: root, a, b }
    }

    /// `plinth-local ARGS` in `dir`, as a user runs it there.
    fn local(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-local"));
        cmd.current_dir(dir)
            .args(args)
            .env("AWS_ENDPOINT_URL", self.emu.endpoint())
            .env("PLINTH_MAX_ATTEMPTS", "2")
            .env("PLINTH_LEASE_TTL", TTL_SECONDS)
            // A killed run's creates may land for this long: the next run's recovery waits it out.
            .env("PLINTH_ATTEMPT_TIMEOUT", "10")
            .env("PLINTH_OPERATION_TIMEOUT", "10")
            .env_remove("PLINTH_STATE")
            .stdin(Stdio::null());
        cmd
    }

    /// `plinth-local ARGS --state URL` in `dir`, to completion.
    fn run(&self, dir: &Path, args: &[&str]) -> Ran {
        let mut cmd = self.local(dir, args);
        cmd.args(["--state", URL]);
        Ran::from(cmd.output().expect("run plinth-local"))
    }

    /// The same, started: stderr is read line by line (see [`Lines`]).
    fn spawn(&self, dir: &Path, args: &[&str]) -> (Child, Lines) {
        let mut cmd = self.local(dir, args);
        // stdout (the plan, larger than a pipe's buffer) is not read: a piped one would block the run.
        cmd.args(["--state", URL]).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start plinth-local");
        let lines = Lines::of(child.stderr.take().unwrap());
        (child, lines)
    }

    /// Deletes the `llm-summaries` flag parameter behind Plinth's back and forgets it in state.
    async fn drop_parameter(&self) {
        let ssm = aws_sdk_ssm::Client::new(&self.emu.sdk_config().await);
        ssm.delete_parameter().name("/plinth/local/flags/llm-summaries").send().await.expect("delete the parameter");
        let forgot = self.run(&self.a, &["state", "forget", "param-flags-llm-summaries"]);
        assert_eq!(forgot.code, 0, "{}", forgot.stderr);
    }

    async fn lease_exists(&self) -> bool {
        let s3 = self.emu.s3().await;
        s3.head_object().bucket(BUCKET).key("envs/local.db.lease").send().await.is_ok()
    }

    async fn state_etag(&self) -> Option<String> {
        let s3 = self.emu.s3().await;
        let head = s3.head_object().bucket(BUCKET).key("envs/local.db").send().await.ok()?;
        head.e_tag().map(str::to_string)
    }
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Ran {
    fn from(o: Output) -> Ran {
        Ran {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into(),
            stderr: String::from_utf8_lossy(&o.stderr).into(),
        }
    }
}

/// A child's stderr, line by line, as it comes.
struct Lines {
    rx: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Lines {
    fn of(stderr: std::process::ChildStderr) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { rx, seen: Vec::new() }
    }

    /// Waits (up to `limit`) until `count` lines satisfy `want`; panics with what was seen.
    fn until(&mut self, what: &str, count: usize, limit: Duration, want: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + limit;
        while self.seen.iter().filter(|l| want(l)).count() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no {what} within {limit:?}; stderr so far:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Everything, once the child has exited.
    fn rest(mut self) -> String {
        self.seen.extend(self.rx.iter());
        self.seen.join("\n")
    }
}

/// A JSON log line saying a resource's operation finished.
fn done_line(line: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(line).is_ok_and(|l| l["fields"]["message"] == "done")
}

/// Polls `check` every 100 ms until it holds, for at most `limit`.
async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many objects of each `plinth:name` the stack `local` has, per kind of object checked.
async fn owned_counts(emu: &Emulator) -> BTreeMap<String, usize> {
    let ec2 = emu.ec2().await;
    let mut counts = BTreeMap::new();
    let mut count = |kind: &str, tags: &[aws_sdk_ec2::types::Tag]| {
        let tag = |k: &str| tags.iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string);
        if tag("plinth:stack").as_deref() == Some("local") {
            *counts.entry(format!("{kind} {}", tag("plinth:name").unwrap_or_default())).or_insert(0) += 1;
        }
    };
    for vpc in ec2.describe_vpcs().send().await.unwrap().vpcs() {
        count("vpc", vpc.tags());
    }
    for igw in ec2.describe_internet_gateways().send().await.unwrap().internet_gateways() {
        count("igw", igw.tags());
    }
    for subnet in ec2.describe_subnets().send().await.unwrap().subnets() {
        count("subnet", subnet.tags());
    }
    for sg in ec2.describe_security_groups().send().await.unwrap().security_groups() {
        count("sg", sg.tags());
    }
    let s3 = emu.s3().await;
    for bucket in s3.list_buckets().send().await.unwrap().buckets() {
        let name = bucket.name().unwrap_or_default();
        let Ok(tagging) = s3.get_bucket_tagging().bucket(name).send().await else { continue };
        let tag = |k: &str| tagging.tag_set().iter().find(|t| t.key() == k).map(|t| t.value().to_string());
        if tag("plinth:stack").as_deref() == Some("local") {
            *counts.entry(format!("bucket {}", tag("plinth:name").unwrap_or_default())).or_insert(0) += 1;
        }
    }
    counts
}

fn assert_no_duplicates(counts: &BTreeMap<String, usize>) {
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "duplicated objects: {twice:?}");
    assert_eq!(counts.get("vpc vpc"), Some(&1), "{counts:?}");
}

#[tokio::test]
async fn a_second_working_directory_sees_the_first_ones_state() {
    let team = Team::start().await;
    let up = team.run(&team.a, &["up", "--yes"]);
    assert_eq!(up.code, 0, "A's up: {}", up.stderr);
    assert!(!team.a.join(".plinth").exists(), "remote state leaves no state file in A");
    assert!(!team.lease_exists().await, "the lease was released");
    let preview = team.run(&team.b, &["preview", "--detailed-exitcode"]);
    assert_eq!(preview.code, 0, "B sees A's state: {}\n{}", preview.stdout, preview.stderr);
    assert!(preview.stdout.contains("No changes."), "{}", preview.stdout);
    let listed = team.run(&team.b, &["state", "list"]);
    assert!(listed.stdout.lines().any(|l| l.starts_with("vpc ") && l.contains("vpc-")), "{}", listed.stdout);
    let history = team.run(&team.b, &["state", "history"]);
    assert!(history.stdout.lines().any(|l| l.contains("up") && l.contains("ok")), "{}", history.stdout);
    assert!(!team.b.join(".plinth").exists(), "reading leaves nothing behind in B");
}

#[tokio::test]
async fn two_ups_at_once_one_proceeds_the_other_is_refused_or_waits_with_a_lock_timeout() {
    let team = Team::start().await;
    let a = team.local(&team.a, &["up", "--yes", "--state", URL]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let b = team.local(&team.b, &["up", "--yes", "--state", URL]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let (a, b) = (a.unwrap(), b.unwrap());
    let (a_pid, b_pid) = (a.id(), b.id());
    let (a, b) = (Ran::from(a.wait_with_output().unwrap()), Ran::from(b.wait_with_output().unwrap()));
    let (winner, loser, winner_pid) = match (a.code, b.code) {
        (0, 1) => (a, b, a_pid),
        (1, 0) => (b, a, b_pid),
        codes => panic!("one up proceeds and one is refused, got {codes:?}:\nA: {}\nB: {}", a.stderr, b.stderr),
    };
    assert!(winner.stdout.contains("Applied"), "{}", winner.stdout);
    assert!(loser.stderr.contains("the remote state is locked: its lease is held by run"), "{}", loser.stderr);
    assert!(loser.stderr.contains(&format!("pid {winner_pid} on ")), "names the holder: {}", loser.stderr);
    assert!(loser.stdout.is_empty(), "the refused run planned nothing: {}", loser.stdout);
    assert_no_duplicates(&owned_counts(&team.emu).await);

    // Another runner holds the lease: an `up` with --lock-timeout waits, then proceeds.
    let objects = resources::s3::objects::S3Objects { client: team.emu.s3().await, bucket: BUCKET.to_string() };
    let key = "envs/local.db.lease";
    let holder = state::LockHolder::here("other-runner", "up");
    let now = engine::remote::keeper::unix_now();
    let held =
        engine::remote::lease::acquire(&objects, key, &holder, Duration::from_secs(300), now).await.unwrap().lease();
    let (mut waiter, mut lines) = team.spawn(&team.b, &["up", "--yes", "--lock-timeout", "2m"]);
    lines.until("wait message", 1, Duration::from_secs(60), |l| l.contains("waiting up to 120s for the lease"));
    assert!(lines.seen.iter().any(|l| l.contains("run other-runner")), "names the holder: {:?}", lines.seen);
    engine::remote::lease::release(&objects, &held).await.unwrap();
    let status = waiter.wait().unwrap();
    let stderr = lines.rest();
    assert_eq!(status.code(), Some(0), "{stderr}");
    // Had it planned against an old copy, it would have created everything a second time.
    assert_no_duplicates(&owned_counts(&team.emu).await);
}

#[tokio::test]
async fn a_run_killed_mid_up_leaves_a_state_the_next_run_converges_from_without_duplicates() {
    let team = Team::start().await;
    let (mut a, mut lines) = team.spawn(&team.a, &["up", "--yes", "--log-format", "json"]);
    lines.until("creates", 8, Duration::from_secs(300), done_line);
    // Wait for an upload made after those creates (within about a second of each commit).
    let first = team.state_etag().await;
    eventually("A uploads its progress", Duration::from_secs(20), || async { team.state_etag().await != first }).await;
    a.kill().expect("SIGKILL A");
    a.wait().unwrap();
    assert!(team.lease_exists().await, "the killed run's lease stays until it expires");

    let b = team.run(&team.b, &["up", "--yes", "--lock-timeout", "1m"]);
    assert_eq!(b.code, 0, "B converges: {}\n{}", b.stdout, b.stderr);
    assert!(b.stderr.contains("took over the expired lease"), "says whose lease it took: {}", b.stderr);
    assert!(b.stderr.contains("which ended without releasing it"), "clears the dead run's lock row: {}", b.stderr);
    assert_no_duplicates(&owned_counts(&team.emu).await);
    let preview = team.run(&team.b, &["preview", "--detailed-exitcode"]);
    assert_eq!(preview.code, 0, "converged: {}", preview.stdout);
    let history = team.run(&team.a, &["state", "history"]);
    assert!(history.stdout.contains("abandoned"), "A's run is marked abandoned: {}", history.stdout);
}

#[tokio::test]
async fn a_stale_writer_fails_loudly_and_leaves_the_newer_state_intact() {
    let team = Team::start().await;
    let (mut a, mut lines) = team.spawn(&team.a, &["up", "--yes", "--log-format", "json"]);
    lines.until("creates", 3, Duration::from_secs(300), done_line);
    // Someone breaks A's live lease and writes the state meanwhile.
    let broke = team.run(&team.b, &["state", "unlock"]);
    assert_eq!(broke.code, 1, "a live lease is not broken without --force: {}", broke.stdout);
    assert!(broke.stderr.contains("is live"), "{}", broke.stderr);
    // A renews its lease every third of the (short, test) TTL: a renewal between B's read and its
    // conditional delete makes the unlock refuse ("look again"), as it should; B looks again.
    let mut broke = team.run(&team.b, &["state", "unlock", "--force"]);
    for _ in 0..10 {
        if broke.code == 0 || !broke.stderr.contains("look again") {
            break;
        }
        broke = team.run(&team.b, &["state", "unlock", "--force"]);
    }
    assert_eq!(broke.code, 0, "{}", broke.stderr);
    assert!(broke.stdout.contains("broke the live lease"), "{}", broke.stdout);
    let before = team.state_etag().await;
    // Until A notices (its next renewal fails), its own uploads still move the object, so B's
    // conditional upload may be refused as stale too (never overwriting): B tries again.
    let mut refreshed = team.run(&team.b, &["refresh", "--yes"]);
    for _ in 0..20 {
        if refreshed.code == 0 || !refreshed.stderr.contains("changed since this run read it") {
            break;
        }
        refreshed = team.run(&team.b, &["refresh", "--yes"]);
    }
    assert_eq!(refreshed.code, 0, "B writes the state: {}", refreshed.stderr);
    let theirs = team.state_etag().await.expect("B's state");
    assert_ne!(Some(theirs.clone()), before, "B uploaded");

    let status = a.wait().unwrap();
    let stderr = lines.rest();
    assert_eq!(status.code(), Some(1), "A fails: {stderr}");
    assert!(
        stderr.contains("changed since this run read it") || stderr.contains("lost its lease"),
        "A says why it stopped: {stderr}"
    );
    assert_eq!(team.state_etag().await, Some(theirs), "A did not overwrite B's state");
}

#[tokio::test]
async fn state_migrates_local_to_s3_and_back_with_the_same_contents() {
    let team = Team::start().await;
    let local = team.a.join("local.db");
    let store = state::Store::open(&local).unwrap();
    for (name, deps) in [("vpc", vec![]), ("subnet", vec!["vpc".to_string()])] {
        store.upsert_resource(&row(name, deps)).unwrap();
    }
    let run = state::RunStart {
        run_id: "run-1".into(),
        command: "up".into(),
        user: "u".into(),
        host: "h".into(),
        started_at: state::now_rfc3339(),
    };
    store.start_run(&run).unwrap();
    store.finish_run("run-1", "ok", &serde_json::json!({ "applied": 2 })).unwrap();
    drop(store);
    let migrate = |dir: &Path, from: &str, to: &str, force: bool| {
        let mut cmd = team.local(dir, &["state", "migrate", "--to", to, "--state", from]);
        if force {
            cmd.arg("--force");
        }
        Ran::from(cmd.output().unwrap())
    };
    let up = migrate(&team.a, local.to_str().unwrap(), URL, false);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let again = migrate(&team.a, local.to_str().unwrap(), URL, false);
    assert_eq!(again.code, 1, "a non-empty destination is not overwritten");
    assert!(again.stderr.contains("already holds a state (2 resources, 1 runs"), "{}", again.stderr);
    let back = team.b.join("back.db");
    let down = migrate(&team.b, URL, back.to_str().unwrap(), false);
    assert_eq!(down.code, 0, "{}", down.stderr);
    let (before, after) = (contents(&local), contents(&back));
    assert_eq!(before, after, "local → s3 → local keeps every row, the lineage, the serial and the history");
    let listed = team.run(&team.b, &["state", "list"]);
    assert!(listed.stdout.contains("subnet") && listed.stdout.contains("vpc"), "{}", listed.stdout);

    // push: an equal serial and another stack's state are refused; pull gets it back, checked.
    let pushed = team.run(&team.b, &["state", "push", back.to_str().unwrap()]);
    assert_eq!(pushed.code, 1, "not newer");
    assert!(pushed.stderr.contains("is not newer"), "{}", pushed.stderr);
    let other = team.b.join("other.db");
    state::Store::open(&other).unwrap().upsert_resource(&row("x", vec![])).unwrap();
    let pushed = team.run(&team.b, &["state", "push", other.to_str().unwrap()]);
    assert!(pushed.code == 1 && pushed.stderr.contains("another stack's state"), "{}", pushed.stderr);
    let store = state::Store::open(&back).unwrap();
    store.upsert_resource(&row("zone", vec![])).unwrap();
    drop(store);
    let pushed = team.run(&team.b, &["state", "push", back.to_str().unwrap()]);
    assert_eq!(pushed.code, 0, "a newer serial of the same lineage: {}", pushed.stderr);
    let pulled = team.b.join("pulled.db");
    let pull = team.run(&team.b, &["state", "pull", "--out", pulled.to_str().unwrap()]);
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    assert_eq!(contents(&pulled), contents(&back));
}

#[tokio::test]
async fn a_saved_plan_made_in_one_directory_applies_in_another_and_refuses_once_the_state_moved() {
    let team = Team::start().await;
    assert_eq!(team.run(&team.a, &["up", "--yes"]).code, 0);
    // A parameter deleted out of band and forgotten: the program plans to create it again.
    team.drop_parameter().await;
    let plan = team.a.join("plan.json");
    let preview = team.run(&team.a, &["preview", "--out", plan.to_str().unwrap(), "--detailed-exitcode"]);
    assert_eq!(preview.code, 2, "{}\n{}", preview.stdout, preview.stderr);
    std::fs::copy(&plan, team.b.join("plan.json")).unwrap();
    let applied = team.run(&team.b, &["up", "--yes", "--plan", "plan.json"]);
    assert_eq!(applied.code, 0, "the plan applies in B: {}\n{}", applied.stdout, applied.stderr);
    assert_eq!(team.run(&team.a, &["preview", "--detailed-exitcode"]).code, 0, "A sees B's apply");

    team.drop_parameter().await;
    let preview = team.run(&team.a, &["preview", "--out", plan.to_str().unwrap()]);
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    std::fs::copy(&plan, team.b.join("plan.json")).unwrap();
    assert_eq!(team.run(&team.a, &["state", "forget", "param-flags-reports-v2"]).code, 0, "the state moves");
    let refused = team.run(&team.b, &["up", "--yes", "--plan", "plan.json"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(refused.stderr.contains("the state changed since the plan was made"), "{}", refused.stderr);
}

fn row(name: &str, dependencies: Vec<String>) -> state::ResourceRow {
    state::ResourceRow {
        name: name.to_string(),
        kind: "aws:ec2:Vpc".to_string(),
        cloud_id: format!("id-{name}"),
        inputs: serde_json::json!({ "cidr_block": "10.0.0.0/16" }),
        outputs: serde_json::json!({ "vpc_id": format!("vpc-{name}") }),
        dependencies,
        options: serde_json::json!({}),
        references: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// Everything a user could compare: rows, lineage, serial, history.
fn contents(path: &Path) -> String {
    let store = state::Store::open_read_only(path).unwrap();
    let runs: Vec<String> = store
        .history()
        .unwrap()
        .iter()
        .map(|r| format!("{} {} {:?} {}", r.run_id, r.command, r.result, r.serial))
        .collect();
    format!(
        "{}\n{}\n{}\n{:?}",
        serde_json::to_string(&store.resources().unwrap()).unwrap(),
        store.lineage().unwrap(),
        store.serial().unwrap(),
        runs
    )
}
