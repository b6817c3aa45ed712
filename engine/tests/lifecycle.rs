//! Engine lifecycle against the in-memory fake cloud: ordering, replacement, partial failure,
//! a crash between journal begin and commit, parallelism and cancellation.

mod common;

use common::{context, registry, Cloud, FakeCloud, Net, Sub, Unique};
use engine::apply::{apply, ApplyOptions, ApplyReport, Silent};
use engine::graph::validate;
use engine::plan::{plan, Action, Plan};
use engine::{ErrorClass, Stack};
use state::{JournalAction, Store};
use std::time::Duration;
use tokio::sync::watch;

fn program(cidr: &str, subs: &[&str], unique_name: &str) -> Stack {
    let mut stack = Stack::new("test");
    let net = stack.add("net", Net { cidr: cidr.into(), ..Default::default() });
    for (i, s) in subs.iter().enumerate() {
        stack.add(
            format!("sub-{s}"),
            Sub { net_id: net.output(|o| o.id.clone()), cidr: format!("10.0.{i}.0/24"), ..Default::default() },
        );
    }
    stack.add("unique", Unique { unique_name: unique_name.into(), ..Default::default() });
    stack
}

fn plan_for(stack: &Stack, store: &Store) -> Plan {
    plan(stack, &validate(stack).unwrap(), &store.resources().unwrap(), &registry())
}

async fn up_with(stack: &Stack, store: &Store, cloud: &Cloud, parallel: usize) -> (Plan, ApplyReport) {
    let plan = plan_for(stack, store);
    let (_tx, cancel) = watch::channel(false);
    let opts = ApplyOptions::new("run", parallel, cancel);
    let report = apply(&plan, stack, &registry(), store, context(cloud), &opts, &Silent).await.unwrap();
    (plan, report)
}

async fn up(stack: &Stack, store: &Store, cloud: &Cloud) -> ApplyReport {
    up_with(stack, store, cloud, 10).await.1
}

fn position(log: &[String], prefix: &str) -> usize {
    log.iter().position(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("`{prefix}` not in {log:?}"))
}

fn ids(store: &Store) -> Vec<String> {
    store.resources().unwrap().into_iter().map(|r| r.cloud_id).collect()
}

#[tokio::test]
async fn up_creates_everything_once_and_then_has_nothing_to_do() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let stack = program("10.0.0.0/16", &["a", "b"], "u");
    assert!(up(&stack, &store, &cloud).await.ok());
    assert_eq!(cloud.objects.lock().unwrap().len(), 4);
    let log = cloud.log();
    assert!(position(&log, "create net") < position(&log, "create sub-a"));
    let sub = store.resource("sub-a").unwrap().unwrap();
    let net = store.resource("net").unwrap().unwrap();
    assert_eq!(sub.inputs["net_id"], net.cloud_id.as_str(), "reference resolved to the net's real id");
    assert_eq!(sub.dependencies, vec!["net".to_string()]);
    assert!(!plan_for(&stack, &store).has_changes());
    assert!(store.pending_ops().unwrap().is_empty());
}

#[tokio::test]
async fn changed_field_is_updated_in_place() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &["a"], "u"), &store, &cloud).await;
    let before = ids(&store);
    let mut stack = Stack::new("test");
    let net = stack.add("net", Net { cidr: "10.0.0.0/16".into(), label: "blue".into(), ..Default::default() });
    stack.add("sub-a", Sub { net_id: net.output(|o| o.id.clone()), cidr: "10.0.0.0/24".into(), ..Default::default() });
    stack.add("unique", Unique { unique_name: "u".into(), ..Default::default() });
    assert!(up(&stack, &store, &cloud).await.ok());
    assert_eq!(ids(&store), before, "no object was replaced");
    let net_id = store.resource("net").unwrap().unwrap().cloud_id;
    assert_eq!(cloud.objects.lock().unwrap()[&net_id].1["label"], "blue");
}

