//! `drift`: what changed in the cloud outside Plinth, for scheduled checks (exit 2 when anything
//! drifted, 1 when something could not be read), and `--fix` to converge it back to the program.

use super::args::Format;
use crate::refresh::{Observation, Refreshed};
use crate::render::{changes, diff_json, show_value};
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

/// What changed, structurally (a list member by member, a policy statement by statement), at
/// indentation `base`; the marks of list members (`+`/`-`/`~`) in column 0.
fn lines(r: &Refreshed, base: usize) -> Vec<String> {
    let pad = " ".repeat(base);
    let mut lines = match &r.observation {
        Observation::Changed(diffs) => diffs.iter().flat_map(|d| changes::plain(d, base)).collect(),
        Observation::Unreadable(e) => vec![format!("{pad}could not be read: {e}")],
        _ => vec![],
    };
    lines.extend(
        r.managed_elsewhere
            .iter()
            .map(|d| format!("{pad}{} (managed elsewhere: ignore_changes, not drift)", change(d))),
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
                .map(|r| json!({ "name": r.row.name, "kind": r.row.kind, "cloud_id": r.row.cloud_id, "status": status(&r.observation), "details": lines(r, 0), "changes": changes_json(r) }))
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
                        lines(r, 0).iter().map(|l| cell(l)).collect::<Vec<_>>().join("<br>")
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
                for line in lines(r, 6) {
                    let _ = writeln!(out, "{line}");
                }
            }
            let _ =
                writeln!(out, "Drift: {} of {} resources drifted{}.", drifted.len(), read.len(), unread_note(unread));
            out
        }
    }
}

/// Each changed field for machines: whole old and new values and the structural change.
fn changes_json(r: &Refreshed) -> Vec<Value> {
    match &r.observation {
        Observation::Changed(diffs) => diffs.iter().map(diff_json).collect(),
        _ => Vec::new(),
    }
}

/// A report line inside a Markdown table cell: its indentation kept, `|` escaped.
fn cell(line: &str) -> String {
    let text = line.trim_start();
    let indent = line.len() - text.len();
    format!("{}{}", "&nbsp;".repeat(indent), text.replace('|', "\\|"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff_inputs;
    use crate::shape::{SetField, Shape};
    use state::ResourceRow;

    const SHAPE: Shape = Shape { sets: &[SetField::keyed("ingress", &["port", "cidr"])], documents: &[] };

    /// A security group that gained an SSH rule out of band, with its other rules in another order.
    fn drifted_group() -> Refreshed {
        let rule = |port: u16, cidr: &str| json!({ "port": port, "cidr": cidr, "description": "x|y" });
        let recorded = json!({ "ingress": [rule(80, "0.0.0.0/0"), rule(443, "0.0.0.0/0")] });
        let live = json!({ "ingress": [rule(443, "0.0.0.0/0"), rule(22, "0.0.0.0/0"), rule(80, "0.0.0.0/0")] });
        let row = ResourceRow {
            name: "lb-sg".into(),
            kind: "aws:ec2:SecurityGroup".into(),
            cloud_id: "sg-1".into(),
            inputs: live.clone(),
            outputs: json!({}),
            dependencies: vec![],
            options: json!({}),
            references: None,
            created_at: String::new(),
            updated_at: String::new(),
        };
        Refreshed::new(row, Observation::Changed(diff_inputs(&recorded, &live, &SHAPE)))
    }

    #[test]
    fn drift_shows_the_added_rule_alone_in_every_format() {
        let read = [drifted_group()];
        let text = render("local", &read, Format::Text);
        assert!(text.lines().any(|l| l.starts_with('+') && l.contains("\"port\":22")), "{text}");
        assert!(!text.contains("\"port\":443"), "unchanged rules are elided: {text}");
        insta::assert_snapshot!("drift_text", text);
        insta::assert_snapshot!("drift_markdown", render("local", &read, Format::Markdown));
        let json: Value = serde_json::from_str(&render("local", &read, Format::Json)).expect("json");
        let change = &json["drifted"][0]["changes"][0];
        assert_eq!(change["old"].as_array().map(Vec::len), Some(2), "whole old value kept: {change}");
        assert_eq!(change["change"]["elements"][0]["op"], "added", "{change}");
        insta::assert_json_snapshot!("drift_json", json["drifted"][0]["details"]);
    }
}
