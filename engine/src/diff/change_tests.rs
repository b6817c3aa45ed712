use super::*;
use crate::shape::{SetField, Shape};
use serde_json::json;

const RULE_KEY: &[&str] = &["protocol", "from_port", "to_port", "cidr"];
const SHAPE: Shape = Shape {
    sets: &[SetField::keyed("ingress", RULE_KEY), SetField::of_values("subnet_ids")],
    documents: &["policy", "inline.*"],
};

fn at(field: &str, old: Value, new: Value) -> Option<Change> {
    compare(&SHAPE, &[field.to_string()], &old, &new)
}

fn rule(port: i64, description: &str) -> Value {
    json!({ "protocol": "tcp", "from_port": port, "to_port": port, "cidr": "0.0.0.0/0", "description": description })
}

#[test]
fn a_reordered_set_is_no_change_but_a_reordered_list_is() {
    assert_eq!(at("subnet_ids", json!(["a", "b", "c"]), json!(["c", "a", "b"])), None);
    assert_eq!(
        at("ingress", json!([rule(80, "web"), rule(443, "tls")]), json!([rule(443, "tls"), rule(80, "web")])),
        None
    );
    let Some(Change::List { by, elements, unchanged }) = at("other", json!(["a", "b"]), json!(["b", "a"])) else {
        panic!("an ordered list that changed order changed")
    };
    assert_eq!((by, unchanged), (Matched::Position, 1));
    assert_eq!(elements.len(), 2, "{elements:?}");
}

#[test]
fn set_members_pair_by_key_and_the_rest_are_added_or_removed() {
    let old = json!([rule(80, "web"), rule(443, "tls"), rule(8080, "alt")]);
    let new = json!([rule(443, "TLS"), rule(80, "web"), rule(22, "ssh")]);
    let Some(Change::List { by, elements, unchanged }) = at("ingress", old, new) else { panic!("changed") };
    assert_eq!(by, Matched::Key(RULE_KEY.iter().map(|k| k.to_string()).collect()));
    assert_eq!(unchanged, 1);
    assert!(matches!(&elements[0], Element::Removed { value, .. } if value["from_port"] == 8080));
    assert!(matches!(&elements[1], Element::Added { value, .. } if value["from_port"] == 22));
    let Element::Changed { at: At::Key(key), change: Change::Object { fields, unchanged } } = &elements[2] else {
        panic!("443 changed: {elements:?}")
    };
    assert_eq!(key["from_port"], 443);
    assert_eq!((fields.len(), fields[0].field.as_str(), *unchanged), (1, "description", 4));
}

#[test]
fn a_member_missing_a_key_field_is_never_paired() {
    let old = json!([{ "protocol": "tcp", "description": "a" }]);
    let new = json!([{ "protocol": "tcp", "description": "b" }]);
    let Some(Change::List { elements, .. }) = at("ingress", old, new) else { panic!("changed") };
    assert!(
        matches!(elements[..], [Element::Removed { at: None, .. }, Element::Added { at: None, .. }]),
        "{elements:?}"
    );
}

#[test]
fn a_member_with_an_unknown_key_is_not_paired() {
    let unknown = json!({ "$unknown": "sg" });
    let old = json!([{ "protocol": "tcp", "from_port": 1, "to_port": 1, "cidr": "sg-1" }]);
    let new = json!([{ "protocol": "tcp", "from_port": 1, "to_port": 1, "cidr": unknown }]);
    let Some(Change::List { elements, .. }) = at("ingress", old, new) else { panic!("changed") };
    assert_eq!(elements.len(), 2, "{elements:?}");
}

#[test]
fn an_ordered_list_diff_keeps_the_common_members() {
    let Some(Change::List { elements, unchanged, .. }) =
        at("l", json!(["a", "b", "c", "d"]), json!(["a", "x", "c", "d", "e"]))
    else {
        panic!("changed")
    };
    assert_eq!(unchanged, 3);
    assert_eq!(
        elements,
        vec![
            Element::Changed {
                at: At::Index(1),
                change: Change::Value { old: Some(json!("b")), new: Some(json!("x")) }
            },
            Element::Added { at: Some(At::Index(4)), value: json!("e") },
        ]
    );
}

#[test]
fn a_document_is_parsed_and_its_statements_keyed_by_sid() {
    let doc = |actions: Value| {
        json!({ "Version": "2012-10-17", "Statement": [
            { "Sid": "Logs", "Effect": "Allow", "Action": actions, "Resource": "*" },
            { "Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*" },
        ] })
        .to_string()
    };
    let change = at(
        "policy",
        json!(doc(json!("logs:PutLogEvents"))),
        json!(doc(json!(["logs:PutLogEvents", "logs:CreateLogStream"]))),
    );
    let Some(Change::Document { change: Some(inner) }) = change else { panic!("a document change: {change:?}") };
    let Change::Object { fields, unchanged: 1 } = *inner else { panic!("Version unchanged: {inner:?}") };
    let Change::List { by, elements, unchanged: 1 } = &fields[0].change else { panic!("statements: {fields:?}") };
    assert_eq!(*by, Matched::Key(vec!["Sid".into()]));
    let [Element::Changed { at: At::Key(sid), change: Change::Object { fields, unchanged: 3 } }] = &elements[..] else {
        panic!("one statement changed: {elements:?}")
    };
    assert_eq!((sid["Sid"].as_str(), fields[0].field.as_str()), (Some("Logs"), "Action"));
}

#[test]
fn a_document_only_reformatted_says_so_and_a_map_of_documents_is_parsed() {
    let change = at("policy", json!("{\"a\": 1}"), json!("{\"a\":1}"));
    assert_eq!(change, Some(Change::Document { change: None }));
    let change = compare(&SHAPE, &["inline".into(), "read".into()], &json!("{\"a\":1}"), &json!("{\"a\":2}"));
    assert!(matches!(change, Some(Change::Document { change: Some(_) })), "{change:?}");
    let text = at("policy", json!("not json"), json!("{}"));
    assert!(matches!(text, Some(Change::Value { .. })), "unparsable text compares as text: {text:?}");
}

#[test]
fn a_set_nested_in_an_element_follows_its_shape() {
    const NESTED: Shape = Shape {
        sets: &[SetField::keyed("containers", &["name"]), SetField::of_values("containers.ports")],
        documents: &[],
    };
    let old = json!([{ "name": "app", "ports": [80, 443] }, { "name": "side", "ports": [] }]);
    let new = json!([{ "name": "side", "ports": [] }, { "name": "app", "ports": [443, 80] }]);
    assert_eq!(compare(&NESTED, &["containers".into()], &old, &new), None);
}

#[test]
fn a_change_survives_a_saved_plan_round_trip() {
    let old = json!([rule(80, "web"), rule(443, "tls"), rule(8080, "alt")]);
    let new = json!([rule(443, "TLS"), rule(80, "web"), rule(22, "ssh")]);
    let diffs = crate::diff::diff_inputs(
        &json!({ "ingress": old, "l": [1.5, 2] }),
        &json!({ "ingress": new, "l": [2] }),
        &SHAPE,
    );
    assert_eq!(diffs.len(), 2);
    assert!(diffs.iter().all(|d| d.change.is_some()), "{diffs:?}");
    let text = serde_json::to_string(&diffs).expect("serializes");
    let back: Vec<crate::diff::FieldDiff> = serde_json::from_str(&text).expect("reads back");
    assert_eq!(back, diffs, "`up --plan` compares the saved plan with one made again");
}
