//! Refresh: reads every resource in state from the cloud and reports what changed or vanished.
//! Reading is batched per kind (`Resource::read_batch`) and concurrent (bounded), results taken
//! as they complete; persisting the result is the caller's choice.

use crate::apply::Progress;
use crate::diff::{diff_inputs, FieldDiff};
use crate::error::EngineError;
use crate::plan::is_live;
use crate::registry::{Context, ErasedKind, Registry};
use crate::resource::{ErrorClass, ProviderError};
use crate::shape::Shape;
use futures::stream::{self, StreamExt};
use serde_json::Value;
use state::ResourceRow;
use std::sync::Arc;

/// The operation name reads have in progress events and timelines.
pub const READ: &str = "read";

#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    Unchanged,
    Changed(Vec<FieldDiff>),
    Vanished,
    /// The read failed; the row stays as state has it.
    Unreadable(String),
}

/// One resource as refreshed: the row as the cloud has it now (outputs `Null` when vanished).
#[derive(Debug, Clone, PartialEq)]
pub struct Refreshed {
    pub row: ResourceRow,
    /// Drift in fields the program does not own (its `ignore_changes`, e.g. a desired count
    /// that auto scaling sets) is left out of this and reported in `managed_elsewhere`.
    pub observation: Observation,
    /// Changes the cloud made to fields the program leaves to something else: shown, never
    /// counted as drift nor undone.
    pub managed_elsewhere: Vec<FieldDiff>,
}

/// Reads every live row from the cloud, `parallel` batches at a time. A failed read is reported
/// per resource (`Unreadable`) and leaves that row as it was; the others still refresh.
pub async fn refresh(
    rows: &[ResourceRow],
    registry: &Registry,
    cx: &Context,
    parallel: usize,
) -> Result<Vec<Refreshed>, EngineError> {
    refresh_observed(rows, registry, cx, parallel, &crate::apply::Silent).await
}

/// [`refresh`], telling `progress` when each read (`what` = `read`) starts and finishes (the
/// timeline of `refresh --timings`).
///
/// # Guarantees
/// - Live rows are grouped by kind and chunked by the kind's `read_batch_size`: one
///   `ErasedKind::read_batch` call per chunk, at most `parallel` chunks in flight, each result
///   taken as it completes (one slow read holds back nothing but its own chunk).
/// - One result per live row, in the order of `rows`; every member of a chunk is reported
///   started when the chunk is sent and finished when it answers.
/// - A row whose kind the registry does not know fails the whole refresh before any read.
pub async fn refresh_observed(
    rows: &[ResourceRow],
    registry: &Registry,
    cx: &Context,
    parallel: usize,
    progress: &dyn Progress,
) -> Result<Vec<Refreshed>, EngineError> {
    let chunks = chunks(rows, registry)?;
    let reads = chunks.into_iter().map(|(kind, members)| read_chunk(kind, members, cx.clone(), progress));
    let mut done: Vec<(usize, Refreshed)> =
        stream::iter(reads).buffer_unordered(parallel.max(1)).flat_map(stream::iter).collect().await;
    done.sort_by_key(|(position, _)| *position);
    Ok(done.into_iter().map(|(_, refreshed)| refreshed).collect())
}

/// Live rows with their position among the live rows.
type Members = Vec<(usize, ResourceRow)>;

/// The members one `read_batch` call of the kind reads.
type Chunk = (Arc<dyn ErasedKind>, Members);

