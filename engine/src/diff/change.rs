//! Structural changes: how one value became another, keeping only what differs. Lists are
//! compared member by member — by key or by value where the kind's [`Shape`] says the list is a
//! set (so a set only reordered is no change), by position (a longest-common-subsequence diff)
//! otherwise; objects field by field; JSON documents held as strings are parsed and compared the
//! same way. What stayed the same is counted, not listed. Pure.
//!
//! # Guarantees
//! * [`compare`] returns `None` exactly when the values are equal, up to the order of the
//!   members of declared sets (matched as a multiset). A declared document whose text differs
//!   but whose JSON is equal is a [`Change::Document`] with no inner change: the text did change.
//! * A member is paired with another only when both carry every key field with a known value.
//!
//! # Assumptions
//! * Lists are small enough (security group rules, statements, ids) for pairwise matching.

use crate::input::{contains_unknown, is_unknown};
use crate::shape::{SetField, Shape};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use similar::{capture_diff_slices, Algorithm, DiffTag};

/// How a value changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// Replaced whole: a scalar, a value of another shape, or one appearing (`old` none) or
    /// going away (`new` none).
    Value { old: Option<Value>, new: Option<Value> },
    /// An object's changed fields, by name (sorted), and how many fields stayed the same.
    Object { fields: Vec<FieldChange>, unchanged: usize },
    /// A list's added, removed and changed members, and how many stayed the same.
    List { by: Matched, elements: Vec<Element>, unchanged: usize },
    /// JSON held as text, parsed: `None` when only the text's formatting changed.
    Document { change: Option<Box<Change>> },
}

/// One changed field of an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub change: Change,
}

/// How the members of a list were matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "match", content = "fields")]
pub enum Matched {
    /// A list whose order matters: by position.
    Position,
    /// A set of values (or of objects compared whole).
    Value,
    /// A set of objects identified by these fields.
    Key(Vec<String>),
}

/// One member of a list that was added, removed or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Element {
    Added {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<At>,
        value: Value,
    },
    Removed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<At>,
        value: Value,
    },
    Changed {
        at: At,
        change: Change,
    },
}

/// Where a member is: its position (in the new list; in the old one for a removed member), or
/// its key fields' values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum At {
    Index(usize),
    Key(Map<String, Value>),
}

/// Which rules apply where: the kind's shape, or those of a parsed document.
#[derive(Clone, Copy)]
struct Rules<'a> {
    shape: &'a Shape,
    /// Inside a parsed document: statement lists whose members all carry a `Sid` are keyed by it.
    document: bool,
}

/// A parsed document's statements, keyed by `Sid` when every one has one.
const STATEMENTS_BY_SID: SetField = SetField::keyed("Statement", &["Sid"]);

/// The structural change from `old` to `new` at shape path `path` (`Value::Null`: absent), or
/// `None` when they are the same (see the module's guarantees).
pub fn compare(shape: &Shape, path: &[String], old: &Value, new: &Value) -> Option<Change> {
    let mut path = path.to_vec();
    compare_at(Rules { shape, document: false }, &mut path, old, new)
}

fn compare_at(rules: Rules, path: &mut Vec<String>, old: &Value, new: &Value) -> Option<Change> {
    if old == new {
        return None;
    }
    if !rules.document && rules.shape.is_document(path) {
        if let Some(change) = documents(old, new) {
            return Some(change);
        }
    }
    match (old, new) {
        (Value::Array(a), Value::Array(b)) => list(rules, path, a, b),
        (Value::Object(a), Value::Object(b)) if !is_unknown(old) && !is_unknown(new) => object(rules, path, a, b),
        _ => Some(Change::Value { old: present(old), new: present(new) }),
    }
}

/// Two JSON texts, parsed and compared; `None` when either is not a string holding JSON.
fn documents(old: &Value, new: &Value) -> Option<Change> {
    let (Value::String(a), Value::String(b)) = (old, new) else { return None };
    let (a, b) = (serde_json::from_str::<Value>(a).ok()?, serde_json::from_str::<Value>(b).ok()?);
    let inner = compare_at(Rules { shape: &Shape::NONE, document: true }, &mut Vec::new(), &a, &b);
    Some(Change::Document { change: inner.map(Box::new) })
}

fn present(v: &Value) -> Option<Value> {
    (!v.is_null()).then(|| v.clone())
}

fn object(rules: Rules, path: &mut Vec<String>, a: &Map<String, Value>, b: &Map<String, Value>) -> Option<Change> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let (mut fields, mut unchanged) = (Vec::new(), 0);
    for key in keys {
        path.push(key.clone());
        let change = compare_at(rules, path, a.get(key).unwrap_or(&Value::Null), b.get(key).unwrap_or(&Value::Null));
        path.pop();
        match change {
            Some(change) => fields.push(FieldChange { field: key.clone(), change }),
            None => unchanged += 1,
        }
    }
    (!fields.is_empty()).then_some(Change::Object { fields, unchanged })
}

