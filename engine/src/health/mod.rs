//! Health: what `plinth health` reports. The pure part lives here: the status model, the
//! dependency map computed from the stack's graph ([`map`]), propagation (a component whose
//! dependency is degraded or unhealthy is at least degraded, naming it: [`assemble`]),
//! rendering ([`render`], no I/O) and the exit code. The I/O is in [`gather`] (one batched check
//! per kind through the registry, concurrently, and the HTTP probes of the program's endpoints,
//! [`probe`]); the per-kind checks live with their kinds (`Resource::health`).
//!
//! # Guarantees
//! * Every checked resource of the program and every declared endpoint is a component of the
//!   report, with a status and a reason; one that cannot be checked (no row in state, a failed
//!   call, an unreachable endpoint) is `unknown` saying why, never left out, never a crash.
//! * A component's dependencies are the checked resources it reaches through the graph
//!   (references and `depends_on`), transitively: so a failing dependency anywhere below makes it
//!   degraded, and [`Component::failing_dependencies`] names the root causes (dependencies whose
//!   own check failed).
//!
//! # Exit codes ([`Report::exit_code`])
//! 0 when nothing is degraded or unhealthy and at least one component is healthy (unknown ones
//! are shown, not counted against it); 2 when any component is degraded or unhealthy; 1 on error
//! and when the report vouches for nothing: every component unknown (or none), e.g. credentials
//! that may not describe anything. A check that cannot tell is not a healthy one.

pub mod gather;
pub mod map;
pub mod probe;
pub mod render;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use gather::gather;
pub use map::{dependency_map, Component as MapEntry};

/// A component's health. Ordered from best to worst (unknown between healthy and degraded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Healthy,
    Unknown,
    Degraded,
    Unhealthy,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Unknown => "unknown",
            Status::Degraded => "degraded",
            Status::Unhealthy => "unhealthy",
        }
    }

    /// Degraded or unhealthy: what marks dependents degraded and the exit code 2.
    pub fn failing(self) -> bool {
        matches!(self, Status::Degraded | Status::Unhealthy)
    }
}

/// What one component's own check found: a status, a one-line reason, and detail lines (counts,
/// deployment state, recent events, unhealthy targets and their reasons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub status: Status,
    pub reason: String,
    #[serde(default)]
    pub details: Vec<String>,
}

impl Check {
    pub fn new(status: Status, reason: impl Into<String>) -> Check {
        Check { status, reason: reason.into(), details: Vec::new() }
    }
    pub fn healthy(reason: impl Into<String>) -> Check {
        Check::new(Status::Healthy, reason)
    }
    pub fn degraded(reason: impl Into<String>) -> Check {
        Check::new(Status::Degraded, reason)
    }
    pub fn unhealthy(reason: impl Into<String>) -> Check {
        Check::new(Status::Unhealthy, reason)
    }
    pub fn unknown(reason: impl Into<String>) -> Check {
        Check::new(Status::Unknown, reason)
    }
    /// The check with these detail lines added.
    pub fn with_details(mut self, details: impl IntoIterator<Item = String>) -> Check {
        self.details.extend(details);
        self
    }
}

/// One dependency that is degraded or unhealthy on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failing {
    pub name: String,
    pub status: Status,
    pub reason: String,
}

/// One component as reported: its effective status (its own check, made at least degraded by a
/// failing dependency) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    /// The resource's KIND, or [`map::ENDPOINT_KIND`] for an endpoint probe.
    pub kind: String,
    pub status: Status,
    pub reason: String,
    /// Its own check, before propagation.
    pub check: Check,
    /// The checked components it depends on (transitively through the graph).
    pub depends_on: Vec<String>,
    /// Dependencies whose own check is degraded or unhealthy: why this one is at least degraded.
    pub failing_dependencies: Vec<Failing>,
}

/// The whole report: the environment, its overall status and every component, dependencies
/// before dependents, endpoints last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub environment: String,
    pub status: Status,
    pub components: Vec<Component>,
}

/// `health`'s exit code for a degraded or unhealthy stack.
pub const EXIT_NOT_HEALTHY: u8 = 2;

impl Report {
    /// 0 healthy, 2 degraded or unhealthy, 1 nothing known (see the module doc).
    pub fn exit_code(&self) -> u8 {
        match self.status {
            Status::Healthy => 0,
            Status::Degraded | Status::Unhealthy => EXIT_NOT_HEALTHY,
            Status::Unknown => 1,
        }
    }

    /// How many components have each status.
    pub fn counts(&self) -> BTreeMap<Status, usize> {
        let mut counts = BTreeMap::new();
        for c in &self.components {
            *counts.entry(c.status).or_insert(0) += 1;
        }
        counts
    }
}

/// The overall status: the worst failing one if any; else healthy when anything is healthy;
/// else unknown (nothing could be established).
pub fn overall(components: &[Component]) -> Status {
    let worst = components.iter().map(|c| c.status).max().unwrap_or(Status::Unknown);
    if worst.failing() {
        worst
    } else if components.iter().any(|c| c.status == Status::Healthy) {
        Status::Healthy
    } else {
        Status::Unknown
    }
}

/// Propagation: each entry of the dependency map with its own check becomes a component; a
/// component whose dependency's own check is degraded or unhealthy is at least degraded and
/// names it. Pure. An entry without a check is `unknown` ("not checked").
pub fn assemble(environment: &str, entries: &[MapEntry], checks: &BTreeMap<String, Check>) -> Report {
    let own = |name: &str| checks.get(name).cloned().unwrap_or_else(|| Check::unknown("not checked"));
    let components: Vec<Component> = entries
        .iter()
        .map(|entry| {
            let check = own(&entry.name);
            let failing: Vec<Failing> = entry
                .depends_on
                .iter()
                .filter_map(|d| {
                    let c = own(d);
                    c.status.failing().then(|| Failing { name: d.clone(), status: c.status, reason: c.reason })
                })
                .collect();
            let (status, reason) = effective(&check, &failing);
            Component {
                name: entry.name.clone(),
                kind: entry.kind.clone(),
                status,
                reason,
                check,
                depends_on: entry.depends_on.clone(),
                failing_dependencies: failing,
            }
        })
        .collect();
    Report { environment: environment.to_string(), status: overall(&components), components }
}

fn effective(check: &Check, failing: &[Failing]) -> (Status, String) {
    if failing.is_empty() {
        return (check.status, check.reason.clone());
    }
    let names: Vec<String> = failing.iter().map(|f| format!("{} ({})", f.name, f.status.as_str())).collect();
    let because = format!("depends on {}", names.join(", "));
    if check.status.failing() {
        (check.status, format!("{}; {because}", check.reason))
    } else {
        (Status::Degraded, format!("{because}; own check {}: {}", check.status.as_str(), check.reason))
    }
}
