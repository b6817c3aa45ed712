//! Network: the stack's VPC is tagged; its subnets do not hand out public IPs (EC2.15); the
//! VPC's default security group has no rules (EC2.2); the default network ACL is managed by the
//! stack with explicit entries, and no ACL opens SSH or RDP to the internet (EC2.21); a flow log
//! of ALL traffic goes to a CloudWatch log group that has a retention (EC2.6).

use super::target::{ec2_tags, Target};
use super::{blocked, error_text, Check};
use aws_sdk_ec2::types::{Filter, NetworkAcl, Vpc};

const AREA: &str = "network";

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

pub async fn checks(t: &Target) -> Vec<Check> {
    let vpcs = match t.ec2().describe_vpcs().filters(t.stack_filter()).send().await {
        Ok(out) => out.vpcs().to_vec(),
        Err(e) => return vec![blocked(AREA, None, "the stack's VPC", &format!("DescribeVpcs: {}", error_text(e)))],
    };
    let mut checks = vec![vpc_tagged(t, &vpcs)];
    checks.push(subnets_without_public_ips(t, &vpcs).await);
    checks.push(default_group_closed(t, &vpcs).await);
    let acls = network_acls(t, &vpcs).await;
    checks.push(default_acl_managed(t, &acls));
    checks.push(no_acl_opens_admin_ports(&acls));
    checks.push(flow_logs(t, &vpcs).await);
    checks
}

fn vpc_tagged(t: &Target, vpcs: &[Vpc]) -> Check {
    let mut check = Check::new(AREA, None, "one VPC tagged plinth:stack, plinth:name, Environment, ManagedBy");
    if vpcs.len() > 1 {
        check.fail(format!("plinth:stack={}", t.stack), format!("{} VPCs carry the stack's tag", vpcs.len()));
    }
    for vpc in vpcs {
        let tags = ec2_tags(vpc.tags());
        let missing: Vec<&str> =
            ["plinth:name", "Environment", "ManagedBy"].into_iter().filter(|k| !tags.contains_key(*k)).collect();
        let environment_right = tags.get("Environment").is_none_or(|e| e == &t.stack);
        check.expect(vpc_id(vpc), missing.is_empty() && environment_right, format!("tags missing {missing:?} or Environment is not {}: {tags:?}", t.stack));
    }
    check
}

fn vpc_id(vpc: &Vpc) -> &str {
    vpc.vpc_id().unwrap_or("(vpc)")
}

async fn subnets_without_public_ips(t: &Target, vpcs: &[Vpc]) -> Check {
    let mut check = Check::new(AREA, Some("EC2.15"), "no subnet of the VPC auto-assigns public IPs (public ones included)");
    for vpc in vpcs {
        match t.ec2().describe_subnets().filters(filter("vpc-id", vpc_id(vpc))).send().await {
            Ok(out) => {
                for subnet in out.subnets() {
                    let id = subnet.subnet_id().unwrap_or_default();
                    let name = ec2_tags(subnet.tags()).get("plinth:name").cloned().unwrap_or_default();
                    check.expect(format!("{id} ({name})"), subnet.map_public_ip_on_launch() != Some(true), "MapPublicIpOnLaunch is true");
                }
            }
            Err(e) => {
                check.call_failed(vpc_id(vpc), "DescribeSubnets", e);
            }
        }
    }
    check
}

async fn default_group_closed(t: &Target, vpcs: &[Vpc]) -> Check {
    let mut check = Check::new(AREA, Some("EC2.2"), "the VPC's default security group allows no inbound or outbound traffic");
    for vpc in vpcs {
        let filters = [filter("vpc-id", vpc_id(vpc)), filter("group-name", "default")];
        match t.ec2().describe_security_groups().set_filters(Some(filters.to_vec())).send().await {
            Ok(out) if out.security_groups().is_empty() => {
                check.fail(vpc_id(vpc), "no default security group found");
            }
            Ok(out) => {
                for group in out.security_groups() {
                    let (ingress, egress) = (group.ip_permissions().len(), group.ip_permissions_egress().len());
                    check.expect(
                        format!("{} (default group of {})", group.group_id().unwrap_or_default(), vpc_id(vpc)),
                        ingress == 0 && egress == 0,
                        format!("{ingress} ingress and {egress} egress rules"),
                    );
                }
            }
            Err(e) => {
                check.call_failed(vpc_id(vpc), "DescribeSecurityGroups", e);
            }
        }
    }
    check
}

/// The VPCs' network ACLs, or why they could not be read.
async fn network_acls(t: &Target, vpcs: &[Vpc]) -> Result<Vec<NetworkAcl>, String> {
    let mut acls = Vec::new();
    for vpc in vpcs {
        let out = t.ec2().describe_network_acls().filters(filter("vpc-id", vpc_id(vpc))).send().await;
        acls.extend(out.map_err(|e| format!("DescribeNetworkAcls {}: {}", vpc_id(vpc), error_text(e)))?.network_acls().to_vec());
    }
    Ok(acls)
}

/// The rule number AWS gives the catch-all deny of every network ACL.
const CATCH_ALL: i32 = 32767;

