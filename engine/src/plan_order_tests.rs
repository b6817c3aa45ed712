//! Tests of the delete order (`order_dependents_first`): the linear version against the
//! rounds-by-rescan model it replaced (quadratic: each round scanned every remaining row's
//! dependencies for each row), on any dependency graph, cycles and self-dependencies included.

use super::order_dependents_first;
use proptest::prelude::*;
use state::ResourceRow;

fn row(name: String, dependencies: Vec<String>) -> ResourceRow {
    ResourceRow {
        name,
        kind: "test:Thing".into(),
        cloud_id: String::new(),
        inputs: serde_json::Value::Null,
        outputs: serde_json::Value::Null,
        dependencies,
        options: serde_json::Value::Null,
        references: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// The earlier implementation, kept as the model: rounds of rows nothing remaining depends on.
fn model(rows: &[&ResourceRow]) -> Vec<String> {
    let mut ordered: Vec<&ResourceRow> = Vec::new();
    let mut remaining: Vec<&ResourceRow> = rows.to_vec();
    while !remaining.is_empty() {
        let (ready, blocked): (Vec<_>, Vec<_>) = remaining
            .iter()
            .partition(|r| !remaining.iter().any(|other| other.dependencies.iter().any(|d| d == &r.name)));
        if ready.is_empty() {
            ordered.extend(blocked);
            break;
        }
        ordered.extend(ready);
        remaining = blocked;
    }
    ordered.into_iter().map(|r| r.name.clone()).collect()
}

/// Up to 12 rows named `r0`..; each depends on up to 4 names among them or outside (`x`).
fn rows() -> impl Strategy<Value = Vec<ResourceRow>> {
    (1usize..12).prop_flat_map(|n| {
        let dep = prop_oneof![9 => (0..n).prop_map(|i| format!("r{i}")), 1 => Just("x".to_string())];
        proptest::collection::vec(proptest::collection::vec(dep, 0..4), n)
            .prop_map(|deps| deps.into_iter().enumerate().map(|(i, d)| row(format!("r{i}"), d)).collect())
    })
}

proptest! {
    #[test]
    fn the_linear_delete_order_is_the_order_of_the_rescanning_rounds(rows in rows()) {
        let mut refs: Vec<&ResourceRow> = rows.iter().collect();
        let want = model(&refs);
        order_dependents_first(&mut refs);
        let got: Vec<String> = refs.iter().map(|r| r.name.clone()).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn dependents_come_first_in_rounds_and_a_cycle_comes_last() {
    let rows = [
        row("a".into(), vec![]),
        row("b".into(), vec!["a".into()]),
        row("c".into(), vec!["b".into(), "a".into(), "a".into()]),
        row("d".into(), vec!["e".into()]),
        row("e".into(), vec!["d".into()]),
        row("f".into(), vec!["f".into()]),
    ];
    let mut refs: Vec<&ResourceRow> = rows.iter().collect();
    order_dependents_first(&mut refs);
    let names: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["c", "b", "a", "d", "e", "f"]);
}
