//! Refresh: reads every resource in state from the cloud and reports what changed or vanished.
//! Reading is concurrent (bounded); persisting the result is the caller's choice.

use crate::apply::Progress;
use crate::diff::{diff_inputs, FieldDiff};
use crate::error::EngineError;
use crate::plan::is_live;
use crate::registry::{Context, Registry};
use crate::shape::Shape;
use futures::stream::{self, StreamExt};
use serde_json::Value;
use state::ResourceRow;

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

/// Reads every live row from the cloud, `parallel` at a time. A failed read is reported per
/// resource (`Unreadable`) and leaves that row as it was; the others still refresh.
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
pub async fn refresh_observed(
    rows: &[ResourceRow],
    registry: &Registry,
    cx: &Context,
    parallel: usize,
    progress: &dyn Progress,
) -> Result<Vec<Refreshed>, EngineError> {
    let live: Vec<ResourceRow> = rows.iter().filter(|r| is_live(r)).cloned().collect();
    let reads = live.into_iter().map(|row| {
        let kind = registry.get(&row.kind).cloned();
        let cx = cx.clone();
        async move {
            let kind = kind.ok_or_else(|| EngineError::UnknownKind(row.kind.clone(), row.name.clone()))?;
            progress.started(&row.name, READ);
            let started = std::time::Instant::now();
            let read = kind.read(row.inputs.clone(), row.outputs.clone(), cx).await;
            let error = read.as_ref().err().map(|e| e.to_string());
            progress.finished(&row.name, READ, started.elapsed(), error.as_deref());
            match read {
                Ok(read) => Ok(observe(row, read, kind.shape())),
                Err(e) => Ok(Refreshed::new(row, Observation::Unreadable(e.to_string()))),
            }
        }
    });
    let results: Vec<Result<Refreshed, EngineError>> = stream::iter(reads).buffered(parallel.max(1)).collect().await;
    results.into_iter().collect()
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
