//! Recovery and deletes against a hostile or surprising cloud and journal: objects this stack
//! does not own, protected and stateful objects, forged rows, creates whose reply was lost.
//! Nothing is deleted that ownership does not prove; nothing is created twice.

mod common;

use common::{context, inspect, pending, recovery_options, registry, up_recovering, Cloud, FakeCloud, Net};
use engine::apply::{apply, ApplyOptions, ApplyReport, Silent};
use engine::graph::validate;
use engine::plan::plan;
use engine::{ErrorClass, Stack};
use serde_json::json;
use state::{JournalAction, ResourceRow, Store};
use std::time::Duration;
use tokio::sync::watch;

fn one_net(name: &str) -> Stack {
    let mut stack = Stack::new("test");
    stack.add(name, Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    stack
}

async fn up(stack: &Stack, store: &Store, cloud: &Cloud) -> ApplyReport {
    let plan = plan(stack, &validate(stack).unwrap(), &store.resources().unwrap(), &registry());
    let (_tx, cancel) = watch::channel(false);
    apply(&plan, stack, &registry(), store, context(cloud), &ApplyOptions::new("run", 10, cancel), &Silent)
        .await
        .unwrap()
}

/// A row as an attacker (or a confused hand edit) would put in the journal: the old object of a
/// replacement of `name`, pointing at cloud object `id`.
fn forged_replaced(store: &Store, name: &str, kind: &str, id: &str, options: serde_json::Value) -> i64 {
    let prior = ResourceRow {
        name: name.into(),
        kind: kind.into(),
        cloud_id: id.into(),
        inputs: json!({ "cidr": "10.9.0.0/16", "engine": "pg", "tags": { "plinth:name": name } }),
        outputs: json!({ "id": id }),
        dependencies: vec![],
        options,
        references: None,
        created_at: String::new(),
        updated_at: String::new(),
    };
    let row = pending(name, kind, JournalAction::DeleteReplaced, json!(null), Some(prior), Duration::from_secs(600));
    store.begin_op(&row).unwrap()
}

#[tokio::test]
async fn forged_rows_naming_objects_this_stack_does_not_own_delete_nothing_and_name_the_object() {
    for (tags, has) in [
        (vec![], "no plinth:stack tag"),
        (vec![("plinth:stack", "other"), ("plinth:name", "net")], "plinth:stack=other"),
        (vec![("plinth:name", "net")], "no plinth:stack tag"),
    ] {
        let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
        assert!(up(&one_net("net"), &store, &cloud).await.ok());
        cloud.plant("foreign-1", "fake:Net", json!({ "cidr": "10.9.0.0/16" }), &tags);
        let id = forged_replaced(&store, "net", "fake:Net", "foreign-1", json!({}));
        let refused = up_recovering(&one_net("net"), &store, &cloud).await.unwrap_err();
        assert_eq!(refused.len(), 1, "{refused:?}");
        let why = &refused[0];
        assert!(why.contains("foreign-1") && why.contains(has) && why.contains(&format!("journal row {id}")), "{why}");
        assert!(why.contains("state journal --drop"), "{why}");
        assert!(cloud.exists("foreign-1") && cloud.deletes().is_empty(), "nothing deleted: {:?}", cloud.log());
        assert_eq!(store.pending_ops().unwrap().len(), 1, "the row stays for the operator");
    }
}

#[tokio::test]
async fn a_forged_row_against_a_protected_or_stateful_object_is_refused_and_never_claims_no_changes() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let mut prod = Stack::new("test");
    prod.add("secret", common::Db { engine: "pg".into(), ..Default::default() }).protect();
    assert!(up(&prod, &store, &cloud).await.ok());
    let secret = store.resource("secret").unwrap().unwrap().cloud_id;
    // The forged row claims the object is unprotected; state and the kind say otherwise.
    forged_replaced(&store, "secret", "fake:Db", &secret, json!({ "protect": false }));
    let refused = up_recovering(&prod, &store, &cloud).await.unwrap_err();
    assert!(refused.iter().any(|r| r.contains("protected `secret`") && r.contains(&secret)), "{refused:?}");
    assert!(cloud.exists(&secret) && cloud.deletes().is_empty());

    // What `preview`/`up` print for it: a refusal, not "No changes".
    let recovery = inspect(&store, &cloud).await.unwrap();
    let mut shown = plan(&prod, &validate(&prod).unwrap(), &recovery.rows(store.resources().unwrap()), &registry());
    recovery.attach(&mut shown);
    let text = engine::render::text(&shown, false);
    assert!(text.contains("REFUSED") && !text.contains("No changes"), "{text}");

    // A stateful object of another name in the same stack, unprotected: still never deleted.
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.plant("db-old", "fake:Db", json!({ "engine": "pg" }), &[("plinth:stack", "test"), ("plinth:name", "db")]);
    forged_replaced(&store, "db", "fake:Db", "db-old", json!({}));
    let refused = up_recovering(&Stack::new("test"), &store, &cloud).await.unwrap_err();
    assert!(refused.iter().any(|r| r.contains("holds data") && r.contains("db-old")), "{refused:?}");
    assert!(cloud.exists("db-old") && cloud.deletes().is_empty());
}

