//! A static layout of the resource graph: one column per dependency depth (a resource sits one
//! column right of its deepest dependency, so every edge points right), and within a column the
//! resources grouped by service (`aws:ec2:Vpc` → `ec2`), groups and names in alphabetical order.
//! Pure; no external layout tool (no graphviz on CI).

use std::collections::BTreeMap;

pub const NODE_W: f64 = 210.0;
pub const NODE_H: f64 = 34.0;
const COL_GAP: f64 = 90.0;
const ROW_GAP: f64 = 6.0;
const GROUP_HEAD: f64 = 16.0;
const GROUP_GAP: f64 = 14.0;
const GROUP_PAD: f64 = 6.0;
const MARGIN: f64 = 16.0;

/// A resource as the picture needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNode {
    pub name: String,
    pub kind: String,
    pub deps: Vec<String>,
}

/// A placed resource (top-left corner).
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub name: String,
    pub kind: String,
    pub service: String,
    pub depth: usize,
    pub x: f64,
    pub y: f64,
    /// Indices of its dependencies among the placed nodes.
    pub deps: Vec<usize>,
}

/// The box around one service's resources in one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub service: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub nodes: Vec<Placed>,
    pub groups: Vec<Group>,
    pub width: f64,
    pub height: f64,
}

/// The service part of a KIND (`aws:ec2:Vpc` → `ec2`, `plinth:core:Data` → `core`).
pub fn service_of(kind: &str) -> &str {
    kind.split(':').nth(1).unwrap_or(kind)
}

/// Lays out `nodes`.
///
/// # Assumptions
/// The graph is acyclic (validated); a dependency not among `nodes` is left out of the picture.
pub fn layout(nodes: &[GraphNode]) -> Layout {
    let depth = depths(nodes);
    let mut columns: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &d) in depth.iter().enumerate() {
        columns.entry(d).or_default().push(i);
    }
    let index: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.name.as_str(), i)).collect();
    let mut placed: Vec<Option<Placed>> = vec![None; nodes.len()];
    let (mut groups, mut height) = (Vec::new(), 0.0f64);
    for (&d, members) in &mut columns {
        members.sort_by(|&a, &b| {
            (service_of(&nodes[a].kind), &nodes[a].name).cmp(&(service_of(&nodes[b].kind), &nodes[b].name))
        });
        let x = MARGIN + d as f64 * (NODE_W + COL_GAP);
        let mut y = MARGIN;
        for run in members.chunk_by(|&a, &b| service_of(&nodes[a].kind) == service_of(&nodes[b].kind)) {
            let top = y;
            y += GROUP_HEAD;
            for &i in run {
                let n = &nodes[i];
                let deps = n.deps.iter().filter_map(|dep| index.get(dep.as_str()).copied()).collect();
                let service = service_of(&n.kind).to_string();
                placed[i] = Some(Placed { name: n.name.clone(), kind: n.kind.clone(), service, depth: d, x, y, deps });
                y += NODE_H + ROW_GAP;
            }
            let service = service_of(&nodes[run[0]].kind).to_string();
            let (gx, gy) = (x - GROUP_PAD, top);
            groups.push(Group { service, x: gx, y: gy, w: NODE_W + 2.0 * GROUP_PAD, h: y - top });
            y += GROUP_GAP;
        }
        height = height.max(y);
    }
    let width = MARGIN * 2.0 + columns.len() as f64 * (NODE_W + COL_GAP) - COL_GAP;
    Layout {
        nodes: placed.into_iter().flatten().collect(),
        groups,
        width: width.max(MARGIN * 2.0),
        height: height + MARGIN,
    }
}

