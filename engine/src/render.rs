//! Renders a plan for people (colored text, Markdown for pull requests) and machines (JSON).
//! Pure: strings in, strings out. A changed list or JSON document shows structurally, member by
//! member and path by path ([`changes`]); the JSON keeps whole old and new values beside that.

pub mod changes;
pub mod cost;

use crate::diff::FieldDiff;
use crate::input::is_unknown;
use crate::plan::{Action, Plan, Step};
use owo_colors::{OwoColorize, Style};
use serde_json::{json, Value};
use std::fmt::Write;

const UNKNOWN_TEXT: &str = "(known after apply)";

/// The mark of an action in every text rendering (`+`, `~`, `-/+`, `-`).
pub(crate) fn glyph(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
        Action::Same => " ",
    }
}

fn style(action: Action) -> Style {
    match action {
        Action::Create => Style::new().green(),
        Action::Update => Style::new().yellow(),
        Action::Replace => Style::new().magenta().bold(),
        Action::Delete => Style::new().red(),
        Action::Same => Style::new().dimmed(),
    }
}

fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        text.style(style).to_string()
    } else {
        text.to_string()
    }
}

/// A value as shown in a diff line.
pub fn show_value(v: Option<&Value>) -> String {
    match v {
        None => "(none)".to_string(),
        Some(v) if crate::input::contains_unknown(v) => UNKNOWN_TEXT.to_string(),
        Some(v) => v.to_string(),
    }
}

/// The lines of one field's change under a step, indented and (when `color`) painted.
fn diff_lines(step: &Step, d: &FieldDiff, color: bool) -> Vec<String> {
    let forces = step.replace_reasons.iter().any(|r| r == d.top_field());
    let suffix = if forces && step.action == Action::Replace { "  # forces replacement" } else { "" };
    match (step.action, &d.old, &d.new) {
        (Action::Create, _, new) => vec![format!("      {}: {}", d.path, show_value(new.as_ref()))],
        (Action::Delete, old, _) => vec![format!("      {}: {}", d.path, show_value(old.as_ref()))],
        _ => changes::field_lines(d, suffix).iter().map(|l| l.format(6, color)).collect(),
    }
}

/// A one-line count of every action, e.g. `Plan: 2 to create, 1 to update, 0 to replace, ...`.
pub fn summary_line(plan: &Plan) -> String {
    let c = plan.counts();
    let n = |a| c.get(&a).copied().unwrap_or(0);
    let leftovers = match plan.leftovers.len() {
        0 => String::new(),
        n => format!(" {n} left by an interrupted run to delete."),
    };
    format!(
        "Plan: {} to create, {} to update, {} to replace, {} to delete, {} unchanged.{leftovers}",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete),
        n(Action::Same)
    )
}

fn header(step: &Step) -> String {
    let id = step.cloud_id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default();
    let retained = match (step.action, step.retain, &step.cloud_id) {
        (Action::Delete, true, None) => " [already gone from the cloud; forgotten]",
        (Action::Delete, true, Some(_)) => " [retained in the cloud]",
        _ => "",
    };
    format!("{:<3} {} {}{id}{retained}", glyph(step.action), step.name, step.kind)
}

/// Colored (when `color`) text for a terminal.
pub fn text(plan: &Plan, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Stack `{}`:", plan.stack);
    for step in plan.steps.iter().filter(|s| s.action != Action::Same) {
        let _ = writeln!(out, "{}", paint(&header(step), style(step.action), color));
        for line in step.diffs.iter().flat_map(|d| diff_lines(step, d, color)) {
            let _ = writeln!(out, "{line}");
        }
        if step.action == Action::Replace {
            let order = if step.delete_first { "delete first, then create" } else { "create first, then delete" };
            let why = step.replace_reasons.join(", ");
            let _ = writeln!(
                out,
                "      {}",
                paint(&format!("replaced because: {why} ({order})"), style(Action::Replace), color)
            );
        }
    }
    for l in &plan.leftovers {
        let line = format!("{:<3} {} {} ({}) [{}]", glyph(Action::Delete), l.name, l.kind, l.cloud_id, l.reason);
        let _ = writeln!(out, "{}", paint(&line, style(Action::Delete), color));
    }
    if !plan.has_changes() && plan.refusals.is_empty() {
        let _ = writeln!(out, "No changes. The cloud matches the program.");
    }
    for refusal in &plan.refusals {
        let _ = writeln!(out, "{}", paint(&format!("REFUSED: {refusal}"), Style::new().red().bold(), color));
    }
    for g in &plan.guarded {
        let line = format!("DATA LOSS: {} ({}); `up` needs `{}`", g.reason, g.kind, g.flag());
        let _ = writeln!(out, "{}", paint(&line, Style::new().red().bold(), color));
    }
    let _ = writeln!(out, "{}", summary_line(plan));
    out
}

