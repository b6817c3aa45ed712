//! The cloud calls apply makes, as futures: creates that may fail midway (the object may exist
//! already: a waiter timed out, a sub-configuration was rejected, the reply was lost) and
//! deletes that first prove the object is this resource's.
//!
//! # Guarantees
//! * A failed create looks the object up with the kind's `find` (which adopts only what
//!   ownership proves) and, when found, reads what it really is: recorded, not created again.
//!   When that lookup (or the read) fails, nobody knows whether an object was left, whatever the
//!   create's own error: its journal row is kept and the next run looks again before creating.
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
/// `unlooked` says why that lookup could not be made or finished (then nobody knows whether the
/// create left an object, and its journal row must stay).
pub(super) struct OpFailure {
    pub error: ProviderError,
    pub partial: Option<(Value, Value)>,
    pub unlooked: Option<String>,
}

impl From<ProviderError> for OpFailure {
    fn from(error: ProviderError) -> Self {
        OpFailure { error, partial: None, unlooked: None }
    }
}

/// What looking up a failed create's object found.
enum Lookup {
    Found(Value, Value),
    Nothing,
    /// The lookup or the read of what it found failed: whether an object exists is unknown.
    Failed(String),
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

/// A call that was not sent because its journal row could not be made durable: a clear
/// rejection (nothing can have landed), so its row resolves to nothing.
pub(super) fn not_sent(why: String) -> OpFailure {
    ProviderError::new(ErrorClass::Invalid, format!("not sent: the journal could not be saved remotely ({why})")).into()
}

/// Whether a failed call may still have taken effect: anything but a clear rejection. The
/// request may have landed before the reply was lost (a 5xx, a timeout, a dropped connection,
/// throttling after an earlier attempt went through).
pub(crate) fn may_have_landed(error: &ProviderError) -> bool {
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
            Ok(Lookup::Found(observed, outputs)) => {
                Err(OpFailure { error, partial: Some((observed, outputs)), unlooked: None })
            }
            Ok(Lookup::Nothing) => Err(OpFailure::from(error)),
            Ok(Lookup::Failed(why)) => Err(OpFailure { error, partial: None, unlooked: Some(why) }),
            // The name is taken by an object this stack cannot prove it owns: say whose it is.
            Err(refusal) => {
                let message = format!("{}; {}", error.message, refusal.message);
                Err(OpFailure::from(ProviderError::new(ErrorClass::NotOwned, message)))
            }
        }
    })
}

/// The object a failed create left, if the lookup finds one that is not the object a
/// create-first replacement replaces (it carries the same tags). `Err` only when the lookup
/// found an object it refused to adopt ([`ErrorClass::NotOwned`]); a lookup or read that fails
/// otherwise is [`Lookup::Failed`] (the journal row is then kept).
async fn find_partial(kind: &dyn ErasedKind, inputs: Value, meta: Meta, cx: Context) -> Result<Lookup, ProviderError> {
    let replacing = meta.replacing.clone();
    let outputs = match kind.find(inputs.clone(), meta, cx.clone()).await {
        Ok(Some(outputs)) => outputs,
        Ok(None) => return Ok(Lookup::Nothing),
        Err(e) if e.class == ErrorClass::NotOwned => return Err(e),
        Err(e) => return Ok(Lookup::Failed(format!("looking it up failed: {}", e.message))),
    };
    if replacing.is_some() && kind.cloud_id(&outputs).ok() == replacing {
        return Ok(Lookup::Nothing);
    }
    Ok(match kind.read(inputs, outputs, cx).await {
        Ok(Some((observed, outputs))) => Lookup::Found(observed, outputs),
        Ok(None) => Lookup::Nothing,
        Err(e) => Lookup::Failed(format!("reading the object it found failed: {}", e.message)),
    })
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
