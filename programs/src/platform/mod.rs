//! The platform program: one function for every environment. It declares the network, the
//! security groups, the buckets, the data tier (PostgreSQL, Redis), secrets and configuration,
//! the WAF and the budget, and the services that use them: the API, the job orchestrator and
//! the web front end on ECS Fargate behind an HTTPS load balancer, their images, logs, traces,
//! roles and auto scaling, and the static assets on a CDN; then what watches them: the alarm
//! topic, alarms, log metrics and a dashboard, flow logs, an audit trail and threat detection.

mod alarms;
mod alerts;
mod audit;
mod cdn;
mod config;
mod dashboard;
mod data;
mod edge;
mod guard;
mod health;
mod iam;
mod logs;
mod network;
mod policy;
mod registry;
mod scaling;
mod security;
mod services;
mod storage;
mod tracing;

use crate::env::Env;
use crate::release::Release;
use engine::Stack;

pub use config::LLM_PROVIDERS;
pub use health::PUBLIC_ENDPOINT;
pub use iam::REGION;
pub use network::Network;
pub use policy::ImmutableImageTags;

/// Declares the whole platform for `env`.
pub fn platform(stack: &mut Stack, env: &Env, release: &Release) {
    for (k, v) in env.default_tags() {
        stack.default_tag(k, v);
    }
    stack.policy_rule(policy::ImmutableImageTags);
    let network = network::declare(stack, env);
    let groups = security::declare(stack, env, &network);
    let assets_policy = cdn::declare(stack, env, &storage::assets_bucket_name(env));
    let buckets = storage::declare(stack, env, assets_policy);
    let data = data::declare(stack, env, &network, &groups);
    let config = config::declare(stack, env, &buckets, &data);
    let alarm_topic = alerts::declare(stack, env);
    let web_acl = guard::declare(stack, env, &alarm_topic);
    let registry = registry::declare(stack, env);
    let edge = edge::declare(stack, env, &network, &groups, &registry, &web_acl, &buckets.logs);
    let grants = iam::grants(env, &buckets);
    let inputs = services::Inputs {
        network: &network,
        groups: &groups,
        registry: &registry,
        edge: &edge,
        config: &config,
        data: &data,
        grants: &grants,
    };
    let deployed = services::declare(stack, env, release, &inputs);
    health::declare(stack, env, &edge, &data, &deployed);
    scaling::declare(stack, env, &deployed);
    logs::declare(stack, env, &registry);
    let watched =
        alarms::Watched { edge: &edge, data: &data, services: &deployed, cluster_name: services::cluster_name(env) };
    let alarms = alarms::declare(stack, env, &alarm_topic, &watched);
    dashboard::declare(stack, env, &watched, &alarms);
    audit::declare(stack, env, &network, &buckets.logs);
}

/// Field names a program gives as strings (`ignore_changes`) that are not input fields of the
/// resource's kind, and resources whose KIND the registry does not know: each a sentence.
pub fn unknown_field_names(stack: &Stack, registry: &engine::Registry) -> Vec<String> {
    let mut problems = Vec::new();
    for node in stack.nodes() {
        if registry.get(node.kind.kind()).is_none() {
            problems.push(format!("{}: kind {} is not registered", node.name, node.kind.kind()));
        }
        for field in &node.options.ignore_changes {
            if node.inputs.get(field).is_none() {
                problems.push(format!(
                    "{}: ignore_changes names `{field}`, not a field of {}",
                    node.name,
                    node.kind.kind()
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{dev, local, prod, staging};

    #[test]
    fn every_field_name_and_kind_the_program_uses_exists() {
        let registry = resources::registry();
        for env in [local(), dev(), staging(), prod()] {
            let mut stack = Stack::new(env.name);
            platform(&mut stack, &env, &Release::tagged("test"));
            assert_eq!(unknown_field_names(&stack, &registry), Vec::<String>::new(), "{}", env.name);
        }
    }

    #[test]
    fn a_misspelt_ignore_changes_field_is_named() {
        let mut stack = Stack::new("t");
        let vpc = resources::ec2::Vpc { cidr_block: "10.0.0.0/16".into(), ..Default::default() };
        stack.add("vpc", vpc.clone()).ignore_changes(&["enable_dns_hostnames"]);
        stack.add("vpc2", vpc).ignore_changes(&["cidr_blok"]);
        let problems = unknown_field_names(&stack, &resources::registry());
        assert_eq!(problems, ["vpc2: ignore_changes names `cidr_blok`, not a field of aws:ec2:Vpc"]);
    }
}
