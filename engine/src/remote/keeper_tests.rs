//! The keeper against the in-memory bucket, on tokio's paused clock: a commit is uploaded, a
//! lost lease and a stale upload stop the run, the end uploads and releases.

use super::*;
use crate::remote::memory::Memory;
use state::{LockHolder, ResourceRow, Store};

const URL: &str = "s3://team-state/envs/test.db";

struct Setup {
    memory: Arc<Memory>,
    url: StateUrl,
    store: Store,
    _dir: tempfile::TempDir,
    held: Option<Held>,
}

async fn setup() -> Setup {
    let memory = Arc::new(Memory::default());
    let url = StateUrl::parse(URL).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = Store::open(&path).unwrap();
    let holder = LockHolder::here("run-1", "up");
    let lease = lease::acquire(&*memory, &url.lease_key(), &holder, lease::TTL, unix_now()).await.unwrap().lease();
    let objects: Arc<dyn ObjectStore> = memory.clone();
    let held = Held { objects, url: url.clone(), path, lease, etag: None };
    Setup { memory, url, store, _dir: dir, held: Some(held) }
}

fn row(name: &str) -> ResourceRow {
    ResourceRow {
        name: name.to_string(),
        kind: "test:Thing".to_string(),
        cloud_id: format!("id-{name}"),
        inputs: serde_json::json!({}),
        outputs: serde_json::json!({ "id": name }),
        dependencies: vec![],
        options: serde_json::json!({}),
        references: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// The names of the resources in the state object, `None` while there is none.
async fn remote_names(memory: &Memory, url: &StateUrl) -> Option<Vec<String>> {
    let downloaded = transfer::download(memory, url).await.unwrap()?;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.db");
    std::fs::write(&path, downloaded.body).unwrap();
    let rows = Store::open_read_only(&path).unwrap().resources().unwrap();
    Some(rows.into_iter().map(|r| r.name).collect())
}

/// Polls `check` on the (paused) clock until it holds; panics after a minute of virtual time.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn commits_are_uploaded_while_the_run_lasts_and_the_end_releases_the_lease() {
    let mut s = setup().await;
    let keeper = Keeper::start(s.held.take().unwrap(), Timing::for_ttl(lease::TTL)).unwrap();
    until("a new state is uploaded", || async { remote_names(&s.memory, &s.url).await.is_some() }).await;
    s.store.upsert_resource(&row("vpc")).unwrap();
    let want = Some(vec!["vpc".to_string()]);
    until("the commit is uploaded", || async { remote_names(&s.memory, &s.url).await == want }).await;
    s.store.upsert_resource(&row("zone")).unwrap();
    keeper.finish().await.unwrap();
    assert_eq!(remote_names(&s.memory, &s.url).await, Some(vec!["vpc".to_string(), "zone".to_string()]));
    assert!(lease::current(&*s.memory, &s.url.lease_key()).await.unwrap().is_none(), "released");
}

#[tokio::test(start_paused = true)]
async fn the_lease_is_renewed_while_the_run_lasts() {
    let mut s = setup().await;
    let first_expiry = s.held.as_ref().unwrap().lease.body.expires_at;
    let timing = Timing::for_ttl(Duration::from_secs(3));
    let keeper = Keeper::start(s.held.take().unwrap(), timing).unwrap();
    // Renewal sets the expiry from the wall clock; paused tokio time does not move it, so
    // compare the lease object's ETag history instead: a renewal rewrites it.
    let key = s.url.lease_key();
    let before = lease::current(&*s.memory, &key).await.unwrap().unwrap().0;
    until("the lease is renewed", || async {
        lease::current(&*s.memory, &key).await.unwrap().is_some_and(|(etag, _)| etag != before)
    })
    .await;
    let (_, body) = lease::current(&*s.memory, &key).await.unwrap().unwrap();
    assert_eq!(body.holder.run_id, "run-1");
    assert!(body.expires_at <= first_expiry, "renewed to 3 s from now, within the first 60 s lease");
    keeper.finish().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_lost_lease_stops_the_run_and_nothing_more_is_uploaded() {
    let mut s = setup().await;
    let keeper = Keeper::start(s.held.take().unwrap(), Timing::for_ttl(Duration::from_secs(3))).unwrap();
    until("a new state is uploaded", || async { remote_names(&s.memory, &s.url).await.is_some() }).await;
    // Another run takes the lease over (as it would once it looked expired to it).
    let other = LockHolder::here("run-2", "up");
    let later = unix_now() + 3_600;
    let taken = lease::acquire(&*s.memory, &s.url.lease_key(), &other, lease::TTL, later).await.unwrap();
    assert!(matches!(taken, lease::Taken::TookOver { .. }));
    let mut failed = keeper.failed();
    tokio::time::timeout(Duration::from_secs(30), failed.wait_for(|f| *f)).await.unwrap().unwrap();
    s.store.upsert_resource(&row("vpc")).unwrap();
    let err = keeper.finish().await.unwrap_err();
    assert!(matches!(&err, KeeperError::Lease(LeaseError::Lost { .. })), "{err}");
    assert!(err.to_string().contains("run-2"), "names the new holder: {err}");
    assert_eq!(remote_names(&s.memory, &s.url).await, Some(vec![]), "the commit after the loss was not uploaded");
    let (_, body) = lease::current(&*s.memory, &s.url.lease_key()).await.unwrap().unwrap();
    assert_eq!(body.holder.run_id, "run-2", "the new holder's lease is intact");
}

#[tokio::test(start_paused = true)]
async fn a_stale_upload_is_refused_the_object_stays_intact_and_the_run_stops() {
    let mut s = setup().await;
    let keeper = Keeper::start(s.held.take().unwrap(), Timing::for_ttl(lease::TTL)).unwrap();
    until("a new state is uploaded", || async { remote_names(&s.memory, &s.url).await.is_some() }).await;
    // Another writer replaces the state behind this run's back.
    let current = transfer::download(&*s.memory, &s.url).await.unwrap().unwrap();
    let theirs = transfer::upload(&*s.memory, &s.url, b"their state".to_vec(), Some(&current.etag)).await.unwrap();
    s.store.upsert_resource(&row("vpc")).unwrap();
    let mut failed = keeper.failed();
    tokio::time::timeout(Duration::from_secs(30), failed.wait_for(|f| *f)).await.unwrap().unwrap();
    let err = keeper.finish().await.unwrap_err();
    assert!(matches!(&err, KeeperError::Transfer(TransferError::Stale { .. })), "{err}");
    let object = transfer::download(&*s.memory, &s.url).await.unwrap().unwrap();
    assert_eq!((object.body.as_slice(), object.etag.as_str()), (b"their state".as_slice(), theirs.as_str()));
    assert!(lease::current(&*s.memory, &s.url.lease_key()).await.unwrap().is_none(), "still ours, so released");
}

#[tokio::test(start_paused = true)]
async fn a_flush_returns_once_the_bucket_holds_every_earlier_commit() {
    let mut s = setup().await;
    // A long poll: only the flush can explain an upload right after the commit.
    let timing = Timing { poll: Duration::from_secs(3_600), ..Timing::for_ttl(lease::TTL) };
    let keeper = Keeper::start(s.held.take().unwrap(), timing).unwrap();
    let flusher = keeper.flusher();
    s.store.upsert_resource(&row("vpc")).unwrap();
    let started = Instant::now();
    let (first, second) = tokio::join!(flusher.flush(), flusher.flush());
    first.unwrap();
    second.unwrap();
    assert!(started.elapsed() < Duration::from_secs(1), "flushed at once, not at the next poll");
    assert_eq!(remote_names(&s.memory, &s.url).await, Some(vec!["vpc".to_string()]));
    keeper.finish().await.unwrap();
    assert!(flusher.flush().await.is_err(), "no flush after the end");
}