#[tokio::test]
async fn replacement_creates_the_new_object_before_deleting_the_old() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &["a"], "u"), &store, &cloud).await;
    let old_net = store.resource("net").unwrap().unwrap().cloud_id;
    let report = up(&program("10.1.0.0/16", &["a"], "u"), &store, &cloud).await;
    assert!(report.ok(), "{report:?}");
    let log = cloud.log();
    let new_net = store.resource("net").unwrap().unwrap().cloud_id;
    assert_ne!(new_net, old_net);
    assert!(position(&log[3..], "create net") < position(&log[3..], "delete net"), "{log:?}");
    assert!(
        position(&log[3..], "delete sub-a") < position(&log[3..], "delete net"),
        "old sub goes before old net: {log:?}"
    );
    assert_eq!(store.resource("sub-a").unwrap().unwrap().inputs["net_id"], new_net.as_str());
    assert_eq!(cloud.objects.lock().unwrap().len(), 3, "old objects are gone");
    assert!(store.pending_ops().unwrap().is_empty());
}

#[tokio::test]
async fn delete_first_replacement_deletes_before_creating() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &[], "u-1"), &store, &cloud).await;
    let report = up(&program("10.0.0.0/16", &[], "u-2"), &store, &cloud).await;
    assert!(report.ok(), "{report:?}");
    let log = cloud.log();
    assert!(position(&log[2..], "delete unique") < position(&log[2..], "create unique"), "{log:?}");
    assert_eq!(cloud.named("unique").len(), 1);
    assert!(!plan_for(&program("10.0.0.0/16", &[], "u-2"), &store).has_changes());
}

#[tokio::test]
async fn destroy_deletes_dependents_first_and_empties_state() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &["a", "b"], "u"), &store, &cloud).await;
    let report = up(&Stack::new("test"), &store, &cloud).await;
    assert!(report.ok());
    let log = cloud.log();
    assert!(position(&log, "delete sub-a") < position(&log, "delete net"));
    assert!(position(&log, "delete sub-b") < position(&log, "delete net"));
    assert!(cloud.objects.lock().unwrap().is_empty());
    assert!(store.resources().unwrap().is_empty());
}

#[tokio::test]
async fn a_failure_skips_its_dependents_and_keeps_independent_work() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.fail("create", "net", ErrorClass::Invalid);
    let report = up(&program("10.0.0.0/16", &["a", "b"], "u"), &store, &cloud).await;
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, "net");
    let mut skipped = report.skipped.clone();
    skipped.sort();
    assert_eq!(skipped, vec!["sub-a", "sub-b"]);
    assert_eq!(report.applied, vec!["unique"]);
    assert_eq!(ids(&store).len(), 1, "the independent resource was persisted");
    assert!(store.pending_ops().unwrap().is_empty(), "the failed call left no pending row");
    cloud.failures.lock().unwrap().clear();
    assert!(up(&program("10.0.0.0/16", &["a", "b"], "u"), &store, &cloud).await.ok());
    assert_eq!(cloud.objects.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn a_crash_mid_create_is_adopted_on_the_next_run_without_a_duplicate() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.hang("create", "sub-a");
    let stack = program("10.0.0.0/16", &["a"], "u");
    let plan = plan_for(&stack, &store);
    let (_tx, cancel) = watch::channel(false);
    let opts = ApplyOptions::new("crashing", 10, cancel);
    let ctx = context(&cloud);
    let registry = registry();
    let run = apply(&plan, &stack, &registry, &store, ctx, &opts, &Silent);
    tokio::select! {
        _ = run => panic!("apply cannot finish: the create hangs"),
        _ = cloud.hung.notified() => {} // the object exists; the process "dies" here
    }
    let pending = store.pending_ops().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].1.name, "sub-a");
    assert!(store.resource("sub-a").unwrap().is_none());
    cloud.hangs.lock().unwrap().clear();
    let recovered = common::inspect(&store, &cloud).await.unwrap();
    assert_eq!(recovered.resolved.len(), 1, "{recovered:?}");
    assert!(recovered.resolved[0].said.contains("adopted"), "{recovered:?}");
    assert_eq!(store.pending_ops().unwrap().len(), 1, "inspecting changes nothing");
    let (_, report) = common::up_recovering(&stack, &store, &cloud).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(store.pending_ops().unwrap().is_empty());
    assert_eq!(cloud.named("sub-a").len(), 1, "adopted, not duplicated");
    assert_eq!(store.resource("sub-a").unwrap().unwrap().cloud_id, cloud.named("sub-a")[0].0);
}

