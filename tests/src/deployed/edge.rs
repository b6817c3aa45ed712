//! Edge: the stack's load balancer serves HTTPS with a TLS 1.2+ / 1.3 policy (ELB.17), its HTTP
//! listeners only redirect to HTTPS (ELB.1), drops invalid headers (ELB.4), writes access logs
//! (ELB.5), is protected from deletion in prod (ELB.6), spans two zones (ELB.13); its target
//! groups check `/health`; a web ACL with rules (WAF.10) and a rate-based rule is associated
//! (ELB.16) and logs (WAF.11).

use super::discover;
use super::target::Target;
use super::{blocked, error_text, Check};
use aws_sdk_elasticloadbalancingv2::types::{ActionTypeEnum, Listener, LoadBalancer};
use aws_sdk_elasticloadbalancingv2::Client;
use std::collections::BTreeMap;

const AREA: &str = "edge";

/// Security policies that allow only TLS 1.2 and 1.3 (AWS's recommended policies included).
fn modern_policy(policy: &str) -> bool {
    policy.starts_with("ELBSecurityPolicy-TLS13-")
        || policy.starts_with("ELBSecurityPolicy-FS-1-2-")
        || matches!(policy, "ELBSecurityPolicy-TLS-1-2-2017-01" | "ELBSecurityPolicy-TLS-1-2-Ext-2018-06")
}

const WHAT: [(Option<&str>, &str); 10] = [
    (Some("ELB.17"), "HTTPS listeners use a TLS 1.2+/1.3 security policy"),
    (Some("ELB.1"), "HTTP listeners redirect to HTTPS (301)"),
    (None, "target groups health-check /health"),
    (Some("ELB.16"), "a WAF web ACL is associated with the load balancer"),
    (Some("WAF.11"), "the web ACL logs"),
    (Some("WAF.10"), "the web ACL has rules, one of them rate-based"),
    (Some("ELB.6"), "the load balancer has deletion protection (required in prod)"),
    (Some("ELB.4"), "the load balancer drops invalid header fields"),
    (Some("ELB.5"), "the load balancer writes access logs"),
    (Some("ELB.13"), "the load balancer spans at least two availability zones"),
];

pub async fn checks(t: &Target) -> Vec<Check> {
    let lbs = match discover::load_balancers(t).await {
        Ok(lbs) => lbs,
        Err(reason) => return WHAT.iter().map(|(c, w)| blocked(AREA, *c, w, &reason)).collect(),
    };
    let mut c: Vec<Check> = WHAT.iter().map(|(control, w)| Check::new(AREA, *control, *w)).collect();
    let elb = Client::new(t.sdk());
    for lb in &lbs {
        let name = lb.load_balancer_name().unwrap_or_default().to_string();
        let arn = lb.load_balancer_arn().unwrap_or_default();
        match elb.describe_listeners().load_balancer_arn(arn).send().await {
            Ok(out) => listeners(&name, out.listeners(), &mut c),
            Err(e) => {
                c[0].call_failed(&name, "DescribeListeners", e);
            }
        }
        match discover::target_groups(t, arn).await {
            Ok(groups) => {
                for group in groups {
                    let path = group.health_check_path().unwrap_or_default();
                    c[2].expect(group.target_group_name().unwrap_or_default(), path == "/health", format!("health check path {path:?}"));
                }
            }
            Err(e) => {
                c[2].fail(&name, e);
            }
        }
        waf(t, &name, arn, &mut c).await;
        attributes(t, &elb, lb, &mut c).await;
        let zones = lb.availability_zones().len();
        c[9].expect(&name, zones >= 2, format!("in {zones} zone(s)"));
    }
    c
}

fn listeners(lb: &str, listeners: &[Listener], c: &mut [Check]) {
    let https: Vec<&Listener> = listeners.iter().filter(|l| l.protocol().map(|p| p.as_str()) == Some("HTTPS")).collect();
    if https.is_empty() {
        c[0].expect(lb, false, "no HTTPS listener");
    }
    for listener in https {
        let policy = listener.ssl_policy().unwrap_or_default();
        c[0].expect(format!("{lb}:{}", listener.port().unwrap_or_default()), modern_policy(policy), format!("policy {policy:?} allows TLS below 1.2"));
    }
    for listener in listeners.iter().filter(|l| l.protocol().map(|p| p.as_str()) == Some("HTTP")) {
        let object = format!("{lb}:{}", listener.port().unwrap_or_default());
        let redirect = listener.default_actions().iter().find(|a| a.r#type() == Some(&ActionTypeEnum::Redirect));
        let config = redirect.and_then(|a| a.redirect_config());
        let to_https = config.is_some_and(|r| r.protocol() == Some("HTTPS") && r.status_code().map(|s| s.as_str()) == Some("HTTP_301"));
        c[1].expect(object, to_https, format!("default action is not a 301 redirect to HTTPS: {:?}", listener.default_actions()));
    }
}

async fn waf(t: &Target, lb: &str, arn: &str, c: &mut [Check]) {
    let waf = aws_sdk_wafv2::Client::new(t.sdk());
    let acl = match waf.get_web_acl_for_resource().resource_arn(arn).send().await {
        Ok(out) => out.web_acl().cloned(),
        Err(e) => {
            c[3].call_failed(lb, "GetWebACLForResource", e);
            return;
        }
    };
    c[3].expect(lb, acl.is_some(), "no web ACL associated");
    let Some(acl) = acl else { return };
    let object = format!("{} on {lb}", acl.name());
    match waf.get_logging_configuration().resource_arn(acl.arn()).send().await {
        Ok(out) => {
            let destinations = out.logging_configuration().map(|l| l.log_destination_configs().to_vec()).unwrap_or_default();
            c[4].expect(&object, !destinations.is_empty(), "no log destination");
        }
        Err(e) => {
            c[4].expect(&object, false, format!("no logging configuration: {}", error_text(e)));
        }
    }
    let rate_based = acl.rules().iter().any(|r| r.statement().and_then(|s| s.rate_based_statement()).is_some());
    c[5].expect(&object, !acl.rules().is_empty() && rate_based, format!("{} rules, rate-based: {rate_based}", acl.rules().len()));
}

async fn attributes(t: &Target, elb: &Client, lb: &LoadBalancer, c: &mut [Check]) {
    let name = lb.load_balancer_name().unwrap_or_default();
    let out = match elb.describe_load_balancer_attributes().load_balancer_arn(lb.load_balancer_arn().unwrap_or_default()).send().await {
        Ok(out) => out,
        Err(e) => {
            let text = error_text(e);
            for check in [6, 7, 8] {
                c[check].fail(name, format!("DescribeLoadBalancerAttributes failed: {text}"));
            }
            return;
        }
    };
    let attrs: BTreeMap<&str, &str> = out.attributes().iter().filter_map(|a| Some((a.key()?, a.value().unwrap_or_default()))).collect();
    let on = |key: &str| attrs.get(key) == Some(&"true");
    let protected = on("deletion_protection.enabled");
    if t.is_prod() || t.env.compute.lb_deletion_protection || protected {
        c[6].expect(name, protected, format!("deletion protection is off, and {} requires it", t.stack));
    } else {
        c[6].not_required(format!("not required in {}", t.stack));
    }
    c[7].expect(name, on("routing.http.drop_invalid_header_fields.enabled"), "invalid header fields are forwarded");
    let bucket = attrs.get("access_logs.s3.bucket").copied().unwrap_or_default();
    c[8].expect(name, on("access_logs.s3.enabled") && !bucket.is_empty(), "access logs are off");
}
