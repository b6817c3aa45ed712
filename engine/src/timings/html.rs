//! The timeline page: one bar per operation on a time axis (waiting hatched, running colored by
//! action, outlined by outcome), the critical path marked, totals, and a sortable table of the
//! operations that the page's script builds from the data it carries. Pure.

use super::{Bar, Outcome, Timeline};
use crate::pictures::{escape, page, script_json};
use serde_json::json;
use std::fmt::Write;
use std::time::Duration;

const LABEL: f64 = 300.0;
const CHART: f64 = 900.0;
const ROW: f64 = 20.0;
const TOP: f64 = 28.0;

/// The whole page for `timeline`, titled `title` (e.g. "plinth up — local — run 1f2e…").
pub fn page_for(title: &str, timeline: &Timeline) -> String {
    let body = format!("<h1>{}</h1>\n{}\n{}\n{}\n<h2>Operations</h2>\n<table id=\"ops\"></table>\n<script type=\"application/json\" id=\"data\">{}</script>",
        escape(title), totals(timeline), LEGEND, svg(timeline), script_json(&data(timeline)));
    page(title, STYLE, &body, SCRIPT)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn totals(t: &Timeline) -> String {
    let (ok, failed, skipped) = t.counts();
    let critical: Duration = t.critical_path.iter().map(|&i| t.bars[i].end - t.bars[i].start).sum();
    format!(
        "<table id=\"totals\">\
         <tr><th>Wall time</th><td>{:.3}s</td></tr>\
         <tr><th>Operations</th><td>{} ({ok} ok, {failed} failed, {skipped} skipped)</td></tr>\
         <tr><th>Sum of call time</th><td>{:.3}s</td></tr>\
         <tr><th>Parallelism</th><td>{:.2} on average, {} at most</td></tr>\
         <tr><th>Critical path</th><td>{} operations, {critical:.3?} running</td></tr></table>",
        secs(t.wall),
        t.bars.len(),
        secs(t.call_time),
        t.parallelism(),
        t.peak,
        t.critical_path.len(),
    )
}

const LEGEND: &str = "<p class=\"legend\"><span class=\"key create\">create</span> <span class=\"key update\">update</span> \
<span class=\"key replace\">replace</span> <span class=\"key delete\">delete</span> <span class=\"key read\">read</span> \
<span class=\"key wait\">waiting (ready, not started: queued or journaling)</span> <span class=\"key failed\">failed</span> \
<span class=\"key skipped\">skipped</span> <span class=\"key critical\">critical path</span></p>";

/// A tick step near a tenth of `wall`: 1, 2 or 5 times a power of ten seconds.
pub(crate) fn tick_step(wall: f64) -> f64 {
    let rough = (wall / 10.0).max(1e-3);
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= rough).unwrap_or(10.0 * power)
}

fn svg(t: &Timeline) -> String {
    let wall = secs(t.wall).max(1e-3);
    let x = |d: Duration| LABEL + secs(d) / wall * CHART;
    let height = TOP + ROW * t.bars.len() as f64 + 8.0;
    let mut out = format!(
        "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">\n",
        LABEL + CHART + 20.0,
        LABEL + CHART + 20.0
    );
    let step = tick_step(wall);
    let mut tick = 0.0;
    while tick <= wall + 1e-9 {
        let tx = LABEL + tick / wall * CHART;
        let _ = writeln!(out, "<line class=\"tick\" x1=\"{tx:.1}\" y1=\"{}\" x2=\"{tx:.1}\" y2=\"{height}\"/><text class=\"tick\" x=\"{tx:.1}\" y=\"14\">{tick:.3}s</text>", TOP - 6.0);
        tick += step;
    }
    for (i, b) in t.bars.iter().enumerate() {
        out += &bar(i, b, TOP + ROW * i as f64, &x);
    }
    out += &critical_line(t, &x);
    out + "</svg>"
}

fn bar(i: usize, b: &Bar, y: f64, x: &dyn Fn(Duration) -> f64) -> String {
    let critical = if b.critical { " critical" } else { "" };
    let mut g = format!(
        "<g class=\"op {} {}{critical}\" data-i=\"{i}\"><title>{}</title><text class=\"label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        b.action.class(),
        b.outcome.class(),
        escape(&tooltip(b)),
        LABEL - 6.0,
        y + ROW * 0.7,
        escape(&format!("{}: {}", b.name, b.what))
    );
    let (top, h) = (y + 3.0, ROW - 6.0);
    if b.start > b.ready {
        let _ = write!(
            g,
            "<rect class=\"wait\" x=\"{:.2}\" y=\"{top:.1}\" width=\"{:.2}\" height=\"{h}\"/>",
            x(b.ready),
            x(b.start) - x(b.ready)
        );
    }
    let (from, to) = if b.outcome == Outcome::Skipped { (b.ready, b.end) } else { (b.start, b.end) };
    let width = (x(to) - x(from)).max(2.0);
    let _ = writeln!(
        g,
        "<rect class=\"run\" x=\"{:.2}\" y=\"{top:.1}\" width=\"{width:.2}\" height=\"{h}\"/></g>",
        x(from)
    );
    g
}

fn tooltip(b: &Bar) -> String {
    let mut text = format!(
        "{}: {} — {} — waited {:.3}s, ran {:.3}s (ready {:.3}s, start {:.3}s, end {:.3}s)",
        b.name,
        b.what,
        b.outcome.class(),
        secs(b.start - b.ready),
        secs(b.end - b.start),
        secs(b.ready),
        secs(b.start),
        secs(b.end)
    );
    if let Outcome::Failed(e) = &b.outcome {
        text += &format!("\n{e}");
    }
    text
}

