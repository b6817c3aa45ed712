//! Counts of every object in an emulator, tagged or not, by independent SDK clients straight at
//! moto (never through a proxy): the measure of "no duplicate". Each trial has its own server, so
//! a count that differs from an uninterrupted run's is an object the trial made twice (or lost).

use aws_sdk_ec2::types::Filter;
use std::collections::BTreeMap;

/// Object counts by kind (`"ec2 vpcs"` → 2), moto's default objects included.
pub type Census = BTreeMap<&'static str, usize>;

/// The moto account (local pins it too).
const ACCOUNT: &str = "123456789012";

/// Every object the local platform can create, counted without any tag filter, so an untagged
/// duplicate counts too.
pub async fn census(cx: &resources::AwsContext) -> Census {
    let mut c = Census::new();
    ec2(cx, None, &mut c).await;
    c.insert("s3 buckets", cx.s3().list_buckets().send().await.expect("ListBuckets").buckets().len());
    iam(cx, &mut c).await;
    let rds = &cx.rds();
    c.insert(
        "rds instances",
        rds.describe_db_instances().send().await.expect("DescribeDBInstances").db_instances().len(),
    );
    let groups = rds.describe_db_subnet_groups().send().await.expect("DescribeDBSubnetGroups");
    c.insert("rds subnet groups", groups.db_subnet_groups().len());
    let params = rds.describe_db_parameter_groups().send().await.expect("DescribeDBParameterGroups");
    c.insert("rds parameter groups", params.db_parameter_groups().len());
    let ec = &cx.elasticache();
    let rgs = ec.describe_replication_groups().send().await.expect("DescribeReplicationGroups");
    let live = rgs.replication_groups().iter().filter(|g| !matches!(g.status(), Some("deleting" | "deleted")));
    c.insert("elasticache replication groups", live.count());
    let sgs = ec.describe_cache_subnet_groups().send().await.expect("DescribeCacheSubnetGroups");
    c.insert("elasticache subnet groups", sgs.cache_subnet_groups().len());
    c.insert("secrets", cx.secrets().list_secrets().send().await.expect("ListSecrets").secret_list().len());
    c.insert("ssm parameters", ssm_parameters(cx).await);
    let acls =
        cx.wafv2().list_web_acls().scope(aws_sdk_wafv2::types::Scope::Regional).send().await.expect("ListWebACLs");
    c.insert("waf web acls", acls.web_acls().len());
    let budgets = cx.budgets().describe_budgets().account_id(ACCOUNT).send().await.expect("DescribeBudgets");
    c.insert("budgets", budgets.budgets().len());
    c
}

/// EC2 objects tagged `plinth:stack=stack` (what `destroy` must leave none of).
pub async fn tagged_ec2(cx: &resources::AwsContext, stack: &str) -> Census {
    let mut c = Census::new();
    ec2(cx, Some(stack), &mut c).await;
    c.retain(|_, n| *n > 0);
    c
}

/// The EC2 objects tagged `plinth:stack=stack`, each as `id (plinth:name=…, …)`, to name leftovers.
pub async fn tagged_ec2_objects(cx: &resources::AwsContext, stack: &str) -> Vec<String> {
    let f = || Filter::builder().name("tag:plinth:stack").values(stack).build();
    let name = |tags: &[aws_sdk_ec2::types::Tag]| {
        tags.iter().find(|t| t.key() == Some("plinth:name")).and_then(|t| t.value()).unwrap_or("?").to_string()
    };
    let ec2 = &cx.ec2();
    let mut found = Vec::new();
    for v in ec2.describe_vpcs().filters(f()).send().await.expect("DescribeVpcs").vpcs() {
        let default = v.is_default().unwrap_or(false);
        found.push(format!("{} (plinth:name={}, default VPC: {default})", v.vpc_id().unwrap_or("?"), name(v.tags())));
    }
    for g in ec2
        .describe_internet_gateways()
        .filters(f())
        .send()
        .await
        .expect("DescribeInternetGateways")
        .internet_gateways()
    {
        let attached: Vec<_> = g.attachments().iter().filter_map(|a| a.vpc_id()).collect();
        found.push(format!(
            "{} (plinth:name={}, attached to {attached:?})",
            g.internet_gateway_id().unwrap_or("?"),
            name(g.tags())
        ));
    }
    for s in ec2.describe_subnets().filters(f()).send().await.expect("DescribeSubnets").subnets() {
        found.push(format!(
            "{} (plinth:name={}, in {})",
            s.subnet_id().unwrap_or("?"),
            name(s.tags()),
            s.vpc_id().unwrap_or("?")
        ));
    }
    for g in ec2.describe_security_groups().filters(f()).send().await.expect("DescribeSecurityGroups").security_groups()
    {
        found.push(format!(
            "{} (plinth:name={}, {})",
            g.group_id().unwrap_or("?"),
            name(g.tags()),
            g.group_name().unwrap_or("?")
        ));
    }
    for t in ec2.describe_route_tables().filters(f()).send().await.expect("DescribeRouteTables").route_tables() {
        found.push(format!(
            "{} (plinth:name={}, in {})",
            t.route_table_id().unwrap_or("?"),
            name(t.tags()),
            t.vpc_id().unwrap_or("?")
        ));
    }
    for a in ec2.describe_addresses().filters(f()).send().await.expect("DescribeAddresses").addresses() {
        let id = a.allocation_id().unwrap_or("?");
        found.push(format!("{id} (plinth:name={}, {})", name(a.tags()), a.public_ip().unwrap_or("?")));
    }
    for n in ec2.describe_nat_gateways().filter(f()).send().await.expect("DescribeNatGateways").nat_gateways() {
        let state = n.state().map(|s| s.as_str()).unwrap_or("?");
        found.push(format!("{} (plinth:name={}, {state})", n.nat_gateway_id().unwrap_or("?"), name(n.tags())));
    }
    found
}

