//! The CLI on remote state with the in-memory bucket (`remote::memory::Memory`) and the fake
//! cloud: a writer uploads and releases, a second run reads what it wrote, a live lease refuses
//! writers but not readers, and a bad state URL is refused before any call.

mod common;

use common::{app, FakeCloud, Net, Sub};
use engine::cli::{run, App};
use engine::remote::memory::Memory;
use engine::remote::{lease, transfer, ObjectStore, StateUrl};
use engine::Stack;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const URL: &str = "s3://team-state/envs/test.db";

fn good(stack: &mut Stack) {
    let net = stack.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    stack.add("sub", Sub { net_id: net.output(|o| o.id.clone()), cidr: "10.0.1.0/24".into(), ..Default::default() });
}

/// The fake cloud's app whose bucket is `memory`; `buckets` counts bucket connections.
fn remote_app(cloud: &common::Cloud, memory: &Arc<Memory>, buckets: &Arc<AtomicUsize>) -> App {
    let mut app = app(cloud, good);
    let (memory, buckets) = (memory.clone(), buckets.clone());
    app.objects = Some(Box::new(move |_cx, bucket| {
        assert_eq!(bucket, "team-state");
        buckets.fetch_add(1, Ordering::SeqCst);
        let objects: Arc<dyn ObjectStore> = memory.clone();
        Box::pin(async move { Ok(objects) })
    }));
    app
}

fn args(verb: &[&str]) -> Vec<String> {
    let mut v = vec!["plinth".to_string()];
    v.extend(verb.iter().map(|s| s.to_string()));
    v.extend(["--state".to_string(), URL.to_string()]);
    v
}

fn remote_names(memory: &Memory) -> Option<Vec<String>> {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let url = StateUrl::parse(URL).unwrap();
    let got = rt.block_on(transfer::download(memory, &url)).unwrap()?;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.db");
    std::fs::write(&path, got.body).unwrap();
    let store = state::Store::open_read_only(&path).unwrap();
    assert!(store.lock_holder().unwrap().is_none(), "the uploaded state carries no lock row");
    Some(store.resources().unwrap().into_iter().map(|r| r.name).collect())
}

#[test]
fn up_uploads_the_state_and_releases_the_lease_and_the_next_run_reads_it() {
    let (cloud, memory, buckets) = (FakeCloud::new(), Arc::new(Memory::default()), Arc::new(AtomicUsize::new(0)));
    assert_eq!(run(remote_app(&cloud, &memory, &buckets), args(&["up", "--yes"])), 0);
    assert_eq!(remote_names(&memory), Some(vec!["net".to_string(), "sub".to_string()]));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let lease_key = StateUrl::parse(URL).unwrap().lease_key();
    assert!(rt.block_on(lease::current(&*memory, &lease_key)).unwrap().is_none(), "released");
    let calls = cloud.count();
    assert_eq!(run(remote_app(&cloud, &memory, &buckets), args(&["preview", "--detailed-exitcode"])), 0);
    assert_eq!(run(remote_app(&cloud, &memory, &buckets), args(&["up", "--yes"])), 0, "no changes");
    assert_eq!(cloud.count(), calls, "nothing was called again: the second runs read the first one's state");
}

#[test]
fn a_live_lease_refuses_a_writer_before_any_change_but_not_a_reader() {
    let (cloud, memory, buckets) = (FakeCloud::new(), Arc::new(Memory::default()), Arc::new(AtomicUsize::new(0)));
    assert_eq!(run(remote_app(&cloud, &memory, &buckets), args(&["up", "--yes"])), 0);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let lease_key = StateUrl::parse(URL).unwrap().lease_key();
    let other = state::LockHolder::here("other-run", "up");
    let now = engine::remote::keeper::unix_now();
    rt.block_on(lease::acquire(&*memory, &lease_key, &other, lease::TTL, now)).unwrap();
    let before = cloud.count();
    let program = |s: &mut Stack| {
        good(s);
        s.add("extra", Net { cidr: "10.9.0.0/16".into(), ..Default::default() });
    };
    let mut writer = remote_app(&cloud, &memory, &buckets);
    writer.program = Box::new(program);
    assert_eq!(run(writer, args(&["up", "--yes"])), 1, "refused while the lease lives");
    assert_eq!(cloud.count(), before, "nothing was created");
    assert_eq!(remote_names(&memory), Some(vec!["net".to_string(), "sub".to_string()]));
    let mut reader = remote_app(&cloud, &memory, &buckets);
    reader.program = Box::new(program);
    assert_eq!(run(reader, args(&["preview", "--detailed-exitcode"])), 2, "a reader takes no lease");
    let (_, body) = rt.block_on(lease::current(&*memory, &lease_key)).unwrap().unwrap();
    assert_eq!(body.holder.run_id, "other-run", "the holder's lease is untouched");
}

#[test]
fn a_bad_state_url_is_refused_before_any_call() {
    let (cloud, memory, buckets) = (FakeCloud::new(), Arc::new(Memory::default()), Arc::new(AtomicUsize::new(0)));
    for bad in ["s3://Team_State/x.db", "gs://bucket/x.db", "s3://team-state/"] {
        let argv = vec!["plinth".to_string(), "up".into(), "--yes".into(), "--state".into(), bad.into()];
        assert_eq!(run(remote_app(&cloud, &memory, &buckets), argv), 1, "{bad}");
    }
    assert_eq!((cloud.count(), buckets.load(Ordering::SeqCst)), (0, 0), "no cloud call, no bucket");
}
