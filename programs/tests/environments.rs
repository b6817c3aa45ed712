//! Every environment's program is valid and differs only by data: same resources, sized and
//! protected as its data says.

use engine::graph::validate;
use engine::Stack;
use programs::env::{dev, local, prod, staging};
use programs::Env;
use std::collections::BTreeSet;

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

/// The resources an environment has beyond local's, each explained by one datum of its `Env`.
fn extras_from_data(env: &Env) -> BTreeSet<String> {
    let mut extra = BTreeSet::new();
    for i in 1..env.nat_gateways {
        extra.extend([format!("nat-eip-{i}"), format!("nat-{i}"), format!("private-routes-{i}")]);
    }
    if env.compute.night_schedule.is_some() {
        for service in programs::release::SERVICES {
            extra.extend([format!("{service}-scale-night"), format!("{service}-scale-morning")]);
        }
    }
    if env.compute.blue_green.is_some() {
        extra.extend(["listener-test", "ecs-infrastructure-role"].map(String::from));
        for service in ["api", "web"] {
            extra.extend([format!("{service}-targets-green"), format!("{service}-test-route")]);
        }
    }
    if env.observability.guardduty {
        extra.insert("guardduty".into());
    }
    for i in 1..env.observability.alarm_emails.len() {
        extra.insert(format!("alarms-email-{i}"));
    }
    for node in 2..=env.cache.nodes {
        for alarm in ["engine-cpu", "memory", "evictions"] {
            extra.insert(format!("alarm-cache-{node:03}-{alarm}"));
        }
    }
    extra
}

#[test]
fn environments_differ_by_data_not_by_code() {
    assert!(extras_from_data(&local()).is_empty(), "local is the baseline");
    let local: BTreeSet<String> = names(&declared(&local())).into_iter().collect();
    for env in [dev(), staging(), prod()] {
        let have: BTreeSet<String> = names(&declared(&env)).into_iter().collect();
        let extra: BTreeSet<String> = have.difference(&local).cloned().collect();
        let missing: Vec<&String> = local.difference(&have).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", env.name);
        assert_eq!(extra, extras_from_data(&env), "{}: every extra resource comes from its data", env.name);
    }
}

#[test]
fn every_environment_runs_the_three_services_behind_its_load_balancer() {
    for env in [local(), dev(), staging(), prod()] {
        let have = names(&declared(&env));
        for service in programs::release::SERVICES {
            for part in ["service", "task-definition", "repository", "logs", "execution-role", "task-role", "scaling-target"] {
                let name = format!("{service}-{part}");
                assert!(have.contains(&name), "{}: {name}", env.name);
            }
        }
        for name in ["alb", "listener-production", "api-route", "web-route", "web-acl-association", "static-assets-cdn"] {
            assert!(have.contains(&name.to_string()), "{}: {name}", env.name);
        }
    }
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

#[test]
fn auto_scaling_owns_every_service_desired_count() {
    for env in [local(), prod()] {
        let services: Vec<_> =
            declared(&env).nodes().into_iter().filter(|n| n.kind.kind() == "aws:ecs:Service").collect();
        assert_eq!(services.len(), 3, "{}", env.name);
        for node in services {
            assert_eq!(node.options.ignore_changes, ["desired_count"], "{}: {}", env.name, node.name);
        }
    }
}

#[test]
fn staging_and_prod_deploy_blue_green_and_local_rolls() {
    let strategy = |env: &Env| -> Vec<String> {
        declared(env)
            .nodes()
            .into_iter()
            .filter(|n| n.kind.kind() == "aws:ecs:Service")
            .map(|n| n.inputs["deployment"]["strategy"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(strategy(&local()), ["ROLLING"; 3]);
    // The orchestrator has no listener, so nothing to shift: it rolls everywhere.
    let mut prod = strategy(&prod());
    prod.sort();
    assert_eq!(prod, ["BLUE_GREEN", "BLUE_GREEN", "ROLLING"]);
}

#[test]
fn the_api_and_the_orchestrator_send_traces_through_a_collector_and_may_write_to_x_ray() {
    let stack = declared(&local());
    let node = |name: &str| stack.nodes().into_iter().find(|n| n.name == name).unwrap_or_else(|| panic!("{name}"));
    for (service, traced) in [("api", true), ("orchestrator", true), ("web", false)] {
        let task = node(&format!("{service}-task-definition"));
        let containers = task.inputs["containers"].as_array().expect("containers");
        let names: Vec<&str> = containers.iter().filter_map(|c| c["name"].as_str()).collect();
        assert_eq!(names.contains(&"otel-collector"), traced, "{service}: {names:?}");
        let role = node(&format!("{service}-task-role"));
        let policies = role.inputs["inline_policies"].as_object().expect("inline policies");
        assert_eq!(policies.contains_key("send-traces"), traced, "{service}");
        if traced {
            let app = &containers[0];
            assert_eq!(app["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://localhost:4317", "{service}");
            assert_eq!(app["depends_on"][0]["container_name"], "otel-collector", "{service}");
            let collector = containers.iter().find(|c| c["name"] == "otel-collector").expect("collector");
            assert_eq!(collector["essential"], false, "{service}: a dead collector must not stop the service");
        }
    }
}
