//! The three services on ECS Fargate: one cluster (Container Insights on), a task definition
//! per service (its image from the release, its secrets by ARN, logs to its group, a container
//! health check on `/health`), and a service per task definition in the private subnets with
//! the services' security group. The API and the web front end sit behind the load balancer;
//! the orchestrator has no listener. The API and the orchestrator carry a tracing collector
//! ([`super::tracing`]). Rolling deployments with the circuit breaker, or ECS
//! blue/green where the environment asks for it. Auto scaling owns the desired count after
//! creation (see [`super::scaling`]).

use super::config::Config;
use super::data::Data;
use super::edge::{Edge, Route};
use super::iam::{declare_service_roles, Grants, ServiceRoles, REGION};
use super::registry::{Registry, ServiceHome};
use super::security::{Groups, SERVICE_PORT};
use super::tracing;
use super::Network;
use crate::env::{Env, ServiceSizing};
use crate::release::Release;
use engine::{Handle, Input, Stack};
use resources::ecs::{
    AwsLogs, CapacityProvider, Cluster, Container, ContainerInsights, ContainerSecret, Deployment, HealthCheck,
    LoadBalancer, Network as ServiceNetwork, PortMapping, Service, StrategyItem, TaskDefinition,
};
use resources::iam::Role;
use serde_json::json;
use std::collections::BTreeMap;

/// The managed policy that lets ECS move listener rules during a blue/green deployment.
pub const ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY: &str =
    "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers";

/// One deployed service, for auto scaling.
pub struct Deployed {
    pub service: &'static str,
    pub handle: Handle<Service>,
    /// `service/<cluster>/<service>`: Application Auto Scaling's resource id.
    pub resource_id: String,
    pub sizing: ServiceSizing,
}

fn sizing<'a>(env: &'a Env, service: &str) -> &'a ServiceSizing {
    match service {
        "api" => &env.compute.api,
        "orchestrator" => &env.compute.orchestrator,
        _ => &env.compute.web,
    }
}

/// The secrets each service's container gets, as (variable, ARN).
fn injected(service: &str, config: &Config, data: &Data) -> Vec<ContainerSecret> {
    let secret = |name: &str, key: &str| ContainerSecret {
        name: name.into(),
        value_from: config.secrets[key].output(|o| o.arn.clone()),
    };
    let database = || ContainerSecret {
        name: "DATABASE_CREDENTIALS".into(),
        value_from: data.database.output(|o| o.master_user_secret_arn.clone().unwrap_or_default()),
    };
    match service {
        // The API enqueues jobs on Redis; the orchestrator runs them.
        "api" => vec![secret("JWT_SIGNING_KEY", "jwt-signing-key"), secret("REDIS_AUTH_TOKEN", "redis-auth-token"), database()],
        "orchestrator" => vec![
            secret("OPENAI_API_KEY", "llm-openai-api-key"),
            secret("ANTHROPIC_API_KEY", "llm-anthropic-api-key"),
            secret("REDIS_AUTH_TOKEN", "redis-auth-token"),
            database(),
        ],
        _ => vec![ContainerSecret {
            name: "SESSION_SECRET".into(),
            value_from: config.session_secret.output(|o| o.arn.clone()),
        }],
    }
}

fn container(env: &Env, home: &ServiceHome, release: &Release, secrets: Vec<ContainerSecret>, routed: bool) -> Container {
    let image = release.image(home.service).clone();
    Container {
        name: home.service.into(),
        image: home.repository.output(move |o| image.on(&o.repository_uri)),
        essential: true,
        port_mappings: if routed {
            vec![PortMapping { container_port: SERVICE_PORT as u16, ..Default::default() }]
        } else {
            vec![]
        },
        environment: BTreeMap::from([
            ("PLINTH_ENVIRONMENT".to_string(), env.name.to_string()),
            ("CONFIG_PATH".to_string(), format!("/plinth/{}/config", env.name)),
            ("PORT".to_string(), SERVICE_PORT.to_string()),
        ]),
        secrets,
        health_check: Some(HealthCheck {
            command: vec!["CMD-SHELL".into(), format!("curl -fsS http://localhost:{SERVICE_PORT}/health || exit 1")],
            interval: 30,
            timeout: 5,
            retries: 3,
            start_period: 30,
        }),
        log: Some(AwsLogs {
            group: home.log_group.output(|o| o.name.clone()),
            region: REGION.into(),
            stream_prefix: home.service.into(),
        }),
        ..Default::default()
    }
}

/// The app container, and the tracing collector beside it for the services that emit traces.
fn containers(env: &Env, home: &ServiceHome, release: &Release, secrets: Vec<ContainerSecret>, routed: bool) -> Vec<Container> {
    let mut app = container(env, home, release, secrets, routed);
    if !tracing::traced(home.service) {
        return vec![app];
    }
    tracing::instrument(&mut app, env, home.service);
    vec![app, tracing::collector(home)]
}

fn strategy(size: &ServiceSizing) -> Vec<StrategyItem> {
    let mut items = vec![StrategyItem { provider: CapacityProvider::Fargate, weight: 1, base: size.base_on_demand }];
    if size.spot_weight > 0 {
        items.push(StrategyItem { provider: CapacityProvider::FargateSpot, weight: size.spot_weight, base: 0 });
    }
    items
}

