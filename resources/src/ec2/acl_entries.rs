//! Network ACL entries as the program writes them ([`AclEntry`]) and as EC2 stores them: one
//! entry per (direction, rule number), evaluated lowest number first. Entries are compared in a
//! normal form (ports only where the protocol has them), so diffs are exact and reads come back
//! in the program's order when nothing changed. The catch-all deny entries AWS keeps at the end
//! of each direction (rule number `*`, 32767 and 32768) cannot be changed and are not modeled.

use super::sg_rules::Protocol;
use aws_sdk_ec2::types::{IcmpTypeCode, NetworkAclEntry as SdkEntry, PortRange, RuleAction};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The highest rule number a program may use (32767 and up are AWS's catch-all entries).
pub const MAX_RULE_NUMBER: i32 = 32766;

crate::kit::enums::aws_enum! {
    /// What an entry does with the traffic it matches.
    pub enum AclAction: RuleAction {
        Allow = "allow",
        Deny = "deny",
    }
}

/// One network ACL entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AclEntry {
    /// 1 to 32766; entries are evaluated lowest first, per direction.
    pub rule_number: i32,
    /// Outbound (true) or inbound (false).
    pub egress: bool,
    /// `-1` (all traffic) or a protocol; sent to EC2 as its number.
    pub protocol: Protocol,
    pub action: AclAction,
    /// An IPv4 or IPv6 CIDR.
    pub cidr_block: String,
    /// Port range for tcp and udp; ICMP type (`from_port`) and code (`to_port`, -1 = all) for
    /// icmp and icmpv6; ignored for other protocols.
    pub from_port: i32,
    pub to_port: i32,
}

/// What identifies an entry: its direction and rule number.
pub type Slot = (bool, i32);

impl AclEntry {
    pub fn slot(&self) -> Slot {
        (self.egress, self.rule_number)
    }

    /// The entry with ports zeroed where the protocol has none: how EC2 stores it.
    pub fn normal(&self) -> AclEntry {
        let ports = self.protocol.has_ports() || is_icmp(self.protocol);
        let (from_port, to_port) = if ports { (self.from_port, self.to_port) } else { (0, 0) };
        AclEntry { from_port, to_port, ..self.clone() }
    }

    /// Problems with this entry, naming it as `field` (e.g. "entries[0]").
    pub fn problems(&self, field: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !(1..=MAX_RULE_NUMBER).contains(&self.rule_number) {
            problems.push(format!("{field}.rule_number {} must be 1 to {MAX_RULE_NUMBER}", self.rule_number));
        }
        if self.cidr_block.parse::<IpNet>().is_err() {
            problems.push(format!("{field}.cidr_block `{}` is not a valid IPv4 or IPv6 CIDR", self.cidr_block));
        }
        if self.protocol.has_ports() {
            for (name, port) in [("from_port", self.from_port), ("to_port", self.to_port)] {
                if !(0..=65535).contains(&port) {
                    problems.push(format!("{field}.{name} {port} is not a port (0-65535)"));
                }
            }
            if self.from_port > self.to_port {
                problems.push(format!("{field}: from_port {} is greater than to_port {}", self.from_port, self.to_port));
            }
        } else if is_icmp(self.protocol) {
            for (name, value) in [("from_port (ICMP type)", self.from_port), ("to_port (ICMP code)", self.to_port)] {
                if !(-1..=255).contains(&value) {
                    problems.push(format!("{field}.{name} {value} must be -1 to 255"));
                }
            }
        }
        problems
    }

    /// EC2's protocol number for the entry (the ACL API takes numbers, `-1` for all).
    pub fn protocol_number(&self) -> String {
        match self.protocol {
            Protocol::Tcp => "6".into(),
            Protocol::Udp => "17".into(),
            Protocol::Icmp => "1".into(),
            Protocol::Icmpv6 => "58".into(),
            Protocol::All => "-1".into(),
            Protocol::Number(n) => n.to_string(),
        }
    }

    /// The port range to send, if the protocol has one.
    pub fn port_range(&self) -> Option<PortRange> {
        self.protocol.has_ports().then(|| PortRange::builder().from(self.from_port).to(self.to_port).build())
    }

    /// The ICMP type and code to send, for icmp and icmpv6.
    pub fn icmp_type_code(&self) -> Option<IcmpTypeCode> {
        is_icmp(self.protocol).then(|| IcmpTypeCode::builder().r#type(self.from_port).code(self.to_port).build())
    }

    /// (IPv4 CIDR, IPv6 CIDR): exactly one is set.
    pub fn cidrs(&self) -> (Option<String>, Option<String>) {
        if self.cidr_block.contains(':') {
            (None, Some(self.cidr_block.clone()))
        } else {
            (Some(self.cidr_block.clone()), None)
        }
    }
}

fn is_icmp(p: Protocol) -> bool {
    matches!(p, Protocol::Icmp | Protocol::Icmpv6)
}

/// Problems with an entry list, each naming the entry, two entries in one slot included.
pub fn problems(field: &str, entries: &[AclEntry]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let name = format!("{field}[{i}]");
        problems.extend(entry.problems(&name));
        if !seen.insert(entry.slot()) {
            let direction = if entry.egress { "egress" } else { "ingress" };
            problems.push(format!("{name}: {direction} rule number {} is used by an earlier entry", entry.rule_number));
        }
    }
    problems
}

