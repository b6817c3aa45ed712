//! A dashboard's widgets, typed, and the dashboard body JSON CloudWatch stores: [`body`] writes
//! it (canonical: keys sorted at every level, integers as integers, widgets in id order, then
//! Plinth's marker widget), [`parse_body`] reads it back into the typed form, so a body the cloud
//! answers with other key order, spacing or `300.0` for `300` reads as the program wrote it.
//!
//! # The marker widget
//! The last widget of every body Plinth writes is a one-line text widget whose markdown ends
//! with `[plinth:stack=<stack> plinth:name=<name> plinth:widgets=<id>,<id>,…]`: who owns the
//! dashboard (see [`super::dashboard`]) and the ids of the other widgets in body order (the body
//! has no field for an id). Reading pairs the non-marker widgets with those ids in order; widgets
//! beyond the list (added in the console) read as `unlisted-<n>`, so they show as drift.
//!
//! Widget properties Plinth does not model (annotations, y axes, …) are not read: they do not
//! show as drift, and the next update removes them.

use engine::Input;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

use crate::kit::enums::aws_enum;

/// The dashboard grid is 24 units wide.
pub const GRID_WIDTH: u32 = 24;

/// One widget and its place on the grid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Widget {
    /// Column, 0 to 23.
    pub x: u32,
    /// Row, from the top.
    pub y: u32,
    /// 1 to 24 columns.
    pub width: u32,
    /// 1 to 1000 rows.
    pub height: u32,
    #[serde(flatten)]
    pub content: WidgetContent,
}

/// What a widget shows (`type` in the body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WidgetContent {
    Metric(MetricWidget),
    Text(TextWidget),
    Alarm(AlarmWidget),
}

impl Default for WidgetContent {
    fn default() -> Self {
        WidgetContent::Text(TextWidget::default())
    }
}

/// A graph (or number) of one or more metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricWidget {
    pub title: String,
    pub region: String,
    pub view: MetricView,
    pub stacked: bool,
    /// 60 or a multiple of it (10 and 30 for high-resolution metrics).
    pub period_secs: u32,
    /// `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount` or a percentile (`p99`).
    pub stat: String,
    pub metrics: Vec<MetricLine>,
}

/// One metric of a metric widget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricLine {
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: BTreeMap<String, Input<String>>,
    pub label: Option<String>,
    /// Overrides the widget's `stat` for this line.
    pub stat: Option<String>,
    /// `#rrggbb`.
    pub color: Option<String>,
}

aws_enum! {
    /// How a metric widget draws.
    pub enum MetricView: String {
        TimeSeries = "timeSeries",
        SingleValue = "singleValue",
        Bar = "bar",
        Pie = "pie",
        Table = "table",
    }
}

/// Markdown text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextWidget {
    pub markdown: String,
}

/// The states of some alarms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlarmWidget {
    pub title: String,
    /// Alarm ARNs (1 to 100).
    pub alarms: Vec<Input<String>>,
}

/// Who owns a dashboard and its widget ids, as the marker widget says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub stack: String,
    pub name: String,
    pub widget_ids: Vec<String>,
}

const MARKER_TEXT: &str = "Managed by Plinth";

impl Marker {
    fn markdown(&self) -> String {
        format!(
            "{MARKER_TEXT} [{}={} {}={} plinth:widgets={}]",
            engine::STACK_TAG,
            self.stack,
            engine::NAME_TAG,
            self.name,
            self.widget_ids.join(",")
        )
    }

    /// The marker a markdown text ends with, if any.
    pub fn parse(markdown: &str) -> Option<Marker> {
        let head = format!("[{}=", engine::STACK_TAG);
        let start = markdown.rfind(&head)?;
        let inner = markdown[start + head.len()..].trim_end().strip_suffix(']')?;
        let (stack, rest) = inner.split_once(&format!(" {}=", engine::NAME_TAG))?;
        let (name, ids) = rest.split_once(" plinth:widgets=")?;
        let widget_ids = ids.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
        Some(Marker { stack: stack.to_string(), name: name.to_string(), widget_ids })
    }
}

/// The body of `widgets` with `marker`'s owner, canonical JSON (see the module docs).
pub fn body(widgets: &BTreeMap<String, Widget>, stack: &str, name: &str) -> String {
    let marker = Marker { stack: stack.into(), name: name.into(), widget_ids: widgets.keys().cloned().collect() };
    let bottom = widgets.values().map(|w| w.y + w.height).max().unwrap_or(0);
    let mut out: Vec<Value> = widgets.values().map(widget_json).collect();
    out.push(json!({
        "type": "text", "x": 0, "y": bottom, "width": GRID_WIDTH, "height": 1,
        "properties": { "markdown": marker.markdown() },
    }));
    canonical(&json!({ "widgets": out }))
}