#[tokio::test]
async fn a_pending_create_that_never_happened_is_dropped() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.fail("create", "net", ErrorClass::Transient);
    let inputs = serde_json::json!({"cidr": "10.0.0.0/16", "tags": {}});
    let long_ago = Duration::from_secs(3600);
    store.begin_op(&common::pending("net", "fake:Net", JournalAction::Create, inputs, None, long_ago)).unwrap();
    let recovered = common::inspect(&store, &cloud).await.unwrap();
    assert_eq!(recovered.resolved[0].said, "never created; nothing to adopt");
    recovered.commit(&store).unwrap();
    assert!(store.pending_ops().unwrap().is_empty());
    assert!(store.resources().unwrap().is_empty());
}

#[tokio::test]
async fn operations_start_when_their_own_dependencies_finish_within_the_limit() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.slow.lock().unwrap().insert("slow".into(), Duration::from_millis(300));
    let mut stack = Stack::new("test");
    stack.add("slow", Net { cidr: "10.9.0.0/16".into(), ..Default::default() });
    let fast = stack.add("fast", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    stack.add(
        "fast-sub",
        Sub { net_id: fast.output(|o| o.id.clone()), cidr: "10.0.0.0/24".into(), ..Default::default() },
    );
    assert!(up(&stack, &store, &cloud).await.ok());
    let log = cloud.log();
    assert!(position(&log, "create fast-sub") < position(&log, "create slow"), "no level barrier: {log:?}");

    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    *cloud.latency.lock().unwrap() = Duration::from_millis(20);
    let mut wide = Stack::new("test");
    for i in 0..9 {
        wide.add(format!("n{i}"), Net { cidr: format!("10.{i}.0.0/16"), ..Default::default() });
    }
    assert!(up_with(&wide, &store, &cloud, 3).await.1.ok());
    assert_eq!(cloud.max_in_flight.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn cancellation_launches_nothing_more() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let stack = program("10.0.0.0/16", &["a"], "u");
    let plan = plan_for(&stack, &store);
    let (tx, cancel) = watch::channel(false);
    tx.send(true).unwrap();
    let opts = ApplyOptions::new("r", 10, cancel);
    let report = apply(&plan, &stack, &registry(), &store, context(&cloud), &opts, &Silent).await.unwrap();
    assert!(report.interrupted);
    assert_eq!(report.skipped.len(), 3);
    assert_eq!(cloud.count(), 0);
}

#[tokio::test]
async fn dependents_wait_for_replacements_of_what_they_reference() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &["a"], "u"), &store, &cloud).await;
    let plan = plan_for(&program("10.1.0.0/16", &["a"], "u"), &store);
    assert_eq!(plan.step("sub-a").unwrap().action, Action::Replace);
    let ops = engine::ops::build_ops(&plan).unwrap();
    assert_eq!(ops.len(), 4);
}

