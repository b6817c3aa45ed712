//! `import NAME ID` and `import --by-tag KEY=VALUE` against the fake cloud: requests the program
//! or state rule out fail before any cloud call; objects of another stack or resource are refused
//! with nothing changed; nothing is tagged or recorded without agreement; an agreed import tags
//! the object, records it, and `preview` then shows only how it differs from the program.

mod common;

use common::{app, args, context, inspect, pending, registry, up_recovering, Cloud, FakeCloud, Net, Sub};
use engine::cli::run;
use engine::graph::validate;
use engine::import::{check, propose, survey, ImportError};
use engine::plan::{plan, Action};
use engine::{ErrorClass, Stack};
use serde_json::json;
use state::{JournalAction, Store};
use std::path::Path;
use std::time::Duration;

/// The program: a net (label "wanted") and a sub inside it.
fn program(stack: &mut Stack) {
    let net = stack.add("net", Net { cidr: "10.0.0.0/16".into(), label: "wanted".into(), ..Default::default() });
    stack.add("sub", Sub { net_id: net.output(|o| o.id.clone()), cidr: "10.0.1.0/24".into(), ..Default::default() });
}

fn stack() -> Stack {
    let mut stack = Stack::new("test");
    program(&mut stack);
    stack
}

/// A net someone made by hand: label "by-hand", carrying only `tags`.
fn plant_net(cloud: &Cloud, id: &str, tags: &[(&str, &str)]) {
    cloud.plant(id, "fake:Net", json!({ "cidr": "10.0.0.0/16", "label": "by-hand" }), tags);
}

fn import(cloud: &Cloud, state: &Path, verb: &[&str]) -> u8 {
    let mut words = vec!["import"];
    words.extend_from_slice(verb);
    run(app(cloud, program), args(state, &words))
}

fn rows(state: &Path) -> Vec<state::ResourceRow> {
    Store::open(state).unwrap().resources().unwrap()
}

fn tags_of(cloud: &Cloud, id: &str) -> serde_json::Value {
    cloud.objects.lock().unwrap()[id].1["tags"].clone()
}

#[test]
fn an_agreed_import_tags_the_object_records_it_and_preview_shows_only_the_real_differences() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    plant_net(&cloud, "hand-1", &[("Owner", "ops")]);
    assert_eq!(import(&cloud, &state, &["net", "hand-1", "--yes"]), 0);

    assert_eq!(cloud.log(), ["tag net hand-1"], "one tag write, nothing else");
    let tags = tags_of(&cloud, "hand-1");
    assert_eq!(tags["plinth:stack"], "test");
    assert_eq!(tags["plinth:name"], "net");
    assert_eq!(tags["Owner"], "ops", "tags are added, never removed");
    let rows = rows(&state);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!((row.name.as_str(), row.kind.as_str(), row.cloud_id.as_str()), ("net", "fake:Net", "hand-1"));
    assert_eq!(row.inputs["label"], "by-hand", "inputs are what the cloud has");
    assert_eq!(row.outputs, json!({ "id": "hand-1" }));
    assert!(Store::open(&state).unwrap().pending_ops().unwrap().is_empty(), "the journal row was committed");

    // The plan: `net` differs only in its label (and the tag the program does not have);
    // `sub` is new.
    let stack = stack();
    let plan = plan(&stack, &validate(&stack).unwrap(), &rows, &registry());
    let net = plan.step("net").unwrap();
    assert_eq!(net.action, Action::Update);
    let fields: Vec<&str> = net.diffs.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(fields, ["label", "tags.Owner"], "{:?}", net.diffs);
    assert_eq!(plan.step("sub").unwrap().action, Action::Create);

    // After `up`, nothing differs: the imported object was updated in place, not replaced.
    assert_eq!(run(app(&cloud, program), args(&state, &["up", "--yes"])), 0);
    assert!(cloud.exists("hand-1") && cloud.deletes().is_empty(), "{:?}", cloud.log());
    assert_eq!(run(app(&cloud, program), args(&state, &["preview", "--detailed-exitcode"])), 0);
}