fn widget_json(w: &Widget) -> Value {
    let (kind, properties) = match &w.content {
        WidgetContent::Metric(m) => ("metric", metric_properties(m)),
        WidgetContent::Text(t) => ("text", json!({ "markdown": t.markdown })),
        WidgetContent::Alarm(a) => {
            let alarms: Vec<&String> = a.alarms.iter().map(Input::value).collect();
            ("alarm", json!({ "title": a.title, "alarms": alarms }))
        }
    };
    json!({ "type": kind, "x": w.x, "y": w.y, "width": w.width, "height": w.height, "properties": properties })
}

fn metric_properties(m: &MetricWidget) -> Value {
    let metrics: Vec<Value> = m.metrics.iter().map(line_json).collect();
    json!({
        "title": m.title, "region": m.region, "view": m.view.as_str(), "stacked": m.stacked,
        "period": m.period_secs, "stat": m.stat, "metrics": metrics,
    })
}

/// `[namespace, name, dim, value, …, {options}]`, as metric widgets take a metric.
fn line_json(line: &MetricLine) -> Value {
    let mut parts = vec![Value::from(line.namespace.as_str()), Value::from(line.metric_name.as_str())];
    for (k, v) in &line.dimensions {
        parts.extend([Value::from(k.as_str()), Value::from(v.value().as_str())]);
    }
    let mut options = Map::new();
    for (key, value) in [("label", &line.label), ("stat", &line.stat), ("color", &line.color)] {
        if let Some(value) = value {
            options.insert(key.to_string(), Value::from(value.as_str()));
        }
    }
    if !options.is_empty() {
        parts.push(Value::Object(options));
    }
    Value::Array(parts)
}

/// JSON text with the keys of every object sorted, whatever serde_json's map order.
pub fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

/// A live body in the typed form: the widgets by id and the marker, if the body has one.
pub fn parse_body(text: &str) -> Result<(BTreeMap<String, Widget>, Option<Marker>), String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("the dashboard body is not JSON: {e}"))?;
    let items = doc.get("widgets").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut marker = None;
    let mut widgets = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let widget = parse_widget(item).map_err(|e| format!("widget {}: {e}", i + 1))?;
        let found = match &widget.content {
            WidgetContent::Text(t) if marker.is_none() => Marker::parse(&t.markdown),
            _ => None,
        };
        match found {
            Some(found) => marker = Some(found),
            None => widgets.push(widget),
        }
    }
    let ids = marker.as_ref().map(|m| m.widget_ids.clone()).unwrap_or_default();
    let by_id = widgets
        .into_iter()
        .enumerate()
        .map(|(i, w)| (ids.get(i).cloned().unwrap_or_else(|| format!("unlisted-{}", i + 1)), w))
        .collect();
    Ok((by_id, marker))
}

fn parse_widget(item: &Value) -> Result<Widget, String> {
    let props = item.get("properties").cloned().unwrap_or_else(|| json!({}));
    let content = match item.get("type").and_then(Value::as_str) {
        Some("metric") => WidgetContent::Metric(parse_metric(&props)?),
        Some("text") => WidgetContent::Text(TextWidget { markdown: text(&props, "markdown") }),
        Some("alarm") => WidgetContent::Alarm(AlarmWidget {
            title: text(&props, "title"),
            alarms: strings(&props, "alarms").into_iter().map(Input::Value).collect(),
        }),
        other => return Err(format!("type {other:?} is not one Plinth models (metric, text, alarm)")),
    };
    Ok(Widget {
        x: number(item, "x")?,
        y: number(item, "y")?,
        width: number(item, "width")?,
        height: number(item, "height")?,
        content,
    })
}

fn parse_metric(props: &Value) -> Result<MetricWidget, String> {
    let view = text(props, "view");
    let view = if view.is_empty() { MetricView::TimeSeries } else { view_of(&view)? };
    let lines = props.get("metrics").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    Ok(MetricWidget {
        title: text(props, "title"),
        region: text(props, "region"),
        view,
        stacked: props.get("stacked").and_then(Value::as_bool).unwrap_or(false),
        period_secs: number(props, "period")?,
        stat: text(props, "stat"),
        metrics: lines.iter().map(parse_line).collect::<Result<_, _>>()?,
    })
}

