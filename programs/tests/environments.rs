//! Every environment's program is valid and differs only by data: same resources, sized and
//! protected as its data says.

use engine::graph::validate;
use engine::Stack;
use programs::env::{dev, local, prod, staging};
use programs::Env;

fn declared(env: &Env) -> Stack {
    let mut stack = Stack::new(env.name);
    programs::platform(&mut stack, env, &programs::release::load(env).expect("the environment's release file"));
    stack
}

fn names(stack: &Stack) -> Vec<String> {
    stack.nodes().into_iter().map(|n| n.name).collect()
}

#[test]
fn every_environment_validates() {
    for env in [local(), dev(), staging(), prod()] {
        if let Err(e) = validate(&declared(&env)) {
            panic!("{}: {e}", env.name);
        }
    }
}

#[test]
fn environments_differ_by_data_not_by_resources_except_nat_per_zone_in_prod() {
    let local = names(&declared(&local()));
    assert_eq!(local, names(&declared(&dev())));
    assert_eq!(local, names(&declared(&staging())));
    let prod = names(&declared(&prod()));
    let extra: Vec<&String> = prod.iter().filter(|n| !local.contains(n)).collect();
    assert_eq!(extra, vec!["nat-eip-1", "nat-1", "private-routes-1"], "prod: a NAT gateway and route table per zone");
}

#[test]
fn prod_protects_its_data_and_local_does_not() {
    let protected = |env: &Env| -> Vec<String> {
        declared(env).nodes().into_iter().filter(|n| n.options.protect).map(|n| n.name).collect()
    };
    let prod = protected(&prod());
    for name in [
        "database",
        "cache",
        "reports-bucket",
        "static-assets-bucket",
        "secret-jwt-signing-key",
        "param-session-secret",
    ] {
        assert!(prod.contains(&name.to_string()), "prod protects {name}: {prod:?}");
    }
    assert!(protected(&local()).is_empty());
}

#[test]
fn every_taggable_resource_carries_the_cost_tags() {
    for node in declared(&staging()).nodes() {
        let Some(tags) = node.inputs.get("tags") else { continue };
        for key in ["Environment", "Project", "ManagedBy", "CostCenter", "plinth:stack", "plinth:name"] {
            assert!(tags.get(key).is_some(), "{} lacks {key}", node.name);
        }
        assert_eq!(tags["Environment"], "staging");
    }
}
