//! The resource graph as an interactive page (`graph --format html`): the static SVG, plus an
//! inline script — drag to pan, wheel to zoom, hover shows a resource's kind, name and
//! dependencies, a click highlights its closure (everything it needs and everything that needs
//! it; a click on the background clears). `#select=NAME` in the address selects on load. Pure.

use super::layout::{layout, GraphNode};
use super::{escape, graph_svg, page, script_json};
use serde_json::json;

/// The whole page for `nodes`, titled `title`.
pub fn html(title: &str, nodes: &[GraphNode]) -> String {
    let l = layout(nodes);
    let data: Vec<_> = l
        .nodes
        .iter()
        .map(|n| json!({ "name": n.name, "kind": n.kind, "service": n.service, "deps": n.deps }))
        .collect();
    let body = format!(
        "<h1>{}</h1>\n<p class=\"help\">{} resources. Drag to pan, wheel to zoom, hover for details, click a resource \
         to highlight what it needs and what needs it.</p>\n<div id=\"frame\">{}</div>\n<div id=\"tip\" hidden></div>\n\
         <script type=\"application/json\" id=\"data\">{}</script>",
        escape(title),
        l.nodes.len(),
        graph_svg::draw(&l),
        script_json(&json!({ "nodes": data }))
    );
    page(title, STYLE, &body, SCRIPT)
}

const STYLE: &str = r#"
body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
#frame { border: 1px solid #ccc; height: 80vh; overflow: hidden; cursor: grab; }
#frame svg { width: 100%; height: 100%; }
#tip { position: fixed; background: #fff; border: 1px solid #888; padding: 4px 8px; pointer-events: none;
       font-size: 12px; max-width: 420px; white-space: pre-wrap; box-shadow: 1px 1px 4px #0003; }
svg.selecting .node, svg.selecting .edge { opacity: 0.15; }
svg.selecting .node.in-closure, svg.selecting .edge.in-closure { opacity: 1; }
.node.selected rect { stroke: #000; stroke-width: 3; }
.edge.in-closure { stroke: #333; stroke-width: 2; }
"#;

const SCRIPT: &str = r#"
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var svg = document.getElementById('graph');
  var frame = document.getElementById('frame');
  var tip = document.getElementById('tip');
  var nodes = Array.prototype.slice.call(svg.querySelectorAll('g.node'));
  var edges = Array.prototype.slice.call(svg.querySelectorAll('path.edge'));
  var users = data.nodes.map(function () { return []; });
  data.nodes.forEach(function (n, i) { n.deps.forEach(function (d) { users[d].push(i); }); });
  var box = svg.viewBox.baseVal, view = { x: box.x, y: box.y, w: box.width, h: box.height };
  function apply() { svg.setAttribute('viewBox', [view.x, view.y, view.w, view.h].join(' ')); }
  frame.addEventListener('wheel', function (e) {
    e.preventDefault();
    var k = e.deltaY < 0 ? 0.85 : 1 / 0.85, r = svg.getBoundingClientRect();
    var px = view.x + (e.clientX - r.left) / r.width * view.w, py = view.y + (e.clientY - r.top) / r.height * view.h;
    view.x = px - (px - view.x) * k; view.y = py - (py - view.y) * k; view.w *= k; view.h *= k;
    apply();
  }, { passive: false });
  var drag = null;
  frame.addEventListener('mousedown', function (e) { drag = { x: e.clientX, y: e.clientY, moved: false }; });
  window.addEventListener('mouseup', function () { setTimeout(function () { drag = null; }, 0); });
  window.addEventListener('mousemove', function (e) {
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    view.x -= (e.clientX - drag.x) / r.width * view.w; view.y -= (e.clientY - drag.y) / r.height * view.h;
    drag.moved = drag.moved || Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 2;
    drag.x = e.clientX; drag.y = e.clientY;
    apply();
  });
  function closure(start) {
    var seen = {}; seen[start] = true;
    [function (i) { return data.nodes[i].deps; }, function (i) { return users[i]; }].forEach(function (next) {
      var todo = [start];
      while (todo.length) {
        next(todo.pop()).forEach(function (j) { if (!seen[j]) { seen[j] = true; todo.push(j); } });
      }
    });
    return seen;
  }
  function select(i) {
    var keep = i === null ? null : closure(i);
    svg.classList.toggle('selecting', keep !== null);
    nodes.forEach(function (g) {
      var j = Number(g.dataset.i);
      g.classList.toggle('in-closure', !!keep && !!keep[j]);
      g.classList.toggle('selected', j === i);
    });
    edges.forEach(function (p) {
      p.classList.toggle('in-closure', !!keep && !!keep[p.dataset.from] && !!keep[p.dataset.to]);
    });
    document.body.dataset.selected = i === null ? '' : data.nodes[i].name;
  }
  nodes.forEach(function (g) {
    var i = Number(g.dataset.i), n = data.nodes[i];
    g.addEventListener('click', function (e) { e.stopPropagation(); if (!drag || !drag.moved) select(i); });
    g.addEventListener('mousemove', function (e) {
      tip.hidden = false;
      tip.textContent = n.name + '\n' + n.kind + '\ndepends on: ' +
        (n.deps.length ? n.deps.map(function (d) { return data.nodes[d].name; }).join(', ') : 'nothing');
      tip.style.left = (e.clientX + 12) + 'px'; tip.style.top = (e.clientY + 12) + 'px';
    });
    g.addEventListener('mouseleave', function () { tip.hidden = true; });
  });
  svg.addEventListener('click', function () { if (!drag || !drag.moved) select(null); });
  var wanted = decodeURIComponent((location.hash.match(/select=([^&]*)/) || [])[1] || '');
  var found = data.nodes.findIndex(function (n) { return n.name === wanted; });
  if (found >= 0) select(found);
  document.body.dataset.rendered = String(nodes.length);
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_the_graph_and_its_data_and_loads_nothing() {
        let nodes = vec![
            GraphNode { name: "vpc".into(), kind: "aws:ec2:Vpc".into(), deps: vec![] },
            GraphNode { name: "subnet".into(), kind: "aws:ec2:Subnet".into(), deps: vec!["vpc".into()] },
        ];
        let page = html("plinth graph", &nodes);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert_eq!(page.matches("<g class=\"node\"").count(), 2);
        assert!(page.contains(r#""deps":[0]"#), "dependencies as indices");
        for remote in ["https://", "src=", "@import", "cdn"] {
            assert!(!page.contains(remote), "the page loads `{remote}`");
        }
    }
}
