//! Properties over random programs: the planned order puts every dependency first, and after
//! an `up` a second plan of the same program has nothing to do.

mod common;

use common::{context, registry, FakeCloud, Net, Sub};
use engine::apply::{apply, ApplyOptions, Silent};
use engine::graph::validate;
use engine::plan::plan;
use engine::Stack;
use proptest::prelude::*;
use state::Store;
use tokio::sync::watch;

/// A random program: node i is a root, or references an earlier node (`Some(j)`).
fn program(shape: &[Option<usize>]) -> Stack {
    let mut stack = Stack::new("prop");
    let mut handles = Vec::new();
    for (i, parent) in shape.iter().enumerate() {
        let handle = match parent {
            None => stack.add(format!("r{i}"), Net { cidr: format!("10.{i}.0.0/16"), ..Default::default() }),
            Some(j) => {
                let parent: &engine::Handle<Net> = &handles[j % handles.len().max(1)];
                let sub = Sub {
                    net_id: parent.output(|o| o.id.clone()),
                    cidr: format!("10.0.{i}.0/24"),
                    ..Default::default()
                };
                stack.add(format!("s{i}"), sub);
                continue;
            }
        };
        handles.push(handle);
    }
    stack
}

fn shapes() -> impl Strategy<Value = Vec<Option<usize>>> {
    prop::collection::vec(prop::option::of(0usize..50), 1..40).prop_map(|mut v| {
        v[0] = None; // the first node is always a root, so every reference has a target
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn dependencies_come_first_in_the_plan(shape in shapes()) {
        let stack = program(&shape);
        let graph = validate(&stack).unwrap();
        let position = |name: &str| graph.order.iter().position(|n| n == name).unwrap();
        prop_assert_eq!(graph.order.len(), stack.nodes().len());
        for node in stack.nodes() {
            for dep in node.dependencies() {
                prop_assert!(position(&dep) < position(&node.name));
            }
        }
    }

    #[test]
    fn a_second_plan_after_up_has_no_changes(shape in shapes()) {
        let stack = program(&shape);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let store = Store::open_in_memory().unwrap();
        let cloud = FakeCloud::new();
        let first = plan(&stack, &validate(&stack).unwrap(), &store.resources().unwrap(), &registry());
        let (_tx, cancel) = watch::channel(false);
        let report = runtime.block_on(apply(&first, &stack, &registry(), &store, context(&cloud), &ApplyOptions::new("p", 4, cancel), &Silent)).unwrap();
        prop_assert!(report.ok());
        let second = plan(&stack, &validate(&stack).unwrap(), &store.resources().unwrap(), &registry());
        prop_assert!(!second.has_changes());
        prop_assert_eq!(cloud.objects.lock().unwrap().len(), stack.nodes().len());
    }
}
