//! Security group rules as the program writes them (`Rule`: one protocol and port range, several
//! sources) and as EC2 stores them (one permission per source). Both sides are flattened to
//! `Permission`s keyed by (protocol, ports, source), so diffs are exact and order-free, and
//! live rules are read back in the inputs' shape and order when nothing changed.
//!
//! A group's live rules come from DescribeSecurityGroupRules ([`own_permissions`]), which gives
//! each rule's tags: a rule tagged with another resource's `plinth:name` (an
//! `aws:ec2:SecurityGroupRule`) is not the group's and is left out of its reads and diffs.

use super::check;
use aws_sdk_ec2::types::{IpPermission, IpRange, SecurityGroupRule as SdkRule, UserIdGroupPair};
use engine::{Input, NAME_TAG};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// An IP protocol as EC2 names it in a rule. Serialized as EC2's spelling (`"tcp"`, `"-1"` for
/// all traffic, a number for the others), the strings state files already hold; protocol numbers
/// EC2 names (6, 17, 1, 58) and `"all"` decode to their named variant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// All traffic (EC2's `-1`); ports do not apply.
    All,
    /// Any other IP protocol by number (e.g. 47, GRE).
    Number(u8),
}

impl Protocol {
    /// EC2's spelling.
    pub fn as_aws(self) -> String {
        match self {
            Protocol::Tcp => "tcp".into(),
            Protocol::Udp => "udp".into(),
            Protocol::Icmp => "icmp".into(),
            Protocol::Icmpv6 => "icmpv6".into(),
            Protocol::All => "-1".into(),
            Protocol::Number(n) => n.to_string(),
        }
    }

    /// The protocol EC2 (or an older state) spells `text`, if it is one.
    pub fn parse(text: &str) -> Option<Protocol> {
        Some(match text.to_ascii_lowercase().as_str() {
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            "icmpv6" | "58" => Protocol::Icmpv6,
            "all" | "-1" => Protocol::All,
            other => Protocol::Number(other.parse().ok()?),
        })
    }

    /// Whether the rule's ports are port numbers (tcp and udp).
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_aws())
    }
}

impl Serialize for Protocol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_aws())
    }
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Protocol::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not tcp, udp, icmp, icmpv6, -1 or a protocol number"))
        })
    }
}

/// Which rule list of a security group a rule belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Inbound (AuthorizeSecurityGroupIngress).
    #[default]
    Ingress,
    /// Outbound (AuthorizeSecurityGroupEgress).
    Egress,
}

/// One ingress or egress rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Rule {
    pub protocol: Protocol,
    pub from_port: i32,
    pub to_port: i32,
    pub cidr_blocks: Vec<String>,
    pub source_security_group_id: Option<Input<String>>,
    pub description: Option<String>,
}

/// Where traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Cidr(String),
    Group(String),
}

/// What identifies one stored permission: protocol, ports, source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub source: Source,
}

/// Stored permissions: key → description.
pub type Permissions = BTreeMap<Key, Option<String>>;

/// The rule AWS adds to every new VPC security group: all traffic out to anywhere.
pub fn default_egress() -> Key {
    Key { protocol: Protocol::All.as_aws(), from_port: 0, to_port: 0, source: Source::Cidr("0.0.0.0/0".into()) }
}

/// EC2's spelling of a protocol it reported (kept as given if Plinth cannot read it).
fn protocol(p: &str) -> String {
    Protocol::parse(p).map(Protocol::as_aws).unwrap_or_else(|| p.to_string())
}

fn key(proto: &str, from: Option<i32>, to: Option<i32>, source: Source) -> Key {
    let protocol = protocol(proto);
    // Ports mean nothing for "all traffic" (EC2 omits them).
    let (from_port, to_port) = if protocol == "-1" { (0, 0) } else { (from.unwrap_or(0), to.unwrap_or(0)) };
    Key { protocol, from_port, to_port, source }
}

fn description(d: Option<&str>) -> Option<String> {
    d.filter(|d| !d.is_empty()).map(str::to_string)
}

impl Rule {
    /// The stored permissions this rule stands for (sources resolved).
    pub fn permissions(&self) -> Permissions {
        let proto = self.protocol.as_aws();
        let k = |s| key(&proto, Some(self.from_port), Some(self.to_port), s);
        let desc = description(self.description.as_deref());
        let mut out: Permissions =
            self.cidr_blocks.iter().map(|c| (k(Source::Cidr(c.clone())), desc.clone())).collect();
        if let Some(group) = &self.source_security_group_id {
            out.insert(k(Source::Group(group.value().clone())), desc);
        }
        out
    }

