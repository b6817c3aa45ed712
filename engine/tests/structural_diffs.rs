//! Structural diffs as a reviewer reads them: a program deployed to the fake cloud, then changed
//! (or the cloud changed out of band), planned or refreshed, rendered in every format (insta).
//! The kind here declares its shape as a real kind does: `ingress` a set of rules keyed by
//! protocol, ports and source, `subnet_ids` a set of values, `hops` an ordered list, `policy` a
//! JSON document held as a string.

#[macro_use]
mod common;

use common::{context, Cloud, FakeCloud, Id};
use engine::apply::{apply, ApplyOptions, Silent};
use engine::graph::validate;
use engine::health::Check;
use engine::plan::{plan, Action, Plan};
use engine::refresh::{refresh, Observation};
use engine::{
    render, ErrorClass, Input, Meta, Observed, ProviderError, Registry, Resource, SetField, Shape, Stack, Tags,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use state::Store;
use tokio::sync::watch;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Rule {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub cidr_blocks: Vec<String>,
    pub description: Option<String>,
}

/// A firewall-like object with every shape of list and a policy document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Firewall {
    pub ingress: Vec<Rule>,
    pub subnet_ids: Vec<Input<String>>,
    pub hops: Vec<String>,
    pub policy: String,
    pub tags: Tags,
}

impl Firewall {
    fn problems(&self) -> Vec<String> {
        vec![]
    }
}
fake_kind!(Firewall, "fake:Firewall", replace: [], delete_first: false);

const SHAPE: Shape = Shape {
    sets: &[
        SetField::keyed("ingress", &["protocol", "from_port", "to_port", "cidr_blocks"]),
        SetField::of_values("subnet_ids"),
    ],
    documents: &["policy"],
};

fn registry() -> Registry {
    let mut registry = common::registry();
    registry.register_shaped::<Firewall>(SHAPE);
    registry
}

fn rule(port: i32, cidr: &str, description: &str) -> Rule {
    Rule {
        protocol: "tcp".into(),
        from_port: port,
        to_port: port,
        cidr_blocks: vec![cidr.into()],
        description: Some(description.into()),
    }
}

fn statement(sid: &str, actions: serde_json::Value, resource: &str) -> serde_json::Value {
    json!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource })
}

fn policy(statements: Vec<serde_json::Value>) -> String {
    serde_json::to_string_pretty(&json!({ "Version": "2012-10-17", "Statement": statements })).unwrap()
}

fn base() -> Firewall {
    Firewall {
        ingress: vec![
            rule(80, "0.0.0.0/0", "http"),
            rule(443, "0.0.0.0/0", "https"),
            rule(8080, "10.0.0.0/8", "admin"),
            rule(9090, "10.0.0.0/8", "metrics"),
        ],
        subnet_ids: vec!["subnet-a".into(), "subnet-b".into(), "subnet-c".into()],
        hops: vec!["edge".into(), "waf".into(), "lb".into()],
        policy: policy(vec![
            statement("Logs", json!("logs:PutLogEvents"), "*"),
            statement("Read", json!(["s3:GetObject"]), "arn:aws:s3:::assets/*"),
            statement("List", json!("s3:ListBucket"), "arn:aws:s3:::assets"),
        ]),
        tags: Tags::new(),
    }
}

fn program(fw: Firewall) -> Stack {
    let mut stack = Stack::new("test");
    stack.add("lb-sg", fw);
    stack
}

async fn deployed(fw: Firewall) -> (Store, Cloud) {
    let store = Store::open_in_memory().unwrap();
    let cloud = FakeCloud::new();
    let stack = program(fw);
    let plan = plan_for(&stack, &store);
    let (_tx, cancel) = watch::channel(false);
    let opts = ApplyOptions::new("setup", 4, cancel);
    let report = apply(&plan, &stack, &registry(), &store, context(&cloud), &opts, &Silent).await.unwrap();
    assert!(report.ok(), "{report:?}");
    (store, cloud)
}

fn plan_for(stack: &Stack, store: &Store) -> Plan {
    plan(stack, &validate(stack).unwrap(), &store.resources().unwrap(), &registry())
}

async fn planned(change: impl FnOnce(&mut Firewall)) -> Plan {
    let (store, _cloud) = deployed(base()).await;
    let mut fw = base();
    change(&mut fw);
    plan_for(&program(fw), &store)
}

