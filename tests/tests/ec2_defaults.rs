//! The kinds that adopt a VPC's default objects, checked with an independent SDK client: the
//! default security group ends with no rules (its AWS-made ones revoked, one added out of band
//! reads as drift and is revoked again), the default network ACL holds exactly the program's
//! entries, both are released (tags removed, object kept) on delete, and neither is claimed in a
//! VPC that is not the stack's. The generic contract is the conformance suite's.

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange};
use e2e::conformance::fixtures::ec2_defaults::{entry, stack_vpc};
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::ec2::{AclAction, AclEntry, DefaultNetworkAcl, DefaultSecurityGroup, Protocol, Subnet};

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

async fn default_group(ec2: &aws_sdk_ec2::Client, vpc_id: &str) -> aws_sdk_ec2::types::SecurityGroup {
    let call = ec2.describe_security_groups().filters(filter("vpc-id", vpc_id)).filters(filter("group-name", "default"));
    call.send().await.expect("describe groups").security_groups()[0].clone()
}

async fn default_acl(ec2: &aws_sdk_ec2::Client, vpc_id: &str) -> aws_sdk_ec2::types::NetworkAcl {
    let call = ec2.describe_network_acls().filters(filter("vpc-id", vpc_id)).filters(filter("default", "true"));
    call.send().await.expect("describe ACLs").network_acls()[0].clone()
}

fn has_plinth_tags(tags: &[aws_sdk_ec2::types::Tag]) -> bool {
    tags.iter().any(|t| t.key().is_some_and(|k| k.starts_with("plinth:")))
}

#[tokio::test]
async fn the_default_group_loses_every_rule_and_is_only_released_on_delete() {
    let emu = Emulator::start();
    let (cx, ec2) = (emu.context().await, emu.ec2().await);
    let vpc_id = stack_vpc(&emu, "10.70.0.0/16").await;
    let before = default_group(&ec2, &vpc_id).await;
    assert!(!before.ip_permissions().is_empty(), "AWS's default group allows traffic from itself");
    assert!(!before.ip_permissions_egress().is_empty(), "and all traffic out");

    let group = DefaultSecurityGroup { vpc_id: vpc_id.clone().into(), tags: engine_tags("sg-default", &[]), ..Default::default() };
    let out = group.create(&meta("sg-default"), &cx).await.expect("adopt");
    assert_eq!(out.group_id, before.group_id().expect("id"));
    let live = default_group(&ec2, &vpc_id).await;
    assert!(live.ip_permissions().is_empty(), "no inbound rule: {:?}", live.ip_permissions());
    assert!(live.ip_permissions_egress().is_empty(), "no outbound rule: {:?}", live.ip_permissions_egress());
    assert!(has_plinth_tags(live.tags()));
    assert_eq!(group.read(&out, &cx).await.expect("read").expect("exists").inputs, group);

    // A rule added out of band is drift, and the next update revokes it.
    let ssh = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress().group_id(&out.group_id).ip_permissions(ssh).send().await.expect("add rule");
    let seen = group.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(seen.ingress.len(), 1, "the added rule reads as drift: {seen:?}");
    group.update(&seen, &out, &cx).await.expect("update");
    assert!(default_group(&ec2, &vpc_id).await.ip_permissions().is_empty(), "the update revoked it");

    assert_eq!(group.find(&meta("sg-default"), &cx).await.expect("find"), Some(out.clone()));
    group.delete(&out, &cx).await.expect("release");
    let released = default_group(&ec2, &vpc_id).await;
    assert_eq!(released.group_id(), Some(out.group_id.as_str()), "the group stays");
    assert!(!has_plinth_tags(released.tags()), "our tags are gone: {:?}", released.tags());
    assert_eq!(group.find(&meta("sg-default"), &cx).await.expect("find"), None);
    group.delete(&out, &cx).await.expect("releasing again is Ok");
}

#[tokio::test]
async fn a_default_object_of_a_vpc_the_stack_does_not_own_is_refused_untouched() {
    let emu = Emulator::start();
    let (cx, ec2) = (emu.context().await, emu.ec2().await);
    let vpc = ec2.create_vpc().cidr_block("10.71.0.0/16").send().await.expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("id").to_string();

    let group = DefaultSecurityGroup { vpc_id: vpc_id.clone().into(), tags: engine_tags("sg-default", &[]), ..Default::default() };
    let err = group.create(&meta("sg-default"), &cx).await.expect_err("not our VPC");
    assert_eq!(err.class, ErrorClass::NotOwned, "{err}");
    assert!(err.message.contains(&vpc_id), "{err}");
    let live = default_group(&ec2, &vpc_id).await;
    assert!(!live.ip_permissions_egress().is_empty() && !has_plinth_tags(live.tags()), "left as AWS made it");

    let acl = DefaultNetworkAcl { vpc_id: vpc_id.clone().into(), tags: engine_tags("default-nacl", &[]), ..Default::default() };
    let err = acl.create(&meta("default-nacl"), &cx).await.expect_err("not our VPC");
    assert_eq!(err.class, ErrorClass::NotOwned, "{err}");
    let live = default_acl(&ec2, &vpc_id).await;
    assert_eq!(live.entries().len(), 4, "AWS's allow-all and catch-all entries stay: {:?}", live.entries());
}

