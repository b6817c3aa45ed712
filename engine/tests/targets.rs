//! `--target` through the CLI against the fake cloud: a targeted run touches only its closure,
//! leaves state consistent (a full preview afterwards shows exactly the rest), deletes removed
//! resources only when named, keeps guard rails, and a saved plan keeps its targets.

mod common;

use common::{app, args, registry, Cloud, Db, FakeCloud, Net, Sub, Svc};
use engine::cli::run;
use engine::plan::{plan, Action, Plan};
use engine::target::{narrow, Targets};
use engine::Stack;
use state::Store;
use std::collections::BTreeMap;
use std::path::Path;

/// Two networks, a subnet in each, a service using `sub-a`, and a database of its own.
fn program(cidr_a: &str, label_b: &str, with_sub_b: bool) -> impl Fn(&mut Stack) + Send + Sync + 'static {
    let (cidr_a, label_b) = (cidr_a.to_string(), label_b.to_string());
    move |stack: &mut Stack| {
        let net_a = stack.add("net-a", Net { cidr: cidr_a.clone(), ..Default::default() });
        let net_b =
            stack.add("net-b", Net { cidr: "10.1.0.0/16".into(), label: label_b.clone(), ..Default::default() });
        let sub_a =
            stack.add("sub-a", Sub { net_id: net_a.output(|o| o.id.clone()), cidr: "a".into(), ..Default::default() });
        if with_sub_b {
            stack.add("sub-b", Sub { net_id: net_b.output(|o| o.id.clone()), cidr: "b".into(), ..Default::default() });
        }
        stack.add("svc", Svc { needs: vec![sub_a.output(|o| o.id.clone())], ..Default::default() });
        stack.add("db", Db { engine: "pg".into(), ..Default::default() });
    }
}

fn base() -> impl Fn(&mut Stack) + Send + Sync + 'static {
    program("10.0.0.0/16", "", true)
}

/// The whole plan `program` makes now against the state file, as a full preview shows it.
fn full_plan(state: &Path, program: impl Fn(&mut Stack)) -> Plan {
    let mut stack = Stack::new("test");
    program(&mut stack);
    let graph = engine::graph::validate(&stack).unwrap();
    let rows = if state.exists() { Store::open_read_only(state).unwrap().resources().unwrap() } else { vec![] };
    plan(&stack, &graph, &rows, &registry())
}

/// Name → action of every step that changes something.
fn changes(plan: &Plan) -> BTreeMap<String, Action> {
    plan.steps.iter().filter(|s| s.action != Action::Same).map(|s| (s.name.clone(), s.action)).collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The names of the objects in the fake cloud.
fn in_cloud(cloud: &Cloud) -> Vec<String> {
    let mut names: Vec<String> = cloud
        .objects
        .lock()
        .unwrap()
        .values()
        .map(|(_, v)| v["tags"]["plinth:name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Every row's dependencies are rows in state (the store's own integrity check also runs on open).
fn assert_consistent(state: &Path) {
    let rows = Store::open(state).expect("the state passes its integrity check").resources().unwrap();
    let present: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    for row in &rows {
        for dep in &row.dependencies {
            assert!(present.contains(&dep.as_str()), "`{}` depends on `{dep}`, which is not in state", row.name);
        }
    }
}

#[test]
fn a_targeted_up_applies_the_closure_and_a_full_preview_then_shows_exactly_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    let before = changes(&full_plan(&state, base()));
    assert_eq!(run(app(&cloud, base()), args(&state, &["up", "--yes", "--target", "svc"])), 0);
    assert_eq!(in_cloud(&cloud), names(&["net-a", "sub-a", "svc"]), "svc and what it needs, nothing else");
    assert_consistent(&state);
    let rest = changes(&full_plan(&state, base()));
    let expected: BTreeMap<String, Action> =
        before.into_iter().filter(|(n, _)| !["net-a", "sub-a", "svc"].contains(&n.as_str())).collect();
    assert_eq!(rest, expected);
    assert_eq!(rest.keys().cloned().collect::<Vec<_>>(), names(&["db", "net-b", "sub-b"]));
    // A targeted preview of what is already applied has nothing to do.
    let targeted = ["preview", "--detailed-exitcode", "--target", "svc"];
    assert_eq!(run(app(&cloud, base()), args(&state, &targeted)), 0);
    assert_eq!(run(app(&cloud, base()), args(&state, &["preview", "--detailed-exitcode"])), 2);
}

#[test]
fn target_dependents_brings_what_depends_on_the_target_and_what_that_needs() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, base()), args(&state, &["up", "--yes", "--target", "net-a"])), 0);
    assert_eq!(in_cloud(&cloud), names(&["net-a"]), "without --target-dependents: the target alone");
    let with_dependents = ["up", "--yes", "--target", "net-a", "--target-dependents"];
    assert_eq!(run(app(&cloud, base()), args(&state, &with_dependents)), 0);
    assert_eq!(in_cloud(&cloud), names(&["net-a", "sub-a", "svc"]));
    assert_consistent(&state);
}

