//! Edge cases found in review: bookkeeping without changes, dependencies that disappear,
//! tombstones, and replacements that must delete first because what they reference does.

mod common;

use common::{context, registry, Cloud, FakeCloud, Net, Sub, Unique};
use engine::apply::{apply, record_bookkeeping, ApplyOptions, ApplyReport, Silent};
use engine::graph::validate;
use engine::plan::{plan, Action, Plan};
use engine::{ErrorClass, Stack};
use state::Store;
use tokio::sync::watch;

fn plan_for(stack: &Stack, store: &Store) -> Plan {
    plan(stack, &validate(stack).unwrap(), &store.resources().unwrap(), &registry())
}

async fn up(stack: &Stack, store: &Store, cloud: &Cloud) -> ApplyReport {
    let plan = plan_for(stack, store);
    let (_tx, cancel) = watch::channel(false);
    apply(&plan, stack, &registry(), store, context(cloud), &ApplyOptions::new("run", 10, cancel), &Silent)
        .await
        .unwrap()
}

fn net(stack: &mut Stack, name: &str, cidr: &str) -> engine::Handle<Net> {
    stack.add(name, Net { cidr: cidr.into(), ..Default::default() })
}

#[tokio::test]
async fn protection_added_without_any_other_change_is_recorded() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let mut plain = Stack::new("test");
    net(&mut plain, "db", "10.0.0.0/16");
    up(&plain, &store, &cloud).await;
    let mut protected = Stack::new("test");
    net(&mut protected, "db", "10.0.0.0/16").protect();
    let plan = plan_for(&protected, &store);
    assert!(!plan.has_changes());
    record_bookkeeping(&plan, &protected, &store, store.resources().unwrap()).unwrap(); // what `up` does when there is nothing to apply
    assert_eq!(store.resource("db").unwrap().unwrap().options["protect"], true);
    assert_eq!(plan_for(&Stack::new("test"), &store).refusals.len(), 1, "removing it is now refused");
}

#[tokio::test]
async fn a_dependency_dropped_by_an_unchanged_resource_does_not_block_deleting_it() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let mut before = Stack::new("test");
    let a = net(&mut before, "a", "10.0.0.0/16");
    net(&mut before, "b", "10.1.0.0/16").depends_on(&a);
    assert!(up(&before, &store, &cloud).await.ok());
    let mut after = Stack::new("test");
    net(&mut after, "b", "10.1.0.0/16");
    let report = up(&after, &store, &cloud).await;
    assert!(report.ok(), "{report:?}");
    assert!(store.resource("a").unwrap().is_none());
    assert!(store.resource("b").unwrap().unwrap().dependencies.is_empty());
    assert_eq!(cloud.objects.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_tombstone_left_by_a_failed_delete_first_replacement_is_forgotten_by_destroy() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let program = |unique_name: &str| {
        let mut stack = Stack::new("test");
        let n = net(&mut stack, "net", "10.0.0.0/16");
        stack.add(
            "unique",
            Unique { unique_name: unique_name.into(), refs: vec![n.output(|o| o.id.clone())], ..Default::default() },
        );
        stack
    };
    assert!(up(&program("u-1"), &store, &cloud).await.ok());
    cloud.fail("create", "unique", ErrorClass::Invalid);
    let report = up(&program("u-2"), &store, &cloud).await;
    assert_eq!(report.failed.len(), 1);
    assert!(store.resource("unique").unwrap().unwrap().outputs.is_null(), "a tombstone");
    let destroy = plan_for(&Stack::new("test"), &store);
    let forget = destroy.step("unique").unwrap();
    assert_eq!((forget.action, forget.retain, forget.cloud_id.clone()), (Action::Delete, true, None));
    assert!(engine::render::text(&destroy, false).contains("[already gone from the cloud; forgotten]"));
    let report = up(&Stack::new("test"), &store, &cloud).await;
    assert!(report.ok(), "{report:?}");
    assert!(store.resources().unwrap().is_empty());
    assert!(cloud.objects.lock().unwrap().is_empty());
}