#[tokio::test]
async fn a_forged_row_naming_another_resources_object_is_refused() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let mut stack = one_net("net");
    stack.add("keep", Net { cidr: "10.1.0.0/16".into(), ..Default::default() });
    assert!(up(&stack, &store, &cloud).await.ok());
    let keep = store.resource("keep").unwrap().unwrap().cloud_id;
    forged_replaced(&store, "net", "fake:Net", &keep, json!({}));
    let refused = up_recovering(&stack, &store, &cloud).await.unwrap_err();
    assert!(refused[0].contains(&keep) && refused[0].contains("state records as `keep`"), "{refused:?}");
    assert!(cloud.exists(&keep));
}

#[tokio::test]
async fn a_removed_resource_whose_object_is_not_ours_is_not_deleted() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    assert!(up(&one_net("net"), &store, &cloud).await.ok());
    let id = store.resource("net").unwrap().unwrap().cloud_id;
    // Someone retagged the object (or the state row was pointed at a foreign one).
    cloud.objects.lock().unwrap().get_mut(&id).unwrap().1["tags"] =
        json!({ "plinth:stack": "prod", "plinth:name": "net" });
    let report = up(&Stack::new("test"), &store, &cloud).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    let why = &report.failed[0].1;
    assert!(why.contains(&id) && why.contains("plinth:stack=prod") && why.contains("will not"), "{why}");
    assert!(cloud.exists(&id) && cloud.deletes().is_empty());
    assert!(store.resource("net").unwrap().is_some(), "state keeps the row");
}

#[tokio::test]
async fn a_pre_created_look_alike_is_neither_adopted_nor_touched() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.plant("look-alike", "fake:Net", json!({ "cidr": "10.0.0.0/16" }), &[("plinth:name", "net")]);
    let inputs = json!({ "cidr": "10.0.0.0/16", "tags": { "plinth:name": "net", "plinth:stack": "test" } });
    store.begin_op(&pending("net", "fake:Net", JournalAction::Create, inputs, None, Duration::from_secs(600))).unwrap();
    let (_, report) = up_recovering(&one_net("net"), &store, &cloud).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_ne!(store.resource("net").unwrap().unwrap().cloud_id, "look-alike", "not adopted");
    assert!(cloud.exists("look-alike") && cloud.deletes().is_empty());
}

#[tokio::test]
async fn a_create_whose_reply_is_lost_is_found_and_recorded_not_created_twice() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.lost_replies.lock().unwrap().insert("net".into());
    let report = up(&one_net("net"), &store, &cloud).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].1.contains("recorded in state"), "{report:?}");
    cloud.lost_replies.lock().unwrap().clear();
    let (_, report) = up_recovering(&one_net("net"), &store, &cloud).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(cloud.named("net").len(), 1, "one object: {:?}", cloud.log());
}

