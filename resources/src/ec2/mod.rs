//! EC2 kinds, one file per kind, and what they share: tag specifications and tag sync
//! ([`tags`]), finders by id and by `plinth:name` tag ([`find`]), input checks ([`check`]),
//! security group rules and their sync, network ACL entries ([`acl_entries`]), and how the
//! VPC's default objects are claimed and released ([`defaults`]).

pub mod acl_entries;
pub mod check;
pub mod defaults;
pub mod find;
pub mod sg_rules;
mod sg_sync;
pub mod tags;

mod default_network_acl;
mod default_security_group;
mod eip;
mod flow_log;
mod internet_gateway;
mod nat_gateway;
mod route_table;
mod security_group;
mod security_group_rule;
mod subnet;
mod vpc;

pub use acl_entries::{AclAction, AclEntry};
pub use default_network_acl::{DefaultNetworkAcl, DefaultNetworkAclOutputs};
pub use default_security_group::{DefaultSecurityGroup, DefaultSecurityGroupOutputs};
pub use eip::{Eip, EipOutputs};
pub use flow_log::{FlowLog, FlowLogDestinationType, FlowLogOutputs, FlowLogTrafficType, AGGREGATION_INTERVALS};
pub use internet_gateway::{InternetGateway, InternetGatewayOutputs};
pub use nat_gateway::{NatGateway, NatGatewayOutputs, NAT_CREATE_TIMEOUT, NAT_DELETE_TIMEOUT};
pub use route_table::{Route, RouteTable, RouteTableOutputs};
pub use security_group::{SecurityGroup, SecurityGroupOutputs};
pub use security_group_rule::{SecurityGroupRule, SecurityGroupRuleOutputs};
pub use sg_rules::{Direction, Protocol, Rule};
pub use subnet::{Subnet, SubnetOutputs};
pub use vpc::{Vpc, VpcOutputs};

crate::service_client!(ec2, aws_sdk_ec2);

crate::error_codes!(
    "ec2",
    AlreadyExists: ["RouteAlreadyExists", "Resource.AlreadyAssociated"],
    Throttled: ["RequestLimitExceeded"],
    Conflict: ["DependencyViolation", "IncorrectState", "InvalidIPAddress.InUse", "Gateway.NotAttached"],
    AccessDenied: ["UnauthorizedOperation", "AuthFailure"],
);
