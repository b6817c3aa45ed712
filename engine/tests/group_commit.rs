//! Group commit of the journal: operations launched together have their journal rows written in
//! one transaction, and those that finish together their outcomes. The guarantee stays per
//! operation: a call is sent only once its row is durable (a crash right after the call finds
//! the row from a fresh connection and recovery adopts the object), and the number of commits
//! (syncs) no longer grows by two per operation.

mod common;

use common::{context, registry, FakeCloud, Net, Sub};
use engine::apply::{apply, ApplyOptions, Silent};
use engine::graph::validate;
use engine::plan::plan;
use engine::Stack;
use state::Store;
use std::path::Path;
use tokio::sync::watch;

/// `roots` independent nets, each with one sub referencing it.
fn program(roots: usize) -> Stack {
    let mut stack = Stack::new("test");
    for i in 0..roots {
        let net = stack.add(format!("net-{i}"), Net { cidr: format!("10.{i}.0.0/16"), ..Default::default() });
        stack.add(
            format!("sub-{i}"),
            Sub { net_id: net.output(|o| o.id.clone()), cidr: format!("10.{i}.0.0/24"), ..Default::default() },
        );
    }
    stack
}

/// SQLite's file change counter (header bytes 24..28): bumped by every committed write
/// transaction in rollback-journal mode, so it counts the syncs a run cost.
fn commits(path: &Path) -> u32 {
    let header = std::fs::read(path).unwrap();
    u32::from_be_bytes(header[24..28].try_into().unwrap())
}

#[tokio::test]
async fn a_crash_right_after_a_call_launched_with_others_finds_every_launched_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let (store, cloud) = (Store::open(&path).unwrap(), FakeCloud::new());
    cloud.hang("create", "net-3");
    let stack = program(6);
    let planned = plan(&stack, &validate(&stack).unwrap(), &store.resources().unwrap(), &registry());
    let (_tx, cancel) = watch::channel(false);
    let opts = ApplyOptions::new("crashing", 10, cancel);
    let registry = registry();
    let run = apply(&planned, &stack, &registry, &store, context(&cloud), &opts, &Silent);
    tokio::select! {
        _ = run => panic!("apply cannot finish: a create hangs"),
        _ = cloud.hung.notified() => {} // net-3 exists in the cloud; the process "dies" here
    }
    // Another connection, as the next run would open it: what it sees was committed.
    let after_crash = Store::open(&path).unwrap();
    let pending: Vec<String> = after_crash.pending_ops().unwrap().into_iter().map(|(_, op)| op.name).collect();
    assert!(pending.contains(&"net-3".to_string()), "the hanging call's row is durable: {pending:?}");
    for (name, _) in cloud.objects.lock().unwrap().values().map(|(k, v)| (v["tags"]["plinth:name"].clone(), k)) {
        let name = name.as_str().unwrap().to_string();
        let recorded = after_crash.resource(&name).unwrap().is_some();
        assert!(recorded || pending.contains(&name), "`{name}` was called without a durable journal row");
    }
    drop(after_crash);
    cloud.hangs.lock().unwrap().clear();
    let recovered = common::inspect(&store, &cloud).await.unwrap();
    let adopted = recovered.resolved.iter().find(|r| r.name == "net-3").expect("net-3 is resolved");
    assert!(adopted.said.contains("adopted"), "{recovered:?}");
    let (_, report) = common::up_recovering(&stack, &store, &cloud).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(cloud.named("net-3").len(), 1, "adopted, not created twice");
    assert!(store.pending_ops().unwrap().is_empty());
    assert_eq!(store.resources().unwrap().len(), 12);
}

#[tokio::test]
async fn operations_launched_or_finished_together_share_a_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let (store, cloud) = (Store::open(&path).unwrap(), FakeCloud::new());
    let stack = program(40);
    let planned = plan(&stack, &validate(&stack).unwrap(), &store.resources().unwrap(), &registry());
    let before = commits(&path);
    let (_tx, cancel) = watch::channel(false);
    let opts = ApplyOptions::new("run", 10, cancel);
    let report = apply(&planned, &stack, &registry(), &store, context(&cloud), &opts, &Silent).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!((store.resources().unwrap().len(), store.pending_ops().unwrap().len()), (80, 0));
    let spent = commits(&path) - before;
    // One begin and one commit per operation would be 160 commits.
    assert!(spent <= 80, "80 operations took {spent} commits");
}
