//! Input checks shared by the EC2 kinds (CIDR syntax, required ids), with messages that name
//! the field. No I/O: a reference not yet known is never a problem.

use engine::Input;
use ipnet::Ipv4Net;

/// `field` must name an object: a known empty id is a mistake in the program.
pub fn required(field: &str, value: &Input<String>) -> Vec<String> {
    match value.known() {
        Some(v) if v.is_empty() => vec![format!("{field} must not be empty")],
        _ => Vec::new(),
    }
}

/// Parses an IPv4 CIDR, or explains why `field` is not one.
pub fn parse_v4(field: &str, value: &str) -> Result<Ipv4Net, String> {
    value.parse::<Ipv4Net>().map_err(|_| format!("{field} `{value}` is not a valid IPv4 CIDR"))
}

/// Problems with a CIDR that must also be a network address within EC2's block size limits
/// (/16 to /28 for VPCs and subnets).
pub fn cidr_block(field: &str, value: &str) -> Vec<String> {
    let net = match parse_v4(field, value) {
        Ok(net) => net,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    if net.network() != net.addr() {
        problems.push(format!("{field} `{value}` has host bits set: the network is `{}`", net.trunc()));
    }
    if !(16..=28).contains(&net.prefix_len()) {
        problems.push(format!("{field} `{value}` must be between /16 and /28"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field() {
        assert_eq!(cidr_block("cidr_block", "10.0.0.0/33"), ["cidr_block `10.0.0.0/33` is not a valid IPv4 CIDR"]);
        assert_eq!(
            cidr_block("cidr_block", "10.0.0.1/24"),
            ["cidr_block `10.0.0.1/24` has host bits set: the network is `10.0.0.0/24`"]
        );
        assert_eq!(cidr_block("cidr_block", "10.0.0.0/8"), ["cidr_block `10.0.0.0/8` must be between /16 and /28"]);
        assert!(cidr_block("cidr_block", "10.0.0.0/16").is_empty());
        assert!(parse_v4("x", "0.0.0.0/0").is_ok());
        assert!(parse_v4("x", "nonsense").is_err());
        assert_eq!(required("vpc_id", &Input::Value(String::new())), ["vpc_id must not be empty"]);
        assert!(required("vpc_id", &"vpc-1".into()).is_empty());
    }
}