fn list(rules: Rules, path: &mut Vec<String>, a: &[Value], b: &[Value]) -> Option<Change> {
    let set = match rules.document {
        true => {
            (path.last().map(String::as_str) == Some("Statement") && all_have_sid(a, b)).then_some(STATEMENTS_BY_SID)
        }
        false => rules.shape.set_at(path).copied(),
    };
    let (by, elements, unchanged) = match set {
        Some(set) => members(rules, path, set.key, a, b),
        None => positions(rules, path, a, b),
    };
    (!elements.is_empty()).then_some(Change::List { by, elements, unchanged })
}

fn all_have_sid(a: &[Value], b: &[Value]) -> bool {
    a.iter().chain(b).all(|s| s.get("Sid").is_some_and(Value::is_string))
}

/// Set members: equal ones cancel out (in any order), then the rest pair up by key.
fn members(
    rules: Rules,
    path: &mut Vec<String>,
    key: &[&str],
    a: &[Value],
    b: &[Value],
) -> (Matched, Vec<Element>, usize) {
    let mut old_left: Vec<Option<&Value>> = a.iter().map(Some).collect();
    let mut new_left = Vec::new();
    let mut unchanged = 0;
    for n in b {
        let equal = old_left.iter_mut().find(|o| o.is_some_and(|o| compare_at(rules, path, o, n).is_none()));
        match equal {
            Some(slot) => {
                *slot = None;
                unchanged += 1;
            }
            None => new_left.push(n),
        }
    }
    let (mut added, mut changed) = (Vec::new(), Vec::new());
    for n in new_left {
        let at = key_of(key, n);
        let paired = at
            .as_ref()
            .and_then(|k| old_left.iter_mut().find(|o| o.is_some_and(|o| key_of(key, o).as_ref() == Some(k))));
        match (paired.and_then(Option::take), at) {
            (Some(o), Some(at)) => {
                let change =
                    compare_at(rules, path, o, n).unwrap_or(Change::Value { old: present(o), new: present(n) });
                changed.push(Element::Changed { at: At::Key(at), change });
            }
            (_, at) => added.push(Element::Added { at: at.map(At::Key), value: n.clone() }),
        }
    }
    let removed =
        old_left.into_iter().flatten().map(|o| Element::Removed { at: key_of(key, o).map(At::Key), value: o.clone() });
    let by = if key.is_empty() { Matched::Value } else { Matched::Key(key.iter().map(|k| k.to_string()).collect()) };
    (by, removed.chain(added).chain(changed).collect(), unchanged)
}

/// The key fields' values of a member, when it is an object carrying all of them, known.
fn key_of(key: &[&str], member: &Value) -> Option<Map<String, Value>> {
    let fields = member.as_object().filter(|_| !key.is_empty() && !is_unknown(member))?;
    key.iter().map(|k| fields.get(*k).filter(|v| !contains_unknown(v)).map(|v| (k.to_string(), v.clone()))).collect()
}

/// An ordered list: a longest-common-subsequence diff; replaced runs pair up position by position.
fn positions(rules: Rules, path: &mut Vec<String>, a: &[Value], b: &[Value]) -> (Matched, Vec<Element>, usize) {
    let (old_text, new_text): (Vec<String>, Vec<String>) =
        (a.iter().map(canonical).collect(), b.iter().map(canonical).collect());
    let (mut elements, mut unchanged) = (Vec::new(), 0);
    let removed = |i: usize| Element::Removed { at: Some(At::Index(i)), value: a[i].clone() };
    let added = |i: usize| Element::Added { at: Some(At::Index(i)), value: b[i].clone() };
    for op in capture_diff_slices(Algorithm::Myers, &old_text, &new_text) {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => unchanged += old.len(),
            DiffTag::Delete => elements.extend(old.map(removed)),
            DiffTag::Insert => elements.extend(new.map(added)),
            DiffTag::Replace => {
                for (i, j) in old.clone().zip(new.clone()) {
                    match compare_at(rules, path, &a[i], &b[j]) {
                        Some(change) => elements.push(Element::Changed { at: At::Index(j), change }),
                        None => unchanged += 1,
                    }
                }
                let paired = old.len().min(new.len());
                elements.extend(old.skip(paired).map(removed));
                elements.extend(new.skip(paired).map(added));
            }
        }
    }
    (Matched::Position, elements, unchanged)
}

/// `v` with every object's keys sorted (whatever serde_json's map order).
pub fn sorted_keys(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted_keys(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// JSON text with the keys of every object sorted: equal values give equal text.
pub fn canonical(v: &Value) -> String {
    sorted_keys(v).to_string()
}

#[cfg(test)]
#[path = "change_tests.rs"]
mod tests;
