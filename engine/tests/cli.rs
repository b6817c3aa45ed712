//! The CLI against the fake cloud: bad programs fail before any cloud call and leave state
//! alone; a held lock refuses a second run; exit codes follow the contract.

mod common;

use common::{app, args, registry, Cloud, FakeCloud, Net, Sub};
use engine::cli::{run, App};
use engine::graph::validate;
use engine::Stack;
use state::{LockHolder, Store};
use std::path::Path;

fn good(stack: &mut Stack) {
    let net = stack.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    stack.add("sub", Sub { net_id: net.output(|o| o.id.clone()), cidr: "10.0.1.0/24".into(), ..Default::default() });
}

/// Every kind of invalid program at once: a cycle, a duplicate, a dangling reference, a bad CIDR.
fn broken(stack: &mut Stack) {
    let a = stack.add("a", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    let b =
        stack.add("b", Sub { net_id: a.output(|o| o.id.clone()), cidr: "10.0.1.0/24".into(), ..Default::default() });
    a.depends_on(&b);
    stack.add("dup", Net { cidr: "10.1.0.0/16".into(), ..Default::default() });
    stack.add("dup", Net { cidr: "10.2.0.0/16".into(), ..Default::default() });
    stack.add("bad-cidr", Net { cidr: "10.0.0.0/33".into(), ..Default::default() });
    let mut other = Stack::new("elsewhere");
    let ghost = other.add("ghost", Net { cidr: "10.3.0.0/16".into(), ..Default::default() });
    stack.add(
        "orphan",
        Sub { net_id: ghost.output(|o| o.id.clone()), cidr: "10.3.0.0/24".into(), ..Default::default() },
    );
}

#[test]
fn validation_reports_every_problem_by_name() {
    let mut stack = Stack::new("test");
    broken(&mut stack);
    let err = validate(&stack).err().expect("invalid");
    let text = err.to_string();
    assert!(text.contains("dependency cycle among `a`, `b`"), "{text}");
    assert!(text.contains("`dup` is declared more than once"), "{text}");
    assert!(text.contains("`orphan` refers to `ghost`, which is not in the stack"), "{text}");
    assert!(text.contains("resource `bad-cidr` (fake:Net): cidr `10.0.0.0/33` is not a valid IPv4 CIDR"), "{text}");
    assert_eq!(err.problems.len(), 4, "{text}");
}

#[test]
fn invalid_up_makes_zero_calls_and_leaves_the_file_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 0);
    let before = std::fs::read(&state).unwrap();
    let calls = cloud.count();
    assert_eq!(
        run(
            app(&cloud, |s| {
                good(s);
                broken(s)
            }),
            args(&state, &["up", "--yes"])
        ),
        1
    );
    assert_eq!(
        run(
            app(&cloud, |s| {
                good(s);
                broken(s)
            }),
            args(&state, &["preview"])
        ),
        1
    );
    assert_eq!(cloud.count(), calls, "zero calls");
    assert_eq!(std::fs::read(&state).unwrap(), before, "state untouched");
}

#[test]
fn a_live_lock_refuses_a_second_run_and_unlock_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let store = Store::open(&state).unwrap();
    // This very process holds it under another run id: on this host and running.
    let holder = LockHolder::here("other-run", "up");
    store.acquire_lock(&holder).unwrap();
    let err = store.acquire_lock(&LockHolder::here("mine", "up")).unwrap_err().to_string();
    assert!(err.contains("other-run") && err.contains(&holder.host), "the error names the holder: {err}");
    assert!(err.contains("still running"), "{err}");
    drop(store);
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 1);
    assert_eq!(cloud.count(), 0);
    assert_eq!(run(app(&cloud, good), args(&state, &["state", "unlock"])), 1, "a live holder is not unlocked");
    assert!(Store::open(&state).unwrap().lock_holder().unwrap().is_some());
    assert_eq!(run(app(&cloud, good), args(&state, &["state", "unlock", "--force"])), 0);
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 0);
    assert_eq!(Store::open(&state).unwrap().resources().unwrap().len(), 2);
}

