//! Data-driven planner tests: a program and a prior state in, the rendered plan out (insta).

mod common;

use common::{context, registry, FakeCloud, Net, Sub, Unique};
use engine::apply::{apply, ApplyOptions, Silent};
use engine::graph::validate;
use engine::plan::{plan, Action, Plan};
use engine::render;
use engine::Stack;
use state::Store;
use tokio::sync::watch;

struct Shape {
    cidr: &'static str,
    label: &'static str,
    size: u32,
    subs: &'static [&'static str],
    unique_name: &'static str,
}

const BASE: Shape = Shape { cidr: "10.0.0.0/16", label: "main", size: 1, subs: &["a", "b"], unique_name: "u-1" };

fn program(shape: &Shape) -> Stack {
    let mut stack = Stack::new("test");
    stack.default_tag("Project", "plinth");
    let net = stack.add("net", Net { cidr: shape.cidr.into(), label: shape.label.into(), ..Default::default() });
    for (i, s) in shape.subs.iter().enumerate() {
        stack.add(
            format!("sub-{s}"),
            Sub {
                net_id: net.output(|o| o.id.clone()),
                cidr: format!("10.0.{i}.0/24"),
                size: shape.size,
                ..Default::default()
            },
        );
    }
    stack.add("unique", Unique { unique_name: shape.unique_name.into(), ..Default::default() });
    stack
}

/// A store holding what `up` of `stack` leaves behind.
async fn deployed(stack: &Stack) -> Store {
    let store = Store::open_in_memory().unwrap();
    let cloud = FakeCloud::new();
    let plan = plan_for(stack, &store);
    let (_tx, cancel) = watch::channel(false);
    let opts = ApplyOptions::new("setup", 4, cancel);
    let report = apply(&plan, stack, &registry(), &store, context(&cloud), &opts, &Silent).await.unwrap();
    assert!(report.ok(), "{report:?}");
    store
}

fn plan_for(stack: &Stack, store: &Store) -> Plan {
    plan(stack, &validate(stack).unwrap(), &store.resources().unwrap(), &registry())
}

#[tokio::test]
async fn create_from_nothing() {
    let stack = program(&BASE);
    let plan = plan_for(&stack, &Store::open_in_memory().unwrap());
    insta::assert_snapshot!(render::text(&plan, false));
}

#[tokio::test]
async fn unchanged_program_plans_nothing() {
    let store = deployed(&program(&BASE)).await;
    let plan = plan_for(&program(&BASE), &store);
    assert!(!plan.has_changes());
    insta::assert_snapshot!(render::text(&plan, false));
}

#[tokio::test]
async fn update_in_place() {
    let store = deployed(&program(&BASE)).await;
    let plan = plan_for(&program(&Shape { label: "renamed", size: 3, ..BASE }), &store);
    assert_eq!(plan.step("net").unwrap().action, Action::Update);
    insta::assert_snapshot!(render::text(&plan, false));
}

#[tokio::test]
async fn replace_creates_first_and_dependents_see_unknown_ids() {
    let store = deployed(&program(&BASE)).await;
    let plan = plan_for(&program(&Shape { cidr: "10.1.0.0/16", ..BASE }), &store);
    assert_eq!(plan.step("net").unwrap().action, Action::Replace);
    assert!(!plan.step("net").unwrap().delete_first);
    assert_eq!(plan.step("sub-a").unwrap().action, Action::Replace);
    insta::assert_snapshot!(render::text(&plan, false));
}

#[tokio::test]
async fn replace_deletes_first_when_the_kind_requires_it() {
    let store = deployed(&program(&BASE)).await;
    let plan = plan_for(&program(&Shape { unique_name: "u-2", ..BASE }), &store);
    assert!(plan.step("unique").unwrap().delete_first);
    insta::assert_snapshot!(render::text(&plan, false));
}

#[tokio::test]
async fn removed_resources_are_deleted_dependents_first() {
    let store = deployed(&program(&BASE)).await;
    let plan = plan_for(&Stack::new("test"), &store);
    let order: Vec<&str> = plan.steps.iter().map(|s| s.name.as_str()).collect();
    let pos = |n: &str| order.iter().position(|o| *o == n).unwrap();
    assert!(pos("sub-a") < pos("net") && pos("sub-b") < pos("net"), "{order:?}");
    insta::assert_snapshot!(render::text(&plan, false));
}

#[tokio::test]
async fn ignore_changes_hides_a_field() {
    let store = deployed(&program(&BASE)).await;
    let mut stack = Stack::new("test");
    stack.default_tag("Project", "plinth");
    let net = stack
        .add("net", Net { cidr: BASE.cidr.into(), label: "other".into(), ..Default::default() })
        .ignore_changes(&["label"]);
    for (i, s) in BASE.subs.iter().enumerate() {
        stack.add(
            format!("sub-{s}"),
            Sub { net_id: net.output(|o| o.id.clone()), cidr: format!("10.0.{i}.0/24"), size: 1, ..Default::default() },
        );
    }
    stack.add("unique", Unique { unique_name: BASE.unique_name.into(), ..Default::default() });
    let plan = plan_for(&stack, &store);
    assert_eq!(plan.step("net").unwrap().action, Action::Same);
    assert!(!plan.has_changes());
}

#[tokio::test]
async fn protect_refuses_replace_and_delete() {
    let mut base = Stack::new("test");
    base.add("net", Net { cidr: BASE.cidr.into(), ..Default::default() }).protect();
    let store = deployed(&base).await;
    let mut changed = Stack::new("test");
    changed.add("net", Net { cidr: "10.9.0.0/16".into(), ..Default::default() }).protect();
    let replace = plan_for(&changed, &store);
    let delete = plan_for(&Stack::new("test"), &store);
    assert_eq!(replace.refusals.len(), 1);
    assert_eq!(delete.refusals.len(), 1, "protection recorded in state still applies after removal");
    insta::assert_snapshot!(format!("{}\n{}", render::text(&replace, false), render::text(&delete, false)));
}

#[tokio::test]
async fn json_and_markdown_renderings() {
    let store = deployed(&program(&BASE)).await;
    let plan = plan_for(&program(&Shape { cidr: "10.1.0.0/16", subs: &["a"], ..BASE }), &store);
    let json = render::json(&plan);
    assert_eq!(json["summary"]["replace"], 2);
    assert_eq!(json["summary"]["delete"], 1);
    insta::assert_json_snapshot!(json);
    insta::assert_snapshot!(render::markdown(&plan));
}
