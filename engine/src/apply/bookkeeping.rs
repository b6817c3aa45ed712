//! State-only bookkeeping: options, dependencies and reference values of unchanged resources.

use super::resolve::Resolver;
use crate::error::EngineError;
use crate::plan::{Action, Plan};
use crate::stack::Stack;
use serde_json::Value;
use state::{ResourceRow, Store};
use std::collections::BTreeMap;

/// Unchanged resources whose options, dependencies or reference values differ from what state
/// records get them recorded (state only, no cloud call): protection added today must hold if
/// the resource is removed tomorrow, deletes must follow today's dependencies (a row that no
/// longer depends on a removed resource must say so before that resource's delete commits), and
/// recovery must know what each row references (rows written before reference values were
/// recorded get them here). Apply runs it before the operations and again after them, for
/// dependencies created in the run; `up` runs it when the plan has no changes. A dependency not
/// in state yet leaves the row as it was. `rows`: state as it stands (what the plan was made
/// against, once recovery's resolutions are committed), so that it is not read again.
pub fn record_bookkeeping(
    plan: &Plan,
    stack: &Stack,
    store: &Store,
    rows: Vec<ResourceRow>,
) -> Result<(), EngineError> {
    record_in(plan, stack, store, &mut by_name(rows))
}

/// State's rows keyed by name.
pub(super) fn by_name(rows: Vec<ResourceRow>) -> BTreeMap<String, ResourceRow> {
    rows.into_iter().map(|r| (r.name.clone(), r)).collect()
}

/// [`record_bookkeeping`] against `rows`, state as it stands (apply's own copy, so that it is
/// not read again), which gets the rows it writes.
pub(super) fn record_in(
    plan: &Plan,
    stack: &Stack,
    store: &Store,
    rows: &mut BTreeMap<String, ResourceRow>,
) -> Result<(), EngineError> {
    let resolver = Resolver::new(stack, rows);
    let mut updated = Vec::new();
    for step in plan.steps.iter().filter(|s| s.action == Action::Same) {
        let Some(row) = rows.get(&step.name) else { continue };
        let options = serde_json::to_value(&step.options).unwrap_or(Value::Null);
        let deps_exist = step.depends_on.iter().all(|d| rows.contains_key(d));
        let references = match resolver.resolve(step, rows) {
            Ok(resolved) => resolved.references,
            Err(_) => row.references.clone(),
        };
        let changed = row.options != options || row.dependencies != step.depends_on || row.references != references;
        if deps_exist && changed {
            let row = ResourceRow { options, dependencies: step.depends_on.clone(), references, ..row.clone() };
            store.upsert_resource(&row)?;
            updated.push(row);
        }
    }
    for row in updated {
        rows.insert(row.name.clone(), row);
    }
    Ok(())
}
