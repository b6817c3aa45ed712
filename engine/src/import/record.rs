//! Recording one agreed [`Proposal`]: the program's missing tags written through the kind's tag
//! writer inside a journal bracket (an `import` row committed before the call), the object read
//! back, and its row committed together with the removal of the journal row.
//!
//! # Guarantees
//! * The journal row is committed before the tag call; the state row only after the object was
//!   read back carrying both `plinth:*` tags of the resource.
//! * A tag call that may have landed (a timeout, a lost reply) or a read-back that fails keeps
//!   the journal row: the next run's recovery reads the object and records or forgets it
//!   ([`crate::recover`]). A clear rejection removes the row: nothing was changed.
//! * An object that needs no tag (an untaggable kind proved by its `find`, or one that already
//!   carries every tag) is recorded without a cloud call, so without a journal row.

use super::{ImportError, Proposal};
use crate::apply::may_have_landed;
use crate::ownership::owned_by;
use crate::registry::Context;
use crate::resource::{Meta, ProviderError};
use state::{JournalAction, JournalEntry, OpOutcome, PendingOp, ResourceRow, Store};

/// Tags the object of `p` and records its row in `store` (stack `stack`, run `run_id`).
pub async fn record(
    store: &Store,
    stack: &str,
    run_id: &str,
    p: &Proposal,
    cx: &Context,
) -> Result<ResourceRow, ImportError> {
    let row = p.row();
    if p.tags_to_set.is_empty() {
        store.upsert_resource(&row)?;
        return Ok(row);
    }
    let mut inputs = p.observed.clone();
    inputs["tags"] = serde_json::to_value(p.tags_after()).unwrap_or_default();
    let journal_id = store.begin_op(&pending(run_id, &row, &inputs))?;
    let failed = |source: ProviderError, kept: bool| {
        let said = if kept { "; its journal row stays and the next `up` reads the object to settle it" } else { "" };
        ImportError::Refused { name: p.name.clone(), reason: format!("tagging {} failed: {source}{said}", p.cloud_id) }
    };
    if let Err(e) = p.kind.write_tags(p.outputs.clone(), p.live_tags.clone(), p.tags_after(), cx.clone()).await {
        let kept = may_have_landed(&e);
        if !kept {
            store.commit_op(journal_id, &OpOutcome::Nothing)?;
        }
        return Err(failed(e, kept));
    }
    let read = p.kind.read(inputs, p.outputs.clone(), cx.clone()).await.map_err(|e| failed(e, true))?;
    let Some((observed, outputs)) = read else {
        store.commit_op(journal_id, &OpOutcome::Nothing)?;
        return Err(ImportError::Gone { name: p.name.clone(), kind: row.kind, id: p.cloud_id.clone() });
    };
    let tags = serde_json::from_value(observed["tags"].clone()).unwrap_or_default();
    if !owned_by(&tags, &Meta::new(p.name.clone(), stack)) {
        let reason = format!("{} was tagged, but reads back with tags {tags:?}; the journal row stays", p.cloud_id);
        return Err(ImportError::Refused { name: p.name.clone(), reason });
    }
    let row = ResourceRow { inputs: observed, outputs, ..row };
    store.commit_op(journal_id, &OpOutcome::Upsert(row.clone()))?;
    Ok(row)
}

/// The journal row committed before the tag call: the object as read is its `prior`.
fn pending(run_id: &str, row: &ResourceRow, inputs: &serde_json::Value) -> PendingOp {
    PendingOp {
        run_id: run_id.to_string(),
        name: row.name.clone(),
        kind: row.kind.clone(),
        action: JournalAction::Import,
        entry: JournalEntry {
            inputs: inputs.clone(),
            dependencies: row.dependencies.clone(),
            options: row.options.clone(),
            prior: Some(row.clone()),
            references: row.references.clone(),
        },
        started_at: state::now_rfc3339(),
    }
}
