//! Refresh against fake kinds: batching per kind, per-member failures, row order, and reads
//! taken as they complete.

use super::{refresh, refresh_observed, Observation, Refreshed};
use crate::apply::Progress;
use crate::registry::{Context, Registry};
use crate::resource::{ErrorClass, Meta, Observed, ProviderError, Resource};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use state::ResourceRow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

/// What the fake cloud holds (id → size), and what it records and misbehaves on.
#[derive(Default)]
struct Cloud {
    objects: Mutex<BTreeMap<String, u32>>,
    /// Members of each `read_batch` call of `test:Batched`.
    batch_calls: Mutex<Vec<usize>>,
    /// Every single read, by id.
    reads: Mutex<Vec<String>>,
    failing: Mutex<BTreeSet<String>>,
    /// Ids whose read waits until `gate` is notified.
    gated: Mutex<BTreeSet<String>>,
    gate: Notify,
}

impl Cloud {
    async fn read(&self, id: &str) -> Result<Option<u32>, ProviderError> {
        self.reads.lock().unwrap().push(id.to_string());
        if self.gated.lock().unwrap().contains(id) {
            self.gate.notified().await;
        }
        if self.failing.lock().unwrap().contains(id) {
            return Err(ProviderError::new(ErrorClass::AccessDenied, format!("denied reading {id}")));
        }
        Ok(self.objects.lock().unwrap().get(id).copied())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Out {
    id: String,
}

fn unsupported<T>(what: &str) -> std::future::Ready<Result<T, ProviderError>> {
    std::future::ready(Err(ProviderError::new(ErrorClass::Invalid, format!("the refresh fake does not {what}"))))
}

/// Defines a fake kind whose objects are a size under an id.
macro_rules! fake_kind {
    ($name:ident, $kind:literal, $batch:expr $(, $read_batch:item)?) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        struct $name {
            size: u32,
        }

        impl Resource for $name {
            const KIND: &'static str = $kind;
            const SERVICE: &'static str = "test";
            const TAGGABLE: bool = false;
            const READ_BATCH: usize = $batch;
            type Outputs = Out;
            type Context = Cloud;

            fn cloud_id(outputs: &Out) -> String {
                outputs.id.clone()
            }
            async fn create(&self, _: &Meta, _: &Cloud) -> Result<Out, ProviderError> {
                unsupported("create").await
            }
            async fn read(&self, out: &Out, cx: &Cloud) -> Result<Option<Observed<Self>>, ProviderError> {
                let size = cx.read(&out.id).await?;
                Ok(size.map(|size| Observed { inputs: $name { size }, outputs: out.clone() }))
            }
            async fn update(&self, _: &Self, _: &Out, _: &Cloud) -> Result<Out, ProviderError> {
                unsupported("update").await
            }
            async fn delete(&self, _: &Out, _: &Cloud) -> Result<(), ProviderError> {
                unsupported("delete").await
            }
            async fn find(&self, _: &Meta, _: &Cloud) -> Result<Option<Out>, ProviderError> {
                unsupported("find").await
            }
            $($read_batch)?
        }
    };
}

fake_kind!(
    Batched,
    "test:Batched",
    3,
    async fn read_batch(batch: Vec<(Self, Out)>, cx: &Cloud) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        cx.batch_calls.lock().unwrap().push(batch.len());
        futures::future::join_all(batch.iter().map(|(r, out)| r.read(out, cx))).await
    }
);
fake_kind!(Single, "test:Single", 1);

fn registry() -> Registry {
    Registry::new().with::<Batched>().with::<Single>()
}