    /// Problems with this rule, naming it as `field` (e.g. "ingress[0]").
    pub fn problems(&self, field: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.protocol.has_ports() {
            if self.from_port > self.to_port {
                problems
                    .push(format!("{field}: from_port {} is greater than to_port {}", self.from_port, self.to_port));
            }
            for (name, port) in [("from_port", self.from_port), ("to_port", self.to_port)] {
                if !(0..=65535).contains(&port) {
                    problems.push(format!("{field}.{name} {port} is not a port (0-65535)"));
                }
            }
        }
        for (i, c) in self.cidr_blocks.iter().enumerate() {
            if let Err(e) = check::parse_v4(&format!("{field}.cidr_blocks[{i}]"), c) {
                problems.push(e);
            }
        }
        if self.cidr_blocks.is_empty() && self.source_security_group_id.is_none() {
            problems.push(format!("{field} needs cidr_blocks or a source_security_group_id"));
        }
        problems
    }
}

/// Problems with a rule list, each naming the rule (`ingress[2]...`), duplicates included.
pub fn problems(field: &str, rules: &[Rule]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, rule) in rules.iter().enumerate() {
        let name = format!("{field}[{i}]");
        let own = rule.problems(&name);
        if own.is_empty() {
            for c in &rule.cidr_blocks {
                let proto = rule.protocol.as_aws();
                if !seen.insert(key(&proto, Some(rule.from_port), Some(rule.to_port), Source::Cidr(c.clone()))) {
                    problems.push(format!(
                        "{name}: {} {}-{} from `{c}` is already allowed by an earlier rule",
                        rule.protocol, rule.from_port, rule.to_port
                    ));
                }
            }
        }
        problems.extend(own);
    }
    problems
}

/// All permissions of a rule list.
pub fn permissions_of(rules: &[Rule]) -> Permissions {
    rules.iter().flat_map(|r| r.permissions()).collect()
}

/// Permissions as EC2 reports them. IPv6 ranges and prefix lists are not modeled and ignored.
pub fn from_sdk(live: &[IpPermission]) -> Permissions {
    let mut out = Permissions::new();
    for p in live {
        let proto = p.ip_protocol().unwrap_or("-1");
        for r in p.ip_ranges() {
            if let Some(c) = r.cidr_ip() {
                out.insert(
                    key(proto, p.from_port(), p.to_port(), Source::Cidr(c.into())),
                    description(r.description()),
                );
            }
        }
        for g in p.user_id_group_pairs() {
            if let Some(id) = g.group_id() {
                out.insert(
                    key(proto, p.from_port(), p.to_port(), Source::Group(id.into())),
                    description(g.description()),
                );
            }
        }
    }
    out
}

/// One rule as DescribeSecurityGroupRules reports it, or `None` for a target Plinth does not
/// model (IPv6 range, prefix list).
pub fn from_sdk_rule(rule: &SdkRule) -> Option<(Key, Option<String>)> {
    let group = rule.referenced_group_info().and_then(|g| g.group_id());
    let source = match (rule.cidr_ipv4(), group) {
        (Some(cidr), _) => Source::Cidr(cidr.into()),
        (None, Some(group)) => Source::Group(group.into()),
        (None, None) => return None,
    };
    let key = key(rule.ip_protocol().unwrap_or("-1"), rule.from_port(), rule.to_port(), source);
    Some((key, description(rule.description())))
}

/// Whether `rule` is tagged as another Plinth resource's (a `plinth:name` other than `own`,
/// the group's own `plinth:name`).
pub fn owned_elsewhere(rule: &SdkRule, own: Option<&str>) -> bool {
    rule.tags().iter().any(|t| t.key() == Some(NAME_TAG) && t.value() != own)
}

/// The (ingress, egress) permissions that belong to the group itself among its live `rules`
/// (DescribeSecurityGroupRules): rules [`owned_elsewhere`] are left out, so the group neither
/// reports them as drift nor revokes them.
pub fn own_permissions(rules: &[SdkRule], own: Option<&str>) -> (Permissions, Permissions) {
    let (mut ingress, mut egress) = (Permissions::new(), Permissions::new());
    for rule in rules.iter().filter(|r| !owned_elsewhere(r, own)) {
        if let Some((key, desc)) = from_sdk_rule(rule) {
            let list = if rule.is_egress() == Some(true) { &mut egress } else { &mut ingress };
            list.insert(key, desc);
        }
    }
    (ingress, egress)
}

/// One EC2 permission per stored permission: calls name exactly what changes.
pub fn to_sdk(perms: &Permissions) -> Vec<IpPermission> {
    perms
        .iter()
        .map(|(k, desc)| {
            let mut b = IpPermission::builder().ip_protocol(&k.protocol);
            if k.protocol != "-1" {
                b = b.from_port(k.from_port).to_port(k.to_port);
            }
            match &k.source {
                Source::Cidr(c) => b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(desc.clone()).build()),
                Source::Group(g) => {
                    b.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).set_description(desc.clone()).build())
                }
            }
            .build()
        })
        .collect()
}

