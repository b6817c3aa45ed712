//! The resource graph as a static SVG (`graph --format svg`): the [`layout`](super::layout)
//! drawn with a box per service and column, a node per resource colored by service, and an
//! arrow from each dependency to its dependents. Pure.

use super::layout::{layout, GraphNode, Layout, NODE_H, NODE_W};
use super::{clip, escape, service_color};
use std::fmt::Write;

/// A standalone SVG document of `nodes`.
pub fn svg(nodes: &[GraphNode]) -> String {
    draw(&layout(nodes))
}

/// The SVG element for a laid-out graph (also embedded by the HTML page).
pub fn draw(l: &Layout) -> String {
    let mut out = format!(
        "<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" \
         font-family=\"system-ui, sans-serif\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#777\"/></marker></defs>\n\
         <style>.group rect{{fill:#fafafa;stroke:#ccc;stroke-dasharray:4 3}} .group text{{font-size:10px;fill:#777}} \
         .node rect{{stroke:#555}} .node text{{font-size:11px}} .node text.kind{{font-size:9px;fill:#444}} \
         .edge{{fill:none;stroke:#999;stroke-width:1.2}}</style>\n<g id=\"viewport\">\n",
        w = l.width,
        h = l.height
    );
    for g in &l.groups {
        let _ = writeln!(
            out,
            "<g class=\"group\" data-service=\"{s}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{s}</text></g>",
            g.x,
            g.y,
            g.w,
            g.h,
            g.x + 6.0,
            g.y + 12.0,
            s = escape(&g.service)
        );
    }
    for (i, n) in l.nodes.iter().enumerate() {
        for &d in &n.deps {
            let from = &l.nodes[d];
            let (x1, y1, x2, y2) = (from.x + NODE_W, from.y + NODE_H / 2.0, n.x, n.y + NODE_H / 2.0);
            let bend = (x2 - x1) / 2.0;
            let _ = writeln!(
                out,
                "<path class=\"edge\" data-from=\"{d}\" data-to=\"{i}\" marker-end=\"url(#arrow)\" \
                 d=\"M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}\"/>",
                x1 + bend,
                x2 - bend
            );
        }
    }
    for (i, n) in l.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "<g class=\"node\" data-i=\"{i}\" data-name=\"{name}\"><title>{name} ({kind})</title>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"4\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text><text class=\"kind\" x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            n.x,
            n.y,
            service_color(&n.service),
            n.x + 6.0,
            n.y + 14.0,
            escape(&clip(&n.name, 32)),
            n.x + 6.0,
            n.y + 27.0,
            escape(&clip(&n.kind, 38)),
            name = escape(&n.name),
            kind = escape(&n.kind)
        );
    }
    out + "</g>\n</svg>\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_per_resource_and_an_edge_per_dependency() {
        let nodes = vec![
            GraphNode { name: "vpc".into(), kind: "aws:ec2:Vpc".into(), deps: vec![] },
            GraphNode { name: "a<b".into(), kind: "aws:ec2:Subnet".into(), deps: vec!["vpc".into()] },
            GraphNode { name: "bucket".into(), kind: "aws:s3:Bucket".into(), deps: vec![] },
        ];
        let svg = svg(&nodes);
        assert!(svg.starts_with("<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("<g class=\"node\"").count(), 3);
        assert_eq!(svg.matches("<path class=\"edge\"").count(), 1);
        assert_eq!(svg.matches("<g class=\"group\"").count(), 3);
        assert!(svg.contains("data-name=\"a&lt;b\"") && !svg.contains("a<b"));
    }
}
