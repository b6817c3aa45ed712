//! What is special about each EC2 kind, checked with an independent SDK client. The generic
//! contract (create → read → find → update → delete, tags, ownership) is the conformance suite's
//! (`tests/tests/conformance.rs`); here: attributes, attachments, routes and rules as EC2 itself
//! reports them, waiting for NAT gateways, the default egress rule and rule drift, standalone
//! security group rules and how a group leaves them alone.

use aws_sdk_ec2::types::VpcAttributeName;
use e2e::conformance::fixtures::ec2::tcp;
use e2e::{engine_tags, meta, Emulator};
use engine::Resource;
use resources::ec2::{
    Direction, Eip, InternetGateway, NatGateway, RouteTable, Rule, SecurityGroup, SecurityGroupRule, Subnet, Vpc,
};
use resources::AwsContext;

/// Creates `r` as resource `name` of the e2e stack.
async fn create<R: Resource<Context = AwsContext>>(r: &R, name: &str, cx: &AwsContext) -> R::Outputs {
    r.create(&meta(name), cx).await.unwrap_or_else(|e| panic!("create {} {name}: {e}", R::KIND))
}

/// Updates `old` to `new` in place.
async fn update<R: Resource<Context = AwsContext>>(old: &R, new: &R, out: &R::Outputs, cx: &AwsContext) -> R::Outputs {
    new.update(old, out, cx).await.unwrap_or_else(|e| panic!("update {}: {e}", R::KIND))
}

fn vpc(name: &str, cidr: &str) -> Vpc {
    Vpc { cidr_block: cidr.into(), tags: engine_tags(name, &[]), ..Default::default() }
}

fn subnet(name: &str, vpc_id: &str, cidr: &str) -> Subnet {
    Subnet {
        vpc_id: vpc_id.into(),
        cidr_block: cidr.into(),
        availability_zone: "us-east-1a".into(),
        tags: engine_tags(name, &[]),
        ..Default::default()
    }
}

#[tokio::test]
async fn vpc_dns_attribute_reaches_ec2_and_the_vpc_is_gone_after_delete() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let v1 = vpc("vpc", "10.20.0.0/16");
    let out = create(&v1, "vpc", &cx).await;
    assert!(out.vpc_id.starts_with("vpc-"), "{}", out.vpc_id);

    let v2 = Vpc { enable_dns_hostnames: true, ..v1.clone() };
    let out = update(&v1, &v2, &out, &cx).await;
    let attr = ec2.describe_vpc_attribute().vpc_id(&out.vpc_id).attribute(VpcAttributeName::EnableDnsHostnames);
    let attr = attr.send().await.expect("describe attribute");
    assert_eq!(attr.enable_dns_hostnames().and_then(|a| a.value()), Some(true));

    v2.delete(&out, &cx).await.expect("delete");
    let err = ec2.describe_vpcs().vpc_ids(&out.vpc_id).send().await.expect_err("the VPC is gone");
    assert!(format!("{err:?}").contains("InvalidVpcID.NotFound"), "{err:?}");
}

#[tokio::test]
async fn vpc_validate_names_the_field() {
    let bad = Vpc { cidr_block: "10.0.0.0/33".into(), ..Default::default() };
    assert_eq!(bad.validate(), ["cidr_block `10.0.0.0/33` is not a valid IPv4 CIDR"]);
}

#[tokio::test]
async fn subnet_public_ip_setting_reaches_ec2() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = create(&vpc("vpc", "10.30.0.0/16"), "vpc", &cx).await;
    let s1 = subnet("public-a", &net.vpc_id, "10.30.1.0/24");
    let out = create(&s1, "public-a", &cx).await;
    assert_eq!(out.availability_zone, "us-east-1a");

    let s2 = Subnet { map_public_ip_on_launch: true, ..s1.clone() };
    let out = update(&s1, &s2, &out, &cx).await;
    let live = ec2.describe_subnets().subnet_ids(&out.subnet_id).send().await.expect("describe subnet");
    let live = live.subnets().first().expect("subnet");
    assert_eq!(live.map_public_ip_on_launch(), Some(true));
    assert_eq!(live.vpc_id(), Some(net.vpc_id.as_str()));
    s2.delete(&out, &cx).await.expect("delete subnet");
    Vpc::default().delete(&net, &cx).await.expect("the VPC deletes once its subnet is gone");
}

