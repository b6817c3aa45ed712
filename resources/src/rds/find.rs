//! RDS finders: one object by name or identifier, `None` when it is gone whatever shape "gone"
//! takes (a NotFound code such as `DBInstanceNotFound` / `DBSubnetGroupNotFoundFault` /
//! `DBParameterGroupNotFound`, or an empty list, which is how moto answers
//! DescribeDBParameterGroups for an unknown name), and the ownership check behind `find`.

use crate::error::{classify, none_if_not_found};
use crate::AwsContext;
use aws_sdk_rds::types::{DbInstance, DbParameterGroup, DbSubnetGroup};
use engine::{ErrorClass, Meta, ProviderError, Tags};

/// The tag that carries the logical name.
pub const NAME_TAG: &str = "plinth:name";
/// The tag that carries the stack name.
pub const STACK_TAG: &str = "plinth:stack";

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the RDS response has no {what}"))
}

/// True when `tags` carry this resource's logical name and stack: an object found under a
/// unique name is adopted only if this stack created it under this logical name.
pub fn owned_by(tags: &Tags, meta: &Meta) -> bool {
    tags.get(NAME_TAG) == Some(&meta.name) && tags.get(STACK_TAG) == Some(&meta.stack)
}

/// The DB instance in any state, or `None` when it is gone.
pub async fn find_db_instance(cx: &AwsContext, identifier: &str) -> Result<Option<DbInstance>, ProviderError> {
    let out = cx.rds.describe_db_instances().db_instance_identifier(identifier).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeDBInstances", e)))?;
    Ok(out.and_then(|o| o.db_instances().iter().find(|d| same_name(d.db_instance_identifier(), identifier)).cloned()))
}

/// The DB subnet group, or `None` when it is gone.
pub async fn find_db_subnet_group(cx: &AwsContext, name: &str) -> Result<Option<DbSubnetGroup>, ProviderError> {
    let out = cx.rds.describe_db_subnet_groups().db_subnet_group_name(name).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeDBSubnetGroups", e)))?;
    Ok(out.and_then(|o| o.db_subnet_groups().iter().find(|g| same_name(g.db_subnet_group_name(), name)).cloned()))
}

/// The DB parameter group, or `None` when it is gone (an error code in AWS, an empty list in
/// the emulator).
pub async fn find_db_parameter_group(cx: &AwsContext, name: &str) -> Result<Option<DbParameterGroup>, ProviderError> {
    let out = cx.rds.describe_db_parameter_groups().db_parameter_group_name(name).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("DescribeDBParameterGroups", e)))?;
    Ok(out.and_then(|o| o.db_parameter_groups().iter().find(|g| same_name(g.db_parameter_group_name(), name)).cloned()))
}

/// RDS names are case-insensitive (stored in lower case).
fn same_name(seen: Option<&str>, wanted: &str) -> bool {
    seen.is_some_and(|s| s.eq_ignore_ascii_case(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta { name: "db".into(), stack: "dev".into() }
    }

    #[test]
    fn owned_by_needs_name_and_stack() {
        let mut tags = Tags::new();
        tags.insert(NAME_TAG.into(), "db".into());
        assert!(!owned_by(&tags, &meta()));
        tags.insert(STACK_TAG.into(), "dev".into());
        assert!(owned_by(&tags, &meta()));
        tags.insert(STACK_TAG.into(), "prod".into());
        assert!(!owned_by(&tags, &meta()));
    }

    #[test]
    fn names_compare_without_case() {
        assert!(same_name(Some("my-db"), "My-DB"));
        assert!(!same_name(Some("my-db"), "my-db-2"));
        assert!(!same_name(None, "my-db"));
    }
}
