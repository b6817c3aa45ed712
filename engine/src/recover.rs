//! Journal recovery: operations a previous run began but never committed (a crash, a kill) are
//! resolved by asking the cloud, before anything else runs. No manual cleanup.
//!
//! Creates are resolved first (a crash mid-replacement leaves a create and the old object's
//! delete). A create that cannot be resolved stops the run: planning it again could duplicate
//! the object. Other operations that cannot be resolved now stay in the journal with a warning
//! and are retried by the next run; `state journal` lists them and `--drop ID` forgets one.

use crate::error::EngineError;
use crate::registry::{Context, Registry};
use crate::resource::Meta;
use serde_json::Value;
use state::{JournalAction, OpOutcome, PendingOp, ResourceRow, Store};

/// What recovery did with one pending operation, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub name: String,
    pub action: JournalAction,
    pub outcome: String,
    /// The operation stays in the journal (to be retried by the next run).
    pub kept: bool,
}

/// Resolves every pending operation in the journal.
pub async fn recover(
    store: &Store,
    registry: &Registry,
    cx: &Context,
    stack: &str,
) -> Result<Vec<Recovered>, EngineError> {
    let mut pending = store.pending_ops()?;
    pending.sort_by_key(|(id, op)| (op.action != JournalAction::Create, *id));
    let mut done = Vec::new();
    for (id, op) in pending {
        let resolved = resolve(store, registry, cx, stack, &op).await;
        let (outcome, said) = match resolved {
            Ok(Some(resolved)) => resolved,
            Ok(None) => {
                done.push(Recovered { name: op.name.clone(), action: op.action, outcome: still_referenced(&op), kept: true });
                continue;
            }
            Err(e) if op.action == JournalAction::Create => {
                return Err(EngineError::Plan(format!(
                    "cannot tell whether the interrupted create of `{}` happened ({e}); planning it again could duplicate it. \
                     Check the cloud, then import or `state journal --drop {id}`",
                    op.name
                )))
            }
            Err(e) => {
                done.push(Recovered { name: op.name.clone(), action: op.action, outcome: format!("left for the next run: {e}"), kept: true });
                continue;
            }
        };
        store.commit_op(id, &outcome)?;
        done.push(Recovered { name: op.name.clone(), action: op.action, outcome: said, kept: false });
    }
    Ok(done)
}

/// `Ok(None)`: not resolvable yet (the old object of a replacement is still referenced).
async fn resolve(
    store: &Store,
    registry: &Registry,
    cx: &Context,
    stack: &str,
    op: &PendingOp,
) -> Result<Option<(OpOutcome, String)>, EngineError> {
    let kind =
        registry.get(&op.kind).ok_or_else(|| EngineError::UnknownKind(op.kind.clone(), op.name.clone()))?.clone();
    match op.action {
        JournalAction::Create => adopt(store, op, kind.as_ref(), cx, stack).await.map(Some),
        JournalAction::DeleteReplaced => finish_replaced_delete(store, op, kind.as_ref(), cx).await,
        JournalAction::Update | JournalAction::Delete => reread(store, op, kind.as_ref(), cx).await.map(Some),
    }
}

fn still_referenced(op: &PendingOp) -> String {
    format!(
        "the replaced object of `{}` is still referenced; it is deleted by a later run once nothing uses it",
        op.name
    )
}

fn prior_row(op: &PendingOp) -> Option<ResourceRow> {
    op.entry.prior.clone()
}

