//! The dependency map: which checked components each checked component depends on, computed
//! from the program's graph. Pure.
//!
//! Only resources whose kind has a health check (`Resource::HEALTH_CHECKED`) and the program's
//! endpoints ([`crate::stack::Endpoint`]) are components. A component depends on every checked
//! resource it reaches through references and `depends_on`, through unchecked ones too (the API
//! service reaches the database through its task definition's secret reference), so the map is
//! transitive and a failure anywhere below is seen without walking it again.

use crate::stack::{Node, Stack};
use std::collections::{BTreeMap, BTreeSet};

/// The kind shown for an endpoint probe (not a resource: nothing in state).
pub const ENDPOINT_KIND: &str = "plinth:http:Endpoint";

/// One component of the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub kind: String,
    /// Checked components it depends on, in `order`.
    pub depends_on: Vec<String>,
}

/// Every checked resource (in `order`, dependencies first) and then every endpoint, each with
/// its transitive checked dependencies. `order` is the graph's order (`Graph::order`).
pub fn dependency_map(stack: &Stack, order: &[String]) -> Vec<Component> {
    let nodes: BTreeMap<String, Node> = stack.nodes().into_iter().map(|n| (n.name.clone(), n)).collect();
    let position: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let checked = |name: &str| nodes.get(name).is_some_and(|n| n.kind.health_checked());
    let sorted = |set: BTreeSet<String>| {
        let mut v: Vec<String> = set.into_iter().collect();
        v.sort_by_key(|n| position.get(n.as_str()).copied().unwrap_or(usize::MAX));
        v
    };
    let mut map: Vec<Component> = order
        .iter()
        .filter(|name| checked(name))
        .map(|name| {
            let starts = nodes[name].dependencies();
            Component {
                name: name.clone(),
                kind: nodes[name].kind.kind().to_string(),
                depends_on: sorted(reachable(&nodes, &starts, &checked)),
            }
        })
        .collect();
    for endpoint in stack.endpoints() {
        let starts = endpoint.dependencies();
        let reached = reachable(&nodes, &starts, &checked);
        map.push(Component { name: endpoint.name, kind: ENDPOINT_KIND.to_string(), depends_on: sorted(reached) });
    }
    map
}

/// The checked resources reachable from `starts` (themselves included when checked).
fn reachable(nodes: &BTreeMap<String, Node>, starts: &[String], checked: &impl Fn(&str) -> bool) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = starts.to_vec();
    let mut found = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if checked(&name) {
            found.insert(name.clone());
        }
        if let Some(node) = nodes.get(&name) {
            stack.extend(node.dependencies());
        }
    }
    found
}
