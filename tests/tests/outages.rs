//! Outages, driving the real local binary: an endpoint that is down, one that drops every call
//! but the account check, and one that accepts connections and never answers. Every verb exits
//! within its timeouts (or the signal grace period) and none claims the cloud matches when it
//! could not read it.

use e2e::stub::{Behaviour, Stub};
use e2e::Emulator;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The account the emulator (and the local environment's pin) uses.
const MOTO: &str = "123456789012";

fn local(state: &Path, endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-local"));
    cmd.args(args)
        .arg("--state")
        .arg(state)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("PLINTH_MAX_ATTEMPTS", "2")
        .stdin(Stdio::null());
    cmd
}

fn run(mut cmd: Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("run the local binary");
    (status.code().unwrap_or(-1), String::from_utf8_lossy(&stdout).into(), String::from_utf8_lossy(&stderr).into())
}

#[test]
fn refresh_based_verbs_exit_1_naming_what_could_not_be_read() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let (code, _, stderr) = run(local(&state, &emu.endpoint(), &["up", "--yes"]));
    assert_eq!(code, 0, "{stderr}");
    let before = state::Store::open(&state).unwrap().resources().unwrap();
    let rows = before.len();

    // Every service but STS is down: the account check passes, every read fails.
    let down = Stub::start(Behaviour::Drop, MOTO);
    for verb in [&["preview", "--refresh", "--detailed-exitcode"][..], &["up", "--refresh", "--yes"], &["drift"]] {
        let (code, stdout, stderr) = run(local(&state, &down.endpoint(), verb));
        assert_eq!(code, 1, "{verb:?}: {stdout}{stderr}");
        assert!(!stdout.contains("No changes") && !stdout.contains("matches"), "{verb:?}: {stdout}");
        if verb[0] != "drift" {
            assert!(stderr.contains(&format!("{rows} of {rows} resources could not be read")), "{verb:?}: {stderr}");
        } else {
            assert!(stdout.contains(&format!("{rows} could not be read")), "{stdout}");
        }
        assert!(!stderr.contains("DispatchFailure"), "one-line errors, no SDK dump: {stderr}");
    }
    let (code, stdout, _) = run(local(&state, &down.endpoint(), &["refresh"]));
    assert_eq!(code, 1);
    assert!(stdout.contains(&format!("Refresh: 0 of {rows} read, {rows} could not be read")), "{stdout}");
    assert!(down.unanswered() >= rows, "the reads were really sent");

    // The endpoint itself is gone (a closed port): the account cannot even be checked.
    let port = emu.port();
    drop(emu);
    let closed = format!("http://127.0.0.1:{port}");
    for verb in [&["preview", "--refresh", "--detailed-exitcode"][..], &["up", "--refresh", "--yes"], &["refresh"]] {
        let (code, stdout, stderr) = run(local(&state, &closed, verb));
        assert_eq!(code, 1, "{verb:?}: {stdout}{stderr}");
        assert!(stderr.contains("GetCallerIdentity: could not reach the endpoint"), "{verb:?}: {stderr}");
        assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
    }
    let (_, _, verbose) = run(local(&state, &closed, &["refresh", "-v"]));
    assert!(verbose.contains("dispatch failure"), "the SDK's chain behind -v: {verbose}");
    let after = state::Store::open(&state).unwrap().resources().unwrap();
    assert!(after == before, "no resource row changed by a partial read");
}

/// Starts `up --yes` against a silent endpoint with the given per-attempt timeout (seconds).
fn up_against_silence(state: &Path, stub: &Stub, attempt_timeout: &str) -> Child {
    let mut cmd = local(state, &stub.endpoint(), &["up", "--yes"]);
    cmd.env("PLINTH_ATTEMPT_TIMEOUT", attempt_timeout).stdout(Stdio::null()).stderr(Stdio::piped());
    cmd.spawn().unwrap()
}

/// `up` against an endpoint that never answers, once its first call is in flight.
struct InFlight {
    _stub: Stub,
    _dir: tempfile::TempDir,
    state: PathBuf,
    child: Child,
}

fn up_with_a_create_in_flight() -> InFlight {
    let stub = Stub::start(Behaviour::Silent, MOTO);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let child = up_against_silence(&state, &stub, "120");
    wait_until("a create in flight", Duration::from_secs(60), || stub.unanswered() > 0);
    InFlight { _stub: stub, _dir: dir, state, child }
}

fn wait_until(what: &str, deadline: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + deadline;
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) {
    assert!(Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap().success());
}

#[test]
fn up_against_an_endpoint_that_never_answers_exits_within_its_timeouts() {
    let stub = Stub::start(Behaviour::Silent, MOTO);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let started = Instant::now();
    let child = up_against_silence(&state, &stub, "1");
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stub.unanswered() > 0, "calls reached the endpoint");
    // 2 attempts of 1 s per call, a few calls deep (create, then the lookup after an ambiguous failure).
    assert!(took < Duration::from_secs(40), "bounded by the timeouts: {took:?}\n{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(state::Store::open(&state).unwrap().lock_holder().unwrap().is_none(), "the lock was released");
}

#[test]
fn sigterm_during_a_call_that_never_answers_exits_130_within_the_grace_period() {
    let InFlight { _stub, _dir, state, mut child } = up_with_a_create_in_flight();
    let signalled = Instant::now();
    signal(&child, "TERM");
    let status = child.wait().unwrap();
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(130));
    assert!(took < engine::cli::GRACE + Duration::from_secs(3), "{took:?}");
    let store = state::Store::open(&state).unwrap();
    assert!(store.lock_holder().unwrap().is_none(), "the lock was released");
    assert!(!store.pending_ops().unwrap().is_empty(), "the abandoned calls keep their journal rows");
    assert_eq!(store.history().unwrap()[0].result.as_deref(), Some("interrupted"));
}

#[test]
fn a_second_interrupt_exits_at_once() {
    let InFlight { _stub, _dir, state, mut child } = up_with_a_create_in_flight();
    let signalled = Instant::now();
    signal(&child, "INT");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // The first interrupt is acknowledged before the second is sent.
    while !seen.contains("interrupted: launching nothing more") {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "stderr closed early: {seen}");
        seen += &line;
    }
    signal(&child, "INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(signalled.elapsed() < engine::cli::GRACE, "did not wait for the grace period: {:?}", signalled.elapsed());
    // The lock it left heals: its holder is gone.
    let holder = state::Store::open(&state).unwrap().lock_holder().unwrap().expect("left behind");
    assert_eq!(holder.liveness(), state::Liveness::NotRunning);
}