/// Each node's depth: 0 without dependencies, else one more than its deepest dependency.
fn depths(nodes: &[GraphNode]) -> Vec<usize> {
    let index: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.name.as_str(), i)).collect();
    let mut depth: Vec<Option<usize>> = vec![None; nodes.len()];
    for start in 0..nodes.len() {
        // Iterative depth-first walk; `visiting` guards against a cycle (then depth 0 there).
        let mut stack = vec![(start, false)];
        let mut visiting = vec![false; nodes.len()];
        while let Some((i, expanded)) = stack.pop() {
            if depth[i].is_some() {
                continue;
            }
            let deps: Vec<usize> = nodes[i].deps.iter().filter_map(|d| index.get(d.as_str()).copied()).collect();
            if expanded {
                let d = deps.iter().filter_map(|&p| depth[p]).map(|p| p + 1).max().unwrap_or(0);
                depth[i] = Some(d);
                continue;
            }
            visiting[i] = true;
            stack.push((i, true));
            stack.extend(deps.into_iter().filter(|&p| depth[p].is_none() && !visiting[p]).map(|p| (p, false)));
        }
    }
    depth.into_iter().map(|d| d.unwrap_or(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, kind: &str, deps: &[&str]) -> GraphNode {
        GraphNode { name: name.into(), kind: kind.into(), deps: deps.iter().map(|d| d.to_string()).collect() }
    }

    fn sample() -> Vec<GraphNode> {
        vec![
            node("vpc", "aws:ec2:Vpc", &[]),
            node("bucket", "aws:s3:Bucket", &[]),
            node("subnet-b", "aws:ec2:Subnet", &["vpc"]),
            node("subnet-a", "aws:ec2:Subnet", &["vpc"]),
            node("db", "aws:rds:DbInstance", &["subnet-a", "subnet-b", "bucket"]),
            node("sg", "aws:ec2:SecurityGroup", &["vpc"]),
        ]
    }

    fn at<'a>(l: &'a Layout, name: &str) -> &'a Placed {
        l.nodes.iter().find(|n| n.name == name).unwrap()
    }

    #[test]
    fn columns_follow_the_deepest_dependency_and_edges_point_right() {
        let l = layout(&sample());
        let depths: Vec<(&str, usize)> = l.nodes.iter().map(|n| (n.name.as_str(), n.depth)).collect();
        for (name, d) in [("vpc", 0), ("bucket", 0), ("subnet-a", 1), ("subnet-b", 1), ("sg", 1), ("db", 2)] {
            assert!(depths.contains(&(name, d)), "{name} at {d}: {depths:?}");
        }
        for n in &l.nodes {
            for &d in &n.deps {
                assert!(l.nodes[d].x + NODE_W < n.x, "{} → {}", l.nodes[d].name, n.name);
            }
        }
        assert_eq!(at(&l, "db").deps.len(), 3);
    }

    #[test]
    fn a_column_groups_by_service_then_name_without_overlap() {
        let l = layout(&sample());
        let column: Vec<&Placed> = {
            let mut c: Vec<&Placed> = l.nodes.iter().filter(|n| n.depth == 1).collect();
            c.sort_by(|a, b| a.y.total_cmp(&b.y));
            c
        };
        let names: Vec<&str> = column.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["sg", "subnet-a", "subnet-b"]);
        for pair in column.windows(2) {
            assert!(pair[0].y + NODE_H <= pair[1].y);
        }
        // Column 0 holds two services: two groups, ec2 then s3, one below the other.
        let col0: Vec<&Group> = l.groups.iter().filter(|g| g.x < NODE_W).collect();
        assert_eq!(col0.iter().map(|g| g.service.as_str()).collect::<Vec<_>>(), ["ec2", "s3"]);
        assert!(col0[0].y + col0[0].h <= col0[1].y);
        assert!(l.width >= at(&l, "db").x + NODE_W && l.height >= at(&l, "subnet-b").y + NODE_H);
    }

    #[test]
    fn services_come_from_the_kind_and_unknown_dependencies_are_left_out() {
        assert_eq!(service_of("aws:ec2:Vpc"), "ec2");
        assert_eq!(service_of("plinth:core:Data"), "core");
        let l = layout(&[node("a", "aws:s3:Bucket", &["missing"])]);
        assert_eq!((l.nodes.len(), l.nodes[0].depth, l.nodes[0].deps.len()), (1, 0, 0));
        assert_eq!(layout(&[]).nodes.len(), 0);
    }
}
