//! Reference resolution just before a call: a step's declared inputs with every reference
//! replaced by the dependency's fresh output, ignored fields kept from the run's start, and the
//! values each reference resolved to, per dependency (recorded in state so recovery can tell
//! whether an old object is still in use without guessing from value shapes).

use crate::input::substitute;
use crate::plan::{keep_ignored, Step};
use crate::stack::{Node, Stack};
use serde_json::Value;
use state::{References, ResourceRow};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Resolved inputs, and what they were resolved with.
pub(crate) struct Resolved {
    pub inputs: Value,
    /// `None` when it cannot be told exactly (an ignored field kept a value resolved earlier,
    /// and the earlier row recorded none): recovery then treats the row conservatively.
    pub references: Option<References>,
}

pub(crate) struct Resolver<'a> {
    stack: &'a Stack,
    nodes: BTreeMap<String, Arc<Node>>,
    /// Rows as they stood when the run began (ignored fields keep these values), for the
    /// resources that ignore changes to some field: only those read them.
    initial: BTreeMap<String, ResourceRow>,
}

impl<'a> Resolver<'a> {
    /// `rows`: state as the run began; the resolver keeps a copy of the rows of resources with
    /// `ignore_changes` only (a copy of every row doubled apply's memory).
    pub fn new(stack: &'a Stack, rows: &BTreeMap<String, ResourceRow>) -> Self {
        let nodes: BTreeMap<String, Arc<Node>> = stack.declared().into_iter().map(|n| (n.name.clone(), n)).collect();
        let initial = nodes
            .values()
            .filter(|n| !n.options.ignore_changes.is_empty())
            .filter_map(|n| rows.get(&n.name).map(|r| (n.name.clone(), r.clone())))
            .collect();
        Resolver { stack, nodes, initial }
    }

    /// The inputs to send for `step`, references resolved from `rows` (current outputs).
    pub fn resolve(&self, step: &Step, rows: &BTreeMap<String, ResourceRow>) -> Result<Resolved, String> {
        let Some(node) = self.nodes.get(&step.name) else {
            return Ok(Resolved { inputs: step.inputs.clone(), references: Some(References::new()) });
        };
        let mut references = References::new();
        let mut resolve = |resource: &str, key: usize| -> Result<Value, String> {
            let row = rows.get(resource).filter(|r| !r.outputs.is_null());
            let row = row.ok_or_else(|| format!("`{resource}` has no outputs yet"))?;
            let projection = self.stack.projection(key).ok_or_else(|| format!("unknown reference #{key}"))?;
            let value = projection(&row.outputs).map_err(|e| format!("cannot read `{resource}` outputs: {e}"))?;
            references.entry(resource.to_string()).or_default().push(value.clone());
            Ok(value)
        };
        let mut inputs = substitute(&node.inputs, &mut resolve)?;
        let mut references = Some(references);
        if let Some(prior) = self.initial.get(&step.name).filter(|r| !r.outputs.is_null()) {
            let ignored = &step.options.ignore_changes;
            keep_ignored(&mut inputs, &prior.inputs, ignored);
            if !ignored.is_empty() {
                // An ignored field may still hold what an earlier run resolved: keep those too.
                references = merge(references, prior.references.as_ref());
            }
        }
        Ok(Resolved { inputs, references })
    }
}

fn merge(now: Option<References>, earlier: Option<&References>) -> Option<References> {
    let (mut now, earlier) = (now?, earlier?);
    for (dep, values) in earlier {
        let entry = now.entry(dep.clone()).or_default();
        entry.extend(values.iter().filter(|v| !entry.contains(v)).cloned().collect::<Vec<_>>());
    }
    Some(now)
}
