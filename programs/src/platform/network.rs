//! The VPC: a public and a private subnet per zone, an internet gateway, NAT for the private
//! subnets, route tables, and the VPC's default network ACL with explicit entries. No subnet
//! gives launched interfaces a public IP (the load balancer and the NAT gateways get theirs
//! from AWS and their Elastic IPs; FSBP EC2.15).

use crate::env::Env;
use engine::{Handle, Input, Stack};
use ipnet::Ipv4Net;
use resources::ec2::{
    AclAction, AclEntry, DefaultNetworkAcl, Eip, InternetGateway, NatGateway, Protocol, Route, RouteTable, Subnet, Vpc,
};

/// What the rest of the program needs from the network.
pub struct Network {
    pub vpc: Handle<Vpc>,
    pub public: Vec<Handle<Subnet>>,
    pub private: Vec<Handle<Subnet>>,
}

/// The `index`-th /24 of the VPC CIDR.
fn subnet_cidr(vpc: &str, index: usize) -> String {
    let net: Ipv4Net = vpc.parse().unwrap_or_else(|_| Ipv4Net::default());
    net.subnets(24).ok().and_then(|mut s| s.nth(index)).map(|s| s.to_string()).unwrap_or_default()
}

pub fn declare(stack: &mut Stack, env: &Env) -> Network {
    let vpc = stack.add(
        "vpc",
        Vpc { cidr_block: env.cidr.into(), enable_dns_support: true, enable_dns_hostnames: true, ..Default::default() },
    );
    let vpc_id = || vpc.output(|o| o.vpc_id.clone());
    let subnet = |stack: &mut Stack, name: String, index: usize, zone: &str| {
        stack.add(
            name,
            Subnet {
                vpc_id: vpc_id(),
                cidr_block: subnet_cidr(env.cidr, index),
                availability_zone: zone.into(),
                map_public_ip_on_launch: false,
                ..Default::default()
            },
        )
    };
    let zone_letter = |z: &str| z.chars().last().unwrap_or('x');
    let public: Vec<_> = env
        .zones
        .iter()
        .enumerate()
        .map(|(i, z)| subnet(stack, format!("public-{}", zone_letter(z)), i, z))
        .collect();
    let private: Vec<_> = env
        .zones
        .iter()
        .enumerate()
        .map(|(i, z)| subnet(stack, format!("private-{}", zone_letter(z)), 10 + i, z))
        .collect();
    let igw = stack.add("igw", InternetGateway { vpc_id: vpc_id(), ..Default::default() });
    stack.add(
        "public-routes",
        RouteTable {
            vpc_id: vpc_id(),
            routes: vec![Route {
                destination_cidr_block: "0.0.0.0/0".into(),
                gateway_id: Some(igw.output(|o| o.internet_gateway_id.clone())),
                nat_gateway_id: None,
            }],
            subnet_ids: public.iter().map(|s| s.output(|o| o.subnet_id.clone())).collect(),
            ..Default::default()
        },
    );
    declare_nat(stack, env, &vpc, &public, &private, &igw);
    stack.add("default-nacl", DefaultNetworkAcl { vpc_id: vpc_id(), entries: acl_entries(env.cidr), ..Default::default() });
    Network { vpc, public, private }
}

const ANYWHERE: &str = "0.0.0.0/0";

fn entry(rule_number: i32, egress: bool, protocol: Protocol, cidr: &str, ports: (i32, i32)) -> AclEntry {
    AclEntry {
        rule_number,
        egress,
        protocol,
        action: AclAction::Allow,
        cidr_block: cidr.into(),
        from_port: ports.0,
        to_port: ports.1,
    }
}

