//! What is special about the observability kinds (`aws:cloudwatch:MetricAlarm`,
//! `aws:cloudwatch:CompositeAlarm`, `aws:cloudwatch:Dashboard`, `aws:logs:MetricFilter`), each
//! checked with an independent SDK client: an alarm notifying a real (emulated) SNS topic,
//! changed in place and drifted out of band; a composite alarm over it; a dashboard whose body
//! the cloud answers reordered (no change) or with one widget changed (one change), and whose
//! ownership marker decides adoption; a metric filter's lifecycle and its ownership through its
//! log group. The generic contract is the conformance suite's (`tests/tests/conformance.rs`).

use e2e::conformance::fixtures::cloudwatch::{cpu_widget, five_xx_alarm, notes_widget, topic};
use e2e::{engine_tags, meta, Emulator};
use engine::diff::diff_fields;
use engine::{ErrorClass, Resource};
use resources::cloudwatch::sdk::types::AlarmType;
use resources::cloudwatch::widgets::canonical;
use resources::cloudwatch::{CompositeAlarm, Dashboard, MetricAlarm, WidgetContent};
use resources::logs::{LogGroup, MetricFilter, MetricTransformation, MetricUnit};
use serde_json::Value;

/// The field paths where `seen` differs from `program`, as the engine diffs them.
fn changed<T: Resource>(program: &T, seen: &T) -> Vec<String> {
    let (a, b) = (serde_json::to_value(program).expect("json"), serde_json::to_value(seen).expect("json"));
    diff_fields(&a, &b).into_iter().map(|d| d.path).collect()
}