async fn attached_to(ec2: &aws_sdk_ec2::Client, id: &str) -> Vec<String> {
    let out = ec2.describe_internet_gateways().internet_gateway_ids(id).send().await.expect("describe igw");
    let gateway = out.internet_gateways().first().expect("gateway");
    gateway.attachments().iter().filter_map(|a| a.vpc_id().map(str::to_string)).collect()
}

#[tokio::test]
async fn internet_gateway_attachment_moves_and_delete_detaches() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let a = create(&vpc("vpc-a", "10.40.0.0/16"), "vpc-a", &cx).await;
    let b = create(&vpc("vpc-b", "10.41.0.0/16"), "vpc-b", &cx).await;

    let g1 = InternetGateway { vpc_id: a.vpc_id.clone().into(), tags: engine_tags("igw", &[]) };
    let out = create(&g1, "igw", &cx).await;
    assert_eq!(attached_to(&ec2, &out.internet_gateway_id).await, vec![a.vpc_id.clone()]);
    let g2 = InternetGateway { vpc_id: b.vpc_id.clone().into(), ..g1.clone() };
    let out = update(&g1, &g2, &out, &cx).await;
    assert_eq!(attached_to(&ec2, &out.internet_gateway_id).await, vec![b.vpc_id.clone()]);

    g2.delete(&out, &cx).await.expect("delete");
    Vpc::default().delete(&b, &cx).await.expect("delete detached, so the VPC can go");
    Vpc::default().delete(&a, &cx).await.expect("delete vpc a");
}

#[tokio::test]
async fn eip_outputs_are_an_allocation_and_an_address() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let out = create(&Eip { tags: engine_tags("nat-ip", &[]) }, "nat-ip", &cx).await;
    assert!(out.allocation_id.starts_with("eipalloc-"), "{}", out.allocation_id);
    assert!(out.public_ip.parse::<std::net::Ipv4Addr>().is_ok(), "{}", out.public_ip);
}

async fn nat_state(ec2: &aws_sdk_ec2::Client, id: &str) -> Option<String> {
    let live = ec2.describe_nat_gateways().nat_gateway_ids(id).send().await.expect("describe nat");
    live.nat_gateways().first().and_then(|n| n.state()).map(|s| s.as_str().to_string())
}

#[tokio::test]
async fn nat_gateway_create_waits_for_available_and_delete_leaves_it_deleted() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = create(&vpc("vpc", "10.50.0.0/16"), "vpc", &cx).await;
    let public = create(&subnet("public-a", &net.vpc_id, "10.50.1.0/24"), "public-a", &cx).await;
    let ip = create(&Eip { tags: engine_tags("nat-ip", &[]) }, "nat-ip", &cx).await;
    let nat = NatGateway {
        subnet_id: public.subnet_id.clone().into(),
        allocation_id: ip.allocation_id.clone().into(),
        tags: engine_tags("nat", &[]),
    };
    let out = create(&nat, "nat", &cx).await;
    assert_eq!(nat_state(&ec2, &out.nat_gateway_id).await.as_deref(), Some("available"), "create waited");

    // After delete the gateway stays listed as `deleted` (as in AWS); read says gone.
    nat.delete(&out, &cx).await.expect("delete");
    let state = nat_state(&ec2, &out.nat_gateway_id).await;
    assert!(matches!(state.as_deref(), None | Some("deleted")), "{state:?}");
    assert!(nat.read(&out, &cx).await.expect("read").is_none());
}

/// (destination, target) of every route of the table, sorted, as EC2 reports them.
async fn live_routes(ec2: &aws_sdk_ec2::Client, id: &str) -> (Vec<(String, String)>, Vec<String>) {
    let live = ec2.describe_route_tables().route_table_ids(id).send().await.expect("describe rt");
    let live = live.route_tables().first().expect("table");
    let mut routes: Vec<(String, String)> = live
        .routes()
        .iter()
        .map(|r| {
            let target = r.nat_gateway_id().or(r.gateway_id()).unwrap_or("?");
            (r.destination_cidr_block().unwrap_or("?").to_string(), target.to_string())
        })
        .collect();
    routes.sort();
    let subnets = live.associations().iter().filter_map(|a| a.subnet_id().map(str::to_string)).collect();
    (routes, subnets)
}