/// What moves `live` to `wanted`: (to authorize, to revoke, descriptions to update).
pub fn diff(live: &Permissions, wanted: &Permissions) -> (Permissions, Permissions, Permissions) {
    let pick = |from: &Permissions, f: &dyn Fn(&Key, &Option<String>) -> bool| -> Permissions {
        from.iter().filter(|(k, d)| f(k, d)).map(|(k, d)| (k.clone(), d.clone())).collect()
    };
    let add = pick(wanted, &|k, _| !live.contains_key(k));
    let remove = pick(live, &|k, _| !wanted.contains_key(k));
    let describe = pick(wanted, &|k, d| live.get(k).is_some_and(|l| l != d));
    (add, remove, describe)
}

/// Live permissions in the inputs' shape: input rules that are fully present come back as
/// written, in their order; whatever else is live follows as canonical rules, sorted.
pub fn observed(inputs: &[Rule], live: &Permissions) -> Vec<Rule> {
    let mut left = live.clone();
    let mut out = Vec::new();
    for rule in inputs {
        let perms = rule.permissions();
        if !perms.is_empty() && perms.iter().all(|(k, d)| left.get(k) == Some(d)) {
            perms.keys().for_each(|k| {
                left.remove(k);
            });
            out.push(rule.clone());
        }
    }
    out.extend(canonical(&left));
    out
}

