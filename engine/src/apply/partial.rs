//! Creates that fail midway: the object may exist already (a waiter timed out, a
//! sub-configuration was rejected). The call looks it up and reads what it really is, so apply
//! can record it and the next run continue from it instead of creating a duplicate.

use crate::registry::{Context, ErasedKind};
use crate::resource::{Meta, ProviderError};
use serde_json::Value;
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

pub(super) type Done = (usize, i64, Result<Option<Value>, OpFailure>, Duration);
pub(super) type Call = futures::future::BoxFuture<'static, Result<Option<Value>, OpFailure>>;

/// A create that may leave an object behind when it fails midway (a waiter timing out, a
/// sub-configuration rejected): on failure, look the object up and read what it really is.
pub(super) fn create_call(
    kind: Arc<dyn ErasedKind>,
    inputs: Value,
    meta: Meta,
    cx: Context,
    adopt_partial: bool,
) -> Call {
    Box::pin(async move {
        let error = match kind.create(inputs.clone(), meta.clone(), cx.clone()).await {
            Ok(outputs) => return Ok(Some(outputs)),
            Err(error) => error,
        };
        let partial = if adopt_partial { find_partial(kind.as_ref(), inputs, meta, cx).await } else { None };
        Err(OpFailure { error, partial })
    })
}

async fn find_partial(kind: &dyn ErasedKind, inputs: Value, meta: Meta, cx: Context) -> Option<(Value, Value)> {
    let outputs = kind.find(inputs.clone(), meta, cx.clone()).await.ok()??;
    kind.read(inputs, outputs, cx).await.ok()?
}
