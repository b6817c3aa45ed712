//! The front door: the internet-facing load balancer in the public subnets (access logs to their
//! own bucket, invalid headers dropped), its certificate, HTTPS 443 with TLS 1.3 and security
//! headers (HTTP 80 only redirects), `/api/*` to the API and everything else to the web front
//! end, health checks on `/health`, and the web ACL in front of it, logging to CloudWatch.
//! Without a certificate (as data) the load balancer serves plain HTTP, forwarding only.
//! With blue/green, each service has a second (green) target group and a test listener that
//! reaches the new tasks before production does.

use super::network::Network;
use super::registry::Registry;
use super::security::{Groups, SERVICE_PORT};
use crate::env::Env;
use engine::{Handle, Stack};
use resources::acm::Certificate;
use resources::elbv2::{
    AccessLogs, Action, ContentType, Cors, HealthCheck, Listener, ListenerRule, LoadBalancer, Protocol,
    ResponseHeaders, Scheme, TargetGroup,
};
use resources::s3::{Bucket, Encryption, LifecycleRule, SseAlgorithm};
use resources::wafv2::{LoggingConfiguration, RedactedField, WebAcl, WebAclAssociation};
use serde_json::json;

/// What the services need from the edge, per routed service (`api`, `web`).
pub struct Edge {
    pub routes: Vec<Route>,
    /// For the alarms and the dashboard (its `arn_suffix` is CloudWatch's dimension).
    pub load_balancer: Handle<LoadBalancer>,
}

/// One service's place behind the load balancer.
pub struct Route {
    pub service: &'static str,
    pub target_group: Handle<TargetGroup>,
    pub production_rule: Handle<ListenerRule>,
    /// Blue/green only: the green group and the test listener's rule.
    pub green: Option<(Handle<TargetGroup>, Handle<ListenerRule>)>,
}

/// The services behind the load balancer, with their path patterns and rule priority.
const ROUTED: [(&str, &str, i32); 2] = [("api", "/api/*", 10), ("web", "/*", 100)];

fn security_headers(env: &Env) -> ResponseHeaders {
    ResponseHeaders {
        strict_transport_security: Some("max-age=31536000; includeSubDomains".into()),
        content_type_options: Some("nosniff".into()),
        frame_options: Some("DENY".into()),
        content_security_policy: Some("default-src 'self'; frame-ancestors 'none'".into()),
        cors: Some(Cors {
            allow_origin: env.compute.cors_origin.into(),
            allow_methods: vec!["GET".into(), "POST".into(), "PUT".into(), "DELETE".into(), "OPTIONS".into()],
            allow_headers: vec!["authorization".into(), "content-type".into()],
            max_age: Some(600),
        }),
    }
}

/// The bucket the load balancer writes its access logs to (SSE-S3: ELB cannot write SSE-KMS),
/// writable only by ELB's log delivery for this account's prefix; hardened as every bucket is
/// (its own S3 access logs go to the stack's log bucket `s3_logs`).
fn access_log_bucket(stack: &mut Stack, env: &Env, s3_logs: &Handle<Bucket>) -> Handle<Bucket> {
    let name = format!("{}-alb-logs", env.bucket_prefix);
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ElbLogDelivery",
            "Effect": "Allow",
            "Principal": { "Service": "logdelivery.elasticloadbalancing.amazonaws.com" },
            "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{name}/alb/AWSLogs/{}/*", env.account)
        }]
    });
    let bucket = super::storage::hardened(
        Bucket {
            bucket: name,
            encryption: Some(Encryption { algorithm: SseAlgorithm::Aes256, kms_key_id: None }),
            block_public_access: true,
            lifecycle_rules: vec![LifecycleRule {
                id: "expire-access-logs".into(),
                prefix: None,
                expire_noncurrent_after_days: None,
                expire_after_days: Some(env.compute.log_retention_days as i32),
                abort_incomplete_multipart_after_days: Some(7),
            }],
            policy: Some(policy.to_string().into()),
            force_destroy: env.disposable_data,
            ..Default::default()
        },
        s3_logs,
    );
    stack.add("alb-logs-bucket", bucket)
}

fn target_group(stack: &mut Stack, network: &Network, resource: String, name: String) -> Handle<TargetGroup> {
    stack.add(
        resource,
        TargetGroup {
            name,
            port: SERVICE_PORT,
            protocol: Protocol::Http,
            vpc_id: network.vpc.output(|o| o.vpc_id.clone()),
            health_check: HealthCheck {
                path: "/health".into(),
                interval_secs: 15,
                timeout_secs: 5,
                healthy_threshold: 2,
                unhealthy_threshold: 3,
                matcher: "200".into(),
            },
            // Web and API tasks finish requests quickly: drain for 30 s, not the default 300.
            deregistration_delay_secs: 30,
            ..Default::default()
        },
    )
}