/// Groups permissions into rules: CIDRs sharing protocol, ports and description form one rule;
/// each source group its own.
fn canonical(perms: &Permissions) -> Vec<Rule> {
    let mut rules: BTreeMap<(String, i32, i32, Option<String>), Rule> = BTreeMap::new();
    let mut groups = Vec::new();
    for (k, desc) in perms {
        let rule = Rule {
            // Keys hold EC2's spellings, which all parse; 255 (IANA-reserved) would show as drift.
            protocol: Protocol::parse(&k.protocol).unwrap_or(Protocol::Number(255)),
            from_port: k.from_port,
            to_port: k.to_port,
            description: desc.clone(),
            ..Default::default()
        };
        match &k.source {
            Source::Cidr(c) => {
                let entry = rules.entry((k.protocol.clone(), k.from_port, k.to_port, desc.clone())).or_insert(rule);
                entry.cidr_blocks.push(c.clone());
            }
            Source::Group(g) => groups.push(Rule { source_security_group_id: Some(Input::Value(g.clone())), ..rule }),
        }
    }
    rules.into_values().chain(groups).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(port: i32, cidrs: &[&str]) -> Rule {
        Rule {
            protocol: Protocol::Tcp,
            from_port: port,
            to_port: port,
            cidr_blocks: cidrs.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        }
    }

    fn all_out() -> Rule {
        Rule { protocol: Protocol::All, cidr_blocks: vec!["0.0.0.0/0".into()], ..Default::default() }
    }

    #[test]
    fn validate_names_each_problem() {
        let rules = vec![
            Rule { from_port: 443, to_port: 80, ..tcp(0, &["10.0.0.0/33"]) },
            Rule { to_port: 70000, ..tcp(22, &["10.0.0.0/8"]) },
            tcp(22, &[]),
            tcp(80, &["0.0.0.0/0"]),
            tcp(80, &["0.0.0.0/0"]),
        ];
        assert_eq!(
            problems("ingress", &rules),
            [
                "ingress[0]: from_port 443 is greater than to_port 80",
                "ingress[0].cidr_blocks[0] `10.0.0.0/33` is not a valid IPv4 CIDR",
                "ingress[1].to_port 70000 is not a port (0-65535)",
                "ingress[2] needs cidr_blocks or a source_security_group_id",
                "ingress[4]: tcp 80-80 from `0.0.0.0/0` is already allowed by an earlier rule",
            ]
        );
        assert!(problems(
            "egress",
            &[all_out(), Rule { protocol: Protocol::Icmp, from_port: 8, to_port: -1, ..tcp(0, &["10.0.0.0/8"]) }]
        )
        .is_empty());
    }

    #[test]
    fn protocols_keep_ec2_spelling_and_a_typo_does_not_decode() {
        for (text, protocol) in [("tcp", Protocol::Tcp), ("-1", Protocol::All), ("47", Protocol::Number(47))] {
            assert_eq!(serde_json::to_value(protocol).unwrap(), serde_json::json!(text));
            assert_eq!(serde_json::from_value::<Protocol>(serde_json::json!(text)).unwrap(), protocol);
        }
        assert_eq!(Protocol::parse("6"), Some(Protocol::Tcp));
        assert_eq!(Protocol::parse("ALL"), Some(Protocol::All));
        let typo = serde_json::from_value::<Rule>(serde_json::json!({ "protocol": "tpc" })).unwrap_err();
        assert!(typo.to_string().contains("`tpc` is not tcp"), "{typo}");
    }

    #[test]
    fn all_traffic_ignores_ports_and_matches_the_default_egress() {
        let written = Rule { from_port: -1, to_port: -1, ..all_out() };
        assert_eq!(written.permissions().keys().next(), Some(&default_egress()));
        let live = from_sdk(&[IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build()]);
        assert_eq!(live, written.permissions());
    }

    #[test]
    fn sdk_round_trip_and_unchanged_reads_back_equal() {
        let rules = vec![
            tcp(443, &["10.0.0.0/8", "0.0.0.0/0"]),
            Rule {
                source_security_group_id: Some(Input::Value("sg-1".into())),
                description: Some("from the load balancer".into()),
                ..tcp(8080, &[])
            },
        ];
        let live = from_sdk(&to_sdk(&permissions_of(&rules)));
        assert_eq!(live, permissions_of(&rules));
        assert_eq!(observed(&rules, &live), rules);
    }

    #[test]
    fn drift_reads_as_canonical_extra_rules() {
        let rules = vec![tcp(443, &["0.0.0.0/0"]), tcp(22, &["10.0.0.0/8"])];
        let mut live = permissions_of(&rules[..1]);
        live.extend(permissions_of(&[tcp(5432, &["10.1.0.0/16", "10.2.0.0/16"])]));
        let seen = observed(&rules, &live);
        assert_eq!(seen, vec![tcp(443, &["0.0.0.0/0"]), tcp(5432, &["10.1.0.0/16", "10.2.0.0/16"])]);
    }

    fn sdk_rule(egress: bool, proto: &str, port: i32, cidr: &str, name: Option<&str>) -> SdkRule {
        let tags = name.map(|n| aws_sdk_ec2::types::Tag::builder().key(NAME_TAG).value(n).build());
        SdkRule::builder()
            .is_egress(egress)
            .ip_protocol(proto)
            .from_port(port)
            .to_port(port)
            .cidr_ipv4(cidr)
            .set_tags(tags.map(|t| vec![t]))
            .build()
    }

    #[test]
    fn rules_of_other_plinth_resources_are_not_the_groups() {
        let rules = [
            sdk_rule(true, "-1", -1, "0.0.0.0/0", None),
            sdk_rule(true, "tcp", 8080, "10.0.0.0/8", Some("lb-to-api")),
            sdk_rule(true, "tcp", 443, "10.0.0.0/8", Some("lb-sg")),
            sdk_rule(false, "tcp", 22, "10.1.0.0/16", None),
        ];
        let (ingress, egress) = own_permissions(&rules, Some("lb-sg"));
        assert_eq!(ingress, permissions_of(&[tcp(22, &["10.1.0.0/16"])]));
        let all = Rule { protocol: Protocol::All, cidr_blocks: vec!["0.0.0.0/0".into()], ..Default::default() };
        assert_eq!(egress, permissions_of(&[all, tcp(443, &["10.0.0.0/8"])]), "untagged and own rules stay");
        let (_, egress) = own_permissions(&rules, None);
        assert_eq!(egress.len(), 1, "a group without plinth:name owns only untagged rules: {egress:?}");
    }

    #[test]
    fn a_group_referencing_rule_reads_as_its_group() {
        let rule = SdkRule::builder()
            .ip_protocol("tcp")
            .from_port(8080)
            .to_port(8080)
            .referenced_group_info(aws_sdk_ec2::types::ReferencedSecurityGroup::builder().group_id("sg-1").build())
            .description("from lb")
            .build();
        let want = Rule {
            source_security_group_id: Some(Input::Value("sg-1".into())),
            description: Some("from lb".into()),
            ..tcp(8080, &[])
        };
        assert_eq!(from_sdk_rule(&rule).into_iter().collect::<Permissions>(), want.permissions());
        assert_eq!(from_sdk_rule(&SdkRule::builder().ip_protocol("tcp").cidr_ipv6("::/0").build()), None);
    }

    #[test]
    fn diff_is_exact() {
        let live = permissions_of(&[tcp(80, &["0.0.0.0/0"]), tcp(22, &["10.0.0.0/8"])]);
        let wanted = permissions_of(&[
            Rule { description: Some("web".into()), ..tcp(80, &["0.0.0.0/0"]) },
            tcp(443, &["0.0.0.0/0"]),
        ]);
        let (add, remove, describe) = diff(&live, &wanted);
        assert_eq!(add, permissions_of(&[tcp(443, &["0.0.0.0/0"])]));
        assert_eq!(remove, permissions_of(&[tcp(22, &["10.0.0.0/8"])]));
        assert_eq!(describe.values().collect::<Vec<_>>(), [&Some("web".to_string())]);
    }
}