/// Rolling with the circuit breaker, or blue/green onto the route's green group.
fn deployment(env: &Env, route: Option<&Route>, infrastructure: Option<&Handle<Role>>) -> Deployment {
    match (env.compute.blue_green.as_ref(), route.and_then(|r| r.green.as_ref().map(|g| (r, g))), infrastructure) {
        (Some(bg), Some((route, (green, test_rule))), Some(role)) => Deployment::BlueGreen {
            bake_time_minutes: bg.bake_minutes as u32,
            test_listener_rule_arn: test_rule.output(|o| o.arn.clone()),
            production_listener_rule_arn: route.production_rule.output(|o| o.arn.clone()),
            alternate_target_group_arn: green.output(|o| o.arn.clone()),
            role_arn: role.output(|o| o.arn.clone()),
        },
        _ => Deployment::Rolling { min_healthy_percent: 100, max_percent: 200, circuit_breaker_rollback: true },
    }
}

/// The role ECS assumes to shift traffic in a blue/green deployment (this account only).
fn infrastructure_role(stack: &mut Stack, env: &Env) -> Handle<Role> {
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ecs.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": env.account } }
        }]
    });
    stack.add(
        "ecs-infrastructure-role",
        Role {
            name: env.prefixed("ecs-infrastructure"),
            path: "/".into(),
            description: Some("ECS blue/green: move listener rules between target groups".into()),
            assume_role_policy: trust.to_string().into(),
            managed_policy_arns: vec![ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY.to_string().into()],
            ..Default::default()
        },
    )
}

/// Everything one service needs to be declared.
struct ServicePlan<'a> {
    home: &'a ServiceHome,
    roles: ServiceRoles,
    route: Option<&'a Route>,
}

pub struct Inputs<'a> {
    pub network: &'a Network,
    pub groups: &'a Groups,
    pub registry: &'a Registry,
    pub edge: &'a Edge,
    pub config: &'a Config,
    pub data: &'a Data,
    pub grants: &'a [Grants],
}

/// The ECS cluster's name.
pub fn cluster_name(env: &Env) -> String {
    env.prefixed("cluster")
}

pub fn declare(stack: &mut Stack, env: &Env, release: &Release, inputs: &Inputs) -> Vec<Deployed> {
    let cluster_name = cluster_name(env);
    let cluster = stack.add(
        "cluster",
        Cluster {
            name: cluster_name.clone(),
            container_insights: ContainerInsights::Enabled,
            capacity_providers: vec![CapacityProvider::Fargate, CapacityProvider::FargateSpot],
            default_capacity_provider_strategy: vec![StrategyItem {
                provider: CapacityProvider::Fargate,
                weight: 1,
                base: 0,
            }],
            ..Default::default()
        },
    );
    let infrastructure = env.compute.blue_green.as_ref().map(|_| infrastructure_role(stack, env));
    inputs
        .registry
        .services
        .iter()
        .zip(inputs.grants)
        .map(|(home, grants)| {
            let roles = declare_service_roles(
                stack,
                env,
                grants,
                &home.repository_name,
                &home.log_group_name,
                &inputs.data.database,
            );
            let route = inputs.edge.routes.iter().find(|r| r.service == home.service);
            let plan = ServicePlan { home, roles, route };
            let handle = service(stack, env, release, inputs, &cluster, &plan, infrastructure.as_ref());
            Deployed {
                service: home.service,
                handle,
                resource_id: format!("service/{cluster_name}/{}", env.prefixed(home.service)),
                sizing: sizing(env, home.service).clone(),
            }
        })
        .collect()
}

fn service(
    stack: &mut Stack,
    env: &Env,
    release: &Release,
    inputs: &Inputs,
    cluster: &Handle<Cluster>,
    plan: &ServicePlan,
    infrastructure: Option<&Handle<Role>>,
) -> Handle<Service> {
    let name = plan.home.service;
    let size = sizing(env, name);
    let secrets = injected(name, inputs.config, inputs.data);
    let task = stack.add(
        format!("{name}-task-definition"),
        TaskDefinition {
            family: env.prefixed(name),
            cpu: size.cpu,
            memory: size.memory,
            execution_role_arn: plan.roles.execution.output(|o| o.arn.clone()),
            task_role_arn: Some(plan.roles.task.output(|o| o.arn.clone())),
            containers: containers(env, plan.home, release, secrets, plan.route.is_some()),
            keep_revisions: env.compute.task_revisions_kept,
            ..Default::default()
        },
    );
    let load_balancers: Vec<LoadBalancer> = plan
        .route
        .map(|r| LoadBalancer {
            target_group_arn: r.target_group.output(|o| o.arn.clone()),
            container_name: name.into(),
            container_port: SERVICE_PORT as u16,
        })
        .into_iter()
        .collect();
    let mut handle = stack
        .add(
            format!("{name}-service"),
            Service {
                name: env.prefixed(name),
                cluster: cluster.output(|o| o.arn.clone()),
                task_definition: task.output(|o| o.arn.clone()),
                desired_count: size.desired,
                capacity_provider_strategy: strategy(size),
                network: ServiceNetwork {
                    subnets: private_subnets(inputs.network),
                    security_groups: vec![inputs.groups.services.output(|o| o.group_id.clone())],
                    assign_public_ip: false,
                },
                health_check_grace_period_secs: plan.route.map(|_| 60),
                load_balancers,
                deployment: deployment(env, plan.route, infrastructure),
                ..Default::default()
            },
        )
        // Auto scaling owns the count once the service exists: never reset by an update.
        .ignore_changes(&["desired_count"])
        // Roles outlive the service on destroy (the task definition also references them).
        .depends_on(&plan.roles.execution)
        .depends_on(&plan.roles.task);
    if let Some(route) = plan.route {
        // The service registers targets only once a listener rule forwards to its group.
        handle = handle.depends_on(&route.production_rule);
    }
    handle
}

fn private_subnets(network: &Network) -> Vec<Input<String>> {
    network.private.iter().map(|s| s.output(|o| o.subnet_id.clone())).collect()
}
