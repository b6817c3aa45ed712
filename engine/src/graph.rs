//! The resource graph (petgraph) and validation: everything wrong with a program is found and
//! reported at once, before any cloud call.

use crate::stack::{Node, Stack};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// Every problem found in a program, each a sentence naming the resource at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the program is invalid:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ValidationError {
    pub problems: Vec<String>,
}

/// Declared resources in dependency order, with an edge from each dependency to its dependents.
pub struct Graph {
    pub graph: DiGraph<String, ()>,
    /// Node names, dependencies before dependents.
    pub order: Vec<String>,
}

impl Graph {
    /// Names of the resources that directly depend on `name`.
    pub fn dependents(&self, name: &str) -> Vec<String> {
        let Some(ix) = self.graph.node_indices().find(|i| self.graph[*i] == name) else { return vec![] };
        self.graph.neighbors(ix).map(|n| self.graph[n].clone()).collect()
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Validates the stack and builds its graph.
pub fn validate(stack: &Stack) -> Result<Graph, ValidationError> {
    let nodes = stack.nodes();
    let mut problems = Vec::new();
    let declared: BTreeSet<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    for node in &nodes {
        if !valid_name(&node.name) {
            problems
                .push(format!("resource name `{}` is invalid: use 1-128 letters, digits, `-`, `_` or `.`", node.name));
        }
        if !seen.insert(node.name.as_str()) {
            problems.push(format!("resource name `{}` is declared more than once", node.name));
        }
        for problem in &node.problems {
            problems.push(format!("resource `{}` ({}): {problem}", node.name, node.kind.kind()));
        }
        for dep in node.dependencies() {
            if !declared.contains(dep.as_str()) {
                problems.push(format!("resource `{}` refers to `{dep}`, which is not in the stack", node.name));
            }
        }
    }
    problems.extend(endpoint_problems(stack, &declared));
    let graph = build(&nodes);
    problems.extend(cycles(&graph));
    if !problems.is_empty() {
        return Err(ValidationError { problems });
    }
    let order = declaration_order_topo(&nodes);
    Ok(Graph { graph, order })
}

/// Dependencies before dependents, and otherwise the order the program declared things in, so
/// plans read like the program (Kahn's algorithm, ready nodes taken by declaration index).
fn declaration_order_topo(nodes: &[Node]) -> Vec<String> {
    let index: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.name.as_str(), i)).collect();
    let mut waiting: Vec<usize> = vec![0; nodes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        for dep in node.dependencies() {
            if let Some(&d) = index.get(dep.as_str()) {
                waiting[i] += 1;
                dependents[d].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..nodes.len()).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(nodes[i].name.clone());
        for &d in &dependents[i] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    order
}

/// Endpoints (`Stack::endpoint`): names unique among resources and endpoints, dependencies
/// declared, paths absolute.
fn endpoint_problems(stack: &Stack, declared: &BTreeSet<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for e in stack.endpoints() {
        if !valid_name(&e.name) || declared.contains(e.name.as_str()) || !seen.insert(e.name.clone()) {
            problems.push(format!("endpoint name `{}` is invalid or already used by a resource or endpoint", e.name));
        }
        for dep in e.dependencies().iter().filter(|d| !declared.contains(d.as_str())) {
            problems.push(format!("endpoint `{}` refers to `{dep}`, which is not in the stack", e.name));
        }
        for path in e.paths.iter().filter(|p| !p.starts_with('/')) {
            problems.push(format!("endpoint `{}`: path `{path}` must start with `/`", e.name));
        }
    }
    problems
}

fn build(nodes: &[Node]) -> DiGraph<String, ()> {
    let mut graph = DiGraph::new();
    let mut index: BTreeMap<&str, NodeIndex> = BTreeMap::new();
    for node in nodes {
        index.entry(node.name.as_str()).or_insert_with(|| graph.add_node(node.name.clone()));
    }
    for node in nodes {
        for dep in node.dependencies() {
            if let (Some(&from), Some(&to)) = (index.get(dep.as_str()), index.get(node.name.as_str())) {
                graph.update_edge(from, to, ());
            }
        }
    }
    graph
}

fn cycles(graph: &DiGraph<String, ()>) -> Vec<String> {
    tarjan_scc(graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
        .map(|scc| {
            let mut names: Vec<String> = scc.iter().map(|ix| format!("`{}`", graph[*ix])).collect();
            names.sort();
            format!("dependency cycle among {}", names.join(", "))
        })
        .collect()
}
