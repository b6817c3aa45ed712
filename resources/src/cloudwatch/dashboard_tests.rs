//! Unit tests of the dashboard kind and its body (no cloud, no engine run): validation, the body
//! round trip, a reordered body reading as no change, and one changed widget diffing and
//! rendering as one changed path.

use super::*;
use crate::cloudwatch::widgets::{canonical, Widget, WidgetContent};
use crate::cloudwatch::{AlarmWidget, MetricLine, MetricView, MetricWidget, TextWidget};
use engine::diff::diff_fields;
use engine::plan::{Action, Plan, Step};

fn cpu() -> Widget {
    let line = MetricLine {
        namespace: "AWS/ECS".into(),
        metric_name: "CPUUtilization".into(),
        dimensions: [("ClusterName".to_string(), "main".into()), ("ServiceName".to_string(), "api".into())].into(),
        label: Some("api".into()),
        ..Default::default()
    };
    let metric = MetricWidget {
        title: "CPU".into(),
        region: "us-east-1".into(),
        view: MetricView::TimeSeries,
        period_secs: 300,
        stat: "Average".into(),
        metrics: vec![line],
        ..Default::default()
    };
    Widget { x: 0, y: 0, width: 12, height: 6, content: WidgetContent::Metric(metric) }
}

fn ops() -> Dashboard {
    let notes = Widget {
        x: 12,
        y: 0,
        width: 12,
        height: 3,
        content: WidgetContent::Text(TextWidget { markdown: "# API\nOn call: #ops".into() }),
    };
    let alarms = Widget {
        x: 12,
        y: 3,
        width: 12,
        height: 3,
        content: WidgetContent::Alarm(AlarmWidget {
            title: "Alarms".into(),
            alarms: vec!["arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx".into()],
        }),
    };
    let widgets = [("cpu".to_string(), cpu()), ("notes".to_string(), notes), ("alarms".to_string(), alarms)].into();
    Dashboard { name: "plinth-dev-ops".into(), widgets }
}

#[test]
fn a_dashboard_is_valid_and_bad_widgets_are_named() {
    assert!(ops().validate().is_empty(), "{:?}", ops().validate());
    let mut bad = ops();
    bad.name = "ops dashboard".into();
    let widget = bad.widgets.get_mut("cpu").expect("cpu");
    widget.x = 20;
    if let WidgetContent::Metric(m) = &mut widget.content {
        m.period_secs = 45;
    }
    bad.widgets.insert("x y".into(), Widget { width: 1, height: 1, ..Default::default() });
    let fake = WidgetContent::Text(TextWidget { markdown: "[plinth:stack=x]".into() });
    bad.widgets.insert("fake".into(), Widget { width: 1, height: 1, content: fake, ..Default::default() });
    let problems = bad.validate();
    assert!(problems.iter().any(|p| p.starts_with("name `ops dashboard`")), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("widgets.cpu: x 20 + width 12")), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("widgets.cpu.period_secs 45")), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("widget id `x y`")), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("widgets.fake.markdown must not contain")), "{problems:?}");
}

#[test]
fn the_body_reads_back_as_written_with_its_marker() {
    let written = body(&ops().widgets, "dev", "ops");
    let (widgets, marker) = parse_body(&written).expect("parses");
    assert_eq!(widgets, ops().widgets);
    let marker = marker.expect("marker");
    assert_eq!((marker.stack.as_str(), marker.name.as_str()), ("dev", "ops"));
    assert_eq!(marker.widget_ids, ["alarms", "cpu", "notes"]);
    let doc: serde_json::Value = serde_json::from_str(&written).expect("json");
    assert_eq!(canonical(&doc), written, "the body is canonical JSON");
}