async fn ec2(cx: &resources::AwsContext, stack: Option<&str>, c: &mut Census) {
    let f = || stack.map(|s| vec![Filter::builder().name("tag:plinth:stack").values(s).build()]);
    let ec2 = &cx.ec2();
    c.insert("ec2 vpcs", ec2.describe_vpcs().set_filters(f()).send().await.expect("DescribeVpcs").vpcs().len());
    let subnets = ec2.describe_subnets().set_filters(f()).send().await.expect("DescribeSubnets");
    c.insert("ec2 subnets", subnets.subnets().len());
    let igws = ec2.describe_internet_gateways().set_filters(f()).send().await.expect("DescribeInternetGateways");
    c.insert("ec2 internet gateways", igws.internet_gateways().len());
    let eips = ec2.describe_addresses().set_filters(f()).send().await.expect("DescribeAddresses");
    c.insert("ec2 elastic ips", eips.addresses().len());
    let nats = ec2.describe_nat_gateways().set_filter(f()).send().await.expect("DescribeNatGateways");
    let live =
        nats.nat_gateways().iter().filter(|n| !matches!(n.state().map(|s| s.as_str()), Some("deleted" | "deleting")));
    c.insert("ec2 nat gateways", live.count());
    let tables = ec2.describe_route_tables().set_filters(f()).send().await.expect("DescribeRouteTables");
    c.insert("ec2 route tables", tables.route_tables().len());
    c.insert("ec2 routes", tables.route_tables().iter().map(|t| t.routes().len()).sum());
    let assoc = tables.route_tables().iter().flat_map(|t| t.associations()).filter(|a| a.main() != Some(true));
    c.insert("ec2 route table associations", assoc.count());
    let groups = ec2.describe_security_groups().set_filters(f()).send().await.expect("DescribeSecurityGroups");
    c.insert("ec2 security groups", groups.security_groups().len());
    let rules = groups.security_groups().iter().map(|g| g.ip_permissions().len() + g.ip_permissions_egress().len());
    c.insert("ec2 security group rules", rules.sum());
}

async fn iam(cx: &resources::AwsContext, c: &mut Census) {
    let iam = &cx.iam();
    let roles = iam.list_roles().send().await.expect("ListRoles");
    c.insert("iam roles", roles.roles().len());
    let (mut inline, mut attached) = (0, 0);
    for role in roles.roles() {
        let name = role.role_name();
        inline += iam.list_role_policies().role_name(name).send().await.expect("ListRolePolicies").policy_names().len();
        let a = iam.list_attached_role_policies().role_name(name).send().await.expect("ListAttachedRolePolicies");
        attached += a.attached_policies().len();
    }
    c.insert("iam inline role policies", inline);
    c.insert("iam attached role policies", attached);
    let local =
        iam.list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Local).send().await.expect("ListPolicies");
    c.insert("iam customer policies", local.policies().len());
}

async fn ssm_parameters(cx: &resources::AwsContext) -> usize {
    let mut pages = cx.ssm().describe_parameters().into_paginator().send();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        n += page.expect("DescribeParameters").parameters().len();
    }
    n
}

/// Lines naming every count that differs: `ec2 vpcs: 3, expected 2`.
pub fn differences(expected: &Census, got: &Census) -> Vec<String> {
    let kinds: std::collections::BTreeSet<_> = expected.keys().chain(got.keys()).collect();
    kinds
        .into_iter()
        .filter_map(|k| {
            let (e, g) = (expected.get(k).copied().unwrap_or(0), got.get(k).copied().unwrap_or(0));
            (e != g).then(|| format!("{k}: {g}, expected {e}"))
        })
        .collect()
}
