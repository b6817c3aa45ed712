//! Sums of estimates: a plan's per-step deltas and totals before → after, a stack's breakdown.

use super::{Estimate, Related};
use crate::plan::{is_live, Action, Plan};
use crate::registry::Registry;
use crate::resource::Tags;
use crate::stack::Stack;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use state::ResourceRow;
use std::collections::{BTreeMap, BTreeSet};

/// One plan step's monthly cost before and after (`None`: nothing there, or no price).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCost {
    pub name: String,
    pub kind: String,
    pub action: Action,
    pub before_usd: Option<f64>,
    pub after_usd: Option<f64>,
    /// The assumptions of the estimate after the step (before it, for a delete).
    pub assumptions: Vec<String>,
}

impl StepCost {
    /// After minus before, USD per month.
    pub fn delta_usd(&self) -> f64 {
        self.after_usd.unwrap_or(0.0) - self.before_usd.unwrap_or(0.0)
    }
}

/// A plan's cost: every priced step, and the stack's monthly total before → after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PlanCost {
    /// Steps with a price before or after, in plan order.
    pub steps: Vec<StepCost>,
    /// Every live state row's estimate, summed (what the stack costs today).
    pub before_usd: f64,
    /// `before_usd` plus every step's delta.
    pub after_usd: f64,
    /// The price sources the estimates used.
    pub prices: Vec<String>,
    /// Priced resources that could not be estimated, each "name: why".
    pub not_estimated: Vec<String>,
}

/// One declared resource's estimate, with what it is grouped by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackResourceCost {
    pub name: String,
    pub kind: String,
    /// The API the kind calls (`Resource::SERVICE`).
    pub service: String,
    pub tags: Tags,
    pub estimate: Estimate,
}

/// What the declared stack costs per month, resource by resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StackCost {
    pub stack: String,
    pub resources: Vec<StackResourceCost>,
    pub total_usd: f64,
    pub prices: Vec<String>,
    pub not_estimated: Vec<String>,
}

impl StackCost {
    /// USD per month per value of `group` (e.g. the AWS service, a tag's value), sorted by key.
    pub fn by(&self, group: impl Fn(&StackResourceCost) -> String) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for r in &self.resources {
            *out.entry(group(r)).or_insert(0.0) += r.estimate.usd();
        }
        out
    }
}

/// Estimates of priced resources: `name → (kind, inputs, dependencies)`.
struct Estimator<'a> {
    registry: &'a Registry,
    inputs: BTreeMap<&'a str, (&'a str, &'a Value)>,
    prices: BTreeSet<String>,
    not_estimated: Vec<String>,
}

impl<'a> Estimator<'a> {
    fn new(registry: &'a Registry) -> Self {
        Estimator { registry, inputs: BTreeMap::new(), prices: BTreeSet::new(), not_estimated: Vec::new() }
    }

    fn estimate(&mut self, name: &str, kind: &str, inputs: &Value, deps: &[String]) -> Option<Estimate> {
        let erased = self.registry.get(kind)?;
        let related =
            Related { dependencies: deps.iter().filter_map(|d| self.inputs.get(d.as_str()).copied()).collect() };
        match erased.monthly_cost(inputs, &related)? {
            Ok(e) => {
                self.prices.insert(e.prices.clone());
                Some(e)
            }
            Err(why) => {
                self.not_estimated.push(format!("{name}: {why}"));
                None
            }
        }
    }
}

fn row_estimates<'a>(rows: &'a [ResourceRow], registry: &'a Registry) -> (Estimator<'a>, BTreeMap<String, Estimate>) {
    let mut est = Estimator::new(registry);
    let live: Vec<&ResourceRow> = rows.iter().filter(|r| is_live(r)).collect();
    est.inputs = live.iter().map(|r| (r.name.as_str(), (r.kind.as_str(), &r.inputs))).collect();
    let mut out = BTreeMap::new();
    for r in live {
        if let Some(e) = est.estimate(&r.name, &r.kind, &r.inputs, &r.dependencies) {
            out.insert(r.name.clone(), e);
        }
    }
    (est, out)
}

/// The cost of `plan` against the state `rows` it was planned from.
pub fn of_plan(plan: &Plan, rows: &[ResourceRow], registry: &Registry) -> PlanCost {
    let (mut est, before) = row_estimates(rows, registry);
    let before_usd: f64 = before.values().map(Estimate::usd).sum();
    let mut after_inputs = est.inputs.clone();
    for s in plan.steps.iter().filter(|s| s.action != Action::Delete) {
        after_inputs.insert(s.name.as_str(), (s.kind.as_str(), &s.inputs));
    }
    est.inputs = after_inputs;
    let mut steps = Vec::new();
    for s in &plan.steps {
        let old = before.get(&s.name);
        let new = match s.action {
            Action::Delete => None,
            _ => est.estimate(&s.name, &s.kind, &s.inputs, &s.depends_on),
        };
        if old.is_none() && new.is_none() {
            continue;
        }
        let assumptions = new.as_ref().or(old).map(|e| e.assumptions.clone()).unwrap_or_default();
        steps.push(StepCost {
            name: s.name.clone(),
            kind: s.kind.clone(),
            action: s.action,
            before_usd: old.map(Estimate::usd),
            after_usd: new.as_ref().map(Estimate::usd),
            assumptions,
        });
    }
    let after_usd = before_usd + steps.iter().map(StepCost::delta_usd).sum::<f64>();
    est.not_estimated.dedup();
    PlanCost {
        steps,
        before_usd,
        after_usd,
        prices: est.prices.into_iter().collect(),
        not_estimated: est.not_estimated,
    }
}

/// What every declared resource of `stack` costs per month (no state, no cloud).
pub fn of_stack(stack: &Stack, registry: &Registry) -> StackCost {
    let nodes = stack.declared();
    let mut est = Estimator::new(registry);
    est.inputs = nodes.iter().map(|n| (n.name.as_str(), (n.kind.kind(), &n.inputs))).collect();
    let mut resources = Vec::new();
    for n in &nodes {
        let Some(estimate) = est.estimate(&n.name, n.kind.kind(), &n.inputs, &n.dependencies()) else { continue };
        let tags = n.inputs.get("tags").and_then(|t| serde_json::from_value(t.clone()).ok()).unwrap_or_default();
        let service = n.kind.service().to_string();
        resources.push(StackResourceCost {
            name: n.name.clone(),
            kind: n.kind.kind().to_string(),
            service,
            tags,
            estimate,
        });
    }
    let total_usd = resources.iter().map(|r| r.estimate.usd()).sum();
    StackCost {
        stack: stack.name().to_string(),
        resources,
        total_usd,
        prices: est.prices.into_iter().collect(),
        not_estimated: est.not_estimated,
    }
}