/// Markdown for a pull-request comment.
pub fn markdown(plan: &Plan) -> String {
    let mut out = format!("### Plinth preview: `{}`\n\n**{}**\n\n", plan.stack, summary_line(plan));
    for refusal in &plan.refusals {
        let _ = writeln!(out, "> :no_entry: **Refused:** {refusal}\n");
    }
    for g in &plan.guarded {
        let _ = writeln!(out, "> :warning: **Data loss:** {} (`{}`); `up` needs `{}`\n", g.reason, g.kind, g.flag());
    }
    if !plan.has_changes() {
        out.push_str(if plan.refusals.is_empty() { "No changes.\n" } else { "Nothing can be applied.\n" });
        return out;
    }
    out.push_str("| | resource | kind | action |\n|---|---|---|---|\n");
    for step in plan.steps.iter().filter(|s| s.action != Action::Same) {
        let _ =
            writeln!(out, "| `{}` | `{}` | `{}` | {} |", glyph(step.action), step.name, step.kind, step.action.verb());
    }
    for l in &plan.leftovers {
        let _ = writeln!(out, "| `-` | `{}` | `{}` | delete {} ({}) |", l.name, l.kind, l.cloud_id, l.reason);
    }
    out.push_str("\n<details><summary>Details</summary>\n\n```diff\n");
    out.push_str(&text(plan, false));
    out.push_str("```\n</details>\n");
    out
}

fn value_json(v: &Option<Value>) -> Value {
    match v {
        Some(v) if is_unknown(v) || crate::input::contains_unknown(v) => json!({ "unknown": true }),
        Some(v) => v.clone(),
        None => Value::Null,
    }
}

/// One field's change for machines: the whole old and new values, and for a list or a JSON
/// document its structural `change` (unknown values marked `{"unknown": true}`).
pub fn diff_json(d: &FieldDiff) -> Value {
    let mut out = json!({ "path": d.path, "old": value_json(&d.old), "new": value_json(&d.new) });
    if let Some(change) = &d.change {
        out["change"] = changes::machine_markers(&serde_json::to_value(change).unwrap_or(Value::Null));
    }
    out
}

/// JSON: per-resource steps and counts per action.
pub fn json(plan: &Plan) -> Value {
    let steps: Vec<Value> = plan
        .steps
        .iter()
        .map(|s| {
            let diffs: Vec<Value> = s.diffs.iter().map(diff_json).collect();
            json!({
                "name": s.name, "kind": s.kind, "action": s.action.verb(), "cloud_id": s.cloud_id,
                "diffs": diffs, "replace_reasons": s.replace_reasons, "delete_first": s.delete_first,
                "retain": s.retain,
            })
        })
        .collect();
    let summary: serde_json::Map<String, Value> =
        plan.counts().into_iter().map(|(a, n)| (a.verb().to_string(), json!(n))).collect();
    json!({ "stack": plan.stack, "steps": steps, "summary": summary, "refusals": plan.refusals, "guarded": plan.guarded, "changes": plan.has_changes(),
        "leftovers": plan.leftovers.iter().map(|l| json!({ "name": l.name, "kind": l.kind, "cloud_id": l.cloud_id, "reason": l.reason })).collect::<Vec<_>>() })
}