#[tokio::test]
async fn route_table_routes_and_associations_reach_ec2() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = create(&vpc("vpc", "10.60.0.0/16"), "vpc", &cx).await;
    let igw = InternetGateway { vpc_id: net.vpc_id.clone().into(), tags: engine_tags("igw", &[]) };
    let igw = create(&igw, "igw", &cx).await.internet_gateway_id;
    let a = create(&subnet("a", &net.vpc_id, "10.60.1.0/24"), "a", &cx).await;
    let b = create(&subnet("b", &net.vpc_id, "10.60.2.0/24"), "b", &cx).await;
    let ip = create(&Eip { tags: engine_tags("nat-ip", &[]) }, "nat-ip", &cx).await;
    let nat = NatGateway {
        subnet_id: a.subnet_id.clone().into(),
        allocation_id: ip.allocation_id.clone().into(),
        tags: engine_tags("nat", &[]),
    };
    let nat = create(&nat, "nat", &cx).await.nat_gateway_id;

    let to = e2e::conformance::fixtures::ec2::route;
    let t1 = RouteTable {
        vpc_id: net.vpc_id.clone().into(),
        routes: vec![to("0.0.0.0/0", Some(&igw), None), to("192.168.0.0/16", Some(&igw), None)],
        subnet_ids: vec![a.subnet_id.clone().into()],
        tags: engine_tags("rt", &[]),
    };
    let out = create(&t1, "rt", &cx).await;
    assert_eq!(out.associations.keys().collect::<Vec<_>>(), [&a.subnet_id]);

    // Replace one route's target, delete another, add one; move the association from a to b.
    let t2 = RouteTable {
        routes: vec![to("0.0.0.0/0", None, Some(&nat)), to("172.16.0.0/12", Some(&igw), None)],
        subnet_ids: vec![b.subnet_id.clone().into()],
        ..t1.clone()
    };
    let out = update(&t1, &t2, &out, &cx).await;
    assert_eq!(out.associations.keys().collect::<Vec<_>>(), [&b.subnet_id]);
    let (routes, subnets) = live_routes(&ec2, &out.route_table_id).await;
    let want = [("0.0.0.0/0", nat.as_str()), ("10.60.0.0/16", "local"), ("172.16.0.0/12", igw.as_str())];
    assert_eq!(routes, want.map(|(d, t)| (d.to_string(), t.to_string())));
    assert_eq!(subnets, std::slice::from_ref(&b.subnet_id));
}

/// The group's (ingress, egress) rules as EC2 reports them, flattened and sorted.
async fn live_rules(ec2: &aws_sdk_ec2::Client, id: &str) -> (Vec<String>, Vec<String>) {
    let out = ec2.describe_security_groups().group_ids(id).send().await.expect("describe sg");
    let group = out.security_groups().first().expect("group");
    let flat = |perms: &[aws_sdk_ec2::types::IpPermission]| {
        let mut rules: Vec<String> = perms
            .iter()
            .flat_map(|p| {
                let head = format!("{} {:?}-{:?}", p.ip_protocol().unwrap_or("?"), p.from_port(), p.to_port());
                let cidrs = p.ip_ranges().iter().map(move |r| r.cidr_ip().unwrap_or("?").to_string());
                let groups = p.user_id_group_pairs().iter().map(|g| g.group_id().unwrap_or("?").to_string());
                cidrs.chain(groups).map(move |s| format!("{head} {s}")).collect::<Vec<_>>()
            })
            .collect();
        rules.sort();
        rules
    };
    (flat(group.ip_permissions()), flat(group.ip_permissions_egress()))
}

