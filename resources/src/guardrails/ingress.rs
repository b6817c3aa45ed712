//! No security group lets the whole internet in, except a load balancer's group on 80 and 443.

use crate::ec2::{SecurityGroup, SecurityGroupRule};
use crate::elbv2::LoadBalancer;
use engine::policy::Severity;
use engine::{PlannedResource, PolicyRule, Resource};
use serde_json::Value;

/// The sources that mean "anyone on the internet" (the kinds model IPv4 ranges today; `::/0`
/// is here for when they take IPv6 ones).
const WORLD: &[&str] = &["0.0.0.0/0", "::/0"];

/// The ports a load balancer's group may open to the world (HTTP, HTTPS).
const WEB_PORTS: &[i64] = &[80, 443];

/// Ingress from `0.0.0.0/0` or `::/0` only to a load balancer's group, tcp 80 or 443.
pub struct NoPublicIngress;

impl PolicyRule for NoPublicIngress {
    fn id(&self) -> &'static str {
        "no-public-ingress"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        match r.kind {
            SecurityGroup::KIND => {
                let balanced = fronts_a_load_balancer(r, r.name);
                let rules = r.inputs.get("ingress").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
                rules
                    .iter()
                    .enumerate()
                    .filter_map(|(i, rule)| open_to_world(rule, balanced).map(|m| format!("ingress[{i}] {m}")))
                    .collect()
            }
            SecurityGroupRule::KIND if r.inputs.get("direction").and_then(Value::as_str) == Some("ingress") => {
                let balanced = r.depends_on.iter().any(|d| fronts_a_load_balancer(r, d));
                // The rule's fields are the resource's own (flattened).
                open_to_world(r.inputs, balanced).map(|m| format!("rule {m}")).into_iter().collect()
            }
            _ => vec![],
        }
    }
}

/// Whether the planned security group `group` is used by a load balancer.
fn fronts_a_load_balancer(r: &PlannedResource<'_>, group: &str) -> bool {
    r.kind_of(group) == Some(SecurityGroup::KIND)
        && r.dependents_of(group).iter().any(|(_, kind)| *kind == LoadBalancer::KIND)
}

/// What is wrong with one rule (`Rule` as serialized), if it lets the world in.
fn open_to_world(rule: &Value, balanced: bool) -> Option<String> {
    let cidrs = rule.get("cidr_blocks").and_then(Value::as_array)?;
    let world = cidrs.iter().filter_map(Value::as_str).find(|c| WORLD.contains(c))?;
    let protocol = rule.get("protocol").and_then(Value::as_str).unwrap_or("-1");
    let (from, to) = (rule.get("from_port").and_then(Value::as_i64), rule.get("to_port").and_then(Value::as_i64));
    let web = protocol == "tcp" && from == to && from.is_some_and(|p| WEB_PORTS.contains(&p));
    if balanced && web {
        return None;
    }
    let ports = match (protocol, from, to) {
        ("-1", _, _) => "all traffic".to_string(),
        (p, Some(f), Some(t)) if f == t => format!("{p} {f}"),
        (p, Some(f), Some(t)) => format!("{p} {f}-{t}"),
        (p, _, _) => p.to_string(),
    };
    let allowed = if balanced {
        "only tcp 80 and 443 may be open to the world"
    } else {
        "only a load balancer's group may be open to the world (tcp 80 and 443)"
    };
    Some(format!("allows {ports} from {world}: {allowed}"))
}
