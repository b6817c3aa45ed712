//! Cost in the preview: each priced step's monthly delta and the stack's total before → after,
//! in text, Markdown and JSON (insta), computed from the state rows (before) and the plan (after).

mod common;

use common::{context, registry, FakeCloud, Gw, Net, Sub};
use engine::apply::{apply, ApplyOptions, Silent};
use engine::cost::of_plan;
use engine::graph::validate;
use engine::plan::{plan, Plan};
use engine::render;
use engine::Stack;
use state::Store;
use tokio::sync::watch;

/// A net, a sub, and gateways of the given sizes (`gw-0`, `gw-1`, ...; `None`: not declared);
/// `gw-0` uses the sub.
fn program(sizes: &[Option<u32>]) -> Stack {
    let mut stack = Stack::new("test");
    let net = stack.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    let sub = stack
        .add("sub", Sub { net_id: net.output(|o| o.id.clone()), cidr: "10.0.0.0/24".into(), ..Default::default() });
    for (i, size) in sizes.iter().enumerate() {
        let Some(size) = *size else { continue };
        let uses = if i == 0 { vec![sub.output(|o| o.id.clone())] } else { vec![] };
        stack.add(format!("gw-{i}"), Gw { net_id: net.output(|o| o.id.clone()), size, uses, ..Default::default() });
    }
    stack
}

fn plan_for(stack: &Stack, store: &Store) -> Plan {
    plan(stack, &validate(stack).unwrap(), &store.resources().unwrap(), &registry())
}

async fn deployed(stack: &Stack) -> Store {
    let store = Store::open_in_memory().unwrap();
    let cloud = FakeCloud::new();
    let (_tx, cancel) = watch::channel(false);
    let opts = ApplyOptions::new("setup", 4, cancel);
    let report =
        apply(&plan_for(stack, &store), stack, &registry(), &store, context(&cloud), &opts, &Silent).await.unwrap();
    assert!(report.ok(), "{report:?}");
    store
}

#[tokio::test]
async fn a_first_preview_costs_from_nothing_with_references_unknown() {
    let stack = program(&[Some(1), Some(2)]);
    let store = Store::open_in_memory().unwrap();
    let plan = plan_for(&stack, &store);
    let cost = of_plan(&plan, &store.resources().unwrap(), &registry());
    // gw-0: 7.30 + 0.50 (uses the sub, though its id is unknown); gw-1: 14.60. 0 → 22.40.
    assert_eq!(cost.before_usd, 0.0);
    assert!((cost.after_usd - 22.40).abs() < 1e-9, "{cost:?}");
    insta::assert_snapshot!("cost_first_preview_text", render::cost::plan_text(&cost));
}

#[tokio::test]
async fn a_change_shows_each_delta_and_the_total_before_and_after() {
    let store = deployed(&program(&[Some(1), Some(2), Some(1)])).await;
    // gw-0 grows 1 → 3 (+14.60), gw-1 is unchanged, gw-2 goes (-7.30), gw-3 is new (+36.50).
    let stack = program(&[Some(3), Some(2), None, Some(5)]);
    let plan = plan_for(&stack, &store);
    let rows = store.resources().unwrap();
    let cost = of_plan(&plan, &rows, &registry());
    // Before: 7.80 + 14.60 + 7.30 = 29.70. After: 22.40 + 14.60 + 36.50 = 73.50.
    assert!((cost.before_usd - 29.70).abs() < 1e-9, "{cost:?}");
    assert!((cost.after_usd - 73.50).abs() < 1e-9, "{cost:?}");
    insta::assert_snapshot!("cost_change_text", render::cost::plan_text(&cost));
    insta::assert_snapshot!("cost_change_markdown", render::cost::plan_markdown(&cost));
    insta::assert_json_snapshot!("cost_change_json", render::cost::plan_json(&cost));
}

#[tokio::test]
async fn a_priced_resource_that_cannot_be_estimated_is_named_not_counted_as_free() {
    let store = Store::open_in_memory().unwrap();
    let plan = plan_for(&program(&[Some(1), Some(0)]), &store);
    let cost = of_plan(&plan, &[], &registry());
    assert_eq!(cost.not_estimated, vec!["gw-1: size 0 has no price".to_string()]);
    let text = render::cost::plan_text(&cost);
    assert!(text.contains("not estimated: gw-1: size 0 has no price"), "{text}");
}

#[tokio::test]
async fn a_plan_without_prices_shows_no_cost_lines() {
    let mut stack = Stack::new("test");
    stack.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    let store = Store::open_in_memory().unwrap();
    let cost = of_plan(&plan_for(&stack, &store), &[], &registry());
    assert_eq!(render::cost::plan_text(&cost), "");
    assert_eq!(render::cost::plan_markdown(&cost), "");
}
