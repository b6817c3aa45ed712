//! The VPC: a public and a private subnet per zone, an internet gateway, NAT for the private
//! subnets, and route tables.

use crate::env::Env;
use engine::{Handle, Input, Stack};
use ipnet::Ipv4Net;
use resources::ec2::{Eip, InternetGateway, NatGateway, Route, RouteTable, Subnet, Vpc};

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
    let subnet = |stack: &mut Stack, name: String, index: usize, zone: &str, public: bool| {
        stack.add(
            name,
            Subnet {
                vpc_id: vpc_id(),
                cidr_block: subnet_cidr(env.cidr, index),
                availability_zone: zone.into(),
                map_public_ip_on_launch: public,
                ..Default::default()
            },
        )
    };
    let zone_letter = |z: &str| z.chars().last().unwrap_or('x');
    let public: Vec<_> = env
        .zones
        .iter()
        .enumerate()
        .map(|(i, z)| subnet(stack, format!("public-{}", zone_letter(z)), i, z, true))
        .collect();
    let private: Vec<_> = env
        .zones
        .iter()
        .enumerate()
        .map(|(i, z)| subnet(stack, format!("private-{}", zone_letter(z)), 10 + i, z, false))
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
    Network { vpc, public, private }
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
    #[test]
    fn subnets_are_carved_from_the_vpc() {
        assert_eq!(super::subnet_cidr("10.10.0.0/16", 0), "10.10.0.0/24");
        assert_eq!(super::subnet_cidr("10.10.0.0/16", 11), "10.10.11.0/24");
    }
}
