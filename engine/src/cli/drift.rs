//! `drift`: what changed in the cloud outside Plinth, for scheduled checks (exit 2 when anything
//! drifted, 1 when something could not be read), and `--fix` to converge it back to the program.

use super::args::Format;
use crate::refresh::{Observation, Refreshed};
use crate::render::show_value;
use serde_json::{json, Value};
use std::fmt::Write;

/// The resources that drifted (changed or vanished), in state order.
pub fn drifted(read: &[Refreshed]) -> Vec<&Refreshed> {
    read.iter().filter(|r| matches!(r.observation, Observation::Changed(_) | Observation::Vanished)).collect()
}

/// Everything to report: what drifted, what could not be read (so was not checked), and what
/// something else manages (shown, not drift).
fn reported(read: &[Refreshed]) -> Vec<&Refreshed> {
    read.iter().filter(|r| r.observation != Observation::Unchanged || !r.managed_elsewhere.is_empty()).collect()
}

fn unread(read: &[Refreshed]) -> usize {
    read.iter().filter(|r| matches!(r.observation, Observation::Unreadable(_))).count()
}

fn status(o: &Observation) -> &'static str {
    match o {
        Observation::Unchanged => "managed elsewhere",
        Observation::Changed(_) => "changed",
        Observation::Vanished => "vanished",
        Observation::Unreadable(_) => "unreadable",
    }
}

fn change(d: &crate::diff::FieldDiff) -> String {
    format!("{}: {} → {}", d.path, show_value(d.old.as_ref()), show_value(d.new.as_ref()))
}

fn lines(r: &Refreshed) -> Vec<String> {
    let mut lines = match &r.observation {
        Observation::Changed(diffs) => diffs.iter().map(change).collect(),
        Observation::Unreadable(e) => vec![format!("could not be read: {e}")],
        _ => vec![],
    };
    lines.extend(
        r.managed_elsewhere.iter().map(|d| format!("{} (managed elsewhere: ignore_changes, not drift)", change(d))),
    );
    lines
}

/// The drift report in the requested format.
pub fn render(stack: &str, read: &[Refreshed], format: Format) -> String {
    let (drifted, reported, unread) = (drifted(read), reported(read), unread(read));
    match format {
        Format::Json => {
            let items: Vec<Value> = reported
                .iter()
                .map(|r| json!({ "name": r.row.name, "kind": r.row.kind, "cloud_id": r.row.cloud_id, "status": status(&r.observation), "details": lines(r) }))
                .collect();
            let report = json!({ "stack": stack, "read": read.len() - unread, "unreadable": unread, "drifted": items });
            serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
        }
        Format::Markdown => {
            let mut out = format!(
                "### Plinth drift: `{stack}`\n\n**{} of {} resources drifted{}.**\n\n",
                drifted.len(),
                read.len(),
                unread_note(unread)
            );
            if !reported.is_empty() {
                out.push_str("| resource | kind | status | details |\n|---|---|---|---|\n");
                for r in &reported {
                    let _ = writeln!(
                        out,
                        "| `{}` | `{}` | {} | {} |",
                        r.row.name,
                        r.row.kind,
                        status(&r.observation),
                        lines(r).join("<br>")
                    );
                }
            }
            out
        }
        Format::Text => {
            let mut out = String::new();
            for r in &reported {
                let _ = writeln!(
                    out,
                    "{} {} ({}) {}",
                    status_glyph(&r.observation),
                    r.row.name,
                    r.row.kind,
                    status(&r.observation)
                );
                for line in lines(r) {
                    let _ = writeln!(out, "      {line}");
                }
            }
            let _ =
                writeln!(out, "Drift: {} of {} resources drifted{}.", drifted.len(), read.len(), unread_note(unread));
            out
        }
    }
}

fn unread_note(unread: usize) -> String {
    if unread == 0 {
        String::new()
    } else {
        format!(", {unread} could not be read (not checked)")
    }
}

fn status_glyph(o: &Observation) -> &'static str {
    match o {
        Observation::Changed(_) => "~",
        Observation::Vanished => "-",
        Observation::Unreadable(_) => "?",
        Observation::Unchanged => "=",
    }
}