#[tokio::test]
async fn a_create_first_replacement_whose_reply_is_lost_adopts_the_new_object_not_the_old() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    assert!(up(&one_net("net"), &store, &cloud).await.ok());
    let old = store.resource("net").unwrap().unwrap().cloud_id;
    let mut moved = Stack::new("test");
    moved.add("net", Net { cidr: "10.9.0.0/16".into(), ..Default::default() });
    cloud.lost_replies.lock().unwrap().insert("net".into());
    let report = up(&moved, &store, &cloud).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    cloud.lost_replies.lock().unwrap().clear();
    let (_, report) = up_recovering(&moved, &store, &cloud).await.unwrap();
    assert!(report.ok(), "{report:?}");
    let now = store.resource("net").unwrap().unwrap();
    assert_ne!(now.cloud_id, old, "the old object was not taken for the new one");
    assert_eq!(now.inputs["cidr"], "10.9.0.0/16");
    assert_eq!(cloud.named("net").len(), 1, "the new object, created once; the old one deleted: {:?}", cloud.log());
    assert!(!cloud.exists(&old));
}

#[tokio::test]
async fn an_ambiguous_create_failure_keeps_its_row_until_the_call_can_no_longer_land() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.fail("create", "net", ErrorClass::Transient);
    let report = up(&one_net("net"), &store, &cloud).await;
    assert!(report.failed[0].1.contains("journal row is kept"), "{report:?}");
    assert_eq!(store.pending_ops().unwrap().len(), 1, "kept: the request may have landed");

    // preview-like: no waiting, undecided, nothing changes.
    let opts = engine::recover::RecoveryOptions { wait: false, ..recovery_options(Duration::from_secs(60)) };
    let read = engine::recover::inspect(&store, &registry(), &context(&cloud), "test", &opts).await.unwrap();
    assert!(read.kept[0].why.contains("could still land"), "{read:?}");
    assert!(read.resolved.is_empty());

    // The request lands late, while `up` waits: adopted, not duplicated.
    cloud.failures.lock().unwrap().clear();
    let late = cloud.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        late.plant(
            "net-late",
            "fake:Net",
            json!({ "cidr": "10.0.0.0/16" }),
            &[("plinth:stack", "test"), ("plinth:name", "net")],
        );
    });
    let waiting = recovery_options(Duration::from_secs(30));
    let recovery = engine::recover::inspect(&store, &registry(), &context(&cloud), "test", &waiting).await.unwrap();
    assert!(recovery.resolved[0].said.contains("net-late"), "{recovery:?}");
    recovery.commit(&store).unwrap();
    assert!(up(&one_net("net"), &store, &cloud).await.ok());
    assert_eq!(cloud.named("net").len(), 1);
}

#[tokio::test]
async fn recovery_concludes_never_created_only_after_the_landing_bound_and_says_it_waits() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let inputs = json!({ "cidr": "10.0.0.0/16", "tags": {} });
    store.begin_op(&pending("net", "fake:Net", JournalAction::Create, inputs, None, Duration::ZERO)).unwrap();
    let told = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = told.clone();
    let opts = engine::recover::RecoveryOptions {
        on_wait: Some(Box::new(move |l: &str| sink.lock().unwrap().push(l.to_string()))),
        ..recovery_options(Duration::from_secs(2))
    };
    let started = std::time::Instant::now();
    let recovery = engine::recover::inspect(&store, &registry(), &context(&cloud), "test", &opts).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited for the bound: {:?}", started.elapsed());
    assert_eq!(recovery.resolved[0].said, "never created; nothing to adopt");
    let told = told.lock().unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("could still") && told[0].contains("`net`"), "{told:?}");
}

#[tokio::test]
async fn a_lookup_that_fails_keeps_the_row_and_stops_the_run() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let inputs = json!({ "cidr": "10.0.0.0/16", "tags": {} });
    store.begin_op(&pending("net", "fake:Net", JournalAction::Create, inputs, None, Duration::from_secs(600))).unwrap();
    cloud.fail("find", "net", ErrorClass::Transient);
    let err = up_recovering(&one_net("net"), &store, &cloud).await.unwrap_err();
    assert!(
        err[0].contains("cannot tell whether the interrupted create of `net`")
            && err[0].contains("looking it up failed"),
        "{err:?}"
    );
    assert_eq!(store.pending_ops().unwrap().len(), 1);
    assert!(cloud.log().is_empty(), "nothing created: {:?}", cloud.log());
}