fn row(name: &str, kind: &str, size: Value) -> ResourceRow {
    ResourceRow {
        name: name.into(),
        kind: kind.into(),
        cloud_id: format!("id-{name}"),
        inputs: json!({ "size": size }),
        outputs: json!({ "id": format!("id-{name}") }),
        dependencies: vec![],
        options: json!({}),
        references: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// A cloud holding each named object with size 1.
fn cloud_with(names: &[&str]) -> Arc<Cloud> {
    let cloud = Arc::new(Cloud::default());
    cloud.objects.lock().unwrap().extend(names.iter().map(|n| (format!("id-{n}"), 1)));
    cloud
}

fn names(refreshed: &[Refreshed]) -> Vec<&str> {
    refreshed.iter().map(|r| r.row.name.as_str()).collect()
}

#[tokio::test]
async fn reads_each_kind_in_batches_of_its_size_and_keeps_the_rows_order() {
    let batched = ["b1", "b2", "b3", "b4", "b5", "b6", "b7"];
    let cloud = cloud_with(&batched);
    cloud.objects.lock().unwrap().insert("id-s1".into(), 1);
    let mut rows: Vec<ResourceRow> = batched.iter().map(|n| row(n, "test:Batched", json!(1))).collect();
    rows.insert(2, row("s1", "test:Single", json!(1)));
    rows.insert(5, row("s2", "test:Single", json!(1)));
    let mut dead = row("dead", "test:Single", json!(1));
    dead.outputs = Value::Null;
    rows.push(dead);
    let cx: Context = cloud.clone();
    let read = refresh(&rows, &registry(), &cx, 4).await.unwrap();
    assert_eq!(*cloud.batch_calls.lock().unwrap(), vec![3, 3, 1], "7 batched objects in chunks of 3");
    assert_eq!(cloud.reads.lock().unwrap().len(), 9, "each live object read once, the dead row not at all");
    assert_eq!(names(&read), ["b1", "b2", "s1", "b3", "b4", "s2", "b5", "b6", "b7"]);
    let observations: Vec<&Observation> = read.iter().map(|r| &r.observation).collect();
    let vanished = Observation::Vanished;
    assert!(observations[..5].iter().all(|o| **o == Observation::Unchanged), "{observations:?}");
    assert_eq!(observations[5], &vanished, "s2 is not in the cloud");
    assert_eq!(read[5].row.outputs, Value::Null);
}

#[tokio::test]
async fn a_failed_or_undecodable_member_fails_only_itself() {
    let cloud = cloud_with(&["b1", "b2", "b3", "s1"]);
    cloud.failing.lock().unwrap().insert("id-b2".into());
    cloud.objects.lock().unwrap().insert("id-b3".into(), 5);
    let rows = vec![
        row("b1", "test:Batched", json!(1)),
        row("b2", "test:Batched", json!(1)),
        row("b3", "test:Batched", json!(1)),
        row("bad", "test:Batched", json!("not a size")),
        row("s1", "test:Single", json!(1)),
    ];
    let cx: Context = cloud.clone();
    let read = refresh(&rows, &registry(), &cx, 10).await.unwrap();
    assert_eq!(names(&read), ["b1", "b2", "b3", "bad", "s1"]);
    assert_eq!(read[0].observation, Observation::Unchanged);
    assert_eq!(read[1].observation, Observation::Unreadable("denied reading id-b2".into()));
    assert!(matches!(&read[2].observation, Observation::Changed(d) if d.len() == 1), "{:?}", read[2].observation);
    assert_eq!(read[2].row.inputs, json!({ "size": 5 }));
    assert!(matches!(&read[3].observation, Observation::Unreadable(e) if e.contains("cannot decode inputs")));
    assert_eq!(read[3].row.inputs, json!({ "size": "not a size" }), "an unreadable row stays as state has it");
    assert_eq!(read[4].observation, Observation::Unchanged);
    assert_eq!(*cloud.batch_calls.lock().unwrap(), vec![3], "a chunk of only an undecodable member calls nothing");
}

#[tokio::test]
async fn an_unknown_kind_fails_before_any_read() {
    let cloud = cloud_with(&["b1"]);
    let rows = vec![row("b1", "test:Batched", json!(1)), row("x", "test:Unknown", json!(1))];
    let cx: Context = cloud.clone();
    let err = refresh(&rows, &registry(), &cx, 10).await.unwrap_err();
    assert!(err.to_string().contains("test:Unknown"), "{err}");
    assert!(cloud.reads.lock().unwrap().is_empty());
}

/// Sends the name of every finished read.
struct Finished(mpsc::UnboundedSender<String>);

impl Progress for Finished {
    fn started(&self, _: &str, _: &str) {}
    fn finished(&self, name: &str, _: &str, _: Duration, _: Option<&str>) {
        let _ = self.0.send(name.to_string());
    }
}

#[tokio::test]
async fn a_slow_read_holds_back_nothing_but_itself() {
    let all = ["slow", "s1", "s2", "s3", "s4"];
    let cloud = cloud_with(&all);
    cloud.gated.lock().unwrap().insert("id-slow".into());
    let rows: Vec<ResourceRow> = all.iter().map(|n| row(n, "test:Single", json!(1))).collect();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let progress = Finished(tx);
    let cx: Context = cloud.clone();
    let registry = registry();
    let others_done = async {
        let mut finished = BTreeSet::new();
        let waited = tokio::time::timeout(Duration::from_secs(10), async {
            while finished.len() < 4 {
                finished.insert(rx.recv().await.expect("progress channel open"));
            }
        })
        .await;
        cloud.gate.notify_one();
        (waited.is_ok(), finished)
    };
    let (read, (in_time, finished)) = tokio::join!(refresh_observed(&rows, &registry, &cx, 2, &progress), others_done);
    assert!(in_time, "with 2 in flight and `slow` waiting, the 4 others finished first; got only {finished:?}");
    assert!(!finished.contains("slow"));
    let read = read.unwrap();
    assert_eq!(names(&read), all);
    assert!(read.iter().all(|r| r.observation == Observation::Unchanged));
}
