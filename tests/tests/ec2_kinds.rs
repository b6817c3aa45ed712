//! The EC2 kinds against the emulator, through the `engine::Resource` trait: per kind create →
//! read (equals the inputs) → find adopts → update in place → read (the change is visible) →
//! delete → read gives None → delete again Ok → find gives None; plus independent checks with
//! a separate SDK client.

use aws_sdk_ec2::types::VpcAttributeName;
use e2e::{engine_tags, meta, Emulator};
use engine::{Resource, Tags};
use resources::ec2::{Eip, InternetGateway, NatGateway, Route, RouteTable, Rule, SecurityGroup, Subnet, Vpc};
use resources::AwsContext;

/// Creates `r` as the engine would, then checks it reads back equal and `find` adopts it.
async fn created<R: Resource<Context = AwsContext>>(r: &R, name: &str, cx: &AwsContext) -> R::Outputs {
    assert_eq!(r.validate(), Vec::<String>::new(), "{} {name} is valid", R::KIND);
    let out = r.create(&meta(name), cx).await.unwrap_or_else(|e| panic!("create {} {name}: {e}", R::KIND));
    let seen = r.read(&out, cx).await.expect("read after create").expect("exists after create");
    assert_eq!(&seen.inputs, r, "{} {name}: no spurious diff after create", R::KIND);
    assert_eq!(seen.outputs, out, "{} {name}: outputs read back unchanged", R::KIND);
    let found = r.find(&meta(name), cx).await.expect("find");
    assert_eq!(found, Some(out.clone()), "{} {name}: find adopts the created object", R::KIND);
    let other = r.find(&meta(&format!("{name}-other")), cx).await.expect("find other name");
    assert_eq!(other, None, "{} {name}: find does not adopt another name", R::KIND);
    out
}

/// Updates `old` to `new` in place and checks the change reads back.
async fn updated<R: Resource<Context = AwsContext>>(old: &R, new: &R, out: &R::Outputs, cx: &AwsContext) -> R::Outputs {
    assert_ne!(old, new, "an update test must change something");
    let out2 = new.update(old, out, cx).await.unwrap_or_else(|e| panic!("update {}: {e}", R::KIND));
    assert_eq!(R::cloud_id(&out2), R::cloud_id(out), "{}: updated in place", R::KIND);
    let seen = new.read(&out2, cx).await.expect("read after update").expect("exists after update");
    assert_eq!(&seen.inputs, new, "{}: the update is visible", R::KIND);
    assert_eq!(seen.outputs, out2);
    out2
}