/// A listener (HTTPS with the certificate, or HTTP) whose unmatched requests get a 404.
fn listener(
    stack: &mut Stack,
    env: &Env,
    resource: &str,
    port: i32,
    lb: &Handle<LoadBalancer>,
    certificate: Option<&Handle<Certificate>>,
) -> Handle<Listener> {
    let not_found = Action::FixedResponse { status_code: 404, content_type: ContentType::TextPlain, body: "not found".into() };
    stack.add(
        resource,
        Listener {
            load_balancer_arn: lb.output(|o| o.arn.clone()),
            port,
            protocol: if certificate.is_some() { Protocol::Https } else { Protocol::Http },
            certificate_arn: certificate.map(|c| c.output(|o| o.arn.clone())),
            default_action: not_found,
            response_headers: certificate.map(|_| security_headers(env)),
            ..Default::default()
        },
    )
}

fn forward_rule(
    stack: &mut Stack,
    resource: String,
    listener: &Handle<Listener>,
    path: &str,
    priority: i32,
    group: &Handle<TargetGroup>,
) -> Handle<ListenerRule> {
    stack.add(
        resource,
        ListenerRule {
            listener_arn: listener.output(|o| o.arn.clone()),
            priority,
            path_patterns: vec![path.into()],
            action: Action::Forward { target_group_arn: group.output(|o| o.arn.clone()) },
            ..Default::default()
        },
    )
}

pub fn declare(
    stack: &mut Stack,
    env: &Env,
    network: &Network,
    groups: &Groups,
    registry: &Registry,
    web_acl: &Handle<WebAcl>,
    s3_logs: &Handle<Bucket>,
) -> Edge {
    let logs = access_log_bucket(stack, env, s3_logs);
    let load_balancer = stack.add(
        "alb",
        LoadBalancer {
            name: env.prefixed("alb"),
            scheme: Scheme::InternetFacing,
            subnets: network.public.iter().map(|s| s.output(|o| o.subnet_id.clone())).collect(),
            security_groups: vec![groups.alb.output(|o| o.group_id.clone())],
            deletion_protection: env.compute.lb_deletion_protection,
            access_logs: Some(AccessLogs { bucket: logs.output(|o| o.bucket.clone()), prefix: "alb".into() }),
            drop_invalid_header_fields: true,
            ..Default::default()
        },
    );
    let certificate = env.compute.certificate_domain.map(|domain| {
        stack.add("certificate", Certificate { domain_name: domain.into(), ..Default::default() })
    });
    let production_port = if certificate.is_some() { 443 } else { 80 };
    let production = listener(stack, env, "listener-production", production_port, &load_balancer, certificate.as_ref());
    if certificate.is_some() {
        stack.add(
            "listener-http-redirect",
            Listener {
                load_balancer_arn: load_balancer.output(|o| o.arn.clone()),
                port: 80,
                protocol: Protocol::Http,
                default_action: Action::RedirectToHttps,
                ..Default::default()
            },
        );
    }
    let test = env.compute.blue_green.as_ref().map(|bg| {
        listener(stack, env, "listener-test", bg.test_port, &load_balancer, certificate.as_ref())
    });
    let routes = ROUTED
        .iter()
        .map(|(service, path, priority)| {
            let blue = target_group(stack, network, format!("{service}-targets"), format!("{}-{service}", env.name));
            let mut production_rule = forward_rule(stack, format!("{service}-route"), &production, path, *priority, &blue);
            if test.is_some() {
                // In a blue/green deployment ECS moves the rules between the two groups: their
                // actions are managed elsewhere, never reset by Plinth.
                production_rule = production_rule.ignore_changes(&["action"]);
            }
            let green = test.as_ref().map(|test| {
                let green = target_group(stack, network, format!("{service}-targets-green"), format!("{}-{service}-g", env.name));
                let rule = forward_rule(stack, format!("{service}-test-route"), test, path, *priority, &green)
                    .ignore_changes(&["action"]);
                (green, rule)
            });
            Route { service, target_group: blue, production_rule, green }
        })
        .collect();
    protect_with_waf(stack, &load_balancer, web_acl, registry);
    Edge { routes, load_balancer }
}

/// The web ACL on the load balancer, logging to its log group (credentials redacted).
fn protect_with_waf(stack: &mut Stack, lb: &Handle<LoadBalancer>, web_acl: &Handle<WebAcl>, registry: &Registry) {
    stack.add(
        "web-acl-association",
        WebAclAssociation { web_acl_arn: web_acl.output(|o| o.arn.clone()), resource_arn: lb.output(|o| o.arn.clone()) },
    );
    stack.add(
        "web-acl-logging",
        LoggingConfiguration {
            web_acl_arn: web_acl.output(|o| o.arn.clone()),
            log_destination_arn: registry.waf_logs.output(|o| o.arn.clone()),
            redacted_fields: vec![RedactedField::Header("authorization".into()), RedactedField::Header("cookie".into())],
        },
    );
}