#[tokio::test]
async fn an_alarm_notifies_its_sns_topic_changes_in_place_and_shows_drift() {
    let emu = Emulator::start();
    let (cx, cw) = (emu.context().await, emu.independent().await.cloudwatch());
    let alerts = topic(&emu, "alerts").await;
    let alarm = MetricAlarm {
        ok_actions: vec![alerts.clone().into()],
        tags: engine_tags("api-5xx", &[]),
        ..five_xx_alarm("plinth-e2e-api-5xx", &alerts)
    };
    let out = alarm.create(&meta("api-5xx"), &cx).await.expect("create");

    let live = || async {
        let out = cw.describe_alarms().alarm_names("plinth-e2e-api-5xx").send().await.expect("describe");
        out.metric_alarms().first().cloned().expect("the alarm exists")
    };
    let seen = live().await;
    assert_eq!(seen.alarm_actions(), std::slice::from_ref(&alerts));
    assert_eq!(seen.ok_actions(), std::slice::from_ref(&alerts));
    assert_eq!((seen.threshold(), seen.period(), seen.evaluation_periods()), (Some(10.0), Some(300), Some(3)));
    assert_eq!(seen.treat_missing_data(), Some("notBreaching"));
    assert_eq!(seen.alarm_arn(), Some(out.arn.as_str()));
    let tags = cw.list_tags_for_resource().resource_arn(&out.arn).send().await.expect("tags");
    assert!(tags.tags().iter().any(|t| t.key() == Some("plinth:name") && t.value() == Some("api-5xx")), "{tags:?}");

    // In place: the same alarm (ARN) with the new threshold, tags untouched.
    let higher = MetricAlarm { threshold: Some(20.0), ..alarm.clone() };
    let after = higher.update(&alarm, &out, &cx).await.expect("update");
    assert_eq!(after.arn, out.arn);
    assert_eq!(live().await.threshold(), Some(20.0));
    let tags = cw.list_tags_for_resource().resource_arn(&out.arn).send().await.expect("tags");
    assert!(tags.tags().iter().any(|t| t.key() == Some("plinth:stack")), "tags survive the update: {tags:?}");

    // Drift: someone raises the threshold in the console; the read shows exactly that.
    let drifted = cw
        .put_metric_alarm()
        .alarm_name("plinth-e2e-api-5xx")
        .alarm_description(seen.alarm_description().unwrap_or_default())
        .namespace("AWS/ApplicationELB")
        .metric_name("HTTPCode_Target_5XX_Count")
        .set_dimensions(Some(seen.dimensions().to_vec()))
        .statistic(resources::cloudwatch::sdk::types::Statistic::Sum)
        .period(300)
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .threshold(50.0)
        .comparison_operator(resources::cloudwatch::sdk::types::ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data("notBreaching")
        .alarm_actions(&alerts)
        .ok_actions(&alerts)
        .actions_enabled(true);
    drifted.send().await.expect("out-of-band change");
    let read = higher.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(changed(&higher, &read.inputs), ["threshold"]);
    assert_eq!(read.inputs.threshold, Some(50.0));

    higher.delete(&out, &cx).await.expect("delete");
    let gone = cw.describe_alarms().alarm_names("plinth-e2e-api-5xx").send().await.expect("describe");
    assert!(gone.metric_alarms().is_empty());
    higher.delete(&out, &cx).await.expect("deleting again is fine");
}

#[tokio::test]
async fn a_composite_alarm_watches_metric_alarms_and_refuses_to_overwrite_one() {
    let emu = Emulator::start();
    let (cx, cw) = (emu.context().await, emu.independent().await.cloudwatch());
    let pager = topic(&emu, "pager").await;
    let metric = MetricAlarm { tags: engine_tags("api-5xx", &[]), ..five_xx_alarm("e2e-5xx", &pager) };
    metric.create(&meta("api-5xx"), &cx).await.expect("create the metric alarm");
    let composite = CompositeAlarm {
        name: "e2e-api-down".into(),
        rule: r#"ALARM("e2e-5xx")"#.into(),
        alarm_actions: vec![pager.clone().into()],
        tags: engine_tags("api-down", &[]),
        ..Default::default()
    };
    let out = composite.create(&meta("api-down"), &cx).await.expect("create");
    let live = cw.describe_alarms().alarm_names("e2e-api-down").alarm_types(AlarmType::CompositeAlarm).send().await;
    let live = live.expect("describe");
    let seen = live.composite_alarms().first().expect("the composite alarm");
    assert_eq!((seen.alarm_rule(), seen.alarm_actions()), (Some(r#"ALARM("e2e-5xx")"#), &[pager][..]));
    assert_eq!(seen.alarm_arn(), Some(out.arn.as_str()));

    let stricter = CompositeAlarm { rule: r#"ALARM("e2e-5xx") AND NOT OK("e2e-5xx")"#.into(), ..composite.clone() };
    stricter.update(&composite, &out, &cx).await.expect("update");
    let read = stricter.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(changed(&stricter, &read.inputs), Vec::<String>::new());

    // A composite alarm of a name a metric alarm holds is refused, never overwritten.
    let clash = CompositeAlarm { name: "e2e-5xx".into(), ..composite.clone() };
    let err = clash.create(&meta("clash"), &cx).await.expect_err("the name is taken");
    assert_eq!(err.class, ErrorClass::AlreadyExists, "{}", err.message);
    let still = cw.describe_alarms().alarm_names("e2e-5xx").send().await.expect("describe");
    assert_eq!(still.metric_alarms().len(), 1, "the metric alarm is untouched");
}

fn ops_dashboard() -> Dashboard {
    let widgets = [("cpu".to_string(), cpu_widget("CPU", "api")), ("notes".to_string(), notes_widget("# API"))];
    Dashboard { name: "plinth-e2e-ops".into(), widgets: widgets.into() }
}

/// `v` as JSON text with every object's keys reversed, spaced out, integers written as floats.
fn scrambled(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            keys.reverse();
            let fields: Vec<String> =
                keys.iter().map(|k| format!("{} : {}", Value::from(k.as_str()), scrambled(&map[*k]))).collect();
            format!("{{ {} }}", fields.join(" ,\n  "))
        }
        Value::Array(items) => format!("[ {} ]", items.iter().map(scrambled).collect::<Vec<_>>().join(" , ")),
        Value::Number(n) if n.is_u64() => format!("{}.0", n),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn a_dashboard_body_read_back_reordered_is_no_change_and_one_changed_widget_is_one_change() {
    let emu = Emulator::start();
    let (cx, cw) = (emu.context().await, emu.independent().await.cloudwatch());
    let board = ops_dashboard();
    let out = board.create(&meta("ops"), &cx).await.expect("create");
    let body = || async {
        let live = cw.get_dashboard().dashboard_name("plinth-e2e-ops").send().await.expect("get dashboard");
        serde_json::from_str::<Value>(live.dashboard_body().expect("body")).expect("JSON body")
    };
    let written = body().await;
    // The ARN create records (built from the account, not read back) is the one CloudWatch reports.
    let live = cw.get_dashboard().dashboard_name("plinth-e2e-ops").send().await.expect("get dashboard");
    assert_eq!(live.dashboard_arn(), Some(out.arn.as_str()));
    let items = written["widgets"].as_array().expect("widgets");
    assert_eq!(items.len(), 3, "two widgets and the marker: {written}");
    let marker = items[2]["properties"]["markdown"].as_str().expect("marker text");
    assert!(marker.contains("[plinth:stack=e2e plinth:name=ops plinth:widgets=cpu,notes]"), "{marker}");

    // The same body, reordered and respelled by someone else: no change.
    let text = scrambled(&written);
    assert_ne!(text, canonical(&written));
    cw.put_dashboard().dashboard_name("plinth-e2e-ops").dashboard_body(&text).send().await.expect("put");
    let read = board.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(changed(&board, &read.inputs), Vec::<String>::new());

    // One widget's title changed in the console: one change, at that widget.
    let mut edited = written.clone();
    edited["widgets"][0]["properties"]["title"] = Value::from("CPU!");
    cw.put_dashboard().dashboard_name("plinth-e2e-ops").dashboard_body(edited.to_string()).send().await.expect("put");
    let read = board.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(changed(&board, &read.inputs), ["widgets.cpu.title"]);

    // The update puts the program's widget back, keeping the marker.
    board.update(&read.inputs, &out, &cx).await.expect("update");
    let restored = body().await;
    assert_eq!(restored["widgets"][0]["properties"]["title"], "CPU");
    assert_eq!(restored, written);
    let mut renamed = board.clone();
    if let Some(WidgetContent::Metric(m)) = renamed.widgets.get_mut("cpu").map(|w| &mut w.content) {
        m.title = "CPU (average)".into();
    }
    assert_eq!(changed(&board, &renamed), ["widgets.cpu.title"], "a program change is one change too");

    board.delete(&out, &cx).await.expect("delete");
    assert!(cw.get_dashboard().dashboard_name("plinth-e2e-ops").send().await.is_err(), "gone");
    board.delete(&out, &cx).await.expect("deleting again is fine");
}

#[tokio::test]
async fn a_dashboard_without_our_marker_is_never_adopted_or_changed() {
    let emu = Emulator::start();
    let (cx, cw) = (emu.context().await, emu.independent().await.cloudwatch());
    let foreign =
        r#"{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":2,"properties":{"markdown":"plinth-e2e-ops"}}]}"#;
    cw.put_dashboard().dashboard_name("plinth-e2e-ops").dashboard_body(foreign).send().await.expect("put");
    let board = ops_dashboard();
    let err = board.find(&meta("ops"), &cx).await.expect_err("no marker: not ours");
    assert_eq!(err.class, ErrorClass::NotOwned, "{}", err.message);
    let err = board.create(&meta("ops"), &cx).await.expect_err("the name is taken");
    assert_eq!(err.class, ErrorClass::AlreadyExists, "{}", err.message);
    let out = resources::cloudwatch::DashboardOutputs { name: board.name.clone(), arn: String::new() };
    let err = board.update(&board, &out, &cx).await.expect_err("no marker: not changed");
    assert_eq!(err.class, ErrorClass::NotOwned, "{}", err.message);
    let live = cw.get_dashboard().dashboard_name("plinth-e2e-ops").send().await.expect("get");
    assert_eq!(live.dashboard_body(), Some(foreign), "the foreign dashboard is untouched");
}

fn errors_filter(group: &str) -> MetricFilter {
    MetricFilter {
        name: "errors".into(),
        log_group_name: group.into(),
        pattern: "ERROR".into(),
        transformation: MetricTransformation {
            namespace: "Plinth/Api".into(),
            metric_name: "Errors".into(),
            value: "1".into(),
            default_value: Some(0.0),
            unit: Some(MetricUnit::Count),
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn a_metric_filter_lives_on_its_log_group_changes_in_place_and_is_owned_through_it() {
    let emu = Emulator::start();
    let (cx, logs) = (emu.context().await, emu.independent().await.logs());
    let group = LogGroup {
        name: "/plinth/e2e/api".into(),
        retention_days: 14,
        tags: engine_tags("logs", &[]),
        ..Default::default()
    };
    group.create(&meta("logs"), &cx).await.expect("create the log group");
    let filter = errors_filter("/plinth/e2e/api");
    let out = filter.create(&meta("api-errors"), &cx).await.expect("create");
    assert_eq!(MetricFilter::cloud_id(&out), "/plinth/e2e/api:errors");

    let live = || async {
        let out = logs.describe_metric_filters().log_group_name("/plinth/e2e/api").send().await.expect("describe");
        out.metric_filters().to_vec()
    };
    let filters = live().await;
    assert_eq!(filters.len(), 1);
    assert_eq!(filters[0].filter_pattern(), Some("ERROR"));
    let t = &filters[0].metric_transformations()[0];
    assert_eq!((t.metric_namespace(), t.metric_name(), t.metric_value()), ("Plinth/Api", "Errors", "1"));
    assert_eq!(t.default_value(), Some(0.0));

    // In place: still one filter of that name, with the new pattern.
    let json_errors = MetricFilter { pattern: r#"{ $.level = "error" }"#.into(), ..filter.clone() };
    json_errors.update(&filter, &out, &cx).await.expect("update");
    let filters = live().await;
    assert_eq!(filters.len(), 1, "replaced, not added: {filters:?}");
    assert_eq!(filters[0].filter_pattern(), Some(r#"{ $.level = "error" }"#));
    let read = json_errors.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(changed(&json_errors, &read.inputs), Vec::<String>::new());
    assert!(json_errors.find(&meta("api-errors"), &cx).await.expect("find").is_some(), "adopted: our group");
    let err = filter.create(&meta("api-errors"), &cx).await.expect_err("exists");
    assert_eq!(err.class, ErrorClass::AlreadyExists);

    // A filter on a group of another stack is not adopted.
    let theirs = LogGroup {
        name: "/other/api".into(),
        tags: [("plinth:stack".to_string(), "other".to_string())].into(),
        ..group.clone()
    };
    theirs.create(&meta("logs"), &cx).await.expect("create their log group");
    let call = logs.put_metric_filter().log_group_name("/other/api").filter_name("errors").filter_pattern("ERROR");
    let transformation = resources::logs::sdk::types::MetricTransformation::builder()
        .metric_namespace("Other")
        .metric_name("Errors")
        .metric_value("1")
        .build()
        .expect("transformation");
    call.metric_transformations(transformation).send().await.expect("their filter");
    let err = errors_filter("/other/api").find(&meta("api-errors"), &cx).await.expect_err("not ours");
    assert_eq!(err.class, ErrorClass::NotOwned, "{}", err.message);
    assert!(err.message.contains("log group /other/api"), "{}", err.message);

    json_errors.delete(&out, &cx).await.expect("delete");
    assert!(live().await.is_empty());
    json_errors.delete(&out, &cx).await.expect("deleting again is fine");
    assert!(json_errors.read(&out, &cx).await.expect("read").is_none());
    let missing_group = errors_filter("/plinth/e2e/none");
    let err = missing_group.create(&meta("api-errors"), &cx).await.expect_err("no such log group");
    assert_eq!(err.class, ErrorClass::NotFound, "{}", err.message);
}