/// Deletes, then checks the object is gone for read and find, and a second delete is Ok.
async fn deleted<R: Resource<Context = AwsContext>>(r: &R, name: &str, out: &R::Outputs, cx: &AwsContext) {
    r.delete(out, cx).await.unwrap_or_else(|e| panic!("delete {} {name}: {e}", R::KIND));
    assert!(r.read(out, cx).await.expect("read after delete").is_none(), "{} {name}: gone", R::KIND);
    r.delete(out, cx).await.unwrap_or_else(|e| panic!("{} {name}: deleting a gone object is Ok: {e}", R::KIND));
    assert_eq!(r.find(&meta(name), cx).await.expect("find after delete"), None, "{} {name}", R::KIND);
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

fn tcp(port: i32, cidr: &str) -> Rule {
    Rule {
        protocol: "tcp".into(),
        from_port: port,
        to_port: port,
        cidr_blocks: vec![cidr.into()],
        ..Default::default()
    }
}

async fn live_tags(ec2: &aws_sdk_ec2::Client, id: &str) -> Tags {
    let filter = aws_sdk_ec2::types::Filter::builder().name("resource-id").values(id).build();
    let out = ec2.describe_tags().filters(filter).send().await.expect("describe tags");
    out.tags().iter().map(|t| (t.key().unwrap_or("").to_string(), t.value().unwrap_or("").to_string())).collect()
}

#[tokio::test]
async fn vpc_lifecycle() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;

    let v1 = vpc("vpc", "10.20.0.0/16");
    let out = created(&v1, "vpc", &cx).await;
    assert!(out.vpc_id.starts_with("vpc-"), "{}", out.vpc_id);
    assert_eq!(live_tags(&ec2, &out.vpc_id).await, v1.tags, "tags were set at creation");

    let v2 = Vpc { enable_dns_hostnames: true, tags: engine_tags("vpc", &[("Team", "net")]), ..v1.clone() };
    let out = updated(&v1, &v2, &out, &cx).await;
    let attr = ec2
        .describe_vpc_attribute()
        .vpc_id(&out.vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .expect("describe attribute");
    assert_eq!(attr.enable_dns_hostnames().and_then(|a| a.value()), Some(true));
    assert_eq!(live_tags(&ec2, &out.vpc_id).await.get("Team").map(String::as_str), Some("net"));

    // A tag removed from the program is removed from the cloud.
    let v3 = Vpc { enable_dns_support: true, tags: engine_tags("vpc", &[]), ..v2.clone() };
    let out = updated(&v2, &v3, &out, &cx).await;
    assert_eq!(live_tags(&ec2, &out.vpc_id).await, v3.tags);

    deleted(&v3, "vpc", &out, &cx).await;
    let err = ec2.describe_vpcs().vpc_ids(&out.vpc_id).send().await.expect_err("the VPC is gone");
    assert!(format!("{err:?}").contains("InvalidVpcID.NotFound"), "{err:?}");
}

#[tokio::test]
async fn vpc_validate_names_the_field() {
    let bad = Vpc { cidr_block: "10.0.0.0/33".into(), ..Default::default() };
    assert_eq!(bad.validate(), ["cidr_block `10.0.0.0/33` is not a valid IPv4 CIDR"]);
}

#[tokio::test]
async fn subnet_lifecycle() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = created(&vpc("vpc", "10.30.0.0/16"), "vpc", &cx).await;

    let s1 = subnet("public-a", &net.vpc_id, "10.30.1.0/24");
    let out = created(&s1, "public-a", &cx).await;
    assert_eq!(out.availability_zone, "us-east-1a");

    let s2 =
        Subnet { map_public_ip_on_launch: true, tags: engine_tags("public-a", &[("Tier", "public")]), ..s1.clone() };
    let out = updated(&s1, &s2, &out, &cx).await;
    let live = ec2.describe_subnets().subnet_ids(&out.subnet_id).send().await.expect("describe subnet");
    let live = live.subnets().first().expect("subnet");
    assert_eq!(live.map_public_ip_on_launch(), Some(true));
    assert_eq!(live.vpc_id(), Some(net.vpc_id.as_str()));

    deleted(&s2, "public-a", &out, &cx).await;
    Vpc::default().delete(&net, &cx).await.expect("the VPC deletes once its subnet is gone");
}

#[tokio::test]
async fn internet_gateway_lifecycle_moves_its_attachment() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let a = created(&vpc("vpc-a", "10.40.0.0/16"), "vpc-a", &cx).await;
    let b = created(&vpc("vpc-b", "10.41.0.0/16"), "vpc-b", &cx).await;

    let g1 = InternetGateway { vpc_id: a.vpc_id.clone().into(), tags: engine_tags("igw", &[]) };
    let out = created(&g1, "igw", &cx).await;
    assert_eq!(attached_to(&ec2, &out.internet_gateway_id).await, vec![a.vpc_id.clone()]);

    let g2 = InternetGateway { vpc_id: b.vpc_id.clone().into(), ..g1.clone() };
    let out = updated(&g1, &g2, &out, &cx).await;
    assert_eq!(attached_to(&ec2, &out.internet_gateway_id).await, vec![b.vpc_id.clone()]);

    deleted(&g2, "igw", &out, &cx).await;
    Vpc::default().delete(&b, &cx).await.expect("delete detached, so the VPC can go");
    Vpc::default().delete(&a, &cx).await.expect("delete vpc a");
}