#[test]
fn unknown_targets_fail_before_any_cloud_call_and_leave_state_alone() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, base()), args(&state, &["up", "--yes", "--target", "net-a"])), 0);
    let (file, calls) = (std::fs::read(&state).unwrap(), cloud.count());
    for verb in [
        &["up", "--yes", "--target", "net"][..],
        &["preview", "--target", "sub"],
        &["destroy", "--yes", "--target", "sub-a"],
    ] {
        assert_eq!(run(app(&cloud, base()), args(&state, verb)), 1, "{verb:?}");
    }
    assert_eq!(cloud.count(), calls, "no cloud call");
    assert_eq!(std::fs::read(&state).unwrap(), file, "state byte for byte");
}

#[test]
fn a_removed_resource_is_deleted_only_when_targeted_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, base()), args(&state, &["up", "--yes"])), 0);
    // The program drops `sub-b` and relabels `net-b`.
    let next = || program("10.0.0.0/16", "relabelled", false);
    assert_eq!(run(app(&cloud, next()), args(&state, &["up", "--yes", "--target", "net-b"])), 0);
    assert!(in_cloud(&cloud).contains(&"sub-b".to_string()), "not targeted: not deleted");
    assert_eq!(changes(&full_plan(&state, next())), BTreeMap::from([("sub-b".to_string(), Action::Delete)]));
    assert_eq!(run(app(&cloud, next()), args(&state, &["up", "--yes", "--target", "sub-b"])), 0);
    assert!(!in_cloud(&cloud).contains(&"sub-b".to_string()));
    assert!(changes(&full_plan(&state, next())).is_empty());
    assert_consistent(&state);
}

#[test]
fn replacing_a_target_moves_its_dependents_to_the_new_object_before_the_old_goes() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, base()), args(&state, &["up", "--yes"])), 0);
    // A new CIDR replaces `net-a`; `sub-a` (and through it `svc`) use it.
    let next = || program("10.9.0.0/16", "relabelled", true);
    let rows = Store::open_read_only(&state).unwrap().resources().unwrap();
    let targets = Targets::new(&["net-a".to_string()], false).unwrap();
    let narrowed = narrow(&full_plan(&state, next()), &rows, &targets);
    assert_eq!(
        narrowed.notes,
        vec![
            "`sub-a` is planned too: it depends on `net-a`, which the plan replaces (a resource cannot be deleted \
             while its dependents remain)",
            "`svc` is planned too: it depends on `sub-a`, which the plan replaces (a resource cannot be deleted \
             while its dependents remain)",
        ]
    );
    assert_eq!((narrowed.left_out, narrowed.left_out_changes), (3, 1), "db, net-b (relabelled), sub-b");
    assert!(targets.warning(&narrowed, false).contains("planned 3 resource(s)"));
    assert_eq!(run(app(&cloud, next()), args(&state, &["up", "--yes", "--target", "net-a"])), 0);
    let store = Store::open(&state).unwrap();
    let (net, sub) = (store.resource("net-a").unwrap().unwrap(), store.resource("sub-a").unwrap().unwrap());
    assert_eq!(sub.inputs["net_id"], net.cloud_id.as_str(), "sub-a moved to the new net-a");
    assert_eq!(cloud.named("net-a").len(), 1, "the old net-a is gone");
    assert_eq!(changes(&full_plan(&state, next())), BTreeMap::from([("net-b".to_string(), Action::Update)]));
    assert_consistent(&state);
}