#[test]
fn a_reordered_reformatted_body_reads_as_no_change() {
    let written: serde_json::Value = serde_json::from_str(&body(&ops().widgets, "dev", "ops")).expect("json");
    // What a cloud may answer: the marker first, keys in another order, spaces, 300.0 for 300.
    let items = written["widgets"].as_array().expect("widgets");
    let (marker, rest) = items.split_last().expect("marker last");
    let mut text = String::from("{ \"widgets\" : [ ");
    let mut parts = vec![reversed_keys(marker)];
    parts.extend(rest.iter().map(reversed_keys));
    text.push_str(&parts.join(" ,\n "));
    text.push_str(" ] }");
    let text = text.replace("\"period\":300", "\"period\": 300.0").replace("\"width\":12", "\"width\": 1.2e1");
    assert!(text.contains("300.0") && text.contains("1.2e1"), "{text}");
    let (widgets, marker) = parse_body(&text).expect("parses");
    assert!(marker.is_some());
    let program = serde_json::to_value(ops()).expect("json");
    let seen = serde_json::to_value(Dashboard { name: ops().name, widgets }).expect("json");
    assert_eq!(diff_fields(&program, &seen), vec![], "no change");
}

/// `v` as JSON text with every object's keys in reverse order (serde_json sorts them otherwise).
fn reversed_keys(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            keys.reverse();
            let fields: Vec<String> = keys.iter().map(|k| format!("{:?}:{}", k, reversed_keys(&map[*k]))).collect();
            format!("{{{}}}", fields.join(","))
        }
        serde_json::Value::Array(items) => format!("[{}]", items.iter().map(reversed_keys).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

#[test]
fn one_changed_widget_is_one_changed_path_in_the_diff_and_the_rendered_plan() {
    let old = ops();
    let mut new = ops();
    if let WidgetContent::Metric(m) = &mut new.widgets.get_mut("cpu").expect("cpu").content {
        m.title = "CPU (avg)".into();
    }
    let diffs = diff_fields(&serde_json::to_value(&old).expect("json"), &serde_json::to_value(&new).expect("json"));
    let paths: Vec<&str> = diffs.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["widgets.cpu.title"]);

    let step = Step {
        name: "ops".into(),
        kind: Dashboard::KIND.into(),
        action: Action::Update,
        cloud_id: Some("plinth-dev-ops".into()),
        diffs,
        replace_reasons: vec![],
        delete_first: false,
        retain: false,
        depends_on: vec![],
        prior_depends_on: vec![],
        inputs: serde_json::to_value(&new).expect("json"),
        options: Default::default(),
        stateful: false,
    };
    let plan = Plan { stack: "dev".into(), steps: vec![step], refusals: vec![], guarded: vec![], leftovers: vec![] };
    let text = engine::render::text(&plan, false);
    let changed: Vec<&str> = text.lines().filter(|l| l.contains('→')).collect();
    assert_eq!(changed, [r#"      widgets.cpu.title: "CPU" → "CPU (avg)""#], "{text}");

    // Adding a widget is one change too: the whole new widget at its id.
    let mut added = ops();
    added.widgets.insert("mem".into(), cpu());
    let diffs = diff_fields(&serde_json::to_value(&old).expect("json"), &serde_json::to_value(&added).expect("json"));
    assert!(diffs.iter().all(|d| d.path.starts_with("widgets.mem")), "{diffs:?}");
}

#[test]
fn widgets_beyond_the_markers_list_read_as_unlisted() {
    let written: serde_json::Value = serde_json::from_str(&body(&ops().widgets, "dev", "ops")).expect("json");
    let mut items = written["widgets"].as_array().expect("widgets").clone();
    items.push(items[0].clone());
    let (widgets, _) = parse_body(&serde_json::json!({ "widgets": items }).to_string()).expect("parses");
    assert_eq!(widgets.keys().collect::<Vec<_>>(), ["alarms", "cpu", "notes", "unlisted-4"]);
    let (none, marker) = parse_body(r#"{"widgets":[]}"#).expect("parses");
    assert!(none.is_empty() && marker.is_none());
}
