//! The resource graph (petgraph) and validation: everything wrong with a program is found and
//! reported at once, before any cloud call.

use crate::stack::{Node, Stack};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::sync::Arc;

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

/// Validates the stack and builds its graph. Linear in resources and references: one name
/// index serves every check, and each node's dependencies are worked out once.
pub fn validate(stack: &Stack) -> Result<Graph, ValidationError> {
    let nodes = stack.declared();
    // Name → index of its first declaration.
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        index.entry(node.name.as_str()).or_insert(i);
    }
    let mut problems = Vec::new();
    let mut deps: Vec<Vec<usize>> = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        if !valid_name(&node.name) {
            problems
                .push(format!("resource name `{}` is invalid: use 1-128 letters, digits, `-`, `_` or `.`", node.name));
        }
        if index[node.name.as_str()] != i {
            problems.push(format!("resource name `{}` is declared more than once", node.name));
        }
        for problem in &node.problems {
            problems.push(format!("resource `{}` ({}): {problem}", node.name, node.kind.kind()));
        }
        let mut needs = Vec::new();
        for dep in node.dependencies() {
            match index.get(dep.as_str()) {
                Some(&d) => needs.push(d),
                None => problems.push(format!("resource `{}` refers to `{dep}`, which is not in the stack", node.name)),
            }
        }
        deps.push(needs);
    }
    problems.extend(endpoint_problems(stack, &index));
    let graph = build(&nodes, &index, &deps);
    problems.extend(cycles(&graph));
    if !problems.is_empty() {
        return Err(ValidationError { problems });
    }
    let order = declaration_order_topo(&nodes, &deps);
    Ok(Graph { graph, order })
}

/// Dependencies before dependents, and otherwise the order the program declared things in, so
/// plans read like the program (Kahn's algorithm, ready nodes taken by declaration index).
/// `deps[i]`: the declaration indices node `i` needs.
fn declaration_order_topo(nodes: &[Arc<Node>], deps: &[Vec<usize>]) -> Vec<String> {
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, needs) in deps.iter().enumerate() {
        needs.iter().for_each(|&d| dependents[d].push(i));
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
fn endpoint_problems(stack: &Stack, declared: &HashMap<&str, usize>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for e in stack.endpoints() {
        if !valid_name(&e.name) || declared.contains_key(e.name.as_str()) || !seen.insert(e.name.clone()) {
            problems.push(format!("endpoint name `{}` is invalid or already used by a resource or endpoint", e.name));
        }
        for dep in e.dependencies().iter().filter(|d| !declared.contains_key(d.as_str())) {
            problems.push(format!("endpoint `{}` refers to `{dep}`, which is not in the stack", e.name));
        }
        for path in e.paths.iter().filter(|p| !p.starts_with('/')) {
            problems.push(format!("endpoint `{}`: path `{path}` must start with `/`", e.name));
        }
    }
    problems
}

/// One graph node per name (a name declared twice is one node: validation refuses it anyway);
/// `deps[i]` holds no index twice (`Node::dependencies` is deduplicated), so each edge is added
/// once (`update_edge` would scan the dependency's edges for each of its dependents: quadratic
/// for a resource many others use).
fn build(nodes: &[Arc<Node>], index: &HashMap<&str, usize>, deps: &[Vec<usize>]) -> DiGraph<String, ()> {
    let mut graph = DiGraph::new();
    let mut ix: Vec<NodeIndex> = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let first = index[node.name.as_str()];
        ix.push(if first == i { graph.add_node(node.name.clone()) } else { ix[first] });
    }
    for (i, needs) in deps.iter().enumerate() {
        needs.iter().for_each(|&d| {
            graph.add_edge(ix[d], ix[i], ());
        });
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
