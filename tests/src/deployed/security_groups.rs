//! Security groups: nothing of the stack is open to the internet except the load balancer's
//! HTTPS and HTTP listeners (EC2.18, which also covers SSH and RDP: EC2.13, EC2.14), and the data
//! tier (the groups of the stack's RDS instances and Redis replication groups) is reachable only
//! from the groups the ECS services run in.

use super::discover;
use super::target::Target;
use super::{blocked, Check};
use aws_sdk_ec2::types::{IpPermission, SecurityGroup};

const AREA: &str = "security groups";

pub async fn checks(t: &Target) -> Vec<Check> {
    let (groups, lbs, services, dbs, caches) = tokio::join!(
        discover::security_groups(t),
        discover::load_balancers(t),
        discover::service_group_ids(t),
        discover::db_instances(t),
        discover::replication_groups(t)
    );
    let groups = match groups {
        Ok(groups) => groups,
        Err(reason) => {
            return vec![
                blocked(AREA, Some("EC2.18"), OPEN_WHAT, &reason),
                blocked(AREA, None, DATA_WHAT, &reason),
            ]
        }
    };
    let alb_groups: Result<Vec<String>, String> =
        lbs.map(|lbs| lbs.iter().flat_map(|lb| lb.security_groups().iter().cloned()).collect());
    let mut data_groups: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    match dbs {
        Ok(dbs) => data_groups.extend(dbs.iter().flat_map(|d| d.vpc_security_groups()).filter_map(|g| g.vpc_security_group_id().map(str::to_string))),
        Err(e) => problems.push(e),
    }
    match caches {
        Ok(caches) => data_groups.extend(cache_group_ids(t, &caches).await),
        Err(e) => problems.push(e),
    }
    vec![open_to_internet(&groups, alb_groups), data_tier(&groups, &data_groups, services, problems)]
}

const OPEN_WHAT: &str = "no ingress from 0.0.0.0/0 or ::/0 except the load balancer's TCP 443 and 80";
const DATA_WHAT: &str = "the data tier's groups admit only the services' groups (no CIDR, no other group)";

/// The groups of the replication groups' member clusters.
async fn cache_group_ids(t: &Target, caches: &[aws_sdk_elasticache::types::ReplicationGroup]) -> Vec<String> {
    let client = aws_sdk_elasticache::Client::new(t.sdk());
    let mut ids = Vec::new();
    for member in caches.iter().flat_map(|g| g.member_clusters()) {
        if let Ok(out) = client.describe_cache_clusters().cache_cluster_id(member).send().await {
            ids.extend(out.cache_clusters().iter().flat_map(|c| c.security_groups()).filter_map(|g| g.security_group_id().map(str::to_string)));
        }
    }
    ids
}

fn open(permission: &IpPermission) -> bool {
    permission.ip_ranges().iter().any(|r| r.cidr_ip() == Some("0.0.0.0/0"))
        || permission.ipv6_ranges().iter().any(|r| r.cidr_ipv6() == Some("::/0"))
}

fn ports(permission: &IpPermission) -> String {
    format!(
        "{} {}-{}",
        permission.ip_protocol().unwrap_or("?"),
        permission.from_port().unwrap_or(-1),
        permission.to_port().unwrap_or(-1)
    )
}

fn name(group: &SecurityGroup) -> String {
    format!("{} ({})", group.group_id().unwrap_or_default(), group.group_name().unwrap_or_default())
}

fn open_to_internet(groups: &[SecurityGroup], alb_groups: Result<Vec<String>, String>) -> Check {
    let alb_groups = match alb_groups {
        Ok(ids) => ids,
        Err(reason) => return blocked(AREA, Some("EC2.18"), OPEN_WHAT, &reason),
    };
    let mut check = Check::new(AREA, Some("EC2.18"), OPEN_WHAT);
    for group in groups {
        check.saw();
        let is_alb = alb_groups.iter().any(|id| Some(id.as_str()) == group.group_id());
        for permission in group.ip_permissions().iter().filter(|p| open(p)) {
            let web = permission.ip_protocol() == Some("tcp")
                && matches!((permission.from_port(), permission.to_port()), (Some(443), Some(443)) | (Some(80), Some(80)));
            if !(is_alb && web) {
                let whose = if is_alb { "the load balancer's group" } else { "not the load balancer's group" };
                check.fail(name(group), format!("{} open to the internet ({whose})", ports(permission)));
            }
        }
    }
    check
}

fn data_tier(groups: &[SecurityGroup], data_groups: &[String], services: Result<Vec<String>, String>, problems: Vec<String>) -> Check {
    let services = match (services, problems.is_empty()) {
        (Ok(ids), true) => ids,
        (Err(reason), _) => return blocked(AREA, None, DATA_WHAT, &reason),
        (Ok(_), false) => return blocked(AREA, None, DATA_WHAT, &problems.join("; ")),
    };
    let mut check = Check::new(AREA, None, DATA_WHAT);
    if services.is_empty() {
        check.fail("(services)", "no ECS service of the stack runs in a security group: nothing may reach the data tier");
    }
    for id in data_groups {
        let Some(group) = groups.iter().find(|g| g.group_id() == Some(id.as_str())) else {
            check.fail(id, "the data tier uses a group not tagged for the stack");
            continue;
        };
        check.saw();
        for permission in group.ip_permissions() {
            if !permission.ip_ranges().is_empty() || !permission.ipv6_ranges().is_empty() || !permission.prefix_list_ids().is_empty() {
                check.fail(name(group), format!("{} admits address ranges", ports(permission)));
            }
            for pair in permission.user_id_group_pairs() {
                let source = pair.group_id().unwrap_or_default();
                if !services.iter().any(|s| s == source) {
                    check.fail(name(group), format!("{} admits {source}, not a services' group", ports(permission)));
                }
            }
        }
    }
    check
}