/// The default network ACL's entries, which every subnet uses (ACLs are stateless: each
/// direction of a connection needs its own entry). What the platform needs and nothing more:
/// * all traffic within the VPC, both ways (load balancer → services, services → database and
///   cache, private subnets → NAT gateways, the blue/green test listener, the VPC resolver);
/// * in from anywhere: HTTP and HTTPS (the load balancer), and TCP replies on ephemeral ports
///   1024-65535 to connections the NAT gateways and the load balancer opened, less 3389 (RDP),
///   so no entry admits SSH or RDP from the internet (FSBP EC2.21);
/// * out to anywhere: HTTPS (image pulls, AWS APIs and the LLM providers, through NAT) and TCP
///   replies on ephemeral ports to the load balancer's clients.
///
/// Anything else meets AWS's catch-all deny.
pub fn acl_entries(vpc_cidr: &str) -> Vec<AclEntry> {
    let tcp = Protocol::Tcp;
    vec![
        entry(100, false, Protocol::All, vpc_cidr, (0, 0)),
        entry(110, false, tcp, ANYWHERE, (443, 443)),
        entry(120, false, tcp, ANYWHERE, (80, 80)),
        entry(130, false, tcp, ANYWHERE, (1024, 3388)),
        entry(131, false, tcp, ANYWHERE, (3390, 65535)),
        entry(100, true, Protocol::All, vpc_cidr, (0, 0)),
        entry(110, true, tcp, ANYWHERE, (443, 443)),
        entry(120, true, tcp, ANYWHERE, (1024, 65535)),
    ]
}

/// NAT gateways in the public subnets (one shared, or one per zone) and a private route table
/// per gateway.
fn declare_nat(
    stack: &mut Stack,
    env: &Env,
    vpc: &Handle<Vpc>,
    public: &[Handle<Subnet>],
    private: &[Handle<Subnet>],
    igw: &Handle<InternetGateway>,
) {
    let count = env.nat_gateways.clamp(1, public.len().max(1));
    let nats: Vec<Input<String>> = (0..count)
        .map(|i| {
            let eip = stack.add(format!("nat-eip-{i}"), Eip::default()).depends_on(igw);
            let nat = stack.add(
                format!("nat-{i}"),
                NatGateway {
                    subnet_id: public[i].output(|o| o.subnet_id.clone()),
                    allocation_id: eip.output(|o| o.allocation_id.clone()),
                    ..Default::default()
                },
            );
            nat.output(|o| o.nat_gateway_id.clone())
        })
        .collect();
    // One private route table per NAT gateway; private subnet i goes out through gateway i % count.
    for (n, nat) in nats.iter().enumerate() {
        let subnets: Vec<Input<String>> = private
            .iter()
            .enumerate()
            .filter(|(i, _)| i % count == n)
            .map(|(_, s)| s.output(|o| o.subnet_id.clone()))
            .collect();
        stack.add(
            format!("private-routes-{n}"),
            RouteTable {
                vpc_id: vpc.output(|o| o.vpc_id.clone()),
                routes: vec![Route {
                    destination_cidr_block: "0.0.0.0/0".into(),
                    gateway_id: None,
                    nat_gateway_id: Some(nat.clone()),
                }],
                subnet_ids: subnets,
                ..Default::default()
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_acl_admits_no_ssh_or_rdp_from_the_internet_and_is_valid() {
        let entries = acl_entries("10.10.0.0/16");
        assert!(resources::ec2::acl_entries::problems("entries", &entries).is_empty());
        let from_internet = entries.iter().filter(|e| !e.egress && e.cidr_block == ANYWHERE);
        for e in from_internet {
            assert!(e.protocol == Protocol::Tcp, "{e:?}");
            for port in [22, 3389] {
                assert!(!(e.from_port..=e.to_port).contains(&port), "entry {} admits port {port}", e.rule_number);
            }
        }
    }

    #[test]
    fn subnets_are_carved_from_the_vpc() {
        assert_eq!(super::subnet_cidr("10.10.0.0/16", 0), "10.10.0.0/24");
        assert_eq!(super::subnet_cidr("10.10.0.0/16", 11), "10.10.11.0/24");
    }
}