#[tokio::test]
async fn security_group_rules_reach_ec2_exactly() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = create(&vpc("vpc", "10.70.0.0/16"), "vpc", &cx).await;
    let lb = SecurityGroup {
        name: "lb".into(),
        vpc_id: net.vpc_id.clone().into(),
        tags: engine_tags("lb-sg", &[]),
        ..Default::default()
    };
    let lb_out = create(&lb, "lb-sg", &cx).await;
    let g1 = SecurityGroup {
        name: "api".into(),
        description: "API tasks".into(),
        vpc_id: net.vpc_id.clone().into(),
        ingress: vec![tcp(443, "0.0.0.0/0")],
        egress: vec![],
        tags: engine_tags("api-sg", &[]),
    };
    let out = create(&g1, "api-sg", &cx).await;
    let (ingress, egress) = live_rules(&ec2, &out.group_id).await;
    assert_eq!(ingress, ["tcp Some(443)-Some(443) 0.0.0.0/0"]);
    assert_eq!(egress, Vec::<String>::new(), "the default allow-all egress was revoked");

    let from_lb = Rule {
        protocol: resources::ec2::Protocol::Tcp,
        from_port: 8080,
        to_port: 8080,
        source_security_group_id: Some(lb_out.group_id.clone().into()),
        description: Some("from the load balancer".into()),
        ..Default::default()
    };
    let all_out =
        Rule { protocol: resources::ec2::Protocol::All, cidr_blocks: vec!["0.0.0.0/0".into()], ..Default::default() };
    let g2 = SecurityGroup {
        ingress: vec![tcp(443, "0.0.0.0/0"), tcp(22, "10.0.0.0/8"), from_lb],
        egress: vec![all_out],
        ..g1.clone()
    };
    let out = update(&g1, &g2, &out, &cx).await;
    let (ingress, egress) = live_rules(&ec2, &out.group_id).await;
    let mut want = vec![
        "tcp Some(22)-Some(22) 10.0.0.0/8".to_string(),
        "tcp Some(443)-Some(443) 0.0.0.0/0".to_string(),
        format!("tcp Some(8080)-Some(8080) {}", lb_out.group_id),
    ];
    want.sort();
    assert_eq!(ingress, want, "exactly the added ingress rules appeared");
    assert_eq!(egress.len(), 1, "{egress:?}");
    assert!(egress[0].starts_with("-1 ") && egress[0].ends_with(" 0.0.0.0/0"), "{egress:?}");

    // Remove one rule: exactly that one is revoked.
    let g3 = SecurityGroup { ingress: g2.ingress[1..].to_vec(), ..g2.clone() };
    let out = update(&g2, &g3, &out, &cx).await;
    let (ingress, _) = live_rules(&ec2, &out.group_id).await;
    let want: Vec<String> = want.into_iter().filter(|r| !r.starts_with("tcp Some(443)")).collect();
    assert_eq!(ingress, want, "exactly the removed 443 rule was revoked");
}

#[tokio::test]
async fn security_group_keeps_a_wanted_default_egress() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = create(&vpc("vpc", "10.80.0.0/16"), "vpc", &cx).await;
    let all_out =
        Rule { protocol: resources::ec2::Protocol::All, cidr_blocks: vec!["0.0.0.0/0".into()], ..Default::default() };
    let g = SecurityGroup {
        name: "open-egress".into(),
        vpc_id: net.vpc_id.clone().into(),
        egress: vec![all_out],
        tags: engine_tags("open-sg", &[]),
        ..Default::default()
    };
    let out = create(&g, "open-sg", &cx).await;
    let (ingress, egress) = live_rules(&ec2, &out.group_id).await;
    assert!(ingress.is_empty(), "{ingress:?}");
    assert_eq!(egress.len(), 1, "kept once, not revoked nor duplicated: {egress:?}");
    assert_eq!(g.read(&out, &cx).await.expect("read").expect("exists").inputs, g, "no spurious diff");
}

/// A rule added behind Plinth's back reads as drift, and an update from the observed inputs
/// revokes exactly that rule.
#[tokio::test]
async fn security_group_drift_is_read_and_fixed() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = create(&vpc("vpc", "10.90.0.0/16"), "vpc", &cx).await;
    let g = SecurityGroup {
        name: "db".into(),
        vpc_id: net.vpc_id.clone().into(),
        ingress: vec![tcp(5432, "10.90.0.0/16")],
        tags: engine_tags("db-sg", &[]),
        ..Default::default()
    };
    let out = create(&g, "db-sg", &cx).await;

    let extra = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    let authorize = ec2.authorize_security_group_ingress().group_id(&out.group_id).ip_permissions(extra);
    authorize.send().await.expect("authorize");

    let seen = g.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(seen.ingress, vec![tcp(5432, "10.90.0.0/16"), tcp(22, "0.0.0.0/0")], "the drift is visible");
    update(&seen, &g, &out, &cx).await;
    let (ingress, _) = live_rules(&ec2, &out.group_id).await;
    assert_eq!(ingress, ["tcp Some(5432)-Some(5432) 10.90.0.0/16"]);
    assert_eq!(g.read(&out, &cx).await.expect("read").expect("exists").inputs, g, "converged");
}

#[tokio::test]
async fn security_group_replaces_delete_first_on_its_identity_fields() {
    let sg = resources::registry();
    let sg = sg.get(SecurityGroup::KIND).expect("registered");
    assert!(sg.delete_before_replace());
    assert_eq!(sg.replace_fields(), ["name", "description", "vpc_id"]);
}

