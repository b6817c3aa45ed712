//! Recovery of an interrupted `import` ([`crate::import`]): the tag call that adopts an existing
//! object may or may not have landed. The object is read again and decides:
//! * it carries both `plinth:*` tags of the resource: the import finished; it is recorded;
//! * it carries neither: the import never tagged it; nothing is recorded (run `import` again);
//! * it is gone: nothing is recorded;
//! * anything else (another stack's or another resource's tags, an unreadable object): refused
//!   or kept, naming the object and its tags.

use super::Decision;
use crate::ownership::{not_owned_message, owned_by, NAME_TAG, STACK_TAG};
use crate::registry::{Context, ErasedKind};
use crate::resource::{Meta, Tags};
use state::{OpOutcome, PendingOp, ResourceRow};
use std::collections::BTreeMap;

/// What the interrupted import of `op` left, read from the cloud.
pub(super) async fn imported(
    op: &PendingOp,
    kind: &dyn ErasedKind,
    meta: &Meta,
    cx: Context,
    rows: &BTreeMap<String, ResourceRow>,
) -> Decision {
    let Some(prior) = op.entry.prior.clone() else {
        return Decision::Refuse("it records no object to check".into());
    };
    if let Some(held) = rows.get(&op.name).filter(|r| crate::plan::is_live(r) && r.cloud_id != prior.cloud_id) {
        return Decision::Refuse(format!("state already records `{}` as {}", op.name, held.cloud_id));
    }
    let object = format!("{} {}", kind.kind(), prior.cloud_id);
    let (inputs, outputs) = match kind.read(prior.inputs.clone(), prior.outputs.clone(), cx).await {
        Err(e) => return Decision::Keep(format!("left for the next run: reading {object} failed: {e}")),
        Ok(None) => return Decision::Resolve(OpOutcome::Nothing, format!("{object} is gone; nothing imported")),
        Ok(Some(found)) => found,
    };
    let tags: Tags = serde_json::from_value(inputs["tags"].clone()).unwrap_or_default();
    if owned_by(&tags, meta) {
        let row = ResourceRow { inputs, outputs, ..prior };
        return Decision::Resolve(OpOutcome::Upsert(row), format!("{object} was tagged; imported into state"));
    }
    if !tags.contains_key(STACK_TAG) && !tags.contains_key(NAME_TAG) {
        let said = format!("{object} was never tagged; nothing imported (run `import` again)");
        return Decision::Resolve(OpOutcome::Nothing, said);
    }
    Decision::Refuse(not_owned_message(&object, &tags, meta))
}
