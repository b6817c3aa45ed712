//! Read-only views: the stack's outputs, its graph and its estimated cost.

use super::args::{Format, GraphFormat};
use super::terminal::{json_safe, sanitize};
use crate::pictures::layout::GraphNode;
use crate::pictures::{graph_html, graph_svg};
use crate::plan::is_live;
use crate::stack::Stack;
use serde_json::{Map, Value};
use state::Store;

pub fn outputs(store: &Store, format: Format) -> anyhow::Result<u8> {
    let rows = store.resources()?;
    let all: Map<String, Value> =
        rows.iter().filter(|r| is_live(r)).map(|r| (r.name.clone(), r.outputs.clone())).collect();
    // Values come from the cloud: nothing raw reaches the terminal.
    match format {
        Format::Json => println!("{}", json_safe(&serde_json::to_string_pretty(&Value::Object(all))?)),
        Format::Text | Format::Markdown => {
            let mut out = String::new();
            for (name, outputs) in &all {
                out += &format!("{name}:\n");
                for (key, value) in outputs.as_object().into_iter().flatten() {
                    out += &format!("    {key} = {value}\n");
                }
            }
            print!("{}", sanitize(&out, false));
        }
    }
    Ok(0)
}

/// `graph --format …`: text formats for tools, `svg` and `html` as pictures ([`crate::pictures`]).
pub fn graph(stack: &Stack, format: GraphFormat, env: &str) -> anyhow::Result<u8> {
    let graph = crate::graph::validate(stack)?;
    let nodes = stack.nodes();
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            out.push_str("digraph plinth {\n  rankdir=LR;\n");
            for n in &nodes {
                out.push_str(&format!("  \"{}\" [label=\"{}\\n{}\"];\n", n.name, n.name, n.kind.kind()));
            }
            for n in &nodes {
                for d in n.dependencies() {
                    out.push_str(&format!("  \"{d}\" -> \"{}\";\n", n.name));
                }
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str("graph LR\n");
            let id = |name: &str| name.replace(['-', '.'], "_");
            for name in &graph.order {
                out.push_str(&format!("  {}[\"{name}\"]\n", id(name)));
            }
            for n in &nodes {
                for d in n.dependencies() {
                    out.push_str(&format!("  {} --> {}\n", id(&d), id(&n.name)));
                }
            }
        }
        GraphFormat::Svg => out = graph_svg::svg(&picture_nodes(stack)),
        GraphFormat::Html => out = graph_html::html(&format!("plinth graph — {env}"), &picture_nodes(stack)),
    }
    print!("{out}");
    Ok(0)
}

/// The declared resources, dependencies first, as the pictures take them.
fn picture_nodes(stack: &Stack) -> Vec<GraphNode> {
    stack
        .nodes()
        .iter()
        .map(|n| GraphNode { name: n.name.clone(), kind: n.kind.kind().to_string(), deps: n.dependencies() })
        .collect()
}

/// The program's estimated monthly cost: validated first, then priced from the declared inputs
/// alone (no state, no cloud call). Markdown prints the text inside a code block.
pub fn cost(
    stack: &Stack,
    registry: &crate::registry::Registry,
    format: Format,
    tags: &[String],
) -> anyhow::Result<u8> {
    crate::graph::validate(stack)?;
    let cost = crate::cost::of_stack(stack, registry);
    let keys: Vec<String> =
        if tags.is_empty() { stack.default_tags().keys().cloned().collect() } else { tags.to_vec() };
    match format {
        Format::Json => {
            println!("{}", json_safe(&serde_json::to_string_pretty(&crate::render::cost::stack_json(&cost, &keys))?))
        }
        Format::Text => print!("{}", sanitize(&crate::render::cost::stack_text(&cost, &keys), false)),
        Format::Markdown => print!("```\n{}```\n", sanitize(&crate::render::cost::stack_text(&cost, &keys), false)),
    }
    Ok(0)
}
