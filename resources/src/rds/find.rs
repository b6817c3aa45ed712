//! RDS finders: one object by name or identifier, `None` when it is gone whatever shape "gone"
//! takes (a NotFound code such as `DBInstanceNotFound` / `DBSubnetGroupNotFoundFault` /
//! `DBParameterGroupNotFound`, or an empty list, which is how moto answers
//! DescribeDBParameterGroups for an unknown name). Ownership is `crate::kit::adopt`.

use crate::error::absent_if;
use crate::AwsContext;
use aws_sdk_rds::operation::describe_db_instances::DescribeDBInstancesError;
use aws_sdk_rds::operation::describe_db_parameter_groups::DescribeDBParameterGroupsError;
use aws_sdk_rds::operation::describe_db_subnet_groups::DescribeDBSubnetGroupsError;
use aws_sdk_rds::types::{DbInstance, DbParameterGroup, DbSubnetGroup};
use engine::{ErrorClass, ProviderError};

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the RDS response has no {what}"))
}

/// The DB instance in any state, or `None` when it is gone.
pub async fn find_db_instance(cx: &AwsContext, identifier: &str) -> Result<Option<DbInstance>, ProviderError> {
    let out = cx.rds().describe_db_instances().db_instance_identifier(identifier).send().await;
    let out = absent_if("DescribeDBInstances", out, DescribeDBInstancesError::is_db_instance_not_found_fault)?;
    Ok(out.and_then(|o| o.db_instances().iter().find(|d| same_name(d.db_instance_identifier(), identifier)).cloned()))
}

/// The DB subnet group, or `None` when it is gone.
pub async fn find_db_subnet_group(cx: &AwsContext, name: &str) -> Result<Option<DbSubnetGroup>, ProviderError> {
    let out = cx.rds().describe_db_subnet_groups().db_subnet_group_name(name).send().await;
    let out =
        absent_if("DescribeDBSubnetGroups", out, DescribeDBSubnetGroupsError::is_db_subnet_group_not_found_fault)?;
    Ok(out.and_then(|o| o.db_subnet_groups().iter().find(|g| same_name(g.db_subnet_group_name(), name)).cloned()))
}

/// The DB parameter group, or `None` when it is gone (an error code in AWS, an empty list in
/// the emulator).
pub async fn find_db_parameter_group(cx: &AwsContext, name: &str) -> Result<Option<DbParameterGroup>, ProviderError> {
    let out = cx.rds().describe_db_parameter_groups().db_parameter_group_name(name).send().await;
    let not_found = DescribeDBParameterGroupsError::is_db_parameter_group_not_found_fault;
    let out = absent_if("DescribeDBParameterGroups", out, not_found)?;
    Ok(out.and_then(|o| o.db_parameter_groups().iter().find(|g| same_name(g.db_parameter_group_name(), name)).cloned()))
}

/// RDS names are case-insensitive (stored in lower case).
fn same_name(seen: Option<&str>, wanted: &str) -> bool {
    seen.is_some_and(|s| s.eq_ignore_ascii_case(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case() {
        assert!(same_name(Some("my-db"), "My-DB"));
        assert!(!same_name(Some("my-db"), "my-db-2"));
        assert!(!same_name(None, "my-db"));
    }
}