#[test]
fn a_targeted_destroy_takes_the_dependents_and_leaves_the_rest_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, base()), args(&state, &["up", "--yes"])), 0);
    assert_eq!(run(app(&cloud, base()), args(&state, &["destroy", "--yes", "--target", "net-a"])), 0);
    assert_eq!(in_cloud(&cloud), names(&["db", "net-b", "sub-b"]), "net-a and what depends on it");
    let deletes = cloud.deletes();
    let position = |name: &str| deletes.iter().position(|d| d.starts_with(&format!("delete {name} "))).unwrap();
    assert!(position("svc") < position("sub-a") && position("sub-a") < position("net-a"), "{deletes:?}");
    assert_consistent(&state);
    let creates = changes(&full_plan(&state, base()));
    assert_eq!(creates, ["net-a", "sub-a", "svc"].map(|n| (n.to_string(), Action::Create)).into_iter().collect());
}

#[test]
fn guard_rails_apply_to_what_is_targeted_and_only_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    assert_eq!(run(app(&cloud, base()), args(&state, &["up", "--yes"])), 0);
    let next = |stack: &mut Stack| {
        stack.add("net-a", Net { cidr: "10.0.0.0/16".into(), label: "changed".into(), ..Default::default() });
        stack.add("db", Db { engine: "mysql".into(), ..Default::default() });
    };
    let calls = cloud.count();
    assert_eq!(run(app(&cloud, next), args(&state, &["up", "--yes", "--target", "db"])), 1, "stateful replace");
    assert_eq!(cloud.count(), calls, "refused before any change");
    // The database's replacement is outside the target: the label update runs alone.
    assert_eq!(run(app(&cloud, next), args(&state, &["up", "--yes", "--target", "net-a"])), 0);
    assert_eq!(cloud.objects.lock().unwrap().values().filter(|(_, v)| v["label"] == "changed").count(), 1);
    let allowed = ["up", "--yes", "--target", "db", "--allow-replace", "db"];
    assert_eq!(run(app(&cloud, next), args(&state, &allowed)), 0);
    assert_eq!(cloud.objects.lock().unwrap().values().filter(|(_, v)| v["engine"] == "mysql").count(), 1);
}

#[test]
fn a_saved_plan_keeps_its_targets_and_refuses_others() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let saved = dir.path().join("plan.json");
    let cloud = FakeCloud::new();
    let preview = ["preview", "--target", "sub-a", "--out", saved.to_str().unwrap()];
    assert_eq!(run(app(&cloud, base()), args(&state, &preview)), 0);
    let text = std::fs::read_to_string(&saved).unwrap();
    let recorded: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(recorded["targets"]["names"], serde_json::json!(["sub-a"]));
    for other in [&["--target", "svc"][..], &[], &["--target", "sub-a", "--target-dependents"]] {
        let mut verb = vec!["up", "--yes", "--plan", saved.to_str().unwrap()];
        verb.extend(other);
        assert_eq!(run(app(&cloud, base()), args(&state, &verb)), 1, "{other:?}");
    }
    assert_eq!(cloud.count(), 0, "refused before any cloud call");
    let same = ["up", "--yes", "--plan", saved.to_str().unwrap(), "--target", "sub-a"];
    assert_eq!(run(app(&cloud, base()), args(&state, &same)), 0);
    assert_eq!(in_cloud(&cloud), names(&["net-a", "sub-a"]));
}
