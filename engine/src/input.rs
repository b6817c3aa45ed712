//! `Input<T>`: a field value that is either known now or a reference to another resource's
//! output. References are the edges of the resource graph.
//!
//! A reference serializes as a marker object (`{"$ref": {"resource": .., "key": ..}}`); the
//! stack keeps the projection (the closure that picks the value out of the outputs) under that
//! key, so plan and apply can resolve it from JSON alone. Kinds only ever see resolved values.

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};
use std::sync::Arc;

/// The JSON key that marks an unresolved reference.
pub const REF_MARKER: &str = "$ref";
/// The JSON key that marks a value the plan cannot know until apply.
pub const UNKNOWN_MARKER: &str = "$unknown";

/// Turns the JSON outputs of a resource into the referenced value.
pub type Projection = Arc<dyn Fn(&Value) -> Result<Value, String> + Send + Sync>;

/// A reference to `resource`'s outputs, through projection number `key` of the stack.
#[derive(Clone)]
pub struct Reference {
    pub resource: String,
    pub key: usize,
}

#[derive(Clone)]
pub enum Input<T> {
    Value(T),
    Ref(Reference),
}

impl<T> Input<T> {
    /// The value, if it is known now (not a reference).
    pub fn known(&self) -> Option<&T> {
        match self {
            Input::Value(v) => Some(v),
            Input::Ref(_) => None,
        }
    }

    /// The value inside a provider call. The engine resolves every reference before it calls a
    /// kind, so a reference here is an engine bug, not a user error.
    pub fn value(&self) -> &T {
        match self {
            Input::Value(v) => v,
            Input::Ref(r) => {
                panic!("engine invariant broken: reference to `{}` reached a provider unresolved", r.resource)
            }
        }
    }
}

impl Input<String> {
    pub fn as_str(&self) -> &str {
        self.value().as_str()
    }
}

impl<T: Default> Default for Input<T> {
    fn default() -> Self {
        Input::Value(T::default())
    }
}

impl<T> From<T> for Input<T> {
    fn from(v: T) -> Self {
        Input::Value(v)
    }
}

impl From<&str> for Input<String> {
    fn from(v: &str) -> Self {
        Input::Value(v.to_string())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Input<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Value(v) => v.fmt(f),
            Input::Ref(r) => write!(f, "<ref {}#{}>", r.resource, r.key),
        }
    }
}

impl<T: PartialEq> PartialEq for Input<T> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Input::Value(a), Input::Value(b)) => a == b,
            (Input::Ref(a), Input::Ref(b)) => a.resource == b.resource && a.key == b.key,
            _ => false,
        }
    }
}

impl<T: Serialize> Serialize for Input<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Input::Value(v) => v.serialize(s),
            Input::Ref(r) => {
                // `{"$ref": {"resource": .., "key": ..}}`, written straight out (no JSON tree
                // built first: a program of 10,000 resources declares thousands of these).
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(REF_MARKER, &RefBody { resource: &r.resource, key: r.key })?;
                map.end()
            }
        }
    }
}

/// The body of a reference marker, in its field order.
#[derive(Serialize)]
struct RefBody<'a> {
    resource: &'a str,
    key: usize,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Input<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Input::Value)
    }
}

/// If `v` is a reference marker, the referenced resource and projection key.
pub fn as_reference(v: &Value) -> Option<(String, usize)> {
    let inner = v.as_object().filter(|o| o.len() == 1)?.get(REF_MARKER)?;
    let resource = inner.get("resource")?.as_str()?.to_string();
    let key = inner.get("key")?.as_u64()? as usize;
    Some((resource, key))
}

/// The marker for a value only apply can know, naming the resource it waits on.
pub fn unknown(resource: &str) -> Value {
    json!({ UNKNOWN_MARKER: resource })
}

pub fn is_unknown(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.len() == 1 && o.contains_key(UNKNOWN_MARKER))
}

/// Every reference inside `v`, in document order.
pub fn references(v: &Value) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    walk_refs(v, &mut out);
    out
}

fn walk_refs(v: &Value, out: &mut Vec<(String, usize)>) {
    if let Some(r) = as_reference(v) {
        out.push(r);
        return;
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk_refs(i, out)),
        Value::Object(map) => map.values().for_each(|i| walk_refs(i, out)),
        _ => {}
    }
}

/// Replaces every reference in `v` with what `resolve` returns for it.
pub fn substitute<E>(v: &Value, resolve: &mut impl FnMut(&str, usize) -> Result<Value, E>) -> Result<Value, E> {
    if let Some((resource, key)) = as_reference(v) {
        return resolve(&resource, key);
    }
    Ok(match v {
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, resolve)).collect::<Result<_, _>>()?),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, i)| Ok((k.clone(), substitute(i, resolve)?))).collect::<Result<_, E>>()?)
        }
        other => other.clone(),
    })
}

/// True when `v` holds an unknown marker anywhere.
pub fn contains_unknown(v: &Value) -> bool {
    is_unknown(v)
        || match v {
            Value::Array(items) => items.iter().any(contains_unknown),
            Value::Object(map) => map.values().any(contains_unknown),
            _ => false,
        }
}