async fn attached_to(ec2: &aws_sdk_ec2::Client, id: &str) -> Vec<String> {
    let out = ec2.describe_internet_gateways().internet_gateway_ids(id).send().await.expect("describe igw");
    let gateway = out.internet_gateways().first().expect("gateway");
    gateway.attachments().iter().filter_map(|a| a.vpc_id().map(str::to_string)).collect()
}

#[tokio::test]
async fn eip_lifecycle() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;

    let e1 = Eip { tags: engine_tags("nat-ip", &[]) };
    let out = created(&e1, "nat-ip", &cx).await;
    assert!(out.allocation_id.starts_with("eipalloc-"), "{}", out.allocation_id);
    assert!(out.public_ip.parse::<std::net::Ipv4Addr>().is_ok(), "{}", out.public_ip);

    let e2 = Eip { tags: engine_tags("nat-ip", &[("Purpose", "nat")]) };
    let out = updated(&e1, &e2, &out, &cx).await;
    assert_eq!(live_tags(&ec2, &out.allocation_id).await, e2.tags);

    deleted(&e2, "nat-ip", &out, &cx).await;
}

#[tokio::test]
async fn nat_gateway_lifecycle() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = created(&vpc("vpc", "10.50.0.0/16"), "vpc", &cx).await;
    let public = created(&subnet("public-a", &net.vpc_id, "10.50.1.0/24"), "public-a", &cx).await;
    let ip = created(&Eip { tags: engine_tags("nat-ip", &[]) }, "nat-ip", &cx).await;

    let n1 = NatGateway {
        subnet_id: public.subnet_id.clone().into(),
        allocation_id: ip.allocation_id.clone().into(),
        tags: engine_tags("nat", &[]),
    };
    let out = created(&n1, "nat", &cx).await;
    let live = ec2.describe_nat_gateways().nat_gateway_ids(&out.nat_gateway_id).send().await.expect("describe nat");
    let state = live.nat_gateways().first().and_then(|n| n.state()).map(|s| s.as_str().to_string());
    assert_eq!(state.as_deref(), Some("available"), "create waited for available");

    let n2 = NatGateway { tags: engine_tags("nat", &[("Zone", "a")]), ..n1.clone() };
    let out = updated(&n1, &n2, &out, &cx).await;
    assert_eq!(live_tags(&ec2, &out.nat_gateway_id).await, n2.tags);

    // After delete the gateway stays listed as `deleted` (as in AWS): read and find say gone.
    deleted(&n2, "nat", &out, &cx).await;
    let live = ec2.describe_nat_gateways().nat_gateway_ids(&out.nat_gateway_id).send().await.expect("describe nat");
    let state = live.nat_gateways().first().and_then(|n| n.state()).map(|s| s.as_str().to_string());
    assert!(matches!(state.as_deref(), None | Some("deleted")), "{state:?}");
}