#[tokio::test]
async fn replacing_what_references_a_delete_first_replacement_also_deletes_first() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let program = |unique_name: &str| {
        let mut stack = Stack::new("test");
        let u = stack.add("unique", Unique { unique_name: unique_name.into(), ..Default::default() });
        stack.add("sub", Sub { net_id: u.output(|o| o.id.clone()), cidr: "10.0.0.0/24".into(), ..Default::default() });
        stack
    };
    assert!(up(&program("u-1"), &store, &cloud).await.ok());
    let plan = plan_for(&program("u-2"), &store);
    assert!(plan.step("sub").unwrap().delete_first, "sub must go before unique can");
    engine::ops::build_ops(&plan).expect("orderable");
    let report = up(&program("u-2"), &store, &cloud).await;
    assert!(report.ok(), "{report:?}");
    let log = cloud.log();
    let pos = |p: &str| log.iter().rposition(|l| l.starts_with(p)).unwrap();
    assert!(
        pos("delete sub") < pos("delete unique")
            && pos("delete unique") < pos("create unique")
            && pos("create unique") < pos("create sub"),
        "{log:?}"
    );
    assert_eq!(cloud.objects.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_create_that_times_out_after_the_object_exists_is_recorded_and_resumed_not_duplicated() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.fail_after_create.lock().unwrap().insert("net".into());
    let mut stack = Stack::new("test");
    let n = net(&mut stack, "net", "10.0.0.0/16");
    stack.add("sub", Sub { net_id: n.output(|o| o.id.clone()), cidr: "10.0.0.0/24".into(), ..Default::default() });
    let report = up(&stack, &store, &cloud).await;
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0].1.contains("timed out") && report.failed[0].1.contains("recorded in state"), "{report:?}");
    assert_eq!(report.skipped, vec!["sub"]);
    let row = store.resource("net").unwrap().expect("the object is in state");
    assert!(store.pending_ops().unwrap().is_empty());
    cloud.fail_after_create.lock().unwrap().clear();
    assert!(up(&stack, &store, &cloud).await.ok());
    assert_eq!(cloud.named("net").len(), 1, "resumed, not duplicated");
    assert_eq!(store.resource("net").unwrap().unwrap().cloud_id, row.cloud_id);
    assert_eq!(store.resource("sub").unwrap().unwrap().inputs["net_id"], row.cloud_id.as_str());
}

#[tokio::test]
async fn a_rejected_create_whose_lookup_fails_keeps_its_journal_row_and_the_next_run_adopts_the_object() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.rejected_after_create.lock().unwrap().insert("net".into());
    cloud.fail("find", "net", ErrorClass::Transient);
    let mut stack = Stack::new("test");
    net(&mut stack, "net", "10.0.0.0/16");
    let report = up(&stack, &store, &cloud).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].1.contains("whether it left an object is unknown"), "{report:?}");
    assert_eq!(store.pending_ops().unwrap().len(), 1, "the journal row stays");
    assert!(store.resource("net").unwrap().is_none());
    cloud.rejected_after_create.lock().unwrap().clear();
    cloud.failures.lock().unwrap().clear();
    let (_, report) = common::up_recovering(&stack, &store, &cloud).await.expect("not refused");
    assert!(report.ok(), "{report:?}");
    assert_eq!(cloud.named("net").len(), 1, "adopted, not made twice");
    assert!(store.pending_ops().unwrap().is_empty());
}

#[tokio::test]
async fn a_removed_resource_whose_options_do_not_decode_is_refused_not_assumed_unprotected() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let mut stack = Stack::new("test");
    net(&mut stack, "db", "10.0.0.0/16").protect();
    assert!(up(&stack, &store, &cloud).await.ok());
    let mut row = store.resource("db").unwrap().unwrap();
    row.options = serde_json::json!({ "protect": "yes please" });
    store.upsert_resource(&row).unwrap();
    let removal = plan_for(&Stack::new("test"), &store);
    assert_eq!(removal.refusals.len(), 1, "{:?}", removal.refusals);
    let refusal = &removal.refusals[0];
    assert!(
        refusal.contains("`db`") && refusal.contains(&row.cloud_id) && refusal.contains("do not decode"),
        "{refusal}"
    );
    let step = removal.step("db").unwrap();
    assert!(step.options.protect && step.retain, "planned as protected and retained: {step:?}");
}
