//! State-only bookkeeping: options and dependencies of unchanged resources.

use crate::error::EngineError;
use crate::plan::{Action, Plan};
use serde_json::Value;
use state::{ResourceRow, Store};
use std::collections::BTreeMap;

/// Unchanged resources whose options or dependencies changed in the program get them recorded
/// (state only, no cloud call): protection added today must hold if the resource is removed
/// tomorrow, and deletes must follow today's dependencies (a row that no longer depends on a
/// removed resource must say so before that resource's delete commits). Apply runs it before
/// the operations and again after them, for dependencies created in the run; `up` runs it when
/// the plan has no changes. A dependency not in state yet leaves the row as it was.
pub fn record_bookkeeping(plan: &Plan, store: &Store) -> Result<(), EngineError> {
    let rows: BTreeMap<String, ResourceRow> = store.resources()?.into_iter().map(|r| (r.name.clone(), r)).collect();
    for step in plan.steps.iter().filter(|s| s.action == Action::Same) {
        let Some(row) = rows.get(&step.name) else { continue };
        let options = serde_json::to_value(&step.options).unwrap_or(Value::Null);
        let deps_exist = step.depends_on.iter().all(|d| rows.contains_key(d));
        if deps_exist && (row.options != options || row.dependencies != step.depends_on) {
            let updated = ResourceRow { options, dependencies: step.depends_on.clone(), ..row.clone() };
            store.upsert_resource(&updated)?;
        }
    }
    Ok(())
}