fn platform_like(vpc_cidr: &str) -> Vec<AclEntry> {
    vec![
        entry(100, false, Protocol::All, vpc_cidr, (0, 0)),
        entry(110, false, Protocol::Tcp, "0.0.0.0/0", (443, 443)),
        entry(130, false, Protocol::Tcp, "0.0.0.0/0", (1024, 3388)),
        entry(100, true, Protocol::All, vpc_cidr, (0, 0)),
        entry(110, true, Protocol::Tcp, "0.0.0.0/0", (443, 443)),
    ]
}

/// The ACL's entries as EC2 reports them, AWS's catch-all denies aside, by (egress, rule number).
async fn live_entries(ec2: &aws_sdk_ec2::Client, vpc_id: &str) -> Vec<(bool, i32, String, String, Option<(i32, i32)>)> {
    let acl = default_acl(ec2, vpc_id).await;
    let mut entries: Vec<_> = acl
        .entries()
        .iter()
        .filter(|e| e.rule_number() != Some(32767))
        .map(|e| {
            let ports = e.port_range().map(|p| (p.from().unwrap_or(0), p.to().unwrap_or(0)));
            let action = e.rule_action().map(|a| a.as_str().to_string()).unwrap_or_default();
            (e.egress().unwrap_or(false), e.rule_number().unwrap_or(0), e.protocol().unwrap_or("").to_string(), action, ports)
        })
        .collect();
    entries.sort();
    entries
}

#[tokio::test]
async fn the_default_acl_holds_exactly_the_entries_and_keeps_its_subnets() {
    let emu = Emulator::start();
    let (cx, ec2) = (emu.context().await, emu.ec2().await);
    let vpc_id = stack_vpc(&emu, "10.72.0.0/16").await;
    let subnet = Subnet {
        vpc_id: vpc_id.clone().into(),
        cidr_block: "10.72.1.0/24".into(),
        availability_zone: "us-east-1a".into(),
        tags: engine_tags("public-a", &[]),
        ..Default::default()
    };
    let subnet = subnet.create(&meta("public-a"), &cx).await.expect("subnet");

    let acl = DefaultNetworkAcl { vpc_id: vpc_id.clone().into(), entries: platform_like("10.72.0.0/16"), tags: engine_tags("default-nacl", &[]) };
    assert_eq!(acl.validate(), Vec::<String>::new());
    let out = acl.create(&meta("default-nacl"), &cx).await.expect("adopt");
    let want = |e: &AclEntry| {
        let ports = (e.protocol == Protocol::Tcp).then_some((e.from_port, e.to_port));
        (e.egress, e.rule_number, e.protocol_number(), e.action.as_str().to_string(), ports)
    };
    let mut expected: Vec<_> = acl.entries.iter().map(want).collect();
    expected.sort();
    assert_eq!(live_entries(&ec2, &vpc_id).await, expected, "exactly the program's entries (the allow-all ones are gone)");
    assert_eq!(acl.read(&out, &cx).await.expect("read").expect("exists").inputs, acl);
    let live = default_acl(&ec2, &vpc_id).await;
    assert_eq!(live.network_acl_id(), Some(out.network_acl_id.as_str()));
    let subnets: Vec<&str> = live.associations().iter().filter_map(|a| a.subnet_id()).collect();
    assert!(subnets.contains(&subnet.subnet_id.as_str()), "the subnet stays associated: {subnets:?}");

    // Change one entry, drop one, add one: exactly the new list, read back without drift.
    let mut entries = acl.entries.clone();
    entries[1] = AclEntry { action: AclAction::Deny, ..entries[1].clone() };
    entries.remove(2);
    entries.push(entry(120, false, Protocol::Tcp, "0.0.0.0/0", (80, 80)));
    let changed = DefaultNetworkAcl { entries, ..acl.clone() };
    changed.update(&acl, &out, &cx).await.expect("update");
    let mut expected: Vec<_> = changed.entries.iter().map(want).collect();
    expected.sort();
    assert_eq!(live_entries(&ec2, &vpc_id).await, expected);
    assert_eq!(changed.read(&out, &cx).await.expect("read").expect("exists").inputs, changed);

    changed.delete(&out, &cx).await.expect("release");
    let released = default_acl(&ec2, &vpc_id).await;
    assert!(!has_plinth_tags(released.tags()), "our tags are gone: {:?}", released.tags());
    assert_eq!(live_entries(&ec2, &vpc_id).await, expected, "the entries stay as the program left them");
    assert_eq!(changed.find(&meta("default-nacl"), &cx).await.expect("find"), None);
}

#[tokio::test]
async fn bad_entries_and_rules_are_named_before_any_call() {
    let acl = DefaultNetworkAcl {
        vpc_id: "vpc-1".into(),
        entries: vec![entry(100, false, Protocol::All, "nonsense", (0, 0)), entry(100, false, Protocol::Tcp, "0.0.0.0/0", (80, 80))],
        ..Default::default()
    };
    assert_eq!(
        acl.validate(),
        [
            "entries[0].cidr_block `nonsense` is not a valid IPv4 or IPv6 CIDR",
            "entries[1]: ingress rule number 100 is used by an earlier entry",
        ]
    );
}
