//! The registry test: walks every registered kind and checks what a typo would break.

use super::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Every `const KIND: &'static str = "…";` in this crate's sources: what must be registered.
fn kinds_declared_in_sources() -> BTreeSet<String> {
    fn walk(dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                for line in text.lines().map(str::trim) {
                    if let Some(rest) = line.strip_prefix("const KIND: &'static str = \"") {
                        found.insert(rest.trim_end_matches("\";").to_string());
                    }
                }
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    found
}

#[test]
fn every_kind_in_the_sources_is_registered_once() {
    let registered: Vec<&str> = entries().iter().map(|e| e.kind).collect();
    let unique: BTreeSet<String> = registered.iter().map(|k| k.to_string()).collect();
    assert_eq!(unique.len(), registered.len(), "a KIND is registered twice: {registered:?}");
    let declared = kinds_declared_in_sources();
    assert!(declared.len() >= 20, "the source scan found only {declared:?}");
    assert_eq!(unique, declared, "every kind file must end with `crate::kit::kind!(Type);`");
    let registry = registry();
    assert_eq!(registry.kinds().count(), registered.len());
    for kind in &registered {
        let erased = registry.get(kind).expect("in the engine registry");
        assert_eq!(erased.kind(), *kind);
    }
}

#[test]
fn kinds_are_named_aws_service_type() {
    for entry in entries() {
        let parts: Vec<&str> = entry.kind.split(':').collect();
        assert_eq!(parts.len(), 3, "{}", entry.kind);
        assert_eq!(parts[0], "aws", "{}", entry.kind);
        assert_eq!(parts[1], entry.service, "{}: SERVICE is `{}`", entry.kind, entry.service);
        assert!(parts[2].starts_with(|c: char| c.is_ascii_uppercase()), "{}", entry.kind);
    }
}

#[test]
fn declared_fields_are_input_fields() {
    for entry in entries() {
        let fixture = entry.fixture();
        let fields = fixture.as_object().unwrap_or_else(|| panic!("{}: inputs are not a JSON object", entry.kind));
        let shaped: Vec<&str> = entry.shape.top_fields().collect();
        let lists = [
            ("REPLACE_FIELDS", entry.replace_fields),
            ("unordered or documents", &shaped[..]),
            ("write_only", entry.write_only),
        ];
        for (what, names) in lists {
            for name in names {
                assert!(
                    fields.contains_key(*name),
                    "{}: {what} names `{name}`, which is not an input field",
                    entry.kind
                );
            }
        }
        for name in entry.unordered().filter(|n| !n.contains('.')) {
            assert!(fields[name].is_array(), "{}: unordered field `{name}` is not a list", entry.kind);
        }
        for name in entry.shape.documents.iter().filter(|n| !n.contains('.')) {
            let field = &fields[*name];
            assert!(field.is_string() || field.is_null(), "{}: document `{name}` is not a string", entry.kind);
        }
        if fields.contains_key("tags") {
            assert!(fields["tags"].is_object(), "{}: tags must be a map", entry.kind);
        }
    }
}

#[test]
fn a_typo_in_a_field_name_is_caught() {
    // The check above, shown to fail on a name that is not a field.
    let vpc = entries().into_iter().find(|e| e.kind == "aws:ec2:Vpc").expect("vpc");
    let fixture = vpc.fixture();
    assert!(fixture.as_object().is_some_and(|f| f.contains_key("cidr_block") && !f.contains_key("cidr_blok")));
}

#[test]
fn adopt_requires_both_tags() {
    let meta = Meta::new("db", "dev");
    let mut tags = crate::tags::from_pairs(&[(engine::NAME_TAG, "db")]);
    let err = adopt("subnet group db", &tags, &meta, 1).expect_err("name alone");
    assert_eq!(err.class, engine::ErrorClass::NotOwned);
    assert!(err.message.contains("subnet group db"), "{}", err.message);
    tags.insert(engine::STACK_TAG.into(), "dev".into());
    assert_eq!(adopt("subnet group db", &tags, &meta, 1).expect("owned"), Some(1));
}

fn ids(v: &[&str]) -> Vec<Input<String>> {
    v.iter().map(|s| Input::from(*s)).collect()
}

#[test]
fn same_ids_in_another_order_keep_the_program_order() {
    let program = ids(&["subnet-b", "subnet-a"]);
    assert_eq!(observed_ids(&program, vec!["subnet-a".into(), "subnet-b".into()]), program);
}

#[test]
fn different_ids_show_the_live_set() {
    let seen = observed_ids(&ids(&["subnet-b", "subnet-a"]), vec!["subnet-c".into(), "subnet-a".into()]);
    assert_eq!(seen, ids(&["subnet-a", "subnet-c"]));
    assert_eq!(observed_ids(&ids(&["sg-1"]), vec![]), ids(&[]));
}

#[test]
fn only_result_passes_the_one_answer_and_refuses_none_or_several() {
    let one: Vec<Result<Option<u8>, engine::ProviderError>> = vec![Ok(Some(7))];
    assert_eq!(super::only_result(one, "x").unwrap(), Some(7));
    let gone: Vec<Result<Option<u8>, engine::ProviderError>> = vec![Ok(None)];
    assert_eq!(super::only_result(gone, "x").unwrap(), None);
    let none: Vec<Result<Option<u8>, engine::ProviderError>> = vec![];
    let err = super::only_result(none, "sg-1").unwrap_err();
    assert!(err.message.contains("sg-1"), "{}", err.message);
    let two: Vec<Result<Option<u8>, engine::ProviderError>> = vec![Ok(Some(1)), Ok(Some(2))];
    assert!(super::only_result(two, "x").is_err());
}