#[tokio::test]
async fn route_table_lifecycle() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = created(&vpc("vpc", "10.60.0.0/16"), "vpc", &cx).await;
    let igw =
        created(&InternetGateway { vpc_id: net.vpc_id.clone().into(), tags: engine_tags("igw", &[]) }, "igw", &cx)
            .await;
    let a = created(&subnet("a", &net.vpc_id, "10.60.1.0/24"), "a", &cx).await;
    let b = created(&subnet("b", &net.vpc_id, "10.60.2.0/24"), "b", &cx).await;
    let ip = created(&Eip { tags: engine_tags("nat-ip", &[]) }, "nat-ip", &cx).await;
    let nat = NatGateway {
        subnet_id: a.subnet_id.clone().into(),
        allocation_id: ip.allocation_id.clone().into(),
        tags: engine_tags("nat", &[]),
    };
    let nat = created(&nat, "nat", &cx).await;

    let to_igw = |dest: &str| Route {
        destination_cidr_block: dest.into(),
        gateway_id: Some(igw.internet_gateway_id.clone().into()),
        nat_gateway_id: None,
    };
    let t1 = RouteTable {
        vpc_id: net.vpc_id.clone().into(),
        routes: vec![to_igw("0.0.0.0/0"), to_igw("192.168.0.0/16")],
        subnet_ids: vec![a.subnet_id.clone().into()],
        tags: engine_tags("rt", &[]),
    };
    let out = created(&t1, "rt", &cx).await;
    assert_eq!(out.associations.keys().collect::<Vec<_>>(), [&a.subnet_id]);

    // Replace one route's target, delete another, add one; move the association from a to b.
    let t2 = RouteTable {
        routes: vec![
            Route {
                destination_cidr_block: "0.0.0.0/0".into(),
                gateway_id: None,
                nat_gateway_id: Some(nat.nat_gateway_id.clone().into()),
            },
            to_igw("172.16.0.0/12"),
        ],
        subnet_ids: vec![b.subnet_id.clone().into()],
        ..t1.clone()
    };
    let out = updated(&t1, &t2, &out, &cx).await;
    assert_eq!(out.associations.keys().collect::<Vec<_>>(), [&b.subnet_id]);

    let live = ec2.describe_route_tables().route_table_ids(&out.route_table_id).send().await.expect("describe rt");
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
    assert_eq!(
        routes,
        [
            ("0.0.0.0/0".to_string(), nat.nat_gateway_id.clone()),
            ("10.60.0.0/16".to_string(), "local".to_string()),
            ("172.16.0.0/12".to_string(), igw.internet_gateway_id.clone()),
        ]
    );
    let subnets: Vec<&str> = live.associations().iter().filter_map(|a| a.subnet_id()).collect();
    assert_eq!(subnets, [b.subnet_id.as_str()]);

    deleted(&t2, "rt", &out, &cx).await;
}

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
async fn security_group_lifecycle() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = created(&vpc("vpc", "10.70.0.0/16"), "vpc", &cx).await;
    let lb = SecurityGroup {
        name: "lb".into(),
        vpc_id: net.vpc_id.clone().into(),
        tags: engine_tags("lb-sg", &[]),
        ..Default::default()
    };
    let lb_out = created(&lb, "lb-sg", &cx).await;

    let g1 = SecurityGroup {
        name: "api".into(),
        description: "API tasks".into(),
        vpc_id: net.vpc_id.clone().into(),
        ingress: vec![tcp(443, "0.0.0.0/0")],
        egress: vec![],
        tags: engine_tags("api-sg", &[]),
    };
    let out = created(&g1, "api-sg", &cx).await;
    let (ingress, egress) = live_rules(&ec2, &out.group_id).await;
    assert_eq!(ingress, ["tcp Some(443)-Some(443) 0.0.0.0/0"]);
    assert_eq!(egress, Vec::<String>::new(), "the default allow-all egress was revoked");

    let from_lb = Rule {
        protocol: "tcp".into(),
        from_port: 8080,
        to_port: 8080,
        source_security_group_id: Some(lb_out.group_id.clone().into()),
        description: Some("from the load balancer".into()),
        ..Default::default()
    };
    let all_out = Rule { protocol: "-1".into(), cidr_blocks: vec!["0.0.0.0/0".into()], ..Default::default() };
    let g2 = SecurityGroup {
        ingress: vec![tcp(443, "0.0.0.0/0"), tcp(22, "10.0.0.0/8"), from_lb],
        egress: vec![all_out],
        tags: engine_tags("api-sg", &[("Service", "api")]),
        ..g1.clone()
    };
    let out = updated(&g1, &g2, &out, &cx).await;
    let (ingress, egress) = live_rules(&ec2, &out.group_id).await;
    let from_lb_live = format!("tcp Some(8080)-Some(8080) {}", lb_out.group_id);
    let mut want = vec![
        "tcp Some(22)-Some(22) 10.0.0.0/8".to_string(),
        "tcp Some(443)-Some(443) 0.0.0.0/0".to_string(),
        from_lb_live,
    ];
    want.sort();
    assert_eq!(ingress, want, "exactly the added ingress rules appeared");
    assert_eq!(egress.len(), 1, "{egress:?}");
    assert!(egress[0].starts_with("-1 ") && egress[0].ends_with(" 0.0.0.0/0"), "{egress:?}");

    // Remove one rule: exactly that one is revoked.
    let g3 = SecurityGroup { ingress: g2.ingress[1..].to_vec(), ..g2.clone() };
    let out = updated(&g2, &g3, &out, &cx).await;
    let (ingress, _) = live_rules(&ec2, &out.group_id).await;
    assert_eq!(ingress.len(), 2, "{ingress:?}");
    assert!(!ingress.iter().any(|r| r.contains("443")), "{ingress:?}");

    deleted(&g3, "api-sg", &out, &cx).await;
    deleted(&lb, "lb-sg", &lb_out, &cx).await;
}