#[test]
fn a_name_not_in_the_program_or_already_in_state_fails_before_any_cloud_call() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    plant_net(&cloud, "hand-1", &[]);
    assert_eq!(import(&cloud, &state, &["nope", "hand-1", "--yes"]), 1);
    assert_eq!(cloud.count(), 0, "no cloud call");
    assert!(rows(&state).is_empty());

    assert_eq!(run(app(&cloud, program), args(&state, &["up", "--yes"])), 0);
    let calls = cloud.count();
    assert_eq!(import(&cloud, &state, &["net", "hand-1", "--yes"]), 1);
    assert_eq!(cloud.count(), calls, "no cloud call");
    let after = Store::open(&state).unwrap();
    assert_eq!(after.resource("net").unwrap().unwrap().cloud_id, "net-0", "the row is untouched");
    assert!(cloud.named("net").len() == 1 && tags_of(&cloud, "hand-1") == json!({}), "hand-1 untouched");
    drop(after);
    assert_eq!(rows(&state).len(), 2);
}

#[test]
fn check_names_what_is_wrong() {
    let stack = stack();
    let err = check(&stack, &[], "nope", "x").err().unwrap().to_string();
    assert!(err.contains("`nope` is not declared in the program"), "{err}");
    let err = check(&stack, &[], "sub", "x").err().unwrap().to_string();
    assert!(
        err.contains("`sub` references `net`, which is not in state") && err.contains("import or create `net` first"),
        "{err}"
    );
    let row = state::ResourceRow {
        name: "net".into(),
        kind: "fake:Net".into(),
        cloud_id: "net-9".into(),
        inputs: json!({ "cidr": "10.0.0.0/16" }),
        outputs: json!({ "id": "net-9" }),
        dependencies: vec![],
        options: json!({}),
        references: None,
        created_at: String::new(),
        updated_at: String::new(),
    };
    let err = check(&stack, std::slice::from_ref(&row), "net", "x").err().unwrap().to_string();
    assert!(err.contains("`net` is already in state as net-9") && err.contains("state forget net"), "{err}");
    // Another resource's object: refused even for a different name.
    let mut two = Stack::new("test");
    two.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    two.add("net2", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    let err = check(&two, &[row], "net2", "net-9").err().unwrap().to_string();
    assert!(err.contains("net-9 is already in state as `net`"), "{err}");
}

#[test]
fn another_stacks_or_another_resources_object_is_refused_with_zero_mutations() {
    for (tags, has) in [
        (vec![("plinth:stack", "other"), ("plinth:name", "net")], "plinth:stack=other"),
        (vec![("plinth:stack", "test"), ("plinth:name", "old-net")], "plinth:name=old-net"),
        (vec![("plinth:stack", "other")], "plinth:stack=other"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("test.db");
        let cloud = FakeCloud::new();
        plant_net(&cloud, "theirs-1", &tags);
        let before = tags_of(&cloud, "theirs-1");
        assert_eq!(import(&cloud, &state, &["net", "theirs-1", "--yes"]), 1);
        assert!(cloud.log().is_empty(), "zero mutations: {:?}", cloud.log());
        assert_eq!(tags_of(&cloud, "theirs-1"), before, "its tags are kept");
        assert!(rows(&state).is_empty(), "nothing recorded");
        // The refusal names the tags it found.
        let rt = tokio::runtime::Runtime::new().unwrap();
        let target = check(&stack(), &[], "net", "theirs-1").unwrap();
        let err = rt.block_on(propose(&target, "test", "theirs-1", &context(&cloud))).err().unwrap();
        assert!(matches!(err, ImportError::Refused { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("theirs-1") && text.contains(has), "{text}");
    }
}

#[test]
fn without_a_terminal_or_yes_nothing_is_tagged_or_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    plant_net(&cloud, "hand-1", &[]);
    // Test processes have no terminal on stdin: the import must be refused.
    assert_eq!(import(&cloud, &state, &["net", "hand-1"]), 1);
    assert!(cloud.log().is_empty(), "{:?}", cloud.log());
    assert_eq!(tags_of(&cloud, "hand-1"), json!({}));
    assert!(rows(&state).is_empty());
    assert!(Store::open(&state).unwrap().pending_ops().unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_object_or_one_of_another_kind_is_named() {
    let cloud = FakeCloud::new();
    cloud.plant("sub-x", "fake:Sub", json!({ "net_id": "n", "cidr": "10.0.1.0/24" }), &[]);
    let target = check(&stack(), &[], "net", "gone-1").unwrap();
    let err = propose(&target, "test", "gone-1", &context(&cloud)).await.err().unwrap().to_string();
    assert!(err.contains("fake:Net gone-1 does not exist") && err.contains("`net`"), "{err}");
    let err = propose(&target, "test", "sub-x", &context(&cloud)).await.err().unwrap().to_string();
    assert!(err.contains("sub-x is a fake:Sub, not a fake:Net"), "{err}");
    assert!(cloud.log().is_empty());
}

#[test]
fn by_tag_records_what_a_crashed_run_left_in_dependency_order() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    // Nothing tagged yet: says so and exits 0.
    assert_eq!(import(&cloud, &state, &["--by-tag", "crashed=yes", "--yes"]), 0);
    assert!(rows(&state).is_empty());

    let ours = |name: &'static str| vec![("plinth:stack", "test"), ("plinth:name", name), ("crashed", "yes")];
    plant_net(&cloud, "left-net", &ours("net"));
    cloud.plant("left-sub", "fake:Sub", json!({ "net_id": "left-net", "cidr": "10.0.1.0/24" }), &ours("sub"));
    assert_eq!(import(&cloud, &state, &["--by-tag", "crashed=yes", "--yes"]), 0);
    let rows = rows(&state);
    let by_name = |n: &str| rows.iter().find(|r| r.name == n).unwrap().clone();
    assert_eq!(by_name("net").cloud_id, "left-net");
    assert_eq!(by_name("sub").cloud_id, "left-sub");
    assert_eq!(by_name("sub").dependencies, ["net"], "the sub's row depends on the imported net");
    // Only the program's missing tags were written (the stack's tags were there already: none).
    assert!(cloud.log().is_empty(), "{:?}", cloud.log());
    // The sub's net_id resolves to the imported net: nothing to replace; only the tag the
    // program does not have differs.
    let stack = stack();
    let plan = plan(&stack, &validate(&stack).unwrap(), &rows, &registry());
    let sub = plan.step("sub").unwrap();
    assert_eq!(sub.action, Action::Update, "{sub:?}");
    assert_eq!(sub.diffs.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["tags.crashed"]);
    let net = plan.step("net").unwrap();
    assert_eq!(net.diffs.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["label", "tags.crashed"]);
}

#[tokio::test]
async fn by_tag_proposes_only_objects_with_the_tag_and_proven_tags() {
    let cloud = FakeCloud::new();
    // Ours but without crashed=yes; another stack's with it; a stranger with only crashed=yes.
    plant_net(&cloud, "ours-1", &[("plinth:stack", "test"), ("plinth:name", "net")]);
    plant_net(&cloud, "other-1", &[("plinth:stack", "other"), ("plinth:name", "net"), ("crashed", "yes")]);
    plant_net(&cloud, "stranger-1", &[("crashed", "yes")]);
    let stack = stack();
    let found = survey(&stack, &validate(&stack).unwrap(), &[], ("crashed", "yes"), &context(&cloud)).await.unwrap();
    assert!(found.proposals.is_empty());
    assert!(found.notes.iter().any(|n| n.contains("ours-1 without the tag crashed=yes")), "{:?}", found.notes);
    assert!(found.notes.iter().any(|n| n.contains("`sub` not looked up") && n.contains("`net`")), "{:?}", found.notes);
    assert!(cloud.log().is_empty());
}

#[test]
fn a_tag_write_that_may_have_landed_keeps_its_journal_row_and_up_settles_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    plant_net(&cloud, "hand-1", &[]);
    cloud.fail("tag", "net", ErrorClass::Transient);
    assert_eq!(import(&cloud, &state, &["net", "hand-1", "--yes"]), 1);
    let store = Store::open(&state).unwrap();
    let pending = store.pending_ops().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].1.action, JournalAction::Import);
    assert!(store.resources().unwrap().is_empty());
    drop(store);
    // While the row stands, another import is refused before any cloud call.
    let calls = cloud.count();
    assert_eq!(import(&cloud, &state, &["net", "hand-1", "--yes"]), 1);
    assert_eq!(cloud.count(), calls);
    // The failed call never tagged it: recovery forgets the row; `up` then creates `net` anew.
    cloud.failures.lock().unwrap().clear();
    assert_eq!(run(app(&cloud, program), args(&state, &["up", "--yes"])), 0);
    let store = Store::open(&state).unwrap();
    assert!(store.pending_ops().unwrap().is_empty());
    assert_ne!(store.resource("net").unwrap().unwrap().cloud_id, "hand-1");
    assert_eq!(tags_of(&cloud, "hand-1"), json!({}), "the hand-made object is left alone");
}

#[test]
fn a_clearly_rejected_tag_write_leaves_no_journal_row() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    plant_net(&cloud, "hand-1", &[]);
    cloud.fail("tag", "net", ErrorClass::AccessDenied);
    assert_eq!(import(&cloud, &state, &["net", "hand-1", "--yes"]), 1);
    let store = Store::open(&state).unwrap();
    assert!(store.pending_ops().unwrap().is_empty() && store.resources().unwrap().is_empty());
}