/// Joins the critical path's bars end to start, so the chain reads at a glance.
fn critical_line(t: &Timeline, x: &dyn Fn(Duration) -> f64) -> String {
    let mid = |i: usize| TOP + ROW * i as f64 + ROW / 2.0;
    let points: Vec<String> = t
        .critical_path
        .iter()
        .flat_map(|&i| [(x(t.bars[i].start), mid(i)), (x(t.bars[i].end), mid(i))])
        .map(|(px, py)| format!("{px:.1},{py:.1}"))
        .collect();
    if points.is_empty() {
        return String::new();
    }
    format!("<polyline id=\"critical-path\" points=\"{}\"/>\n", points.join(" "))
}

fn data(t: &Timeline) -> serde_json::Value {
    let ops: Vec<_> = t
        .bars
        .iter()
        .map(|b| {
            json!({
                "name": b.name, "what": b.what, "outcome": b.outcome.class(),
                "error": match &b.outcome { Outcome::Failed(e) => Some(e.as_str()), _ => None },
                "waited": secs(b.start - b.ready), "ran": secs(b.end - b.start), "start": secs(b.start),
                "critical": b.critical, "deps": b.deps,
            })
        })
        .collect();
    json!({ "ops": ops })
}

const STYLE: &str = r#"
body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
table#totals th { text-align: left; padding-right: 12px; }
.legend .key { display: inline-block; padding: 1px 6px; margin-right: 4px; border: 1px solid #888; }
svg text.label { text-anchor: end; font-size: 11px; }
svg text.tick { text-anchor: middle; font-size: 10px; fill: #666; }
svg line.tick { stroke: #e4e4e4; }
.key.create { background: #8fd18f; }
.op.create .run { fill: #8fd18f; }
.key.update { background: #8fb8e8; }
.op.update .run { fill: #8fb8e8; }
.key.replace { background: #e8c36f; }
.op.replace .run { fill: #e8c36f; }
.key.delete { background: #e89a9a; }
.op.delete .run { fill: #e89a9a; }
.key.read { background: #c4a8e8; }
.op.read .run { fill: #c4a8e8; }
.op .wait { fill: #ddd; stroke: #bbb; stroke-dasharray: 2 2; }
.key.wait { background: #ddd; }
.op.failed .run, .key.failed { stroke: #c00; stroke-width: 2.5; border: 2px solid #c00; }
.op.skipped .run, .key.skipped { fill: #f4f4f4; background: #f4f4f4; stroke: #999; stroke-dasharray: 4 3; }
.op.critical .run, .key.critical { stroke: #000; stroke-width: 2; border: 2px solid #000; }
.op.failed.critical .run { stroke: #c00; }
#critical-path { fill: none; stroke: #000; stroke-width: 1; stroke-dasharray: 3 2; pointer-events: none; }
.op.dim { opacity: 0.25; }
.op.hl text.label { font-weight: bold; }
table#ops { border-collapse: collapse; margin-top: 8px; }
table#ops th { cursor: pointer; text-align: left; border-bottom: 1px solid #888; padding: 2px 8px; }
table#ops td { padding: 1px 8px; border-bottom: 1px solid #eee; }
table#ops tr.failed td { color: #c00; }
"#;

/// Builds the operations table from the page's data (sortable by any column) and, on hover
/// over a bar, highlights that operation and what it waited for. Marks `<body data-rendered>`
/// with the number of rows built, for the headless check.
const SCRIPT: &str = r#"
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var table = document.getElementById('ops');
  var cols = [['name', 'Resource'], ['what', 'Operation'], ['outcome', 'Outcome'], ['start', 'Start (s)'],
              ['waited', 'Waited (s)'], ['ran', 'Ran (s)'], ['critical', 'Critical']];
  var order = data.ops.map(function (_, i) { return i; });
  function cell(op, key) {
    var v = op[key];
    if (typeof v === 'number') return v.toFixed(3);
    if (key === 'critical') return v ? 'yes' : '';
    if (key === 'outcome' && op.error) return v + ': ' + op.error;
    return String(v);
  }
  function draw() {
    table.textContent = '';
    var head = table.insertRow();
    cols.forEach(function (c) {
      var th = document.createElement('th');
      th.textContent = c[1];
      th.onclick = function () {
        order.sort(function (a, b) {
          var x = data.ops[a][c[0]], y = data.ops[b][c[0]];
          return x < y ? -1 : x > y ? 1 : a - b;
        });
        draw();
      };
      head.appendChild(th);
    });
    order.forEach(function (i) {
      var op = data.ops[i], row = table.insertRow();
      row.className = 'op-row ' + op.outcome;
      cols.forEach(function (c) { row.insertCell().textContent = cell(op, c[0]); });
    });
    document.body.dataset.rendered = String(order.length);
  }
  draw();
  var groups = document.querySelectorAll('g.op');
  groups.forEach(function (g) {
    var i = Number(g.dataset.i);
    g.addEventListener('mouseenter', function () {
      var keep = {}; keep[i] = true;
      data.ops[i].deps.forEach(function (d) { keep[d] = true; });
      groups.forEach(function (o) { o.classList.toggle('dim', !keep[o.dataset.i]); });
      g.classList.add('hl');
    });
    g.addEventListener('mouseleave', function () {
      groups.forEach(function (o) { o.classList.remove('dim'); o.classList.remove('hl'); });
    });
  });
})();
"#;