#[tokio::test]
async fn a_rule_added_removed_and_changed_in_a_set() {
    let plan = planned(|fw| {
        fw.ingress.remove(2); // 8080 goes
        fw.ingress[1].description = Some("HTTPS from anywhere".into()); // 443 changes
        fw.ingress.push(rule(22, "0.0.0.0/0", "ssh")); // 22 comes
        fw.ingress.reverse(); // order means nothing in a set
    })
    .await;
    assert_eq!(plan.step("lb-sg").unwrap().action, Action::Update);
    let text = render::text(&plan, false);
    let marked = |mark: char, needle: &str| text.lines().any(|l| l.starts_with(mark) && l.contains(needle));
    assert!(marked('-', "\"admin\"") && marked('+', "\"ssh\"") && marked('~', "from_port=443"), "{text}");
    assert!(!text.contains("\"http\"") && !text.contains("metrics"), "unchanged rules are not listed: {text}");
    assert!(text.contains("… 2 unchanged elements"), "{text}");
    insta::assert_snapshot!("set_text", text);
    insta::assert_snapshot!("set_markdown", render::markdown(&plan));
    insta::assert_json_snapshot!("set_json", render::json(&plan)["steps"][0]["diffs"]);
}

#[tokio::test]
async fn a_policy_document_with_one_changed_statement() {
    let plan = planned(|fw| {
        fw.policy = policy(vec![
            statement("Logs", json!("logs:PutLogEvents"), "*"),
            statement("Read", json!(["s3:GetObject", "s3:PutObject"]), "arn:aws:s3:::assets/*"),
            statement("List", json!("s3:ListBucket"), "arn:aws:s3:::assets"),
        ]);
    })
    .await;
    let text = render::text(&plan, false);
    assert!(text.contains("Sid=Read") && !text.contains("Sid=Logs"), "only the changed statement shows: {text}");
    insta::assert_snapshot!("policy_text", text);
    insta::assert_json_snapshot!("policy_json", render::json(&plan)["steps"][0]["diffs"]);
}

#[tokio::test]
async fn an_unchanged_set_only_reordered_is_no_change() {
    let plan = planned(|fw| {
        fw.ingress.rotate_left(2);
        fw.subnet_ids.reverse();
    })
    .await;
    assert_eq!(plan.step("lb-sg").unwrap().action, Action::Same);
    assert!(!plan.has_changes());
    insta::assert_snapshot!("reordered_set_text", render::text(&plan, false));
}

#[tokio::test]
async fn an_ordered_list_changes_by_position() {
    let plan = planned(|fw| {
        fw.hops = vec!["edge".into(), "cdn".into(), "lb".into(), "app".into()];
        fw.subnet_ids.push("subnet-d".into());
    })
    .await;
    insta::assert_snapshot!("positional_text", render::text(&plan, false));
    insta::assert_json_snapshot!("positional_json", render::json(&plan)["steps"][0]["diffs"]);
}

#[tokio::test]
async fn unchanged_members_and_fields_are_counted_not_listed() {
    let plan = planned(|fw| {
        fw.ingress.extend([rule(5432, "10.1.0.0/16", "db"), rule(6379, "10.1.0.0/16", "cache")]);
        fw.ingress[0].description = Some("plain http".into());
    })
    .await;
    let text = render::text(&plan, false);
    assert!(text.contains("ingress: 2 added, 1 changed"), "{text}");
    assert!(text.contains("… 3 unchanged elements"), "{text}");
    assert!(text.contains("… 4 unchanged fields"), "{text}");
    insta::assert_snapshot!("elision_text", text);
}

#[tokio::test]
async fn a_rule_added_out_of_band_shows_as_one_added_member_in_refresh() {
    let (store, cloud) = deployed(base()).await;
    let rows = store.resources().unwrap();
    let ssh = serde_json::to_value(rule(22, "0.0.0.0/0", "added by hand")).unwrap();
    for (_, (_, inputs)) in cloud.objects.lock().unwrap().iter_mut() {
        let ingress = inputs["ingress"].as_array_mut().unwrap();
        ingress.reverse(); // the cloud answers in its own order
        ingress.push(ssh.clone());
    }
    let read = refresh(&rows, &registry(), &context(&cloud), 4).await.unwrap();
    let Observation::Changed(diffs) = &read[0].observation else { panic!("drift: {:?}", read[0].observation) };
    let lines: Vec<String> = diffs.iter().flat_map(|d| render::changes::plain(d, 6)).collect();
    insta::assert_snapshot!("refresh_added_rule", lines.join("\n"));

    for (_, (_, inputs)) in cloud.objects.lock().unwrap().iter_mut() {
        inputs["ingress"].as_array_mut().unwrap().pop();
    }
    let read = refresh(&rows, &registry(), &context(&cloud), 4).await.unwrap();
    assert_eq!(read[0].observation, Observation::Unchanged, "the cloud's own order is not drift");
}