/// One entry as EC2 reports it, or `None` for AWS's catch-all entries (and an entry without a
/// rule number, action or CIDR, which EC2 never sends).
pub fn from_sdk(entry: &SdkEntry) -> Option<AclEntry> {
    let rule_number = entry.rule_number().filter(|n| *n <= MAX_RULE_NUMBER)?;
    let cidr_block = entry.cidr_block().or(entry.ipv6_cidr_block())?.to_string();
    let ports = entry.port_range().map(|r| (r.from().unwrap_or(0), r.to().unwrap_or(0)));
    let icmp = entry.icmp_type_code().map(|c| (c.r#type().unwrap_or(-1), c.code().unwrap_or(-1)));
    let protocol = Protocol::parse(entry.protocol().unwrap_or("-1")).unwrap_or(Protocol::Number(255));
    let (from_port, to_port) = if protocol.has_ports() { ports } else { icmp }.unwrap_or((0, 0));
    let live = AclEntry {
        rule_number,
        egress: entry.egress().unwrap_or(false),
        protocol,
        action: entry.rule_action().and_then(AclAction::from_sdk)?,
        cidr_block,
        from_port,
        to_port,
    };
    Some(live.normal())
}

/// Live entries by slot.
pub fn by_slot(live: &[AclEntry]) -> BTreeMap<Slot, AclEntry> {
    live.iter().map(|e| (e.slot(), e.normal())).collect()
}

/// What moves `live` to `wanted`: (entries to create, entries to replace, slots to delete).
pub fn diff(live: &[AclEntry], wanted: &[AclEntry]) -> (Vec<AclEntry>, Vec<AclEntry>, Vec<Slot>) {
    let live = by_slot(live);
    let wanted = by_slot(wanted);
    let create = wanted.iter().filter(|(s, _)| !live.contains_key(s)).map(|(_, e)| e.clone()).collect();
    let replace = wanted.iter().filter(|(s, e)| live.get(s).is_some_and(|l| l != *e)).map(|(_, e)| e.clone()).collect();
    let delete = live.keys().filter(|s| !wanted.contains_key(s)).copied().collect();
    (create, replace, delete)
}

/// Live entries in the inputs' shape: program entries that are live as written come back as
/// written, in their order; the other live entries follow in slot order.
pub fn observed(inputs: &[AclEntry], live: &[AclEntry]) -> Vec<AclEntry> {
    let mut left = by_slot(live);
    let mut out = Vec::new();
    for entry in inputs {
        if left.get(&entry.slot()) == Some(&entry.normal()) {
            left.remove(&entry.slot());
            out.push(entry.clone());
        }
    }
    out.extend(left.into_values());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn validate_names_each_problem() {
        let entries = vec![
            entry(0, false, Protocol::Tcp, "10.0.0.0/33", (443, 80)),
            entry(100, false, Protocol::All, "0.0.0.0/0", (0, 0)),
            entry(100, false, Protocol::Tcp, "::/0", (80, 80)),
            entry(100, true, Protocol::Icmp, "10.0.0.1/16", (300, -1)),
            entry(32767, true, Protocol::All, "0.0.0.0/0", (0, 0)),
        ];
        assert_eq!(
            problems("entries", &entries),
            [
                "entries[0].rule_number 0 must be 1 to 32766",
                "entries[0].cidr_block `10.0.0.0/33` is not a valid IPv4 or IPv6 CIDR",
                "entries[0]: from_port 443 is greater than to_port 80",
                "entries[2]: ingress rule number 100 is used by an earlier entry",
                "entries[3].from_port (ICMP type) 300 must be -1 to 255",
                "entries[4].rule_number 32767 must be 1 to 32766",
            ]
        );
    }

    #[test]
    fn sdk_entries_read_back_in_normal_form_and_catch_alls_are_left_out() {
        let tcp = SdkEntry::builder()
            .rule_number(110)
            .protocol("6")
            .rule_action(RuleAction::Allow)
            .egress(false)
            .cidr_block("0.0.0.0/0")
            .port_range(PortRange::builder().from(443).to(443).build())
            .build();
        assert_eq!(from_sdk(&tcp), Some(entry(110, false, Protocol::Tcp, "0.0.0.0/0", (443, 443))));
        let catch_all = SdkEntry::builder()
            .rule_number(32767)
            .protocol("-1")
            .rule_action(RuleAction::Deny)
            .egress(true)
            .cidr_block("0.0.0.0/0")
            .build();
        assert_eq!(from_sdk(&catch_all), None);
        let all = entry(100, true, Protocol::All, "10.0.0.0/16", (-1, -1));
        assert_eq!(all.normal(), entry(100, true, Protocol::All, "10.0.0.0/16", (0, 0)));
        assert_eq!(all.protocol_number(), "-1");
        assert!(all.port_range().is_none() && all.icmp_type_code().is_none());
    }

    #[test]
    fn diff_and_observed_are_exact() {
        let wanted = vec![
            entry(100, false, Protocol::All, "10.0.0.0/16", (0, 0)),
            entry(110, false, Protocol::Tcp, "0.0.0.0/0", (443, 443)),
        ];
        let live = vec![
            entry(100, false, Protocol::All, "0.0.0.0/0", (0, 0)),
            entry(100, true, Protocol::All, "0.0.0.0/0", (0, 0)),
        ];
        let (create, replace, delete) = diff(&live, &wanted);
        assert_eq!(create, [wanted[1].clone()]);
        assert_eq!(replace, [wanted[0].clone()]);
        assert_eq!(delete, [(true, 100)]);
        assert_eq!(observed(&wanted, &wanted), wanted);
        let seen = observed(&wanted, &live);
        assert_eq!(seen, live, "drift reads as the live entries, in slot order");
    }
}