/// The group's rules as DescribeSecurityGroupRules reports them: (id, egress, protocol port
/// target, plinth:name tag), sorted.
async fn rules_of(ec2: &aws_sdk_ec2::Client, group: &str) -> Vec<(String, bool, String, Option<String>)> {
    let filter = aws_sdk_ec2::types::Filter::builder().name("group-id").values(group).build();
    let out = ec2.describe_security_group_rules().filters(filter).send().await.expect("describe rules");
    let mut rules: Vec<_> = out
        .security_group_rules()
        .iter()
        .map(|r| {
            let target = r.cidr_ipv4().or(r.referenced_group_info().and_then(|g| g.group_id())).unwrap_or("?");
            let name = r.tags().iter().find(|t| t.key() == Some("plinth:name")).and_then(|t| t.value());
            let rule = format!("{} {} {target}", r.ip_protocol().unwrap_or("?"), r.from_port().unwrap_or(-1));
            (
                r.security_group_rule_id().unwrap_or("?").to_string(),
                r.is_egress() == Some(true),
                rule,
                name.map(Into::into),
            )
        })
        .collect();
    rules.sort_by(|a, b| a.2.cmp(&b.2));
    rules
}

fn group(name: &str, vpc_id: &str, egress: Vec<Rule>) -> SecurityGroup {
    SecurityGroup {
        name: name.into(),
        vpc_id: vpc_id.into(),
        egress,
        tags: engine_tags(name, &[]),
        ..Default::default()
    }
}

fn egress_to(group_id: &str, port: i32, to: &str, name: &str) -> SecurityGroupRule {
    SecurityGroupRule {
        group_id: group_id.into(),
        direction: Direction::Egress,
        rule: Rule { source_security_group_id: Some(to.into()), cidr_blocks: vec![], ..tcp(port, "") },
        tags: engine_tags(name, &[]),
    }
}

/// A group with an inline egress rule and a standalone egress rule: the group reads only its own
/// rule, its updates leave the standalone rule alone, and an untagged rule added out of band is
/// still drift that the next update revokes.
#[tokio::test]
async fn security_group_leaves_standalone_rules_alone_but_not_drift() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = create(&vpc("vpc", "10.71.0.0/16"), "vpc", &cx).await;
    let svc = create(&group("svc-sg", &net.vpc_id, vec![]), "svc-sg", &cx).await;
    let lb = group("lb-sg", &net.vpc_id, vec![tcp(443, "10.0.0.0/8")]);
    let lb_out = create(&lb, "lb-sg", &cx).await;
    let standalone = egress_to(&lb_out.group_id, 8080, &svc.group_id, "lb-to-svc");
    let rule_out = create(&standalone, "lb-to-svc", &cx).await;
    assert_eq!(rule_out.group_id, lb_out.group_id);

    let live = rules_of(&ec2, &lb_out.group_id).await;
    let want_rule = (rule_out.rule_id.clone(), true, format!("tcp 8080 {}", svc.group_id), Some("lb-to-svc".into()));
    assert!(live.contains(&want_rule), "the standalone rule is in EC2, tagged: {live:?}");
    assert_eq!(lb.read(&lb_out, &cx).await.expect("read").expect("exists").inputs, lb, "the group shows no drift");

    // Out of band: an untagged egress rule.
    let extra = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(25)
        .to_port(25)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_egress().group_id(&lb_out.group_id).ip_permissions(extra).send().await.expect("add");
    let seen = lb.read(&lb_out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(seen.egress, vec![tcp(443, "10.0.0.0/8"), tcp(25, "0.0.0.0/0")], "only the untagged rule is drift");

    // The group's inline rules change: 443 goes, 8443 comes; the drift goes, the standalone stays.
    let lb2 = SecurityGroup { egress: vec![tcp(8443, "10.0.0.0/8")], ..lb.clone() };
    update(&seen, &lb2, &lb_out, &cx).await;
    let live: Vec<(bool, String)> = rules_of(&ec2, &lb_out.group_id).await.into_iter().map(|r| (r.1, r.2)).collect();
    let want = [(true, format!("tcp 8080 {}", svc.group_id)), (true, "tcp 8443 10.0.0.0/8".to_string())];
    assert_eq!(live, want, "exactly the inline change, the out-of-band rule revoked, the standalone rule kept");
    assert_eq!(lb2.read(&lb_out, &cx).await.expect("read").expect("exists").inputs, lb2, "converged");
    let kept = standalone.read(&rule_out, &cx).await.expect("read rule").expect("the rule exists");
    assert_eq!(kept.inputs, standalone);
}

