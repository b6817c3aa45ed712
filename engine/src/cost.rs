//! Monthly cost estimates: what each priced kind says its inputs cost
//! ([`crate::Resource::monthly_cost`]), summed per plan step (before → after) and per stack.
//!
//! # Guarantees
//! Pure: no I/O, no clock. A stack total is the sum of its resources' estimates; a plan's
//! "after" total is its "before" total plus every step's delta. A priced resource whose inputs
//! cannot be decoded is listed as not estimated, naming it, never counted as free.
//!
//! # Assumptions
//! Prices and usage assumptions are the kinds' business (`resources::prices` holds the table);
//! an unknown value (`(known after apply)`) never changes a kind's price: it is decoded as an
//! empty string (ids, ARNs), see [`Related`] for what a kind may read of its dependencies.

mod sum;

pub use sum::{of_plan, of_stack, PlanCost, StackCost, StackResourceCost, StepCost};

use crate::input::{as_reference, is_unknown};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One priced line of an estimate: `quantity` `unit`s at `usd_per_unit` each, per month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostItem {
    /// What is charged, e.g. "NAT gateway hours".
    pub what: String,
    pub quantity: f64,
    /// The unit of `quantity`, e.g. "hours", "GB", "alarms".
    pub unit: String,
    pub usd_per_unit: f64,
}

impl CostItem {
    pub fn new(what: impl Into<String>, quantity: f64, unit: impl Into<String>, usd_per_unit: f64) -> CostItem {
        CostItem { what: what.into(), quantity, unit: unit.into(), usd_per_unit }
    }

    /// USD per month.
    pub fn usd(&self) -> f64 {
        self.quantity * self.usd_per_unit
    }
}

/// What one resource costs per month, from its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Estimate {
    pub items: Vec<CostItem>,
    /// Usage the estimate had to assume (data processed, requests, log volume), each a sentence.
    pub assumptions: Vec<String>,
    /// Where the prices come from (region, date, source).
    pub prices: String,
}

impl Estimate {
    /// USD per month: the sum of the items.
    pub fn usd(&self) -> f64 {
        self.items.iter().map(CostItem::usd).sum()
    }
}

/// The inputs of the resources a resource depends on, with their KINDs: what a kind may read to
/// price itself (an ECS service's tasks are sized by its task definition). Data only: kinds
/// never call each other.
#[derive(Debug, Default)]
pub struct Related<'a> {
    pub dependencies: Vec<(&'a str, &'a Value)>,
}

impl<'a> Related<'a> {
    /// The inputs of the first dependency of `kind`.
    pub fn inputs_of(&self, kind: &str) -> Option<&'a Value> {
        self.dependencies.iter().find(|(k, _)| *k == kind).map(|(_, v)| *v)
    }
}

/// `v` with every reference and unknown marker replaced by an empty string, so a kind's inputs
/// decode before apply knows them (prices never depend on ids).
pub fn known_enough(v: &Value) -> Value {
    if is_unknown(v) || as_reference(v).is_some() {
        return Value::String(String::new());
    }
    match v {
        Value::Array(items) => Value::Array(items.iter().map(known_enough).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, i)| (k.clone(), known_enough(i))).collect()),
        other => other.clone(),
    }
}

/// USD with two decimals, e.g. `32.85`.
pub fn usd(amount: f64) -> String {
    // Rounded to the cent first (so 29.565 shows 29.57); never "-0.00".
    let cents = (amount * 100.0).round() / 100.0;
    format!("{:.2}", if cents == 0.0 { 0.0 } else { cents })
}

/// A signed delta, e.g. `+32.85`, `-11.68`, `+0.00`.
pub fn signed_usd(amount: f64) -> String {
    let rounded = (amount * 100.0).round() / 100.0;
    if rounded < 0.0 {
        format!("-{:.2}", -rounded)
    } else {
        // `abs`: -0.001 rounds to -0.0, which would print as "+-0.00".
        format!("+{:.2}", rounded.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn markers_become_empty_strings_and_values_stay() {
        let v = json!({"a": {"$unknown": "vpc"}, "b": [{"$ref": {"resource": "x", "key": 0}}, "s"], "n": 3});
        assert_eq!(known_enough(&v), json!({"a": "", "b": ["", "s"], "n": 3}));
    }

    #[test]
    fn an_estimate_is_the_sum_of_its_items() {
        // 730 h × 0.045 = 32.85; 100 GB × 0.045 = 4.50; total 37.35.
        let e = Estimate {
            items: vec![CostItem::new("hours", 730.0, "h", 0.045), CostItem::new("data", 100.0, "GB", 0.045)],
            ..Default::default()
        };
        assert_eq!(usd(e.usd()), "37.35");
        assert_eq!(signed_usd(-11.684), "-11.68");
        assert_eq!(signed_usd(-0.001), "+0.00");
        assert_eq!(usd(-0.0), "0.00");
    }
}
