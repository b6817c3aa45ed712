//! Security groups: the internet reaches only the load balancer, the load balancer reaches only
//! the services (on their port, its only egress), and only the services reach the database and
//! the cache. The VPC's default group, which nothing uses, has no rules at all (FSBP EC2.2).
//!
//! Rules that name another group are standalone `SecurityGroupRule`s (like Terraform's
//! `aws_vpc_security_group_ingress_rule`), not inline rules: each group then depends only on the
//! VPC, so all four are created at once, and the database and the cache wait for one group's
//! create instead of a chain of three. The effective rules are the same either way.

use super::Network;
use crate::env::Env;
use engine::{Handle, Stack};
use resources::ec2::{DefaultSecurityGroup, Direction, Protocol, Rule, SecurityGroup, SecurityGroupRule};

pub struct Groups {
    pub alb: Handle<SecurityGroup>,
    pub services: Handle<SecurityGroup>,
    pub database: Handle<SecurityGroup>,
    pub cache: Handle<SecurityGroup>,
}

/// Port the API and web containers listen on.
pub const SERVICE_PORT: i32 = 8080;

fn from_cidr(port: i32, cidr: &str, description: &str) -> Rule {
    Rule {
        protocol: Protocol::Tcp,
        from_port: port,
        to_port: port,
        cidr_blocks: vec![cidr.into()],
        source_security_group_id: None,
        description: Some(description.into()),
    }
}

fn from_group(port: i32, group: &Handle<SecurityGroup>, description: &str) -> Rule {
    Rule {
        protocol: Protocol::Tcp,
        from_port: port,
        to_port: port,
        cidr_blocks: vec![],
        source_security_group_id: Some(group.output(|o| o.group_id.clone())),
        description: Some(description.into()),
    }
}

fn all_egress() -> Rule {
    Rule {
        protocol: Protocol::All,
        from_port: -1,
        to_port: -1,
        cidr_blocks: vec!["0.0.0.0/0".into()],
        source_security_group_id: None,
        description: Some("all outbound".into()),
    }
}

/// HTTP and HTTPS from the internet; with blue/green, the test listener from inside the VPC only.
fn alb_ingress(env: &Env) -> Vec<Rule> {
    let mut rules = vec![from_cidr(80, "0.0.0.0/0", "HTTP"), from_cidr(443, "0.0.0.0/0", "HTTPS")];
    if let Some(bg) = &env.compute.blue_green {
        rules.push(from_cidr(bg.test_port, env.cidr, "blue/green test listener, from the VPC"));
    }
    rules
}

pub fn declare(stack: &mut Stack, env: &Env, network: &Network) -> Groups {
    stack.add(
        "sg-default",
        DefaultSecurityGroup { vpc_id: network.vpc.output(|o| o.vpc_id.clone()), ..Default::default() },
    );
    let group = |stack: &mut Stack, name: &str, description: &str, ingress: Vec<Rule>, egress: Vec<Rule>| {
        stack.add(
            format!("sg-{name}"),
            SecurityGroup {
                name: env.prefixed(name),
                description: description.into(),
                vpc_id: network.vpc.output(|o| o.vpc_id.clone()),
                ingress,
                egress,
                ..Default::default()
            },
        )
    };
    let alb = group(stack, "alb", "Load balancer: HTTP and HTTPS from the internet", alb_ingress(env), vec![]);
    let services = group(
        stack,
        "services",
        "API, orchestrator and web tasks: traffic from the load balancer only",
        vec![],
        vec![all_egress()],
    );
    let database = group(stack, "database", "PostgreSQL: from the services only", vec![], vec![]);
    let cache = group(stack, "cache", "Redis: from the services only", vec![], vec![]);
    let rule = |stack: &mut Stack, name: &str, group: &Handle<SecurityGroup>, direction, rule| {
        let group_id = group.output(|o| o.group_id.clone());
        stack.add(format!("sg-{name}"), SecurityGroupRule { group_id, direction, rule, ..Default::default() });
    };
    rule(
        stack,
        "services-from-alb",
        &services,
        Direction::Ingress,
        from_group(SERVICE_PORT, &alb, "from the load balancer"),
    );
    // The load balancer may only reach the services, on their port (inline, it and the rule above
    // would name each other: a cycle).
    rule(
        stack,
        "alb-to-services",
        &alb,
        Direction::Egress,
        from_group(SERVICE_PORT, &services, "to the services only"),
    );
    rule(
        stack,
        "database-from-services",
        &database,
        Direction::Ingress,
        from_group(5432, &services, "PostgreSQL from services"),
    );
    rule(stack, "cache-from-services", &cache, Direction::Ingress, from_group(6379, &services, "Redis from services"));
    Groups { alb, services, database, cache }
}
