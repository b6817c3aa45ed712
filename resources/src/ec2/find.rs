//! EC2 finders: one object by id (`None` when it is gone, whatever shape "gone" takes), and the
//! tag filter that finds what this stack created under a logical name.

use crate::error::{classify, none_if_not_found};
use crate::AwsContext;
use aws_sdk_ec2::types::{Filter, Tag};
use engine::{ErrorClass, Meta, ProviderError};

/// The tag that carries the logical name.
pub const NAME_TAG: &str = "plinth:name";
/// The tag that carries the stack name.
pub const STACK_TAG: &str = "plinth:stack";

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the EC2 response has no {what}"))
}

/// Describe filters for the objects tagged with this resource's name and stack.
pub fn tag_filters(meta: &Meta) -> Vec<Filter> {
    vec![
        Filter::builder().name(format!("tag:{NAME_TAG}")).values(&meta.name).build(),
        Filter::builder().name(format!("tag:{STACK_TAG}")).values(&meta.stack).build(),
    ]
}

/// True when `tags` carry this resource's name and stack. Checked on every describe result too,
/// since some describe calls ignore tag filters in the emulator (moto's DescribeNatGateways).
pub fn tagged_as(tags: &[Tag], meta: &Meta) -> bool {
    let has = |key: &str, value: &str| tags.iter().any(|t| t.key() == Some(key) && t.value() == Some(value));
    has(NAME_TAG, &meta.name) && has(STACK_TAG, &meta.stack)
}

/// The single object among `found` (already filtered to this name), `None` if there is none, and
/// a Conflict when several claim the same name: adopting one of them would be a guess.
pub fn single<T>(kind: &str, meta: &Meta, mut found: Vec<(String, T)>) -> Result<Option<T>, ProviderError> {
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop().map(|(_, v)| v)),
        _ => {
            let ids: Vec<String> = found.into_iter().map(|(id, _)| id).collect();
            let message = format!(
                "{kind}: several objects are tagged {NAME_TAG}={} {STACK_TAG}={}: {}",
                meta.name,
                meta.stack,
                ids.join(", ")
            );
            Err(ProviderError::new(ErrorClass::Conflict, message))
        }
    }
}

/// The VPC, or `None` when it is gone.
pub async fn find_vpc(cx: &AwsContext, id: &str) -> Result<Option<aws_sdk_ec2::types::Vpc>, ProviderError> {
    let out =
        none_if_not_found(cx.ec2.describe_vpcs().vpc_ids(id).send().await.map_err(|e| classify("DescribeVpcs", e)))?;
    Ok(out.and_then(|o| o.vpcs().first().cloned()))
}

/// The subnet, or `None` when it is gone.
pub async fn find_subnet(cx: &AwsContext, id: &str) -> Result<Option<aws_sdk_ec2::types::Subnet>, ProviderError> {
    let out = cx.ec2.describe_subnets().subnet_ids(id).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeSubnets", e)))?;
    Ok(out.and_then(|o| o.subnets().first().cloned()))
}

/// The internet gateway, or `None` when it is gone.
pub async fn find_internet_gateway(
    cx: &AwsContext,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::InternetGateway>, ProviderError> {
    let out = cx.ec2.describe_internet_gateways().internet_gateway_ids(id).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeInternetGateways", e)))?;
    Ok(out.and_then(|o| o.internet_gateways().first().cloned()))
}

/// The route table, or `None` when it is gone.
pub async fn find_route_table(
    cx: &AwsContext,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::RouteTable>, ProviderError> {
    let out = cx.ec2.describe_route_tables().route_table_ids(id).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeRouteTables", e)))?;
    Ok(out.and_then(|o| o.route_tables().first().cloned()))
}

/// The Elastic IP address by allocation id, or `None` when it is released.
pub async fn find_address(
    cx: &AwsContext,
    allocation_id: &str,
) -> Result<Option<aws_sdk_ec2::types::Address>, ProviderError> {
    let out = cx.ec2.describe_addresses().allocation_ids(allocation_id).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeAddresses", e)))?;
    Ok(out.and_then(|o| o.addresses().first().cloned()))
}

/// The NAT gateway in any state, or `None` when the id is unknown (an error code in AWS, an
/// empty list in the emulator). Callers decide what `deleted` means for them.
pub async fn find_nat_gateway(
    cx: &AwsContext,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::NatGateway>, ProviderError> {
    let out = cx.ec2.describe_nat_gateways().nat_gateway_ids(id).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeNatGateways", e)))?;
    Ok(out.and_then(|o| o.nat_gateways().iter().find(|n| n.nat_gateway_id() == Some(id)).cloned()))
}

/// The security group, or `None` when it is gone.
pub async fn find_security_group(
    cx: &AwsContext,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::SecurityGroup>, ProviderError> {
    let out = cx.ec2.describe_security_groups().group_ids(id).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeSecurityGroups", e)))?;
    Ok(out.and_then(|o| o.security_groups().first().cloned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta { name: "vpc".into(), stack: "dev".into() }
    }

    #[test]
    fn filters_name_both_tags() {
        let f = tag_filters(&meta());
        assert_eq!(f[0].name(), Some("tag:plinth:name"));
        assert_eq!(f[0].values(), ["vpc".to_string()]);
        assert_eq!(f[1].name(), Some("tag:plinth:stack"));
        assert_eq!(f[1].values(), ["dev".to_string()]);
    }

    #[test]
    fn tagged_as_needs_both() {
        let name = Tag::builder().key(NAME_TAG).value("vpc").build();
        let stack = Tag::builder().key(STACK_TAG).value("dev").build();
        let other = Tag::builder().key(STACK_TAG).value("prod").build();
        assert!(tagged_as(&[name.clone(), stack], &meta()));
        assert!(!tagged_as(&[name.clone(), other], &meta()));
        assert!(!tagged_as(&[name], &meta()));
    }

    #[test]
    fn several_matches_are_a_conflict() {
        let found = vec![("vpc-1".to_string(), 1), ("vpc-2".to_string(), 2)];
        let err = single("aws:ec2:Vpc", &meta(), found).expect_err("conflict");
        assert_eq!(err.class, ErrorClass::Conflict);
        assert!(err.message.contains("vpc-1, vpc-2"));
        assert_eq!(single::<i32>("k", &meta(), vec![]).expect("ok"), None);
    }
}