fn default_acl_managed(t: &Target, acls: &Result<Vec<NetworkAcl>, String>) -> Check {
    let what = "the default network ACL is managed (tagged plinth:stack) with explicit entries";
    let acls = match acls {
        Ok(acls) => acls,
        Err(reason) => return blocked(AREA, None, what, reason),
    };
    let mut check = Check::new(AREA, None, what);
    for acl in acls.iter().filter(|a| a.is_default() == Some(true)) {
        let id = acl.network_acl_id().unwrap_or_default();
        let tagged = t.owns(acl.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())));
        check.expect(id, tagged, format!("not tagged plinth:stack={} (tags: {:?})", t.stack, ec2_tags(acl.tags())));
        let explicit = acl.entries().iter().filter(|e| e.rule_number() != Some(CATCH_ALL)).count();
        let allow_all = acl.entries().iter().any(|e| {
            e.rule_number() != Some(CATCH_ALL)
                && e.protocol() == Some("-1")
                && e.cidr_block() == Some("0.0.0.0/0")
                && e.rule_action().map(|a| a.as_str()) == Some("allow")
        });
        if explicit == 0 || allow_all {
            check.fail(id, format!("{explicit} entries besides the catch-all deny, allow-all entry present: {allow_all}"));
        }
    }
    check
}

/// Whether `entry` (ingress, from anywhere) covers TCP `port`.
fn covers(entry: &aws_sdk_ec2::types::NetworkAclEntry, port: i32) -> bool {
    let from_anywhere = entry.cidr_block() == Some("0.0.0.0/0") || entry.ipv6_cidr_block() == Some("::/0");
    let protocol = matches!(entry.protocol(), Some("-1") | Some("6"));
    let range = entry.port_range().map(|r| (r.from().unwrap_or(0), r.to().unwrap_or(65535))).unwrap_or((0, 65535));
    entry.egress() == Some(false) && from_anywhere && protocol && (range.0..=range.1).contains(&port)
}

fn no_acl_opens_admin_ports(acls: &Result<Vec<NetworkAcl>, String>) -> Check {
    let what = "no network ACL allows ingress from 0.0.0.0/0 to port 22 or 3389";
    let acls = match acls {
        Ok(acls) => acls,
        Err(reason) => return blocked(AREA, Some("EC2.21"), what, reason),
    };
    let mut check = Check::new(AREA, Some("EC2.21"), what);
    for acl in acls {
        let mut entries: Vec<_> = acl.entries().to_vec();
        entries.sort_by_key(|e| e.rule_number().unwrap_or(CATCH_ALL));
        for port in [22, 3389] {
            // The lowest-numbered matching entry decides.
            let decides = entries.iter().find(|e| covers(e, port));
            let allowed = decides.is_some_and(|e| e.rule_action().map(|a| a.as_str()) == Some("allow"));
            check.expect(
                acl.network_acl_id().unwrap_or_default(),
                !allowed,
                format!("rule {} allows port {port} from anywhere", decides.and_then(|e| e.rule_number()).unwrap_or_default()),
            );
        }
    }
    check
}

/// The log group a flow log writes to: its `LogGroupName`, or the name in its destination ARN
/// (`arn:aws:logs:<region>:<account>:log-group:<name>`; a flow log created with a destination ARN
/// may answer with only that, as the emulator does).
fn flow_log_group(flow: &aws_sdk_ec2::types::FlowLog) -> Option<&str> {
    let from_arn = || flow.log_destination().and_then(|arn| arn.split_once(":log-group:")).map(|(_, name)| name.trim_end_matches(":*"));
    flow.log_group_name().or_else(from_arn)
}

async fn flow_logs(t: &Target, vpcs: &[Vpc]) -> Check {
    let mut check = Check::new(AREA, Some("EC2.6"), "a flow log of ALL traffic to a CloudWatch log group with a retention");
    let logs = aws_sdk_cloudwatchlogs::Client::new(t.sdk());
    for vpc in vpcs {
        let id = vpc_id(vpc);
        let out = match t.ec2().describe_flow_logs().filter(filter("resource-id", id)).send().await {
            Ok(out) => out,
            Err(e) => {
                check.call_failed(id, "DescribeFlowLogs", e);
                continue;
            }
        };
        let all = out.flow_logs().iter().find(|f| {
            f.traffic_type().map(|t| t.as_str()) == Some("ALL")
                && f.log_destination_type().is_none_or(|d| d.as_str() == "cloud-watch-logs")
                && flow_log_group(f).is_some()
        });
        let Some(flow) = all else {
            check.fail(id, format!("no flow log of ALL traffic to CloudWatch Logs ({} flow logs)", out.flow_logs().len()));
            continue;
        };
        let group = flow_log_group(flow).unwrap_or_default();
        let found = logs.describe_log_groups().log_group_name_prefix(group).send().await;
        let retention = found.as_ref().ok().and_then(|o| o.log_groups().iter().find(|g| g.log_group_name() == Some(group))).and_then(|g| g.retention_in_days());
        check.expect(format!("{id} → {group}"), retention.is_some(), "the flow log's log group is missing or keeps events forever (no retention)");
        if flow.deliver_logs_permission_arn().is_none() {
            check.fail(id, "the flow log has no delivery role");
        }
    }
    check
}