fn row_from(op: &PendingOp, cloud_id: String, inputs: Value, outputs: Value) -> ResourceRow {
    ResourceRow {
        name: op.name.clone(),
        kind: op.kind.clone(),
        cloud_id,
        inputs,
        outputs,
        dependencies: op.entry.dependencies.clone(),
        options: op.entry.options.clone(),
        references: op.entry.references.clone(),
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// A create that may or may not have happened: find the object by its tags and adopt it.
async fn adopt(
    store: &Store,
    op: &PendingOp,
    kind: &dyn crate::ErasedKind,
    cx: &Context,
    stack: &str,
) -> Result<(OpOutcome, String), EngineError> {
    let inputs = op.entry.inputs.clone();
    let meta = Meta { name: op.name.clone(), stack: stack.to_string() };
    let found = kind
        .find(inputs.clone(), meta, cx.clone())
        .await
        .map_err(|e| EngineError::Plan(format!("recovering `{}`: {e}", op.name)))?;
    let Some(outputs) = found else {
        return Ok((OpOutcome::Nothing, "never created; nothing to adopt".into()));
    };
    let found_id = kind.cloud_id(&outputs).map_err(|e| EngineError::Internal(e.to_string()))?;
    if store.resource(&op.name)?.is_some_and(|r| r.cloud_id == found_id) {
        // The interrupted create was a replacement, and the lookup found the old object, which
        // carries the same tags: whether a new one exists too cannot be told from here.
        return Err(EngineError::Plan(format!(
            "the lookup found {found_id}, the object being replaced; a second object tagged plinth:name={} may exist",
            op.name
        )));
    }
    let observed = kind.read(inputs.clone(), outputs.clone(), cx.clone()).await.ok().flatten();
    let (inputs, outputs) = observed.unwrap_or((inputs, outputs));
    let id = kind.cloud_id(&outputs).map_err(|e| EngineError::Internal(e.to_string()))?;
    let said = format!("found {id} in the cloud; adopted into state");
    Ok((OpOutcome::Upsert(row_from(op, id, inputs, outputs)), said))
}

/// An update or delete that may have happened: record what the cloud has now.
async fn reread(
    store: &Store,
    op: &PendingOp,
    kind: &dyn crate::ErasedKind,
    cx: &Context,
) -> Result<(OpOutcome, String), EngineError> {
    let Some(prior) = prior_row(op) else { return Ok((OpOutcome::Nothing, "nothing recorded to check".into())) };
    let read = kind.read(prior.inputs.clone(), prior.outputs.clone(), cx.clone()).await;
    match read.map_err(|e| EngineError::Plan(format!("recovering `{}`: {e}", op.name)))? {
        None if op.action == JournalAction::Delete && !has_dependents(store, &op.name)? => {
            Ok((OpOutcome::Remove(op.name.clone()), "gone from the cloud; removed from state".into()))
        }
        None => {
            let mut row = prior;
            row.outputs = Value::Null;
            Ok((OpOutcome::Upsert(row), "gone from the cloud; will be created again".into()))
        }
        Some((inputs, outputs)) => {
            let row = ResourceRow { inputs, outputs, ..prior };
            Ok((OpOutcome::Upsert(row), "still in the cloud; state refreshed from it".into()))
        }
    }
}

/// The old object of a create-first replacement: delete it unless state still points at it, or
/// (`None`) while another resource's recorded inputs still hold one of its output values.
async fn finish_replaced_delete(
    store: &Store,
    op: &PendingOp,
    kind: &dyn crate::ErasedKind,
    cx: &Context,
) -> Result<Option<(OpOutcome, String)>, EngineError> {
    let Some(old) = prior_row(op) else { return Ok(Some((OpOutcome::Nothing, "nothing recorded".into()))) };
    let rows = store.resources()?;
    if rows.iter().any(|c| c.name == op.name && c.cloud_id == old.cloud_id) {
        return Ok(Some((OpOutcome::Nothing, "replacement never happened; old object kept".into())));
    }
    // Ids and ARNs are what references carry; plain values (a region, a port) would match by chance.
    let values: Vec<String> =
        string_leaves(&old.outputs).into_iter().filter(|v| *v == old.cloud_id || v.starts_with("arn:")).collect();
    if rows.iter().any(|r| r.name != op.name && string_leaves(&r.inputs).iter().any(|v| values.contains(v))) {
        return Ok(None);
    }
    kind.delete(old.inputs.clone(), old.outputs.clone(), cx.clone())
        .await
        .map_err(|e| EngineError::Plan(format!("deleting the replaced `{}` ({}): {e}", op.name, old.cloud_id)))?;
    Ok(Some((OpOutcome::Nothing, format!("deleted the replaced object {}", old.cloud_id))))
}

/// Every string value inside `v` (ids, ARNs, names) that could be a reference.
fn string_leaves(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) if !s.is_empty() => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(string_leaves).collect(),
        Value::Object(map) => map.values().flat_map(string_leaves).collect(),
        _ => vec![],
    }
}

fn has_dependents(store: &Store, name: &str) -> Result<bool, EngineError> {
    Ok(store.resources()?.iter().any(|r| r.dependencies.iter().any(|d| d == name)))
}