/// A lock held by a real process of this host, with the run recorded as started.
fn held_by(state: &Path, child: &std::process::Child, run_id: &str) -> LockHolder {
    let store = Store::open(state).unwrap();
    let here = LockHolder::here(run_id, "up");
    let holder = LockHolder { pid: child.id(), pid_start: state::process_start_time(child.id()), ..here };
    assert_eq!(holder.liveness(), state::Liveness::Running);
    let run = state::RunStart {
        run_id: run_id.into(),
        command: "up".into(),
        user: holder.user.clone(),
        host: holder.host.clone(),
        started_at: holder.started_at.clone(),
    };
    store.start_run(&run).unwrap();
    store.acquire_lock(&holder).unwrap();
    holder
}

#[test]
fn a_dead_same_host_holder_is_taken_over_and_its_run_marked_abandoned() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let mut child = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    held_by(&state, &child, "killed-run");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 1, "refused while it runs");
    assert_eq!(cloud.count(), 0);
    child.kill().unwrap(); // as `kill -9` of a run
    child.wait().unwrap();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 0, "no manual step");
    let store = Store::open(&state).unwrap();
    assert_eq!(store.resources().unwrap().len(), 2);
    assert!(store.lock_holder().unwrap().is_none());
    let history = store.history().unwrap();
    let killed = history.iter().find(|r| r.run_id == "killed-run").unwrap();
    assert_eq!(killed.result.as_deref(), Some("abandoned"));
}

#[test]
fn state_unlock_releases_a_dead_holder_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let mut child = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    held_by(&state, &child, "killed-run");
    child.kill().unwrap();
    child.wait().unwrap();
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["state", "unlock"])), 0);
    let store = Store::open(&state).unwrap();
    assert!(store.lock_holder().unwrap().is_none());
    assert_eq!(store.history().unwrap()[0].result.as_deref(), Some("abandoned"));
}

#[test]
fn lock_timeout_waits_for_a_live_holder_then_proceeds_or_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let mut child = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    let holder = held_by(&state, &child, "long-run");
    let cloud = FakeCloud::new();

    let started = std::time::Instant::now();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes", "--lock-timeout", "1s"])), 1, "gave up");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "it waited: {:?}", started.elapsed());
    assert_eq!(cloud.count(), 0);

    // The other run finishes 1.5 s into our wait and releases its lock.
    let releaser = {
        let state = state.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            Store::open(&state).unwrap().release_lock(&holder.run_id).unwrap();
        })
    };
    let started = std::time::Instant::now();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes", "--lock-timeout", "5m"])), 0);
    releaser.join().unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(1500), "waited for the release");
    assert_eq!(Store::open(&state).unwrap().resources().unwrap().len(), 2);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["preview", "--detailed-exitcode"])), 2);
    assert_eq!(run(app(&cloud, good), args(&state, &["up"])), 1, "no terminal and no --yes: refused");
    assert_eq!(cloud.count(), 0);
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 0);
    assert_eq!(run(app(&cloud, good), args(&state, &["preview", "--detailed-exitcode"])), 0);
    assert_eq!(run(app(&cloud, good), args(&state, &["--log-format", "json", "destroy", "--yes"])), 0);
    assert!(cloud.objects.lock().unwrap().is_empty());
    let history = Store::open(&state).unwrap().history().unwrap();
    assert_eq!(history.len(), 3, "up refused, up, destroy each recorded");
}

