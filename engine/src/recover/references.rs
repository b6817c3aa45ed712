//! Whether the old object of a replacement is still in use, decided from the reference values
//! each row recorded when it was created or updated (never from the shape of a value).

use crate::plan::is_live;
use serde_json::Value;
use state::ResourceRow;
use std::collections::BTreeMap;

/// The first row (other than `name` itself) that still references `old`, the old object of
/// resource `name`: a recorded reference value for `name` that `old`'s outputs hold and the
/// current object's outputs do not. A row that recorded no reference values (written before
/// Plinth recorded them) counts as referencing `old` when any of its input strings is one of
/// `old`'s output strings: kept rather than guessed.
pub(super) fn still_referenced(old: &ResourceRow, name: &str, rows: &BTreeMap<String, ResourceRow>) -> Option<String> {
    let current = rows.get(name).filter(|r| is_live(r)).map(|r| &r.outputs);
    let only_old = |v: &Value| holds(&old.outputs, v) && !current.is_some_and(|c| holds(c, v));
    rows.values()
        .filter(|r| r.name != name && is_live(r))
        .find(|r| match &r.references {
            Some(recorded) => recorded.get(name).into_iter().flatten().any(only_old),
            None => strings(&r.inputs).into_iter().any(|s| only_old(&Value::String(s))),
        })
        .map(|r| r.name.clone())
}

/// Whether `v` is `outputs` or a value inside it.
fn holds(outputs: &Value, v: &Value) -> bool {
    outputs == v
        || match outputs {
            Value::Array(items) => items.iter().any(|i| holds(i, v)),
            Value::Object(map) => map.values().any(|i| holds(i, v)),
            _ => false,
        }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) if !s.is_empty() => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(name: &str, inputs: Value, outputs: Value, references: Option<Value>) -> ResourceRow {
        ResourceRow {
            name: name.into(),
            kind: "k".into(),
            cloud_id: format!("id-{name}"),
            inputs,
            outputs,
            dependencies: vec![],
            options: json!({}),
            references: references.map(|r| serde_json::from_value(r).unwrap()),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn rows(list: Vec<ResourceRow>) -> BTreeMap<String, ResourceRow> {
        list.into_iter().map(|r| (r.name.clone(), r)).collect()
    }

    #[test]
    fn recorded_references_decide_and_plain_values_shared_by_chance_do_not_count() {
        let old = row("net", json!({}), json!({ "id": "net-0", "region": "us-east-1" }), None);
        let new = row("net", json!({}), json!({ "id": "net-1", "region": "us-east-1" }), None);
        // sub was sent net-0 (the old object): still referenced.
        let sub = row("sub", json!({ "net_id": "net-0" }), json!({}), Some(json!({ "net": ["net-0"] })));
        assert_eq!(still_referenced(&old, "net", &rows(vec![new.clone(), sub])), Some("sub".into()));
        // sub was sent net-1 and happens to hold the region in another field: not referenced.
        let sub =
            row("sub", json!({ "net_id": "net-1", "r": "us-east-1" }), json!({}), Some(json!({ "net": ["net-1"] })));
        assert_eq!(still_referenced(&old, "net", &rows(vec![new.clone(), sub])), None);
        // A value both objects share (the region) cannot hold the old one.
        let sub = row("sub", json!({}), json!({}), Some(json!({ "net": ["us-east-1"] })));
        assert_eq!(still_referenced(&old, "net", &rows(vec![new, sub])), None);
    }

    #[test]
    fn a_row_without_recorded_references_is_treated_conservatively() {
        let old = row("net", json!({}), json!({ "id": "net-0", "name": "plain" }), None);
        let legacy = row("sub", json!({ "label": "plain" }), json!({}), None);
        assert_eq!(still_referenced(&old, "net", &rows(vec![legacy])), Some("sub".into()));
    }
}
