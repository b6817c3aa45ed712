//! Findings for people (text, Markdown) and machines (JSON). Pure: strings in, strings out.

use super::{Finding, Severity};
use owo_colors::{OwoColorize, Style};
use serde_json::{json, Value};
use std::fmt::Write;

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

/// `1 mandatory violation, 2 advisories.`, or that every rule passed.
pub fn summary(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "every rule passed.".to_string();
    }
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}.",
        plural(count(findings, Severity::Mandatory), "mandatory violation", "mandatory violations"),
        plural(count(findings, Severity::Advisory), "advisory", "advisories")
    )
}

/// The text block shown under a plan: a summary line, then one line per finding.
pub fn text(findings: &[Finding], color: bool) -> String {
    let mut out = format!("Policy: {}\n", summary(findings));
    for f in findings {
        let (label, style) = match f.severity {
            Severity::Mandatory => ("MANDATORY", Style::new().red().bold()),
            Severity::Advisory => ("advisory ", Style::new().yellow()),
        };
        let line = format!("  {label} {} `{}` ({}): {}", f.rule, f.resource, f.kind, f.message);
        let _ = writeln!(out, "{}", if color { line.style(style).to_string() } else { line });
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown section for a pull-request comment.
pub fn markdown(findings: &[Finding]) -> String {
    let mut out = format!("#### Policy\n\n**{}**\n", summary(findings));
    if findings.is_empty() {
        return out;
    }
    out.push_str("\n| | severity | rule | resource | finding |\n|---|---|---|---|---|\n");
    for f in findings {
        let icon = if f.severity == Severity::Mandatory { ":no_entry:" } else { ":warning:" };
        let _ = writeln!(
            out,
            "| {icon} | {} | `{}` | `{}` | {} |",
            f.severity.label(),
            f.rule,
            cell(&f.resource),
            cell(&f.message)
        );
    }
    out
}

/// `{"passed", "mandatory", "advisory", "findings": [{rule, severity, resource, kind, message}]}`.
pub fn json(findings: &[Finding]) -> Value {
    json!({
        "passed": count(findings, Severity::Mandatory) == 0,
        "mandatory": count(findings, Severity::Mandatory),
        "advisory": count(findings, Severity::Advisory),
        "findings": findings,
    })
}