/// A standalone rule carries its tags and description in EC2; its description changes in place
/// (same rule id); deleting it after its group is gone is Ok.
#[tokio::test]
async fn security_group_rule_reaches_ec2_and_outlives_its_group_on_delete() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = create(&vpc("vpc", "10.72.0.0/16"), "vpc", &cx).await;
    let svc = create(&group("svc-sg", &net.vpc_id, vec![]), "svc-sg", &cx).await;
    let lb = create(&group("lb-sg", &net.vpc_id, vec![]), "lb-sg", &cx).await;
    let ingress = SecurityGroupRule {
        group_id: svc.group_id.clone().into(),
        direction: Direction::Ingress,
        rule: Rule {
            source_security_group_id: Some(lb.group_id.clone().into()),
            cidr_blocks: vec![],
            description: Some("from the load balancer".into()),
            ..tcp(8080, "")
        },
        tags: engine_tags("svc-from-lb", &[]),
    };
    let out = create(&ingress, "svc-from-lb", &cx).await;
    let described = |id: String| {
        let ec2 = ec2.clone();
        async move {
            let out = ec2.describe_security_group_rules().security_group_rule_ids(id).send().await.expect("describe");
            out.security_group_rules().first().cloned().expect("the rule")
        }
    };
    let live = described(out.rule_id.clone()).await;
    assert_eq!(live.is_egress(), Some(false));
    assert_eq!(live.referenced_group_info().and_then(|g| g.group_id()), Some(lb.group_id.as_str()));
    assert_eq!(live.description(), Some("from the load balancer"));
    assert!(live.tags().iter().any(|t| t.key() == Some("plinth:stack")), "tagged at creation: {:?}", live.tags());

    let renamed = SecurityGroupRule {
        rule: Rule { description: Some("from the ALB".into()), ..ingress.rule.clone() },
        ..ingress.clone()
    };
    let out2 = update(&ingress, &renamed, &out, &cx).await;
    assert_eq!(out2, out, "the same rule");
    assert_eq!(described(out.rule_id.clone()).await.description(), Some("from the ALB"));

    ec2.delete_security_group().group_id(&svc.group_id).send().await.expect("delete the group");
    assert!(renamed.read(&out, &cx).await.expect("read").is_none(), "gone with its group");
    renamed.delete(&out, &cx).await.expect("deleting a rule whose group is gone is Ok");
    assert_eq!(renamed.find(&meta("svc-from-lb"), &cx).await.expect("find"), None);
}

#[test]
fn standalone_rules_break_the_security_group_cycle() {
    let mut stack = engine::Stack::new("e2e");
    let lb = stack.add("lb-sg", SecurityGroup { name: "lb".into(), vpc_id: "vpc-1".into(), ..Default::default() });
    let svc = stack.add("svc-sg", SecurityGroup { name: "svc".into(), vpc_id: "vpc-1".into(), ..Default::default() });
    let (lb_id, svc_id) = (lb.output(|o| o.group_id.clone()), svc.output(|o| o.group_id.clone()));
    let rule = |group: &engine::Input<String>, direction, other: &engine::Input<String>| SecurityGroupRule {
        group_id: group.clone(),
        direction,
        rule: Rule { source_security_group_id: Some(other.clone()), cidr_blocks: vec![], ..tcp(8080, "") },
        ..Default::default()
    };
    stack.add("lb-to-svc", rule(&lb_id, Direction::Egress, &svc_id));
    stack.add("svc-from-lb", rule(&svc_id, Direction::Ingress, &lb_id));
    let graph = engine::graph::validate(&stack);
    assert!(graph.is_ok(), "{:?}", graph.err());
}

#[test]
fn security_group_rule_replaces_delete_first_except_description_and_tags() {
    let registry = resources::registry();
    let kind = registry.get(SecurityGroupRule::KIND).expect("registered");
    assert!(kind.delete_before_replace());
    let fields =
        ["group_id", "direction", "protocol", "from_port", "to_port", "cidr_blocks", "source_security_group_id"];
    assert_eq!(kind.replace_fields(), fields);
}
