//! The cloud calls apply makes, as futures: creates that may fail midway (the object may exist
//! already: a waiter timed out, a sub-configuration was rejected, the reply was lost) and
//! deletes that first prove the object is this resource's.
//!
//! # Guarantees
//! * A failed create looks the object up with the kind's `find` (which adopts only what
//!   ownership proves) and, when found, reads what it really is: recorded, not created again.
//! * A delete reads the object first: one already gone is not deleted again, and for taggable
//!   kinds one whose tags do not prove it is resource `name` of this stack is refused
//!   ([`ErrorClass::NotOwned`]) naming the object and the tags it has.

use crate::ownership::prove_owned;
use crate::registry::{Context, ErasedKind};
use crate::resource::{ErrorClass, Meta, ProviderError, Tags};
use serde_json::Value;
use state::ResourceRow;
use std::sync::Arc;
use std::time::Duration;

/// A failed operation; `partial` is the object a failed create left behind (observed inputs and
/// outputs), found by the kind's `find`: recorded so the next run continues from it.
pub(super) struct OpFailure {
    pub error: ProviderError,
    pub partial: Option<(Value, Value)>,
}

impl From<ProviderError> for OpFailure {
    fn from(error: ProviderError) -> Self {
        OpFailure { error, partial: None }
    }
}

/// One finished operation, as the runner receives it.
pub(super) struct Done {
    /// Index of the operation.
    pub op: usize,
    /// Its journal row.
    pub journal_id: i64,
    /// New outputs (creates and updates), `None` for deletes.
    pub result: Result<Option<Value>, OpFailure>,
    pub elapsed: Duration,
}

pub(super) type Call = futures::future::BoxFuture<'static, Result<Option<Value>, OpFailure>>;

/// Whether a failed call may still have taken effect: anything but a clear rejection. The
/// request may have landed before the reply was lost (a 5xx, a timeout, a dropped connection,
/// throttling after an earlier attempt went through).
pub(super) fn may_have_landed(error: &ProviderError) -> bool {
    matches!(error.class, ErrorClass::Transient | ErrorClass::Timeout | ErrorClass::Throttled | ErrorClass::Other)
}

/// A create that may leave an object behind when it fails midway: on failure, look the object
/// up and read what it really is.
pub(super) fn create_call(kind: Arc<dyn ErasedKind>, inputs: Value, meta: Meta, cx: Context) -> Call {
    Box::pin(async move {
        let error = match kind.create(inputs.clone(), meta.clone(), cx.clone()).await {
            Ok(outputs) => return Ok(Some(outputs)),
            Err(error) => error,
        };
        match find_partial(kind.as_ref(), inputs, meta, cx).await {
            Ok(partial) => Err(OpFailure { error, partial }),
            // The name is taken by an object this stack cannot prove it owns: say whose it is.
            Err(refusal) => {
                let message = format!("{}; {}", error.message, refusal.message);
                Err(OpFailure { error: ProviderError::new(ErrorClass::NotOwned, message), partial: None })
            }
        }
    })
}

/// The object a failed create left, if the lookup finds one that is not the object a
/// create-first replacement replaces (it carries the same tags). `Err` only when the lookup
/// found an object it refused to adopt ([`ErrorClass::NotOwned`]); other lookup failures are
/// "nothing found" here (the journal row decides later).
async fn find_partial(
    kind: &dyn ErasedKind,
    inputs: Value,
    meta: Meta,
    cx: Context,
) -> Result<Option<(Value, Value)>, ProviderError> {
    let replacing = meta.replacing.clone();
    let outputs = match kind.find(inputs.clone(), meta, cx.clone()).await {
        Ok(Some(outputs)) => outputs,
        Err(e) if e.class == ErrorClass::NotOwned => return Err(e),
        Ok(None) | Err(_) => return Ok(None),
    };
    if replacing.is_some() && kind.cloud_id(&outputs).ok() == replacing {
        return Ok(None);
    }
    Ok(kind.read(inputs, outputs, cx).await.ok().flatten())
}

/// Reads the object of `row`: `None` when it is gone, its observed (inputs, outputs) when its
/// tags prove it is resource `meta.name` of stack `meta.stack` (kinds that cannot be tagged are
/// identified by their recorded id alone), a [`ErrorClass::NotOwned`] error otherwise.
pub(crate) async fn read_owned(
    kind: &dyn ErasedKind,
    row: &ResourceRow,
    meta: &Meta,
    cx: Context,
) -> Result<Option<(Value, Value)>, ProviderError> {
    let Some((observed, outputs)) = kind.read(row.inputs.clone(), row.outputs.clone(), cx).await? else {
        return Ok(None);
    };
    if kind.taggable() {
        // Tags that do not decode prove nothing: refused like missing ones.
        let tags: Tags = serde_json::from_value(observed["tags"].clone()).unwrap_or_default();
        prove_owned(&format!("{} {}", kind.kind(), row.cloud_id), &tags, meta)?;
    }
    Ok(Some((observed, outputs)))
}

/// Deletes the object of `row` once [`read_owned`] proved it is this resource's.
pub(crate) async fn owned_delete(
    kind: Arc<dyn ErasedKind>,
    row: ResourceRow,
    meta: Meta,
    cx: Context,
) -> Result<(), ProviderError> {
    if read_owned(kind.as_ref(), &row, &meta, cx.clone()).await?.is_some() {
        kind.delete(row.inputs, row.outputs, cx).await?;
    }
    Ok(())
}
