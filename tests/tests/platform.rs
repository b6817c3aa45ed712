//! The whole local program against the emulator, driven through the CLI as a user would:
//! up → independent SDK checks → preview has nothing to do → an out-of-band change shows in
//! refresh and is converged by `up --refresh` → destroy leaves nothing tagged for the stack.

use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use e2e::Emulator;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

#[path = "platform/compute.rs"]
mod compute;

const STACK: &str = "local";

fn cli(state: &Path, verb: &[&str]) -> u8 {
    let mut args = vec!["local".to_string()];
    args.extend(verb.iter().map(|s| s.to_string()));
    args.extend(["--state".to_string(), state.display().to_string()]);
    engine::cli::run(
        programs::app(
            programs::env::local(),
            programs::release::load(&programs::env::local()).expect("the release file"),
        ),
        args,
    )
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

#[test]
fn local_platform_up_check_drift_and_destroy() {
    let emu = Emulator::start();
    std::env::set_var("AWS_ENDPOINT_URL", emu.endpoint());
    std::env::set_var("PLINTH_MAX_ATTEMPTS", "2");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    let rt = runtime();

    let started = Instant::now();
    assert_eq!(cli(&state, &["up", "--yes"]), 0, "up");
    eprintln!("local up wall time: {:.2?}", started.elapsed());
    rt.block_on(check_network(&emu));
    rt.block_on(check_security_groups(&emu));
    rt.block_on(check_buckets(&emu));
    rt.block_on(check_iam(&emu));
    rt.block_on(compute::check_cluster_and_services(&emu));
    rt.block_on(compute::check_load_balancer(&emu));
    rt.block_on(compute::check_scaling(&emu));
    rt.block_on(compute::check_repositories(&emu));
    rt.block_on(compute::check_roles_scoped(&emu));
    rt.block_on(compute::check_cdn(&emu));
    assert_eq!(cli(&state, &["preview", "--detailed-exitcode"]), 0, "a second preview has nothing to do");

    let vpc_id = rt.block_on(async { vpc(&emu.ec2().await).await.vpc_id.unwrap() });
    rt.block_on(async {
        let ec2 = emu.ec2().await;
        let off = aws_sdk_ec2::types::AttributeBooleanValue::builder().value(false).build();
        ec2.modify_vpc_attribute().vpc_id(&vpc_id).enable_dns_hostnames(off).send().await.unwrap();
        // The database's only way in, revoked out of band.
        let rule = standalone_rules(&ec2, "sg-database-from-services").await.remove(0);
        let revoke = ec2.revoke_security_group_ingress().group_id(rule.group_id().unwrap());
        revoke.security_group_rule_ids(rule.security_group_rule_id().unwrap()).send().await.unwrap();
    });
    let mut drift = rt.block_on(refresh_report(&emu, &state));
    drift.sort();
    let expected = vec![
        ("sg-database-from-services".to_string(), vec!["(vanished)".to_string()]),
        ("vpc".to_string(), vec!["enable_dns_hostnames".to_string()]),
    ];
    assert_eq!(drift, expected, "refresh sees the out-of-band changes and nothing else");
    assert_eq!(
        cli(&state, &["preview", "--detailed-exitcode"]),
        0,
        "without --refresh, state still matches the program"
    );
    assert_eq!(cli(&state, &["preview", "--refresh", "--detailed-exitcode"]), 2, "--refresh shows a change to undo");
    assert_eq!(cli(&state, &["up", "--refresh", "--yes"]), 0);
    assert_eq!(rt.block_on(dns_hostnames(&emu, &vpc_id)), Some(true), "up --refresh converged the VPC back");
    rt.block_on(check_security_groups(&emu));
    assert_eq!(cli(&state, &["preview", "--refresh", "--detailed-exitcode"]), 0);

    assert_eq!(cli(&state, &["destroy", "--yes"]), 0, "destroy");
    rt.block_on(check_nothing_left(&emu));
    rt.block_on(compute::check_nothing_left(&emu));
    assert!(state::Store::open(&state).unwrap().resources().unwrap().is_empty());
}

async fn refresh_report(emu: &Emulator, state: &Path) -> Vec<(String, Vec<String>)> {
    let store = state::Store::open(state).unwrap();
    let cx: engine::Context = Arc::new(emu.context().await);
    let read = engine::refresh::refresh(&store.resources().unwrap(), &resources::registry(), &cx, 4).await.unwrap();
    read.into_iter()
        .filter_map(|r| match r.observation {
            engine::refresh::Observation::Changed(d) => Some((r.row.name, d.into_iter().map(|d| d.path).collect())),
            engine::refresh::Observation::Vanished => Some((r.row.name, vec!["(vanished)".into()])),
            engine::refresh::Observation::Unreadable(_) => Some((r.row.name, vec!["(unreadable)".into()])),
            engine::refresh::Observation::Unchanged => None,
        })
        .collect()
}

async fn vpc(ec2: &aws_sdk_ec2::Client) -> aws_sdk_ec2::types::Vpc {
    let out = ec2.describe_vpcs().filters(filter("tag:plinth:stack", STACK)).send().await.unwrap();
    let vpcs = out.vpcs();
    assert_eq!(vpcs.len(), 1, "one VPC for the stack");
    vpcs[0].clone()
}

async fn dns_hostnames(emu: &Emulator, vpc_id: &str) -> Option<bool> {
    let ec2 = emu.ec2().await;
    let out = ec2
        .describe_vpc_attribute()
        .vpc_id(vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    out.enable_dns_hostnames().and_then(|a| a.value())
}

async fn check_network(emu: &Emulator) {
    let ec2 = emu.ec2().await;
    let vpc = vpc(&ec2).await;
    let vpc_id = vpc.vpc_id().unwrap().to_string();
    assert_eq!(vpc.cidr_block(), Some("10.10.0.0/16"));
    let tags: std::collections::BTreeMap<_, _> =
        vpc.tags().iter().map(|t| (t.key().unwrap(), t.value().unwrap())).collect();
    assert_eq!(tags.get("Environment"), Some(&"local"));
    assert_eq!(tags.get("ManagedBy"), Some(&"plinth"));
    assert_eq!(tags.get("plinth:name"), Some(&"vpc"));
    assert!(tags.contains_key("CostCenter") && tags.contains_key("Project"));
    assert_eq!(dns_hostnames(emu, &vpc_id).await, Some(true));

    let subnets = ec2.describe_subnets().filters(filter("vpc-id", &vpc_id)).send().await.unwrap();
    let subnets = subnets.subnets();
    assert_eq!(subnets.len(), 4);
    let named = |s: &&aws_sdk_ec2::types::Subnet, prefix: &str| {
        s.tags().iter().any(|t| t.key() == Some("plinth:name") && t.value().is_some_and(|v| v.starts_with(prefix)))
    };
    let public: Vec<_> = subnets.iter().filter(|s| named(s, "public-")).collect();
    assert_eq!(public.len(), 2, "two public subnets");
    let assigning: Vec<_> = subnets.iter().filter(|s| s.map_public_ip_on_launch() != Some(false)).collect();
    assert!(assigning.is_empty(), "no subnet auto-assigns public IPs: {assigning:?}");
    check_default_objects(&ec2, &vpc_id).await;
    let zones: std::collections::BTreeSet<_> = subnets.iter().filter_map(|s| s.availability_zone()).collect();
    assert_eq!(zones.len(), 2, "spread over two zones");

    let igws = ec2.describe_internet_gateways().filters(filter("attachment.vpc-id", &vpc_id)).send().await.unwrap();
    assert_eq!(igws.internet_gateways().len(), 1, "internet gateway attached");
    let nats = ec2.describe_nat_gateways().filter(filter("vpc-id", &vpc_id)).send().await.unwrap();
    let live: Vec<_> =
        nats.nat_gateways().iter().filter(|n| n.state().map(|s| s.as_str()) == Some("available")).collect();
    assert_eq!(live.len(), 1, "one NAT gateway in local");
    let nat_subnet = live[0].subnet_id().unwrap();
    assert!(public.iter().any(|s| s.subnet_id() == Some(nat_subnet)), "the NAT sits in a public subnet");

    let tables = ec2.describe_route_tables().filters(filter("vpc-id", &vpc_id)).send().await.unwrap();
    let default_via = |pick: &dyn Fn(&aws_sdk_ec2::types::Route) -> bool| {
        tables
            .route_tables()
            .iter()
            .filter(|t| t.routes().iter().any(|r| r.destination_cidr_block() == Some("0.0.0.0/0") && pick(r)))
            .count()
    };
    assert_eq!(default_via(&|r| r.gateway_id().is_some_and(|g| g.starts_with("igw-"))), 1, "public route table");
    assert_eq!(default_via(&|r| r.nat_gateway_id().is_some()), 1, "private route table");
}

async fn group(ec2: &aws_sdk_ec2::Client, name: &str) -> aws_sdk_ec2::types::SecurityGroup {
    let out = ec2
        .describe_security_groups()
        .filters(filter("group-name", &format!("plinth-local-{name}")))
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_groups().len(), 1, "group {name}");
    out.security_groups()[0].clone()
}

async fn check_security_groups(emu: &Emulator) {
    let ec2 = emu.ec2().await;
    let (alb, services, database, cache) = (
        group(&ec2, "alb").await,
        group(&ec2, "services").await,
        group(&ec2, "database").await,
        group(&ec2, "cache").await,
    );
    let open_ports: Vec<i32> = alb
        .ip_permissions()
        .iter()
        .filter(|p| p.ip_ranges().iter().any(|r| r.cidr_ip() == Some("0.0.0.0/0")))
        .filter_map(|p| p.from_port())
        .collect();
    assert_eq!(sorted(open_ports), vec![80, 443]);
    let only_from = |g: &aws_sdk_ec2::types::SecurityGroup, port: i32, source: &aws_sdk_ec2::types::SecurityGroup| {
        let perms = g.ip_permissions();
        assert_eq!(perms.len(), 1, "{:?} has exactly one ingress rule", g.group_name());
        assert_eq!(perms[0].from_port(), Some(port));
        assert!(perms[0].ip_ranges().is_empty(), "no CIDR may reach {:?}", g.group_name());
        let sources: Vec<_> = perms[0].user_id_group_pairs().iter().filter_map(|p| p.group_id()).collect();
        assert_eq!(sources, vec![source.group_id().unwrap()]);
    };
    only_from(&services, 8080, &alb);
    only_from(&database, 5432, &services);
    only_from(&cache, 6379, &services);
    assert!(database.ip_permissions_egress().is_empty(), "the database group has no default allow-all egress");
    let egress = alb.ip_permissions_egress();
    assert_eq!(egress.len(), 1, "the load balancer has exactly one egress rule: {egress:?}");
    assert_eq!((egress[0].from_port(), egress[0].to_port()), (Some(8080), Some(8080)));
    assert!(egress[0].ip_ranges().is_empty(), "no CIDR egress from the load balancer");
    let to: Vec<_> = egress[0].user_id_group_pairs().iter().filter_map(|p| p.group_id()).collect();
    assert_eq!(to, vec![services.group_id().unwrap()], "the load balancer reaches only the services");
    assert!(cache.ip_permissions_egress().is_empty(), "the cache group has no default allow-all egress");
    let services_out = services.ip_permissions_egress();
    assert_eq!(services_out.len(), 1, "the services have one egress rule: {services_out:?}");
    assert_eq!(services_out[0].ip_protocol(), Some("-1"));
    // Every rule naming another group is a standalone rule that proves whose it is by its tags.
    let named = [
        ("sg-services-from-alb", &services, false),
        ("sg-alb-to-services", &alb, true),
        ("sg-database-from-services", &database, false),
        ("sg-cache-from-services", &cache, false),
    ];
    for (name, group, egress) in named {
        let rules = standalone_rules(&ec2, name).await;
        assert_eq!(rules.len(), 1, "one rule tagged plinth:name={name}: {rules:?}");
        assert_eq!(rules[0].group_id(), group.group_id(), "{name} is a rule of its group");
        assert_eq!(rules[0].is_egress(), Some(egress), "{name} direction");
        assert!(rules[0].referenced_group_info().is_some(), "{name} names a group, not a CIDR");
    }
}

/// The security group rules tagged as the stack's resource `name`.
async fn standalone_rules(ec2: &aws_sdk_ec2::Client, name: &str) -> Vec<aws_sdk_ec2::types::SecurityGroupRule> {
    let call = ec2.describe_security_group_rules().filters(filter("tag:plinth:stack", STACK));
    let out = call.filters(filter("tag:plinth:name", name)).send().await.unwrap();
    out.security_group_rules().to_vec()
}

/// The VPC's default security group has no rules; its default network ACL is the stack's, with
/// explicit entries and no allow-all entry from anywhere.
async fn check_default_objects(ec2: &aws_sdk_ec2::Client, vpc_id: &str) {
    let groups =
        ec2.describe_security_groups().filters(filter("vpc-id", vpc_id)).filters(filter("group-name", "default"));
    let groups = groups.send().await.unwrap();
    let group = &groups.security_groups()[0];
    assert!(group.ip_permissions().is_empty() && group.ip_permissions_egress().is_empty(), "default group: {group:?}");
    let acls = ec2.describe_network_acls().filters(filter("vpc-id", vpc_id)).filters(filter("default", "true"));
    let acls = acls.send().await.unwrap();
    let acl = &acls.network_acls()[0];
    let stack = acl.tags().iter().find(|t| t.key() == Some("plinth:stack")).and_then(|t| t.value());
    assert_eq!(stack, Some("local"), "the default ACL is managed");
    let explicit: Vec<_> = acl.entries().iter().filter(|e| e.rule_number() != Some(32767)).collect();
    assert!(explicit.len() >= 4, "explicit entries: {explicit:?}");
    let open = explicit
        .iter()
        .any(|e| e.egress() == Some(false) && e.protocol() == Some("-1") && e.cidr_block() == Some("0.0.0.0/0"));
    assert!(!open, "no inbound allow-all from anywhere: {explicit:?}");
}

fn sorted(mut v: Vec<i32>) -> Vec<i32> {
    v.sort();
    v
}

async fn check_buckets(emu: &Emulator) {
    let s3 = emu.s3().await;
    let reports = "plinth-local-reports";
    let versioning = s3.get_bucket_versioning().bucket(reports).send().await.unwrap();
    assert_eq!(versioning.status().map(|s| s.as_str()), Some("Enabled"));
    for bucket in [reports, "plinth-local-static-assets"] {
        let enc = s3.get_bucket_encryption().bucket(bucket).send().await.unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        let algo = rule.apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str().to_string();
        assert_eq!(algo, "AES256", "{bucket} encrypted");
        let block = s3.get_public_access_block().bucket(bucket).send().await.unwrap();
        let b = block.public_access_block_configuration().unwrap();
        assert_eq!(
            (b.block_public_acls(), b.ignore_public_acls(), b.block_public_policy(), b.restrict_public_buckets()),
            (Some(true), Some(true), Some(true), Some(true)),
            "{bucket} public access blocked"
        );
    }
    let assets = s3.get_bucket_versioning().bucket("plinth-local-static-assets").send().await.unwrap();
    assert_eq!(assets.status().map(|s| s.as_str()), Some("Enabled"), "static assets versioned");
    let logs = "plinth-local-logs";
    for bucket in [reports, "plinth-local-static-assets", "plinth-local-alb-logs", logs] {
        let controls = s3.get_bucket_ownership_controls().bucket(bucket).send().await.unwrap();
        let rules = controls.ownership_controls().map(|c| c.rules().to_vec()).unwrap_or_default();
        let owner: Vec<&str> = rules.iter().map(|r| r.object_ownership().as_str()).collect();
        assert_eq!(owner, ["BucketOwnerEnforced"], "{bucket}: ACLs disabled");
        let policy = s3.get_bucket_policy().bucket(bucket).send().await.unwrap();
        let doc: serde_json::Value = serde_json::from_str(policy.policy().unwrap_or("{}")).unwrap();
        let denies_plain_http = doc["Statement"].as_array().into_iter().flatten().any(|st| {
            st["Effect"] == "Deny"
                && st["Principal"] == "*"
                && st["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        });
        assert!(denies_plain_http, "{bucket} denies requests without TLS: {doc}");
        let logging = s3.get_bucket_logging().bucket(bucket).send().await.unwrap();
        let target = logging.logging_enabled().map(|l| l.target_bucket().to_string());
        let want = (bucket != logs).then(|| logs.to_string());
        assert_eq!(target, want, "{bucket}: server access logs go to the log bucket (which logs nowhere)");
    }
    let lifecycle = s3.get_bucket_lifecycle_configuration().bucket(reports).send().await.unwrap();
    let days = lifecycle.rules()[0].noncurrent_version_expiration().and_then(|e| e.noncurrent_days());
    assert_eq!(days, Some(7), "old report versions expire");
}

async fn check_iam(emu: &Emulator) {
    let iam = emu.iam().await;
    for (role, policy, prefix) in [
        ("api-task", "bucket-api", "plinth-local-reports/api/*"),
        ("orchestrator-task", "bucket-jobs", "plinth-local-reports/jobs/*"),
    ] {
        let doc =
            iam.get_role_policy().role_name(format!("plinth-local-{role}")).policy_name(policy).send().await.unwrap();
        let decoded = resources::policy::decode_document(doc.policy_document()).unwrap();
        let text = decoded.to_string();
        assert!(text.contains(prefix), "{role} reaches its own prefix: {text}");
    }
    for role in
        ["api-task", "orchestrator-task", "web-task", "api-execution", "orchestrator-execution", "web-execution"]
    {
        let names = iam.list_role_policies().role_name(format!("plinth-local-{role}")).send().await.unwrap();
        for policy in names.policy_names() {
            let doc = iam
                .get_role_policy()
                .role_name(format!("plinth-local-{role}"))
                .policy_name(policy)
                .send()
                .await
                .unwrap();
            let decoded = resources::policy::decode_document(doc.policy_document()).unwrap();
            for statement in decoded["Statement"].as_array().unwrap() {
                let actions: Vec<String> = match &statement["Action"] {
                    serde_json::Value::String(s) => vec![s.clone()],
                    other => other.as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect(),
                };
                assert!(actions.iter().all(|a| !a.contains('*')), "{role}/{policy}: no wildcard actions: {actions:?}");
                // "*" only where AWS has no resource for the action, or KMS bound to a service.
                let unscoped = statement["Resource"] == "*";
                let xray_writes =
                    actions.iter().all(|a| a.starts_with("xray:Put") || a.starts_with("xray:GetSampling"));
                let allowed = actions == ["ecr:GetAuthorizationToken"]
                    || xray_writes
                    || (actions == ["kms:Decrypt"]
                        && statement["Condition"]["StringEquals"]["kms:ViaService"].is_string());
                assert!(!unscoped || allowed, "{role}/{policy}: unscoped {actions:?}");
            }
        }
    }
}

async fn check_nothing_left(emu: &Emulator) {
    let ec2 = emu.ec2().await;
    // DescribeTags is not used: moto keeps tags of deleted EC2 objects in its tag index.
    let by_tag = || filter("tag:plinth:stack", STACK);
    let left = [
        ("vpcs", ec2.describe_vpcs().filters(by_tag()).send().await.unwrap().vpcs().len()),
        ("subnets", ec2.describe_subnets().filters(by_tag()).send().await.unwrap().subnets().len()),
        (
            "security groups",
            ec2.describe_security_groups().filters(by_tag()).send().await.unwrap().security_groups().len(),
        ),
        (
            "internet gateways",
            ec2.describe_internet_gateways().filters(by_tag()).send().await.unwrap().internet_gateways().len(),
        ),
        (
            "security group rules",
            ec2.describe_security_group_rules().filters(by_tag()).send().await.unwrap().security_group_rules().len(),
        ),
        ("route tables", ec2.describe_route_tables().filters(by_tag()).send().await.unwrap().route_tables().len()),
        ("elastic IPs", ec2.describe_addresses().filters(by_tag()).send().await.unwrap().addresses().len()),
    ];
    for (what, count) in left {
        assert_eq!(count, 0, "{what} still tagged plinth:stack={STACK}");
    }
    let nats = ec2.describe_nat_gateways().filter(by_tag()).send().await.unwrap();
    let live_nats: Vec<_> =
        nats.nat_gateways().iter().filter(|n| n.state().map(|s| s.as_str()) != Some("deleted")).collect();
    assert!(live_nats.is_empty(), "NAT gateways left: {live_nats:?}");
    let s3 = emu.s3().await;
    let buckets = s3.list_buckets().send().await.unwrap();
    assert!(buckets.buckets().iter().all(|b| !b.name().unwrap_or("").starts_with("plinth-local")), "buckets deleted");
    let iam = emu.iam().await;
    let roles = iam.list_roles().send().await.unwrap();
    assert!(roles.roles().iter().all(|r| !r.role_name().starts_with("plinth-local")), "roles deleted");
}