#[tokio::test]
async fn security_group_keeps_a_wanted_default_egress() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = created(&vpc("vpc", "10.80.0.0/16"), "vpc", &cx).await;
    let all_out = Rule { protocol: "-1".into(), cidr_blocks: vec!["0.0.0.0/0".into()], ..Default::default() };
    let g = SecurityGroup {
        name: "open-egress".into(),
        vpc_id: net.vpc_id.clone().into(),
        egress: vec![all_out],
        tags: engine_tags("open-sg", &[]),
        ..Default::default()
    };
    let out = created(&g, "open-sg", &cx).await;
    let (ingress, egress) = live_rules(&ec2, &out.group_id).await;
    assert!(ingress.is_empty(), "{ingress:?}");
    assert_eq!(egress.len(), 1, "kept once, not revoked nor duplicated: {egress:?}");
    deleted(&g, "open-sg", &out, &cx).await;
}

/// A rule added behind Plinth's back reads as drift, and an update from the observed inputs
/// revokes exactly that rule.
#[tokio::test]
async fn security_group_drift_is_read_and_fixed() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let ec2 = emu.ec2().await;
    let net = created(&vpc("vpc", "10.90.0.0/16"), "vpc", &cx).await;
    let g = SecurityGroup {
        name: "db".into(),
        vpc_id: net.vpc_id.clone().into(),
        ingress: vec![tcp(5432, "10.90.0.0/16")],
        tags: engine_tags("db-sg", &[]),
        ..Default::default()
    };
    let out = created(&g, "db-sg", &cx).await;

    let extra = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress()
        .group_id(&out.group_id)
        .ip_permissions(extra)
        .send()
        .await
        .expect("authorize");

    let seen = g.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(seen.ingress, vec![tcp(5432, "10.90.0.0/16"), tcp(22, "0.0.0.0/0")], "the drift is visible");
    updated(&seen, &g, &out, &cx).await;
    let (ingress, _) = live_rules(&ec2, &out.group_id).await;
    assert_eq!(ingress, ["tcp Some(5432)-Some(5432) 10.90.0.0/16"]);
    deleted(&g, "db-sg", &out, &cx).await;
}

#[tokio::test]
async fn registry_knows_every_ec2_kind() {
    let registry = resources::registry();
    let kinds: Vec<&str> = registry.kinds().filter(|k| k.starts_with("aws:ec2:")).collect();
    for kind in [
        Vpc::KIND,
        Subnet::KIND,
        InternetGateway::KIND,
        RouteTable::KIND,
        Eip::KIND,
        NatGateway::KIND,
        SecurityGroup::KIND,
    ] {
        assert!(kinds.contains(&kind), "{kind} is registered: {kinds:?}");
    }
    let sg = registry.get(SecurityGroup::KIND).expect("sg");
    assert!(sg.delete_before_replace());
    assert_eq!(sg.replace_fields(), ["name", "description", "vpc_id"]);
}
