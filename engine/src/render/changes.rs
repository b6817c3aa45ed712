//! One field's change as lines for people: a scalar as `path: old → new`; a list member by
//! member (`+` added, `-` removed, `~` changed with its changed fields) and a JSON document path
//! by path, with what stayed the same elided as a count ("… 3 unchanged elements"). Shared by
//! plans (text and Markdown) and refresh and drift reports. Pure.

use super::show_value;
use crate::diff::{At, Change, Element, FieldDiff};
use crate::input::is_unknown;
use owo_colors::{OwoColorize, Style};
use serde_json::{Map, Value};

/// One rendered line: a `+`/`-`/`~` mark for list members, its nesting depth, its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub mark: Option<char>,
    pub depth: usize,
    pub text: String,
}

impl Line {
    fn new(depth: usize, text: String) -> Line {
        Line { mark: None, depth, text }
    }

    /// The line indented by `base` columns plus two per depth, its mark (if any) in column 0 so
    /// a ```` ```diff ```` block colors it; painted by its mark when `color`.
    pub fn format(&self, base: usize, color: bool) -> String {
        let mut indent = " ".repeat(base + 2 * self.depth);
        let Some(mark) = self.mark else { return format!("{indent}{}", self.text) };
        indent.replace_range(0..1, &mark.to_string());
        let line = format!("{indent}{}", self.text);
        let style = match mark {
            '+' => Style::new().green(),
            '-' => Style::new().red(),
            _ => Style::new().yellow(),
        };
        if color {
            line.style(style).to_string()
        } else {
            line
        }
    }
}

/// The lines of one changed field; the first names the field and ends with `suffix`.
pub fn field_lines(d: &FieldDiff, suffix: &str) -> Vec<Line> {
    let mut out = Vec::new();
    match &d.change {
        Some(change) => named(&d.path, change, 0, &mut out),
        None => out
            .push(Line::new(0, format!("{}: {} → {}", d.path, show_value(d.old.as_ref()), show_value(d.new.as_ref())))),
    }
    if let Some(first) = out.first_mut() {
        first.text.push_str(suffix);
    }
    out
}

/// `field_lines` formatted as plain text at indentation `base` (what reports print).
pub fn plain(d: &FieldDiff, base: usize) -> Vec<String> {
    field_lines(d, "").iter().map(|l| l.format(base, false)).collect()
}

fn named(name: &str, change: &Change, depth: usize, out: &mut Vec<Line>) {
    match change {
        Change::Value { old, new } => {
            out.push(Line::new(depth, format!("{name}: {} → {}", inline(old.as_ref()), inline(new.as_ref()))))
        }
        Change::Object { .. } => {
            out.push(Line::new(depth, format!("{name}:")));
            body(change, depth + 1, out);
        }
        Change::List { .. } => {
            out.push(Line::new(depth, format!("{name}: {}", summary(change))));
            body(change, depth + 1, out);
        }
        Change::Document { change: None } => {
            out.push(Line::new(depth, format!("{name}: same document, only its formatting differs")))
        }
        Change::Document { change: Some(inner) } => match inner.as_ref() {
            Change::Value { old, new } => out.push(Line::new(
                depth,
                format!("{name}: document {} → {}", inline(old.as_ref()), inline(new.as_ref())),
            )),
            inner => {
                out.push(Line::new(depth, format!("{name}: document changed")));
                body(inner, depth + 1, out);
            }
        },
    }
}

/// What changed inside an object or a list, then the count of what did not.
fn body(change: &Change, depth: usize, out: &mut Vec<Line>) {
    match change {
        Change::Object { fields, unchanged } => {
            for f in fields {
                named(&f.field, &f.change, depth, out);
            }
            elided(*unchanged, "field", depth, out);
        }
        Change::List { elements, unchanged, .. } => {
            for e in elements {
                element(e, depth, out);
            }
            elided(*unchanged, "element", depth, out);
        }
        other => named("(value)", other, depth, out),
    }
}

fn element(e: &Element, depth: usize, out: &mut Vec<Line>) {
    let (mark, text) = match e {
        Element::Added { at, value } => ('+', format!("{}{}", index(at.as_ref()), inline(Some(value)))),
        Element::Removed { at, value } => ('-', format!("{}{}", index(at.as_ref()), inline(Some(value)))),
        Element::Changed { at, change: Change::Value { old, new } } => {
            ('~', format!("{}: {} → {}", label(at), inline(old.as_ref()), inline(new.as_ref())))
        }
        Element::Changed { at, change } => {
            let header = match change {
                Change::List { .. } => format!("{}: {}", label(at), summary(change)),
                _ => label(at),
            };
            out.push(Line { mark: Some('~'), depth, text: header });
            body(change, depth + 1, out);
            return;
        }
    };
    out.push(Line { mark: Some(mark), depth, text });
}

/// `[3] ` before an added or removed member of an ordered list; nothing for a set's member
/// (its value shows its key).
fn index(at: Option<&At>) -> String {
    match at {
        Some(At::Index(i)) => format!("[{i}] "),
        _ => String::new(),
    }
}

/// A changed member: `[3]`, or its key fields (`protocol=tcp from_port=443 …`).
fn label(at: &At) -> String {
    match at {
        At::Index(i) => format!("[{i}]"),
        At::Key(fields) => key_text(fields),
    }
}

fn key_text(fields: &Map<String, Value>) -> String {
    let parts: Vec<String> = fields
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    if parts.is_empty() {
        "(no key)".to_string()
    } else {
        parts.join(" ")
    }
}

/// `2 added, 1 removed, 1 changed` for a list.
fn summary(change: &Change) -> String {
    let Change::List { elements, .. } = change else { return String::new() };
    let count = |f: fn(&Element) -> bool| elements.iter().filter(|e| f(e)).count();
    let parts = [
        (count(|e| matches!(e, Element::Added { .. })), "added"),
        (count(|e| matches!(e, Element::Removed { .. })), "removed"),
        (count(|e| matches!(e, Element::Changed { .. })), "changed"),
    ];
    parts.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")).collect::<Vec<_>>().join(", ")
}

fn elided(unchanged: usize, what: &str, depth: usize, out: &mut Vec<Line>) {
    match unchanged {
        0 => {}
        1 => out.push(Line::new(depth, format!("… 1 unchanged {what}"))),
        n => out.push(Line::new(depth, format!("… {n} unchanged {what}s"))),
    }
}

/// A value on one line, with each value only apply can know shown as `(known after apply)` in
/// its place (a rule whose source group is being created still shows its ports).
fn inline(v: Option<&Value>) -> String {
    match v {
        Some(v) if !is_unknown(v) => without_markers(v).to_string(),
        other => show_value(other),
    }
}

fn without_markers(v: &Value) -> Value {
    match v {
        v if is_unknown(v) => Value::String(super::UNKNOWN_TEXT.to_string()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), without_markers(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(without_markers).collect()),
        other => other.clone(),
    }
}

/// `v` with each unknown marker replaced by `{"unknown": true}`, as the JSON renderers write it.
pub fn machine_markers(v: &Value) -> Value {
    match v {
        v if is_unknown(v) => serde_json::json!({ "unknown": true }),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), machine_markers(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(machine_markers).collect()),
        other => other.clone(),
    }
}