fn database(engine: &'static str) -> impl Fn(&mut Stack) + Send + Sync + 'static {
    move |stack: &mut Stack| {
        stack.add("db", common::Db { engine: engine.into(), size: 20, ..Default::default() });
    }
}

#[test]
fn replacing_or_deleting_a_stateful_resource_needs_the_operator_to_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, database("postgres")), args(&state, &["up", "--yes"])), 0);
    let calls = cloud.count();

    let plan_text = {
        let store = Store::open(&state).unwrap();
        let mut stack = Stack::new("test");
        database("mysql")(&mut stack);
        let plan = engine::plan::plan(&stack, &validate(&stack).unwrap(), &store.resources().unwrap(), &registry());
        engine::render::text(&plan, false)
    };
    assert!(plan_text.contains("DATA LOSS: db would be replaced (engine)"), "{plan_text}");
    assert!(plan_text.contains("`up` needs `--allow-replace db`"), "{plan_text}");

    assert_eq!(run(app(&cloud, database("mysql")), args(&state, &["up", "--yes"])), 1, "refused without the allow");
    assert_eq!(
        run(app(&cloud, database("mysql")), args(&state, &["up", "--yes", "--allow-replace", "other"])),
        1,
        "allowing another name does not count"
    );
    assert_eq!(cloud.count(), calls, "nothing was touched");
    assert_eq!(Store::open(&state).unwrap().resources().unwrap()[0].inputs["engine"], "postgres", "state untouched");

    assert_eq!(run(app(&cloud, database("mysql")), args(&state, &["up", "--yes", "--allow-replace", "db"])), 0);
    assert_eq!(Store::open(&state).unwrap().resources().unwrap()[0].inputs["engine"], "mysql");

    assert_eq!(
        run(app(&cloud, |_| {}), args(&state, &["up", "--yes"])),
        1,
        "removing it from the program needs --allow-delete"
    );
    assert_eq!(cloud.objects.lock().unwrap().len(), 1);
    assert_eq!(run(app(&cloud, |_| {}), args(&state, &["up", "--yes", "--allow-delete", "db"])), 0);
    assert!(cloud.objects.lock().unwrap().is_empty());
}

#[test]
fn in_place_updates_of_stateful_resources_need_no_allow() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, database("postgres")), args(&state, &["up", "--yes"])), 0);
    let bigger = |stack: &mut Stack| {
        stack.add("db", common::Db { engine: "postgres".into(), size: 40, ..Default::default() });
    };
    assert_eq!(run(app(&cloud, bigger), args(&state, &["up", "--yes"])), 0);
    assert_eq!(Store::open(&state).unwrap().resources().unwrap()[0].inputs["size"], 40);
}

#[test]
fn drift_detects_out_of_band_changes_and_fix_converges_them() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 0);
    assert_eq!(run(app(&cloud, good), args(&state, &["drift"])), 0, "no drift yet");
    let net_id = Store::open(&state).unwrap().resource("net").unwrap().unwrap().cloud_id;
    cloud.objects.lock().unwrap().get_mut(&net_id).unwrap().1["label"] = "edited in the console".into();
    assert_eq!(run(app(&cloud, good), args(&state, &["drift", "--format", "json"])), 2, "drift found");
    assert_eq!(run(app(&cloud, good), args(&state, &["drift", "--fix"])), 1, "a fix without a terminal needs --yes");
    assert_eq!(cloud.objects.lock().unwrap()[&net_id].1["label"], "edited in the console");
    assert_eq!(run(app(&cloud, good), args(&state, &["drift", "--fix", "--yes"])), 0);
    assert_eq!(cloud.objects.lock().unwrap()[&net_id].1["label"], "", "converged back to the program");
    assert_eq!(run(app(&cloud, good), args(&state, &["drift"])), 0);
}

fn three_nets(stack: &mut Stack) {
    for i in 0..3 {
        stack.add(format!("n{i}"), Net { cidr: format!("10.{i}.0.0/16"), ..Default::default() });
    }
}

#[test]
fn sigterm_mid_apply_finishes_the_call_in_flight_saves_state_and_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    *cloud.latency.lock().unwrap() = std::time::Duration::from_millis(400);
    let watcher = {
        let cloud = cloud.clone();
        std::thread::spawn(move || {
            // Waits for the first cloud call to be in flight (the handler is installed by then).
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while cloud.count() == 0 && std::time::Instant::now() < deadline {
                std::thread::yield_now();
            }
            let pid = std::process::id().to_string();
            std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        })
    };
    let started = std::time::Instant::now();
    let code = run(app(&cloud, three_nets), args(&state, &["up", "--yes", "--parallel", "1"]));
    watcher.join().unwrap();
    assert_eq!(code, 130, "interrupted runs exit non-zero");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "stopped within seconds");
    assert_eq!(cloud.objects.lock().unwrap().len(), 1, "the call in flight finished; nothing more launched");
    let store = Store::open(&state).unwrap();
    assert_eq!(store.resources().unwrap().len(), 1, "and it was saved");
    assert!(store.lock_holder().unwrap().is_none(), "the lock was released");
    assert_eq!(store.history().unwrap()[0].result.as_deref(), Some("interrupted"));
    *cloud.latency.lock().unwrap() = std::time::Duration::ZERO;
    assert_eq!(run(app(&cloud, three_nets), args(&state, &["up", "--yes"])), 0, "the next run carries on");
    assert_eq!(cloud.objects.lock().unwrap().len(), 3);
}

