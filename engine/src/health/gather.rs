//! Gathering a health report: one batched check per kind (every checked object of the kind in
//! one `ErasedKind::health` call, so the kind can batch its describe calls) and one probe per
//! endpoint, all concurrently; then [`super::assemble`] (pure) propagates and orders.
//!
//! Objects are checked as state records them (resolved inputs, outputs); a checked resource of
//! the program with no live row, or whose row is of another kind, is `unknown` saying so.

use super::map::{dependency_map, Component as Entry};
use super::{assemble, probe, Check, Report};
use crate::input::substitute;
use crate::plan::is_live;
use crate::registry::{Context, ErasedKind};
use crate::stack::{Endpoint, Stack};
use futures::future::{join, join_all, BoxFuture};
use serde_json::Value;
use state::ResourceRow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Checks every component of `stack` (graph order `order`) against the cloud through `cx`, its
/// objects as `rows` record them, probing endpoints within `timeout` each.
pub async fn gather(stack: &Stack, order: &[String], rows: &[ResourceRow], cx: &Context, timeout: Duration) -> Report {
    let entries = dependency_map(stack, order);
    let live: BTreeMap<&str, &ResourceRow> = rows.iter().filter(|r| is_live(r)).map(|r| (r.name.as_str(), r)).collect();
    let (mut checks, batches) = batches(stack, &entries, &live);
    let kind_checks = batches.into_iter().map(|(kind, members)| {
        let (names, batch): (Vec<String>, Vec<(Value, Value)>) = members.into_iter().unzip();
        let fut: BoxFuture<'static, Vec<Check>> = kind.health(batch, cx.clone());
        async move { names.into_iter().zip(fut.await).collect::<Vec<_>>() }
    });
    let probes = stack.endpoints().into_iter().map(|e| {
        let url = endpoint_url(stack, &e, &live);
        async move {
            let check = match url {
                Ok(url) => probe::probe(&url, &e.paths, timeout).await.with_details([format!("url: {url}")]),
                Err(reason) => Check::unknown(reason),
            };
            (e.name, check)
        }
    });
    let (by_kind, by_probe) = join(join_all(kind_checks), join_all(probes)).await;
    checks.extend(by_kind.into_iter().flatten());
    checks.extend(by_probe);
    assemble(stack.name(), &entries, &checks)
}

type Batch = Vec<(String, (Value, Value))>;
/// Checks known without a call, and the batches to send, one per kind.
type Batches = (BTreeMap<String, Check>, Vec<(Arc<dyn ErasedKind>, Batch)>);

/// The checked resources grouped by kind with their recorded inputs and outputs, and the
/// checks already known without a call (no live row, another kind in state).
fn batches(
    stack: &Stack,
    entries: &[Entry],
    live: &BTreeMap<&str, &ResourceRow>,
) -> Batches {
    let nodes: BTreeMap<String, _> = stack.nodes().into_iter().map(|n| (n.name.clone(), n)).collect();
    let mut known = BTreeMap::new();
    let mut groups: BTreeMap<&'static str, (Arc<dyn ErasedKind>, Batch)> = BTreeMap::new();
    for entry in entries {
        let Some(node) = nodes.get(&entry.name) else { continue };
        match live.get(entry.name.as_str()) {
            None => {
                known.insert(entry.name.clone(), Check::unknown("not created yet: no live object in state (run `up`)"));
            }
            Some(row) if row.kind != node.kind.kind() => {
                let reason = format!("state holds a {}, the program a {}: run `up`", row.kind, node.kind.kind());
                known.insert(entry.name.clone(), Check::unknown(reason));
            }
            Some(row) => {
                let group = groups.entry(node.kind.kind()).or_insert_with(|| (node.kind.clone(), Vec::new()));
                group.1.push((entry.name.clone(), (row.inputs.clone(), row.outputs.clone())));
            }
        }
    }
    (known, groups.into_values().collect())
}

/// The endpoint's base URL, its references resolved from the recorded outputs.
fn endpoint_url(stack: &Stack, e: &Endpoint, live: &BTreeMap<&str, &ResourceRow>) -> Result<String, String> {
    let mut resolve = |resource: &str, key: usize| -> Result<Value, String> {
        let row = live.get(resource).ok_or_else(|| format!("the URL is not known yet: `{resource}` is not created"))?;
        let projection = stack.projection(key).ok_or_else(|| format!("unknown reference #{key}"))?;
        projection(&row.outputs).map_err(|e| format!("cannot read `{resource}` outputs: {e}"))
    };
    match substitute(&e.url, &mut resolve)? {
        Value::String(url) if !url.is_empty() => Ok(url),
        other => Err(format!("the URL is not a non-empty string: {other}")),
    }
}
