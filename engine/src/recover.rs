//! Journal recovery: operations a previous run began but never committed (a crash, a kill) are
//! resolved by asking the cloud, before anything else runs. No manual cleanup.

use crate::error::EngineError;
use crate::registry::{Context, Registry};
use crate::resource::Meta;
use serde_json::Value;
use state::{OpOutcome, PendingOp, ResourceRow, Store};

/// What recovery did with one pending operation, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub name: String,
    pub action: String,
    pub outcome: String,
}

/// Resolves every pending operation in the journal.
pub async fn recover(store: &Store, registry: &Registry, cx: &Context, stack: &str) -> Result<Vec<Recovered>, EngineError> {
    let mut done = Vec::new();
    for (id, op) in store.pending_ops()? {
        let kind = registry
            .get(&op.kind)
            .ok_or_else(|| EngineError::UnknownKind(op.kind.clone(), op.name.clone()))?
            .clone();
        let (outcome, said) = match op.action.as_str() {
            "create" => adopt(&op, kind.as_ref(), cx, stack).await?,
            "delete-replaced" => finish_replaced_delete(store, &op, kind.as_ref(), cx).await?,
            _ => reread(store, &op, kind.as_ref(), cx).await?,
        };
        store.commit_op(id, &outcome)?;
        done.push(Recovered { name: op.name.clone(), action: op.action.clone(), outcome: said });
    }
    Ok(done)
}

fn prior_row(op: &PendingOp) -> Option<ResourceRow> {
    serde_json::from_value(op.inputs["prior"].clone()).ok()
}

fn row_from(op: &PendingOp, cloud_id: String, inputs: Value, outputs: Value) -> ResourceRow {
    ResourceRow {
        name: op.name.clone(),
        kind: op.kind.clone(),
        cloud_id,
        inputs,
        outputs,
        dependencies: serde_json::from_value(op.inputs["dependencies"].clone()).unwrap_or_default(),
        options: op.inputs["options"].clone(),
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// A create that may or may not have happened: find the object by its tags and adopt it.
async fn adopt(op: &PendingOp, kind: &dyn crate::ErasedKind, cx: &Context, stack: &str) -> Result<(OpOutcome, String), EngineError> {
    let inputs = op.inputs["inputs"].clone();
    let meta = Meta { name: op.name.clone(), stack: stack.to_string() };
    let found = kind.find(inputs.clone(), meta, cx.clone()).await.map_err(|e| EngineError::Plan(format!("recovering `{}`: {e}", op.name)))?;
    let Some(outputs) = found else {
        return Ok((OpOutcome::Nothing, "never created; nothing to adopt".into()));
    };
    let observed = kind.read(inputs.clone(), outputs.clone(), cx.clone()).await.ok().flatten();
    let (inputs, outputs) = observed.unwrap_or((inputs, outputs));
    let id = kind.cloud_id(&outputs).map_err(|e| EngineError::Internal(e.to_string()))?;
    let said = format!("found {id} in the cloud; adopted into state");
    Ok((OpOutcome::Upsert(row_from(op, id, inputs, outputs)), said))
}

/// An update or delete that may have happened: record what the cloud has now.
async fn reread(store: &Store, op: &PendingOp, kind: &dyn crate::ErasedKind, cx: &Context) -> Result<(OpOutcome, String), EngineError> {
    let Some(prior) = prior_row(op) else { return Ok((OpOutcome::Nothing, "nothing recorded to check".into())) };
    let read = kind.read(prior.inputs.clone(), prior.outputs.clone(), cx.clone()).await;
    match read.map_err(|e| EngineError::Plan(format!("recovering `{}`: {e}", op.name)))? {
        None if op.action == "delete" && !has_dependents(store, &op.name)? => {
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

/// The old object of a create-first replacement: delete it unless state still points at it.
async fn finish_replaced_delete(store: &Store, op: &PendingOp, kind: &dyn crate::ErasedKind, cx: &Context) -> Result<(OpOutcome, String), EngineError> {
    let Some(old) = prior_row(op) else { return Ok((OpOutcome::Nothing, "nothing recorded".into())) };
    let current = store.resource(&op.name)?;
    if current.is_some_and(|c| c.cloud_id == old.cloud_id) {
        return Ok((OpOutcome::Nothing, "replacement never happened; old object kept".into()));
    }
    kind.delete(old.inputs.clone(), old.outputs.clone(), cx.clone())
        .await
        .map_err(|e| EngineError::Plan(format!("deleting the replaced `{}` ({}): {e}", op.name, old.cloud_id)))?;
    Ok((OpOutcome::Nothing, format!("deleted the replaced object {}", old.cloud_id)))
}

fn has_dependents(store: &Store, name: &str) -> Result<bool, EngineError> {
    Ok(store.resources()?.iter().any(|r| r.dependencies.iter().any(|d| d == name)))
}