fn view_of(view: &str) -> Result<MetricView, String> {
    MetricView::from_sdk(&view.to_string()).ok_or_else(|| format!("view `{view}` is not one Plinth models"))
}

fn parse_line(line: &Value) -> Result<MetricLine, String> {
    let parts = line.as_array().ok_or("a metric is not an array")?;
    let (options, names) = match parts.last() {
        Some(Value::Object(o)) => (Some(o), &parts[..parts.len() - 1]),
        _ => (None, &parts[..]),
    };
    let names: Vec<&str> = names.iter().map(|p| p.as_str().ok_or("a metric holds a non-string")).collect::<Result<_, _>>()?;
    if names.len() < 2 || !names.len().is_multiple_of(2) || names.iter().any(|n| *n == "." || *n == "...") {
        return Err(format!("metric {line} is not `[namespace, name, dimension, value, …]` (shorthands are not read)"));
    }
    let option = |key: &str| options.and_then(|o| o.get(key)).and_then(Value::as_str).map(str::to_string);
    Ok(MetricLine {
        namespace: names[0].to_string(),
        metric_name: names[1].to_string(),
        dimensions: names[2..].chunks(2).map(|kv| (kv[0].to_string(), Input::Value(kv[1].to_string()))).collect(),
        label: option("label"),
        stat: option("stat"),
        color: option("color"),
    })
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    let items = v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    items.iter().filter_map(Value::as_str).map(str::to_string).collect()
}

/// A whole, non-negative number, however the JSON wrote it (`300`, `300.0`, `3e2`); 0 if absent.
fn number(v: &Value, key: &str) -> Result<u32, String> {
    let Some(n) = v.get(key) else { return Ok(0) };
    let f = n.as_f64().ok_or_else(|| format!("`{key}` is not a number: {n}"))?;
    if f.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&f) {
        return Err(format!("`{key}` is not a whole non-negative number: {n}"));
    }
    Ok(f as u32)
}

/// Problems with widget `id`, each naming `widgets.<id>…`.
pub fn widget_problems(id: &str, w: &Widget) -> Vec<String> {
    let at = format!("widgets.{id}");
    let mut problems = Vec::new();
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        problems.push(format!("widget id `{id}` must be 1 to 64 letters, digits, `-` or `_`"));
    }
    if !(1..=GRID_WIDTH).contains(&w.width) || w.x + w.width > GRID_WIDTH {
        problems.push(format!("{at}: x {} + width {} must fit the {GRID_WIDTH}-column grid (width ≥ 1)", w.x, w.width));
    }
    if !(1..=1000).contains(&w.height) {
        problems.push(format!("{at}.height {} must be 1 to 1000", w.height));
    }
    match &w.content {
        WidgetContent::Metric(m) => problems.extend(metric_problems(&at, m)),
        WidgetContent::Text(t) if t.markdown.contains("[plinth:") => {
            problems.push(format!("{at}.markdown must not contain `[plinth:` (Plinth's ownership marker)"))
        }
        WidgetContent::Text(_) => {}
        WidgetContent::Alarm(a) => {
            if a.alarms.is_empty() || a.alarms.len() > 100 {
                problems.push(format!("{at}.alarms must name 1 to 100 alarms"));
            }
            for arn in a.alarms.iter().filter_map(Input::known).filter(|a| !a.starts_with("arn:")) {
                problems.push(format!("{at}.alarms: `{arn}` must be an alarm ARN"));
            }
        }
    }
    problems
}

fn metric_problems(at: &str, m: &MetricWidget) -> Vec<String> {
    let mut problems = Vec::new();
    if m.metrics.is_empty() {
        problems.push(format!("{at}.metrics must list at least one metric"));
    }
    if m.region.is_empty() {
        problems.push(format!("{at}.region is required (e.g. us-east-1)"));
    }
    let p = m.period_secs;
    if !(p == 10 || p == 30 || (p > 0 && p.is_multiple_of(60))) {
        problems.push(format!("{at}.period_secs {p} must be 10, 30 or a positive multiple of 60"));
    }
    if m.stat.is_empty() {
        problems.push(format!("{at}.stat is required (Average, Sum, p99, …)"));
    }
    for (i, line) in m.metrics.iter().enumerate() {
        if line.namespace.is_empty() || line.metric_name.is_empty() {
            problems.push(format!("{at}.metrics[{i}] needs a namespace and a metric_name"));
        }
    }
    problems
}
