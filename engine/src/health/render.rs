//! Rendering a health report: text for terminals, Markdown for pull requests and chat, JSON for
//! machines. Strings in, strings out: no I/O. (The CLI sanitizes what reaches the terminal:
//! reasons carry text from the cloud.)

use super::{Component, Report, Status};
use serde_json::{json, Value};

fn summary(report: &Report) -> String {
    let counts = report.counts();
    let parts: Vec<String> = [Status::Healthy, Status::Degraded, Status::Unhealthy, Status::Unknown]
        .iter()
        .filter_map(|s| counts.get(s).map(|n| format!("{n} {}", s.as_str())))
        .collect();
    if parts.is_empty() {
        "no components".into()
    } else {
        parts.join(", ")
    }
}

fn marker(status: Status) -> &'static str {
    match status {
        Status::Healthy => "ok",
        Status::Unknown => "??",
        Status::Degraded => "!!",
        Status::Unhealthy => "XX",
    }
}

/// One block per component: status, name, kind and reason, then its dependencies and details.
pub fn text(report: &Report) -> String {
    let mut out = format!("Health of `{}`: {} ({})\n", report.environment, report.status.as_str(), summary(report));
    for c in &report.components {
        out += &format!("\n{} {:<9} {} ({}): {}\n", marker(c.status), c.status.as_str(), c.name, c.kind, c.reason);
        if !c.depends_on.is_empty() {
            out += &format!("     depends on: {}\n", c.depends_on.join(", "));
        }
        for f in &c.failing_dependencies {
            out += &format!("     because {} is {}: {}\n", f.name, f.status.as_str(), f.reason);
        }
        for d in &c.check.details {
            out += &format!("     - {d}\n");
        }
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A table of every component, then the details of those that are not healthy.
pub fn markdown(report: &Report) -> String {
    let mut out = format!(
        "### Health of `{}`: **{}**\n\n{}\n\n| | component | kind | status | reason | depends on |\n|---|---|---|---|---|---|\n",
        report.environment,
        report.status.as_str(),
        summary(report)
    );
    for c in &report.components {
        out += &format!(
            "| {} | `{}` | `{}` | {} | {} | {} |\n",
            marker(c.status),
            cell(&c.name),
            c.kind,
            c.status.as_str(),
            cell(&c.reason),
            c.depends_on.iter().map(|d| format!("`{}`", cell(d))).collect::<Vec<_>>().join(", ")
        );
    }
    let troubled: Vec<&Component> = report.components.iter().filter(|c| c.status != Status::Healthy).collect();
    for c in troubled.iter().filter(|c| !c.check.details.is_empty() || !c.failing_dependencies.is_empty()) {
        out += &format!("\n<details><summary><code>{}</code>: {}</summary>\n\n", cell(&c.name), c.status.as_str());
        for f in &c.failing_dependencies {
            out += &format!("- because `{}` is {}: {}\n", cell(&f.name), f.status.as_str(), cell(&f.reason));
        }
        for d in &c.check.details {
            out += &format!("- {}\n", cell(d));
        }
        out += "\n</details>\n";
    }
    out
}

/// The report as JSON: `environment`, `status`, `counts` per status, and `components` (each
/// with `name`, `kind`, `status`, `reason`, its own `check`, `depends_on` and
/// `failing_dependencies`).
pub fn json(report: &Report) -> Value {
    let counts: serde_json::Map<String, Value> =
        report.counts().into_iter().map(|(s, n)| (s.as_str().to_string(), json!(n))).collect();
    json!({
        "environment": report.environment,
        "status": report.status,
        "counts": counts,
        "components": report.components,
    })
}
