//! Field-by-field differences between two input documents, for plans and refresh reports:
//! [`diff_fields`] compares exactly (lists whole, in order); [`diff_inputs`] follows the kind's
//! [`Shape`] (a set only reordered is no change) and says structurally how each list and JSON
//! document changed ([`change`]).

mod change;

pub use change::{canonical, compare, sorted_keys, At, Change, Element, FieldChange, Matched};

use crate::input::is_unknown;
use crate::shape::Shape;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One changed field: `old` is `None` when the field is new, `new` is `None` when it goes away.
/// A `new` holding an `$unknown` marker is a value only apply can know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// Dotted path, e.g. `tags.Environment` or `routes`.
    pub path: String,
    /// The whole value before and after (what machines read).
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// For a list or a JSON document: what changed in it, member by member or path by path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

impl FieldDiff {
    /// The top-level input field this change is under.
    pub fn top_field(&self) -> &str {
        self.path.split('.').next().unwrap_or(&self.path)
    }
}

/// Differences from `old` to `new`, recursing into objects (arrays compare whole, in order).
/// `Value::Null` on either side stands for "no document".
pub fn diff_fields(old: &Value, new: &Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    walk(&mut Vec::new(), old, new, None, &mut out);
    out
}

/// Differences from `old` to `new` as the kind's `shape` reads them: like [`diff_fields`], but a
/// declared set whose members are only reordered is no change, and each changed list or
/// declared JSON document carries its structural [`Change`]. What plans and refresh use.
pub fn diff_inputs(old: &Value, new: &Value, shape: &Shape) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    walk(&mut Vec::new(), old, new, Some(shape), &mut out);
    out
}

fn walk(path: &mut Vec<String>, old: &Value, new: &Value, shape: Option<&Shape>, out: &mut Vec<FieldDiff>) {
    if old == new {
        return;
    }
    let before = out.len();
    if let (Some(a), Some(b)) = (as_fields(old), as_fields(new)) {
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            path.push(key.clone());
            walk(path, a.get(key).unwrap_or(&Value::Null), b.get(key).unwrap_or(&Value::Null), shape, out);
            path.pop();
        }
    }
    if out.len() > before {
        return;
    }
    let change = match shape {
        None => None,
        Some(shape) => match compare(shape, path, old, new) {
            None => return,
            Some(Change::Value { .. }) => None,
            Some(structural) => Some(structural),
        },
    };
    out.push(FieldDiff {
        path: path.join("."),
        old: (!old.is_null()).then(|| old.clone()),
        new: (!new.is_null()).then(|| new.clone()),
        change,
    });
}

/// An object (or nothing) to recurse into; unknown markers and other values are leaves.
fn as_fields(v: &Value) -> Option<std::borrow::Cow<'_, serde_json::Map<String, Value>>> {
    match v {
        Value::Object(map) if !is_unknown(v) => Some(std::borrow::Cow::Borrowed(map)),
        Value::Null => Some(std::borrow::Cow::Owned(serde_json::Map::new())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_objects_diff_by_path_and_arrays_whole() {
        let old = json!({"cidr": "10.0.0.0/16", "tags": {"A": "1", "B": "2"}, "list": [1, 2]});
        let new = json!({"cidr": "10.1.0.0/16", "tags": {"A": "1", "C": "3"}, "list": [1, 2]});
        let paths: Vec<String> = diff_fields(&old, &new).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, vec!["cidr", "tags.B", "tags.C"]);
    }

    #[test]
    fn unknown_marker_is_a_leaf_change() {
        let old = json!({"vpc_id": "vpc-1"});
        let new = json!({"vpc_id": {"$unknown": "vpc"}});
        let diffs = diff_fields(&old, &new);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].top_field(), "vpc_id");
        assert!(is_unknown(diffs[0].new.as_ref().unwrap()));
    }

    #[test]
    fn creation_lists_every_field() {
        let diffs = diff_fields(&Value::Null, &json!({"a": 1, "b": {"c": 2}}));
        let paths: Vec<&str> = diffs.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, vec!["a", "b.c"]);
        assert!(diffs.iter().all(|d| d.old.is_none()));
    }
}
