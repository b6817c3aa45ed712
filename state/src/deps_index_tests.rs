use super::*;
use crate::rows::sample;
use crate::schema::MIGRATIONS;
use crate::{StateError, Store};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Rows in groups of ten: `g<i>` and nine `g<i>-<j>` depending on it.
fn groups(store: &Store, count: usize) {
    for g in 0..count {
        let root = format!("g{g}");
        store.upsert_resource(&sample(&root, &[])).unwrap();
        for j in 1..10 {
            store.upsert_resource(&sample(&format!("g{g}-{j}"), &[&root])).unwrap();
        }
    }
}

fn refused(err: StateError) -> (String, Vec<String>) {
    match err {
        StateError::StillNeeded { name, dependents } => (name, dependents),
        other => panic!("expected StillNeeded, got {other:?}"),
    }
}

#[test]
fn among_many_rows_a_remove_is_refused_naming_exactly_its_dependents() {
    let store = Store::open_in_memory().unwrap();
    groups(&store, 300);
    let (name, dependents) = refused(store.remove_resource("g150").unwrap_err());
    let expected: Vec<String> = (1..10).map(|j| format!("g150-{j}")).collect();
    assert_eq!((name.as_str(), dependents), ("g150", expected));
    for j in 1..10 {
        store.remove_resource(&format!("g150-{j}")).unwrap();
    }
    store.remove_resource("g150").unwrap();
    assert_eq!(store.resources().unwrap().len(), 2990);
    assert!(store.resource("g150").unwrap().is_none() && store.resource("g151").unwrap().is_some());
}

#[test]
fn a_row_that_drops_a_dependency_no_longer_holds_it_and_one_that_gains_one_does() {
    let store = Store::open_in_memory().unwrap();
    groups(&store, 2);
    let moved = sample("g0-1", &["g1"]);
    store.upsert_resource(&moved).unwrap();
    let (_, dependents) = refused(store.remove_resource("g1").unwrap_err());
    assert_eq!(dependents[0], "g0-1");
    let (_, dependents) = refused(store.remove_resource("g0").unwrap_err());
    assert!(!dependents.contains(&"g0-1".to_string()), "{dependents:?}");
}

#[test]
fn a_schema_4_file_gets_its_index_built_by_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for step in &MIGRATIONS[..4] {
        conn.execute_batch(step).unwrap();
    }
    conn.execute_batch(
        "INSERT INTO meta VALUES (1, 'lineage-3', 5, '2025-01-01T00:00:00Z', NULL);
         INSERT INTO resources VALUES ('vpc', 'test:Thing', 'id-vpc', '{}', '{}', '[]', '{}',
           '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', NULL);
         INSERT INTO resources VALUES ('subnet', 'test:Thing', 'id-subnet', '{}', '{}', '[\"vpc\"]', '{}',
           '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', NULL);
         PRAGMA user_version = 4;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(refused(store.remove_resource("vpc").unwrap_err()).1, vec!["subnet".to_string()]);
    store.remove_resource("subnet").unwrap();
    store.remove_resource("vpc").unwrap();
}

#[test]
fn an_index_that_disagrees_with_the_rows_is_rebuilt_from_them_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = Store::open(&path).unwrap();
    groups(&store, 2);
    drop(store);
    // Edited by hand: g0-1 now needs g1 as well, and the index lost g1-2's pair.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "UPDATE resources SET dependencies = '[\"g0\",\"g1\"]' WHERE name = 'g0-1';
         DELETE FROM resource_dependencies WHERE name = 'g1-2';",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let (_, dependents) = refused(store.remove_resource("g1").unwrap_err());
    assert!(dependents.contains(&"g0-1".to_string()) && dependents.contains(&"g1-2".to_string()), "{dependents:?}");
    assert!(!heal(&store.conn).unwrap(), "healed once, the index agrees");
}

/// What `remove` must answer, from the rows alone (the scan the index replaces).
fn model_dependents(rows: &BTreeMap<String, Vec<String>>, name: &str) -> Vec<String> {
    rows.iter()
        .filter(|(n, deps)| n.as_str() != name && deps.iter().any(|d| d == name))
        .map(|(n, _)| n.clone())
        .collect()
}

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Step {
    /// Upsert row `n` depending on these (earlier-numbered) rows.
    Upsert(usize, Vec<usize>),
    Remove(usize),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        (1usize..12)
            .prop_flat_map(|n| (Just(n), proptest::collection::vec(0..n, 0..3)))
            .prop_map(|(n, d)| Step::Upsert(n, d)),
        Just(Step::Upsert(0, vec![])),
        (0usize..12).prop_map(Step::Remove),
    ];
    proptest::collection::vec(step, 1..60)
}

proptest! {
    /// Whatever the sequence of writes, a remove is refused exactly when another row depends on
    /// the resource, naming those rows in order, and upserts refuse dangling dependencies as before.
    #[test]
    fn removes_answer_as_the_scan_of_every_row_would(steps in steps()) {
        let store = Store::open_in_memory().unwrap();
        let mut model: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for step in steps {
            match step {
                Step::Upsert(n, deps) => {
                    let deps: Vec<String> = deps.iter().map(|d| format!("r{d}")).collect::<BTreeSet<_>>().into_iter().collect();
                    let names: Vec<&str> = deps.iter().map(String::as_str).collect();
                    let result = store.upsert_resource(&sample(&format!("r{n}"), &names));
                    let dangling = deps.iter().any(|d| !model.contains_key(d));
                    prop_assert_eq!(result.is_err(), dangling, "{:?}", result);
                    if !dangling {
                        model.insert(format!("r{n}"), deps);
                    }
                }
                Step::Remove(n) => {
                    let name = format!("r{n}");
                    let expected = model_dependents(&model, &name);
                    match store.remove_resource(&name) {
                        Ok(()) => {
                            prop_assert!(expected.is_empty(), "removed `{}` while {:?} depend on it", name, expected);
                            model.remove(&name);
                        }
                        Err(err) => prop_assert_eq!(refused(err).1, expected),
                    }
                }
            }
            let stored: Vec<String> = store.resources().unwrap().into_iter().map(|r| r.name).collect();
            prop_assert_eq!(stored, model.keys().cloned().collect::<Vec<_>>());
        }
    }
}