/// The live rows grouped by kind (in the order kinds first appear), each group cut into chunks
/// of at most the kind's batch size.
fn chunks(rows: &[ResourceRow], registry: &Registry) -> Result<Vec<Chunk>, EngineError> {
    let mut groups: Vec<Chunk> = Vec::new();
    for (position, row) in rows.iter().filter(|r| is_live(r)).enumerate() {
        let kind =
            registry.get(&row.kind).ok_or_else(|| EngineError::UnknownKind(row.kind.clone(), row.name.clone()))?;
        match groups.iter_mut().find(|(k, _)| k.kind() == kind.kind()) {
            Some((_, members)) => members.push((position, row.clone())),
            None => groups.push((kind.clone(), vec![(position, row.clone())])),
        }
    }
    let mut chunks = Vec::new();
    for (kind, members) in groups {
        let size = kind.read_batch_size().max(1);
        let mut members = members.into_iter().peekable();
        while members.peek().is_some() {
            chunks.push((kind.clone(), members.by_ref().take(size).collect()));
        }
    }
    Ok(chunks)
}

/// Reads one chunk of one kind in a single `read_batch` call.
async fn read_chunk(
    kind: Arc<dyn ErasedKind>,
    members: Members,
    cx: Context,
    progress: &dyn Progress,
) -> Vec<(usize, Refreshed)> {
    for (_, row) in &members {
        progress.started(&row.name, READ);
    }
    let started = std::time::Instant::now();
    let batch = members.iter().map(|(_, row)| (row.inputs.clone(), row.outputs.clone())).collect();
    let mut reads = kind.read_batch(batch, cx).await.into_iter();
    let elapsed = started.elapsed();
    members
        .into_iter()
        .map(|(position, row)| {
            let read = reads.next().unwrap_or_else(|| Err(ProviderError::new(ErrorClass::Other, "no read result")));
            let error = read.as_ref().err().map(|e| e.to_string());
            progress.finished(&row.name, READ, elapsed, error.as_deref());
            let refreshed = match read {
                Ok(read) => observe(row, read, kind.shape()),
                Err(e) => Refreshed::new(row, Observation::Unreadable(e.to_string())),
            };
            (position, refreshed)
        })
        .collect()
}

impl Refreshed {
    /// A refresh result with nothing managed elsewhere.
    pub fn new(row: ResourceRow, observation: Observation) -> Refreshed {
        Refreshed { row, observation, managed_elsewhere: Vec::new() }
    }
}

fn observe(row: ResourceRow, read: Option<(Value, Value)>, shape: &Shape) -> Refreshed {
    let Some((inputs, outputs)) = read else {
        return Refreshed::new(ResourceRow { outputs: Value::Null, ..row }, Observation::Vanished);
    };
    let ignored = ignored_fields(&row.options);
    let (managed_elsewhere, diffs): (Vec<FieldDiff>, Vec<FieldDiff>) =
        diff_inputs(&row.inputs, &inputs, shape).into_iter().partition(|d| ignored.iter().any(|f| f == d.top_field()));
    let observation = if diffs.is_empty() { Observation::Unchanged } else { Observation::Changed(diffs) };
    Refreshed { row: ResourceRow { inputs, outputs, ..row }, observation, managed_elsewhere }
}

/// The row's `ignore_changes` fields. Options that do not decode ignore nothing, so every
/// change is reported as drift (the cautious reading).
fn ignored_fields(options: &Value) -> Vec<String> {
    serde_json::from_value::<crate::stack::Options>(options.clone()).map(|o| o.ignore_changes).unwrap_or_default()
}

/// The resources whose read failed, with the error.
pub fn unreadable(refreshed: &[Refreshed]) -> Vec<(String, String)> {
    refreshed
        .iter()
        .filter_map(|r| match &r.observation {
            Observation::Unreadable(e) => Some((r.row.name.clone(), e.clone())),
            _ => None,
        })
        .collect()
}

/// Rows as they would stand after the refresh (tombstones for vanished objects).
pub fn refreshed_rows(rows: &[ResourceRow], refreshed: &[Refreshed]) -> Vec<ResourceRow> {
    rows.iter()
        .map(|r| refreshed.iter().find(|f| f.row.name == r.name).map(|f| f.row.clone()).unwrap_or_else(|| r.clone()))
        .collect()
}

#[cfg(test)]
mod tests;
