//! What is special about the ELBv2 kinds, checked with an independent client: the target
//! group's explicit health check, an HTTP → HTTPS redirect next to an HTTPS listener with the
//! TLS 1.3 policy and a certificate, a `/api/*` rule, deletion protection refusing a delete, and
//! a target group replacement through the engine while a listener forwards to it (create the new
//! group, repoint the listener, delete the old group). The generic contract is the conformance
//! suite's (`tests/tests/conformance.rs`).

use aws_sdk_elasticloadbalancingv2::types::{ActionTypeEnum, RedirectActionStatusCodeEnum};
use e2e::conformance::fixtures::{elbv2 as deps, network, Network};
use e2e::{engine_tags, meta, Emulator};
use engine::apply::{apply, ApplyOptions, Silent};
use engine::graph::validate;
use engine::plan::{plan, Action as PlanAction};
use engine::{ErrorClass, Resource, Stack};
use resources::elbv2::{
    Action, HealthCheck, Listener, ListenerRule, LoadBalancer, Protocol, TargetGroup, DEFAULT_SSL_POLICY,
};
use resources::AwsContext;
use std::sync::Arc;
use tokio::sync::watch;

const ZONES: &[&str] = &["us-east-1a", "us-east-1b"];

async fn net(emu: &Emulator, octet: u8) -> Network {
    network(emu, octet, ZONES, &["alb"]).await
}

fn target_group(name: &str, vpc: &str, port: i32) -> TargetGroup {
    TargetGroup {
        name: name.into(),
        port,
        vpc_id: vpc.to_string().into(),
        health_check: HealthCheck {
            path: "/health".into(),
            interval_secs: 20,
            timeout_secs: 6,
            healthy_threshold: 3,
            unhealthy_threshold: 4,
            matcher: "200".into(),
        },
        tags: engine_tags(name, &[]),
        ..Default::default()
    }
}

fn load_balancer(name: &str, net: &Network) -> LoadBalancer {
    LoadBalancer {
        name: name.into(),
        subnets: net.subnets.iter().cloned().map(Into::into).collect(),
        security_groups: net.security_groups.iter().cloned().map(Into::into).collect(),
        tags: engine_tags(name, &[]),
        ..Default::default()
    }
}

async fn create<R: Resource<Context = AwsContext>>(r: &R, name: &str, cx: &AwsContext) -> R::Outputs {
    r.create(&meta(name), cx).await.unwrap_or_else(|e| panic!("create {name}: {}", e.message))
}

#[tokio::test]
async fn the_health_check_reaches_elb_as_declared() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let net = net(&emu, 70).await;
    let tg = target_group("api", &net.vpc_id, 8080);
    let out = create(&tg, "api", &cx).await;
    let live = check.elbv2().describe_target_groups().target_group_arns(&out.arn).send().await.expect("describe");
    let live = &live.target_groups()[0];
    assert_eq!(live.target_group_name(), Some(tg.aws_name().as_str()));
    assert!(out.arn_suffix.starts_with(&format!("targetgroup/{}/", tg.aws_name())), "{}", out.arn_suffix);
    assert_eq!(live.health_check_path(), Some("/health"));
    assert_eq!(live.health_check_interval_seconds(), Some(20));
    assert_eq!(live.health_check_timeout_seconds(), Some(6));
    assert_eq!(live.healthy_threshold_count(), Some(3));
    assert_eq!(live.unhealthy_threshold_count(), Some(4));
    assert_eq!(live.matcher().and_then(|m| m.http_code()), Some("200"));
    let attrs =
        check.elbv2().describe_target_group_attributes().target_group_arn(&out.arn).send().await.expect("attrs");
    let delay = attrs.attributes().iter().find(|a| a.key() == Some("deregistration_delay.timeout_seconds"));
    assert_eq!(delay.and_then(|a| a.value()), Some("300"));
}