#[test]
fn up_with_nothing_to_apply_still_records_new_protection() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 0);
    let protected = |stack: &mut Stack| {
        let net = stack.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() }).protect();
        stack
            .add("sub", Sub { net_id: net.output(|o| o.id.clone()), cidr: "10.0.1.0/24".into(), ..Default::default() });
    };
    assert_eq!(run(app(&cloud, protected), args(&state, &["up", "--yes"])), 0);
    assert_eq!(Store::open(&state).unwrap().resource("net").unwrap().unwrap().options["protect"], true);
    for preview in [&["preview"][..], &["preview", "--detailed-exitcode"], &["preview", "--format", "json"]] {
        assert_eq!(
            run(app(&cloud, |_| {}), args(&state, preview)),
            1,
            "{preview:?}: `up` would refuse, so preview fails"
        );
    }
    assert_eq!(run(app(&cloud, |_| {}), args(&state, &["destroy", "--yes"])), 1, "destroy refuses the protected net");
    assert_eq!(cloud.objects.lock().unwrap().len(), 2);
}

#[test]
fn state_journal_lists_and_drops_pending_operations() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let id = Store::open(&state)
        .unwrap()
        .begin_op(&common::pending(
            "net",
            "fake:Net",
            state::JournalAction::Create,
            serde_json::json!({}),
            None,
            std::time::Duration::ZERO,
        ))
        .unwrap();
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["state", "journal"])), 0);
    assert_eq!(run(app(&cloud, good), args(&state, &["state", "journal", "--drop", &id.to_string()])), 0);
    assert!(Store::open(&state).unwrap().pending_ops().unwrap().is_empty());
}

#[test]
fn state_journal_lists_a_row_no_plinth_wrote_and_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    drop(Store::open(&state).unwrap());
    let hostile = rusqlite::Connection::open(&state).unwrap();
    hostile
        .execute(
            "INSERT INTO pending_ops (run_id, name, kind, action, inputs, started_at) \
             VALUES ('x', 'net', 'fake:Net', 'delete-everything', '{}', '2025-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
    let id = hostile.last_insert_rowid();
    drop(hostile);
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 1, "a run refuses the row");
    assert_eq!(run(app(&cloud, good), args(&state, &["state", "journal"])), 0, "but it can be listed");
    assert_eq!(run(app(&cloud, good), args(&state, &["state", "journal", "--drop", &id.to_string()])), 0);
    assert_eq!(run(app(&cloud, good), args(&state, &["up", "--yes"])), 0);
    assert_eq!(cloud.count(), 2);
}

#[test]
fn up_applies_a_saved_plan_only_while_nothing_moved() {
    let dir = tempfile::tempdir().unwrap();
    let (state, saved) = (dir.path().join("test.db"), dir.path().join("plan.json"));
    let cloud = FakeCloud::new();
    let saved_arg = saved.display().to_string();
    assert_eq!(run(app(&cloud, good), args(&state, &["preview", "--out", &saved_arg])), 0);
    let other = |stack: &mut Stack| {
        stack.add("net", Net { cidr: "10.9.0.0/16".into(), ..Default::default() });
    };
    assert_eq!(
        run(app(&cloud, other), args(&state, &["up", "--yes", "--plan", &saved_arg])),
        1,
        "the program changed since"
    );
    assert_eq!(cloud.count(), 0);
    assert_eq!(
        run(app(&cloud, good), args(&state, &["up", "--yes", "--plan", &saved_arg])),
        0,
        "exactly the reviewed plan"
    );
    assert_eq!(cloud.objects.lock().unwrap().len(), 2);
    assert_eq!(
        run(app(&cloud, good), args(&state, &["up", "--yes", "--plan", &saved_arg])),
        1,
        "stale: the state moved on"
    );
    assert_eq!(
        run(app(&cloud, good), args(&state, &["preview", "--refresh", "--out", &saved_arg])),
        1,
        "a saved plan is made against recorded state"
    );
}