#[tokio::test]
async fn refresh_reports_vanished_changed_and_unreadable_resources_separately() {
    use engine::refresh::{refresh, Observation};
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &["a", "b"], "u"), &store, &cloud).await;
    let rows = store.resources().unwrap();
    let id = |name: &str| rows.iter().find(|r| r.name == name).unwrap().cloud_id.clone();
    cloud.objects.lock().unwrap().remove(&id("sub-a"));
    cloud.objects.lock().unwrap().get_mut(&id("net")).unwrap().1["label"] = "changed by hand".into();
    cloud.objects.lock().unwrap().get_mut(&id("sub-b")).unwrap().1 = serde_json::json!("garbage");
    let read = refresh(&rows, &registry(), &context(&cloud), 4).await.unwrap();
    let by_name = |n: &str| read.iter().find(|r| r.row.name == n).unwrap().observation.clone();
    assert_eq!(by_name("sub-a"), Observation::Vanished);
    assert!(matches!(by_name("net"), Observation::Changed(d) if d[0].path == "label"));
    assert!(matches!(by_name("sub-b"), Observation::Unreadable(_)));
    assert_eq!(by_name("unique"), Observation::Unchanged);
}

/// Cancels the run the moment the first operation starts (as Ctrl-C would mid-apply).
struct CancelOnFirstStart(std::sync::Mutex<Option<watch::Sender<bool>>>);

impl engine::apply::Progress for CancelOnFirstStart {
    fn started(&self, _: &str, _: &str) {
        if let Some(tx) = self.0.lock().unwrap().take() {
            tx.send(true).unwrap();
        }
    }
    fn finished(&self, _: &str, _: &str, _: Duration, _: Option<&str>) {}
}

#[tokio::test]
async fn an_interrupt_mid_apply_lets_the_call_in_flight_finish_and_persists_it() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    *cloud.latency.lock().unwrap() = Duration::from_millis(50);
    let stack = program("10.0.0.0/16", &["a", "b"], "u");
    let plan = plan_for(&stack, &store);
    let (tx, cancel) = watch::channel(false);
    let progress = CancelOnFirstStart(std::sync::Mutex::new(Some(tx)));
    let opts = ApplyOptions::new("r", 1, cancel);
    let report = apply(&plan, &stack, &registry(), &store, context(&cloud), &opts, &progress).await.unwrap();
    assert!(report.interrupted);
    assert_eq!(report.applied.len(), 1, "the call in flight finished: {report:?}");
    assert_eq!(report.skipped.len(), 3);
    assert_eq!(store.resources().unwrap().len(), 1, "and was persisted");
    assert!(store.pending_ops().unwrap().is_empty());
    assert_eq!(cloud.objects.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn protection_added_to_an_unchanged_resource_is_recorded_and_outlives_its_removal() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let mut plain = Stack::new("test");
    plain.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    up(&plain, &store, &cloud).await;
    let mut protected = Stack::new("test");
    protected.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() }).protect();
    protected.add("other", Net { cidr: "10.1.0.0/16".into(), ..Default::default() });
    assert_eq!(plan_for(&protected, &store).step("net").unwrap().action, Action::Same);
    assert!(up(&protected, &store, &cloud).await.ok());
    assert_eq!(store.resource("net").unwrap().unwrap().options["protect"], true, "recorded without a cloud call");
    let removal = plan_for(&Stack::new("test"), &store);
    assert_eq!(removal.refusals.len(), 1, "{:?}", removal.refusals);
}

#[tokio::test]
async fn a_kind_change_deletes_the_old_object_with_its_own_kind() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    let mut before = Stack::new("test");
    before.add("thing", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    up(&before, &store, &cloud).await;
    let mut after = Stack::new("test");
    after.add("thing", Unique { unique_name: "t".into(), ..Default::default() });
    let plan = plan_for(&after, &store);
    assert_eq!(plan.step("thing").unwrap().replace_reasons, vec!["kind changed from fake:Net to fake:Unique"]);
    assert!(up(&after, &store, &cloud).await.ok());
    let objects = cloud.objects.lock().unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects.values().next().unwrap().0, "fake:Unique");
}

/// Counts "still running" reports.
#[derive(Default)]
struct Heartbeats(std::sync::Mutex<Vec<String>>);