#[tokio::test]
async fn http_redirects_to_an_https_listener_with_the_tls13_policy() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let net = net(&emu, 71).await;
    let lb = create(&load_balancer("web", &net), "web", &cx).await;
    let tg = create(&target_group("app", &net.vpc_id, 8080), "app", &cx).await;
    let acm = aws_sdk_acm::Client::new(&emu.sdk_config().await);
    let cert = acm.request_certificate().domain_name("app.example.com").send().await.expect("request certificate");
    let cert = cert.certificate_arn().expect("certificate arn").to_string();

    let http = Listener {
        load_balancer_arn: lb.arn.clone().into(),
        default_action: Action::RedirectToHttps,
        tags: engine_tags("http", &[]),
        ..Default::default()
    };
    let https = Listener {
        load_balancer_arn: lb.arn.clone().into(),
        port: 443,
        protocol: Protocol::Https,
        certificate_arn: Some(cert.clone().into()),
        default_action: Action::Forward { target_group_arn: tg.arn.clone().into() },
        tags: engine_tags("https", &[]),
        ..Default::default()
    };
    assert!(http.validate().is_empty() && https.validate().is_empty());
    let (http_out, https_out) = (create(&http, "http", &cx).await, create(&https, "https", &cx).await);

    let live = check.elbv2().describe_listeners().load_balancer_arn(&lb.arn).send().await.expect("describe listeners");
    let by_arn = |arn: &str| live.listeners().iter().find(|l| l.listener_arn() == Some(arn)).expect("listener").clone();
    let (h, s) = (by_arn(&http_out.arn), by_arn(&https_out.arn));
    assert_eq!((h.port(), h.protocol().map(|p| p.as_str())), (Some(80), Some("HTTP")));
    let redirect = h.default_actions()[0].redirect_config().expect("a redirect");
    assert_eq!(h.default_actions()[0].r#type(), Some(&ActionTypeEnum::Redirect));
    assert_eq!((redirect.protocol(), redirect.port()), (Some("HTTPS"), Some("443")));
    assert_eq!(redirect.status_code(), Some(&RedirectActionStatusCodeEnum::Http301));
    assert_eq!((s.port(), s.protocol().map(|p| p.as_str())), (Some(443), Some("HTTPS")));
    assert_eq!(s.ssl_policy(), Some(DEFAULT_SSL_POLICY));
    assert_eq!(s.certificates().first().and_then(|c| c.certificate_arn()), Some(cert.as_str()));
    assert_eq!(s.default_actions()[0].target_group_arn(), Some(tg.arn.as_str()));
    let seen = https.read(&https_out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, https, "the HTTPS listener reads back as declared");
}

#[tokio::test]
async fn an_api_rule_forwards_to_the_api_group() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let net = net(&emu, 72).await;
    let lb = deps::sdk_load_balancer(&emu, &net, "rules").await;
    let (web, api) = (deps::sdk_target_group(&emu, &net, "web").await, deps::sdk_target_group(&emu, &net, "api").await);
    let listener = deps::sdk_listener(&emu, &lb, &web).await;
    let rule = ListenerRule {
        listener_arn: listener.clone().into(),
        priority: 10,
        path_patterns: vec!["/api/*".into()],
        action: Action::Forward { target_group_arn: api.clone().into() },
        tags: engine_tags("api-route", &[]),
        ..Default::default()
    };
    let out = create(&rule, "api-route", &cx).await;
    let live = check.elbv2().describe_rules().listener_arn(&listener).send().await.expect("describe rules");
    let live = live.rules().iter().find(|r| r.rule_arn() == Some(out.arn.as_str())).expect("the rule");
    assert_eq!(live.priority(), Some("10"));
    let condition = &live.conditions()[0];
    assert_eq!(condition.field(), Some("path-pattern"));
    let values =
        condition.path_pattern_config().map(|p| p.values().to_vec()).unwrap_or_else(|| condition.values().to_vec());
    assert_eq!(values, ["/api/*"]);
    assert_eq!(live.actions()[0].target_group_arn(), Some(api.as_str()));
}

