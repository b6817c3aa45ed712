//! Cost in previews and the `cost` verb: text, Markdown and JSON. Pure: strings in, strings out.
//! A plan shows each priced step whose monthly cost changes and the stack's total before →
//! after; a stack shows every priced resource, sums per group and the total.

use crate::cost::{signed_usd, usd, PlanCost, StackCost};
use super::glyph;
use serde_json::{json, Value};
use std::fmt::Write;

const CENT: f64 = 0.005;

fn changed(cost: &PlanCost) -> impl Iterator<Item = &crate::cost::StepCost> {
    cost.steps.iter().filter(|s| s.delta_usd().abs() >= CENT)
}

fn total_line(cost: &PlanCost) -> String {
    let delta = cost.after_usd - cost.before_usd;
    format!("Monthly cost: ${} → ${} ({}/month)", usd(cost.before_usd), usd(cost.after_usd), signed_usd(delta))
}

/// The preview's cost lines: one per step whose monthly cost changes, its assumptions, the
/// total before → after, the price source and what could not be estimated. Empty when nothing
/// in the plan or the state has a price.
pub fn plan_text(cost: &PlanCost) -> String {
    if cost.steps.is_empty() && cost.not_estimated.is_empty() {
        return String::new();
    }
    let mut out = String::from("Cost (USD per month, estimated):\n");
    for s in changed(cost) {
        let (before, after) = (usd(s.before_usd.unwrap_or(0.0)), usd(s.after_usd.unwrap_or(0.0)));
        let _ = writeln!(
            out,
            "{:<3} {:<32} {:>10}  ({before} → {after})",
            glyph(s.action),
            s.name,
            signed_usd(s.delta_usd())
        );
        for a in &s.assumptions {
            let _ = writeln!(out, "      assumes {a}");
        }
    }
    for n in &cost.not_estimated {
        let _ = writeln!(out, "    not estimated: {n}");
    }
    let _ = writeln!(out, "{}", total_line(cost));
    for p in &cost.prices {
        let _ = writeln!(out, "Prices: {p}");
    }
    out
}

/// The preview's cost section in Markdown (a table of changed steps and the total).
pub fn plan_markdown(cost: &PlanCost) -> String {
    if cost.steps.is_empty() && cost.not_estimated.is_empty() {
        return String::new();
    }
    let mut out = format!("\n#### Cost\n\n**{}**\n\n", total_line(cost));
    if changed(cost).next().is_some() {
        out.push_str("| | resource | before | after | delta |\n|---|---|---:|---:|---:|\n");
        for s in changed(cost) {
            let (before, after) = (usd(s.before_usd.unwrap_or(0.0)), usd(s.after_usd.unwrap_or(0.0)));
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {before} | {after} | {} |",
                glyph(s.action),
                s.name,
                signed_usd(s.delta_usd())
            );
        }
        out.push('\n');
    }
    for n in &cost.not_estimated {
        let _ = writeln!(out, "> not estimated: {n}\n");
    }
    for p in &cost.prices {
        let _ = writeln!(out, "<sub>Prices: {p}</sub>\n");
    }
    out
}

/// The preview's cost for machines: every priced step with before, after and delta, totals.
pub fn plan_json(cost: &PlanCost) -> Value {
    let steps: Vec<Value> = cost
        .steps
        .iter()
        .map(|s| {
            json!({ "name": s.name, "kind": s.kind, "action": s.action.verb(), "before_usd": s.before_usd.map(round),
                "after_usd": s.after_usd.map(round), "delta_usd": round(s.delta_usd()), "assumptions": s.assumptions })
        })
        .collect();
    json!({ "currency": "USD", "period": "month", "steps": steps, "before_usd": round(cost.before_usd),
        "after_usd": round(cost.after_usd), "delta_usd": round(cost.after_usd - cost.before_usd),
        "prices": cost.prices, "not_estimated": cost.not_estimated })
}

/// A quantity with at most two decimals and no trailing zeros (`0.47`, `730`).
fn short(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The `cost` verb's text: every priced resource with its items and assumptions, then the sums
/// per AWS service and per value of each tag in `tag_keys`, then the total.
pub fn stack_text(cost: &StackCost, tag_keys: &[String]) -> String {
    let mut out = format!("Stack `{}`: estimated monthly cost (USD)\n\n", cost.stack);
    for r in &cost.resources {
        let _ = writeln!(out, "{:<40} {:>10}  {}", r.name, usd(r.estimate.usd()), r.kind);
        for i in &r.estimate.items {
            let _ = writeln!(
                out,
                "    {} × {} {} at {} = {}",
                i.what,
                short(i.quantity),
                i.unit,
                i.usd_per_unit,
                usd(i.usd())
            );
        }
        for a in &r.estimate.assumptions {
            let _ = writeln!(out, "    assumes {a}");
        }
    }
    out.push_str("\nBy service:\n");
    for (service, total) in cost.by(|r| r.service.clone()) {
        let _ = writeln!(out, "  {service:<38} {:>10}", usd(total));
    }
    for key in tag_keys {
        let _ = writeln!(out, "\nBy tag {key}:");
        for (value, total) in cost.by(|r| r.tags.get(key).cloned().unwrap_or_else(|| "(untagged)".into())) {
            let _ = writeln!(out, "  {value:<38} {:>10}", usd(total));
        }
    }
    for n in &cost.not_estimated {
        let _ = writeln!(out, "not estimated: {n}");
    }
    let _ = writeln!(out, "\nTotal: ${}/month", usd(cost.total_usd));
    for p in &cost.prices {
        let _ = writeln!(out, "Prices: {p}");
    }
    out
}

/// The `cost` verb's JSON: resources with items and assumptions, sums per service and tag, total.
pub fn stack_json(cost: &StackCost, tag_keys: &[String]) -> Value {
    let resources: Vec<Value> = cost
        .resources
        .iter()
        .map(|r| {
            json!({ "name": r.name, "kind": r.kind, "service": r.service, "monthly_usd": round(r.estimate.usd()),
                "items": r.estimate.items, "assumptions": r.estimate.assumptions })
        })
        .collect();
    let rounded = |m: std::collections::BTreeMap<String, f64>| -> Value {
        Value::Object(m.into_iter().map(|(k, v)| (k, json!(round(v)))).collect())
    };
    let by_tag: serde_json::Map<String, Value> = tag_keys
        .iter()
        .map(|k| (k.clone(), rounded(cost.by(|r| r.tags.get(k).cloned().unwrap_or_else(|| "(untagged)".into())))))
        .collect();
    json!({ "stack": cost.stack, "currency": "USD", "period": "month", "resources": resources,
        "by_service": rounded(cost.by(|r| r.service.clone())), "by_tag": by_tag,
        "total_usd": round(cost.total_usd), "prices": cost.prices, "not_estimated": cost.not_estimated })
}