impl engine::apply::Progress for Heartbeats {
    fn started(&self, _: &str, _: &str) {}
    fn finished(&self, _: &str, _: &str, _: Duration, _: Option<&str>) {}
    fn still_running(&self, name: &str, _: &str, _: Duration) {
        self.0.lock().unwrap().push(name.to_string());
    }
}

#[tokio::test(start_paused = true)]
async fn long_operations_are_reported_while_they_run() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    cloud.slow.lock().unwrap().insert("slow".into(), Duration::from_secs(100));
    let mut stack = Stack::new("test");
    stack.add("slow", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    stack.add("quick", Net { cidr: "10.1.0.0/16".into(), ..Default::default() });
    let plan = plan_for(&stack, &store);
    let (_tx, cancel) = watch::channel(false);
    let mut opts = ApplyOptions::new("r", 10, cancel);
    opts.heartbeat = Duration::from_secs(30);
    let progress = Heartbeats::default();
    assert!(apply(&plan, &stack, &registry(), &store, context(&cloud), &opts, &progress).await.unwrap().ok());
    let beats = progress.0.lock().unwrap().clone();
    assert_eq!(beats, vec!["slow", "slow", "slow"], "one report per 30 s while the 100 s create runs");
}

#[tokio::test]
async fn recovery_keeps_a_replaced_object_while_something_still_references_it() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &["a"], "u"), &store, &cloud).await;
    let old_net = store.resource("net").unwrap().unwrap().cloud_id;
    // The new net is created, then the dependent's replacement fails: the old net must stay.
    cloud.fail("create", "sub-a", ErrorClass::Invalid);
    let report = up(&program("10.1.0.0/16", &["a"], "u"), &store, &cloud).await;
    assert_eq!(report.failed.len(), 1);
    assert!(report.skipped.contains(&"net".to_string()), "the old net's delete is reported skipped: {report:?}");
    assert_eq!(store.pending_ops().unwrap().len(), 1, "its delete stays journaled");
    let kept = common::inspect(&store, &cloud).await.unwrap();
    assert!(kept.kept[0].why.contains("still referenced by `sub-a`"), "{kept:?}");
    assert!(kept.leftovers.is_empty(), "{kept:?}");
    assert!(cloud.objects.lock().unwrap().contains_key(&old_net), "sub-a still points at the old net");
    cloud.failures.lock().unwrap().clear();
    assert!(up(&program("10.1.0.0/16", &["a"], "u"), &store, &cloud).await.ok());
    let (plan, report) = common::up_recovering(&program("10.1.0.0/16", &["a"], "u"), &store, &cloud).await.unwrap();
    assert_eq!(plan.leftovers.len(), 1, "the old net is part of the plan: {plan:?}");
    assert!(plan.leftovers[0].reason.contains("left by run run at"), "{:?}", plan.leftovers[0]);
    assert!(engine::render::text(&plan, false).contains(&old_net));
    assert!(report.ok() && report.applied == vec!["net"], "{report:?}");
    assert!(!cloud.objects.lock().unwrap().contains_key(&old_net), "deleted once nothing uses it");
    assert!(store.pending_ops().unwrap().is_empty());
}

#[tokio::test]
async fn an_unreadable_pending_update_stays_journaled_without_blocking_the_run() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &[], "u"), &store, &cloud).await;
    let row = store.resource("net").unwrap().unwrap();
    store
        .begin_op(&common::pending(
            "net",
            "fake:Unknown",
            JournalAction::Update,
            row.inputs.clone(),
            Some(row),
            Duration::from_secs(60),
        ))
        .unwrap();
    let done = common::inspect(&store, &cloud).await.unwrap();
    assert!(done.kept[0].why.contains("left for the next run"), "{done:?}");
    assert!(done.refusals.is_empty() && done.resolved.is_empty(), "{done:?}");
    assert_eq!(store.pending_ops().unwrap().len(), 1);
}