#[tokio::test]
async fn deletion_protection_refuses_a_delete_naming_the_load_balancer() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let net = net(&emu, 73).await;
    let lb = LoadBalancer { deletion_protection: true, ..load_balancer("prod-web", &net) };
    let out = create(&lb, "prod-web", &cx).await;
    let err = lb.delete(&out, &cx).await.expect_err("a protected load balancer is not deleted");
    assert_eq!(err.class, ErrorClass::Conflict, "{}", err.message);
    assert!(err.message.contains("load balancer prod-web"), "{}", err.message);
    assert!(err.message.contains("deletion_protection.enabled"), "{}", err.message);
    let still = check.elbv2().describe_load_balancers().load_balancer_arns(&out.arn).send().await.expect("describe");
    assert_eq!(still.load_balancers().len(), 1, "the load balancer is still there");
    let attrs =
        check.elbv2().describe_load_balancer_attributes().load_balancer_arn(&out.arn).send().await.expect("attrs");
    let protection = attrs.attributes().iter().find(|a| a.key() == Some("deletion_protection.enabled"));
    assert_eq!(
        protection.and_then(|a| a.value()),
        Some("true"),
        "protection was not turned off behind the program's back"
    );

    let unprotected = LoadBalancer { deletion_protection: false, ..lb.clone() };
    unprotected.update(&lb, &out, &cx).await.expect("turn protection off");
    unprotected.delete(&out, &cx).await.expect("deletes once protection is off");
    assert!(unprotected.read(&out, &cx).await.expect("read").is_none());
}

/// The load balancer, a target group on `port` and a listener forwarding to it.
fn program(net: &Network, port: i32) -> Stack {
    let mut stack = Stack::new(e2e::STACK);
    stack.default_tag("Environment", "local");
    let lb = stack.add("alb", LoadBalancer { tags: Default::default(), ..load_balancer("plinth-e2e-alb", net) });
    let tg = stack.add("api", TargetGroup { tags: Default::default(), ..target_group("api", &net.vpc_id, port) });
    let listener = Listener {
        load_balancer_arn: lb.output(|o| o.arn.clone()),
        default_action: Action::Forward { target_group_arn: tg.output(|o| o.arn.clone()) },
        ..Default::default()
    };
    stack.add("http", listener);
    stack
}

#[tokio::test]
async fn a_target_group_replacement_repoints_the_listener_before_the_old_group_goes() {
    let emu = Emulator::start();
    let check = emu.independent().await;
    let net = net(&emu, 74).await;
    let (store, registry) = (state::Store::open_in_memory().expect("store"), resources::registry());
    let cx: engine::Context = Arc::new(emu.context().await);
    let up = |stack: Stack| {
        let (store, registry, cx) = (&store, &registry, cx.clone());
        async move {
            let planned = plan(&stack, &validate(&stack).expect("valid"), &store.resources().expect("rows"), registry);
            let (_tx, cancel) = watch::channel(false);
            let opts = ApplyOptions::new("run", 4, cancel);
            let report = apply(&planned, &stack, registry, store, cx, &opts, &Silent).await.expect("apply");
            (planned, report)
        }
    };
    let (_, first) = up(program(&net, 8080)).await;
    assert!(first.ok(), "{first:?}");
    let old_tg = store.resource("api").expect("row").expect("api").cloud_id;
    let listener = store.resource("http").expect("row").expect("http").cloud_id;

    let (planned, second) = up(program(&net, 9090)).await;
    assert_eq!(planned.step("api").expect("api").action, PlanAction::Replace);
    assert!(!planned.step("api").expect("api").delete_first, "the new group is created first");
    assert_eq!(planned.step("http").expect("http").action, PlanAction::Update);
    assert!(second.ok(), "no ResourceInUse: {second:?}");

    let new_tg = store.resource("api").expect("row").expect("api").cloud_id;
    assert_ne!(new_tg, old_tg);
    let live = check.elbv2().describe_listeners().listener_arns(&listener).send().await.expect("describe listener");
    assert_eq!(live.listeners()[0].default_actions()[0].target_group_arn(), Some(new_tg.as_str()));
    let new = check.elbv2().describe_target_groups().target_group_arns(&new_tg).send().await.expect("new group");
    assert_eq!(new.target_groups()[0].port(), Some(9090));
    let old = check.elbv2().describe_target_groups().target_group_arns(&old_tg).send().await;
    let err = old.expect_err("the old group is gone");
    assert!(err.as_service_error().is_some_and(|e| e.is_target_group_not_found_exception()), "{err:?}");
}