fn pinned(cloud: &Cloud, expected: &str, actual: &'static str) -> App {
    let mut app = app(cloud, good);
    app.account = Some(engine::cli::AccountPin {
        expected: expected.to_string(),
        caller: Box::new(move |_| Box::pin(async move { Ok(actual.to_string()) })),
    });
    app
}

#[test]
fn another_account_is_refused_before_any_other_call() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    for verb in [&["up", "--yes"][..], &["preview", "--refresh"], &["destroy", "--yes"], &["refresh"], &["drift"]] {
        assert_eq!(run(pinned(&cloud, "111111111111", "999999999999"), args(&state, verb)), 1, "{verb:?}");
    }
    assert_eq!(cloud.count(), 0, "no call but the account check");
    let store = Store::open(&state).unwrap();
    assert!(store.resources().unwrap().is_empty());
    assert_eq!(store.account().unwrap(), None);
}

#[test]
fn the_state_remembers_its_account_and_refuses_another() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(pinned(&cloud, "111111111111", "111111111111"), args(&state, &["up", "--yes"])), 0);
    assert_eq!(Store::open(&state).unwrap().account().unwrap().as_deref(), Some("111111111111"));
    let calls = cloud.count();
    // The program now says another account and the credentials agree: the state still refuses.
    assert_eq!(run(pinned(&cloud, "222222222222", "222222222222"), args(&state, &["up", "--yes"])), 1);
    assert_eq!(run(pinned(&cloud, "222222222222", "222222222222"), args(&state, &["preview", "--refresh"])), 1);
    assert_eq!(cloud.count(), calls, "nothing read or changed in the other account");
}

/// Sends SIGTERM to this process from a thread once `ready` resolves.
fn sigterm_when(ready: impl std::future::Future<Output = ()> + Send + 'static) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        futures::executor::block_on(ready);
        let pid = std::process::id().to_string();
        std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    })
}

#[test]
fn a_call_that_hangs_is_abandoned_after_the_grace_period_keeping_its_journal_row() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    cloud.hang("create", "n1");
    let watcher = {
        let cloud = cloud.clone();
        sigterm_when(async move { cloud.hung.notified().await })
    };
    let started = std::time::Instant::now();
    let code = run(app(&cloud, three_nets), args(&state, &["up", "--yes", "--parallel", "1"]));
    watcher.join().unwrap();
    let took = started.elapsed();
    assert_eq!(code, 130);
    assert!(took >= engine::cli::GRACE, "in-flight calls get the grace period: {took:?}");
    assert!(took < engine::cli::GRACE + std::time::Duration::from_secs(3), "then are abandoned: {took:?}");
    let store = Store::open(&state).unwrap();
    let pending = store.pending_ops().unwrap();
    assert_eq!(pending.len(), 1, "the abandoned create keeps its journal row: {pending:?}");
    assert_eq!(pending[0].1.name, "n1");
    assert!(store.lock_holder().unwrap().is_none(), "the lock was released");
    assert_eq!(store.history().unwrap()[0].result.as_deref(), Some("interrupted"));
}

#[test]
fn a_signal_before_apply_exits_130_and_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let tx = std::sync::Mutex::new(tx);
    let mut app = app(&cloud, good);
    // The account check never answers (an endpoint that accepts and stays silent).
    app.account = Some(engine::cli::AccountPin {
        expected: "111111111111".into(),
        caller: Box::new(move |_| {
            let _ = tx.lock().unwrap().send(());
            Box::pin(std::future::pending())
        }),
    });
    let watcher = sigterm_when(async move {
        let _ = rx.recv();
    });
    let started = std::time::Instant::now();
    let code = run(app, args(&state, &["up", "--yes"]));
    watcher.join().unwrap();
    assert_eq!(code, 130);
    assert!(started.elapsed() < engine::cli::GRACE + std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(cloud.count(), 0);
    let store = Store::open(&state).unwrap();
    assert!(store.lock_holder().unwrap().is_none());
    assert_eq!(store.history().unwrap()[0].result.as_deref(), Some("interrupted"));
}