#[tokio::test]
async fn a_crash_mid_replacement_create_adopts_the_new_object_and_plans_the_old_ones_delete() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&program("10.0.0.0/16", &[], "u"), &store, &cloud).await;
    let old = store.resource("net").unwrap().unwrap().cloud_id;
    cloud.hang("create", "net");
    let stack = program("10.1.0.0/16", &[], "u");
    let plan = plan_for(&stack, &store);
    let (_tx, cancel) = watch::channel(false);
    let registry = registry();
    let opts = ApplyOptions::new("crashing", 10, cancel);
    let run = apply(&plan, &stack, &registry, &store, context(&cloud), &opts, &Silent);
    tokio::select! {
        _ = run => panic!("the create hangs"),
        _ = cloud.hung.notified() => {}
    }
    cloud.hangs.lock().unwrap().clear();
    // Both objects carry plinth:name=net; the lookup skips the one being replaced.
    let recovery = common::inspect(&store, &cloud).await.unwrap();
    let adopted = &recovery.resolved[0];
    assert!(adopted.said.contains("found") && !adopted.said.contains(&old), "{recovery:?}");
    assert_eq!(recovery.leftovers.iter().map(|l| l.cloud_id.as_str()).collect::<Vec<_>>(), [old.as_str()]);
    let (_, report) = common::up_recovering(&stack, &store, &cloud).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(cloud.named("net").len(), 1, "the new object only: {:?}", cloud.log());
    assert!(!cloud.exists(&old));
}

#[tokio::test]
async fn a_service_never_has_more_than_its_limit_in_flight() {
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    *cloud.latency.lock().unwrap() = Duration::from_millis(20);
    let mut stack = Stack::new("test");
    for i in 0..6 {
        stack.add(format!("n{i}"), Net { cidr: format!("10.{i}.0.0/16"), ..Default::default() });
        stack.add(format!("u{i}"), Unique { unique_name: format!("u{i}"), ..Default::default() });
    }
    let plan = plan_for(&stack, &store);
    let (_tx, cancel) = watch::channel(false);
    let mut opts = ApplyOptions::new("r", 10, cancel);
    opts.per_service = 2;
    assert!(apply(&plan, &stack, &registry(), &store, context(&cloud), &opts, &Silent).await.unwrap().ok());
    // Two kinds (fake:Net, fake:Unique) are two "services" here: at most 2 each, so 4 at once.
    assert_eq!(cloud.max_in_flight.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_cloud_change_to_an_ignored_field_is_managed_elsewhere_not_drift_and_is_not_undone() {
    use engine::refresh::{refresh, refreshed_rows, Observation};
    let owned = |label: &str| {
        let mut stack = Stack::new("test");
        stack
            .add("net", Net { cidr: "10.0.0.0/16".into(), label: label.into(), ..Default::default() })
            .ignore_changes(&["label"]);
        stack
    };
    let (store, cloud) = (Store::open_in_memory().unwrap(), FakeCloud::new());
    up(&owned("from the program"), &store, &cloud).await;
    let rows = store.resources().unwrap();
    let id = rows[0].cloud_id.clone();
    cloud.objects.lock().unwrap().get_mut(&id).unwrap().1["label"] = "set by a scaler".into();
    let read = refresh(&rows, &registry(), &context(&cloud), 4).await.unwrap();
    assert_eq!(read[0].observation, Observation::Unchanged, "not drift");
    let managed: Vec<&str> = read[0].managed_elsewhere.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(managed, ["label"]);
    // Planning from the refreshed rows keeps what the cloud has: no update resets it.
    let refreshed = refreshed_rows(&rows, &read);
    let stack = owned("from the program");
    let plan = plan(&stack, &validate(&stack).unwrap(), &refreshed, &registry());
    assert_eq!(plan.step("net").unwrap().action, Action::Same);
    assert!(!plan.has_changes());
}