/// An import interrupted after its tag call landed: recovery records the object; one whose
/// tag call never landed is forgotten; one that now carries another stack's tags is refused.
#[tokio::test]
async fn recovery_settles_an_interrupted_import_by_reading_the_object() {
    for (tags, recorded) in [
        (vec![("plinth:stack", "test"), ("plinth:name", "net")], Some(true)),
        (vec![], Some(false)),
        (vec![("plinth:stack", "other"), ("plinth:name", "net")], None),
    ] {
        let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
        plant_net(&cloud, "hand-1", &tags);
        let prior = state::ResourceRow {
            name: "net".into(),
            kind: "fake:Net".into(),
            cloud_id: "hand-1".into(),
            inputs: json!({ "cidr": "10.0.0.0/16", "label": "by-hand", "tags": {} }),
            outputs: json!({ "id": "hand-1" }),
            dependencies: vec![],
            options: json!({}),
            references: None,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let inputs = prior.inputs.clone();
        store
            .begin_op(&pending("net", "fake:Net", JournalAction::Import, inputs, Some(prior), Duration::ZERO))
            .unwrap();
        let mut one = Stack::new("test");
        one.add("net", Net { cidr: "10.0.0.0/16".into(), label: "by-hand".into(), ..Default::default() });
        match recorded {
            Some(true) => {
                let recovery = inspect(&store, &cloud).await.unwrap();
                assert_eq!(recovery.notes().len(), 1, "{:?}", recovery.notes());
                assert!(recovery.notes()[0].contains("imported into state"), "{:?}", recovery.notes());
                let (plan, report) = up_recovering(&one, &store, &cloud).await.unwrap();
                assert!(report.ok());
                assert_eq!(plan.step("net").unwrap().cloud_id.as_deref(), Some("hand-1"));
                assert_eq!(store.resource("net").unwrap().unwrap().cloud_id, "hand-1");
                assert!(cloud.log().iter().all(|l| !l.starts_with("create")), "{:?}", cloud.log());
            }
            Some(false) => {
                let (_, report) = up_recovering(&one, &store, &cloud).await.unwrap();
                assert!(report.ok());
                assert_ne!(store.resource("net").unwrap().unwrap().cloud_id, "hand-1", "not adopted");
                assert_eq!(tags_of(&cloud, "hand-1"), json!({}));
            }
            None => {
                let refused = up_recovering(&one, &store, &cloud).await.unwrap_err();
                assert!(refused[0].contains("plinth:stack=other") && refused[0].contains("hand-1"), "{refused:?}");
                assert!(cloud.log().is_empty() && store.resources().unwrap().is_empty());
            }
        }
        assert!(store.pending_ops().unwrap().is_empty() || recorded.is_none());
    }
}

#[test]
fn malformed_requests_are_refused_by_the_command_line_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    for verb in
        [&["--by-tag", "no-equals-sign"][..], &["--by-tag", "=v"], &["net"], &["net", "id", "--by-tag", "k=v"], &[]]
    {
        assert_eq!(import(&cloud, &state, verb), 1, "{verb:?}");
    }
    assert_eq!(cloud.count(), 0);
    assert!(!state.exists(), "no state file was created");
}
