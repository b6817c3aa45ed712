//! RDS kinds, one file per kind, and what they share: finders by name or identifier and the
//! ownership check used by `find` ([`find`]), tag sync by ARN ([`tags`]), and the DB instance
//! waiters with their named timeouts ([`wait`]). The DB instance's input checks and its
//! ModifyDBInstance call are in `db_instance_settings`.

pub mod find;
pub mod tags;
pub mod wait;

mod db_instance;
mod db_instance_settings;
mod health;
mod db_parameter_group;
mod db_subnet_group;

pub use db_instance::{DbInstance, DbInstanceOutputs};
pub use db_instance_settings::{version_major, MONITORING_INTERVALS, POSTGRES_LOG_TYPES};
pub use db_parameter_group::{DbParameterGroup, DbParameterGroupOutputs};
pub use db_subnet_group::{DbSubnetGroup, DbSubnetGroupOutputs, RdsSubnets};

pub use aws_sdk_rds as sdk;

crate::service_client!(rds, aws_sdk_rds);

crate::error_codes!(
    "rds",
    Conflict: ["InvalidDBInstanceState", "InvalidDBSubnetGroupStateFault", "InvalidDBParameterGroupState"],
);

/// Problems with an RDS name (subnet group, parameter group, instance identifier). RDS stores
/// these names in lower case, so an upper-case name would read back different and diff forever.
pub fn name_problems(field: &str, value: &str, max_len: usize) -> Vec<String> {
    let mut problems = Vec::new();
    if value.is_empty() {
        problems.push(format!("{field} must not be empty"));
        return problems;
    }
    if value.len() > max_len {
        problems.push(format!("{field} `{value}` is longer than {max_len} characters"));
    }
    if !value.starts_with(|c: char| c.is_ascii_lowercase()) {
        problems.push(format!("{field} `{value}` must start with a lower-case letter"));
    }
    if !value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        problems.push(format!("{field} `{value}` may contain only lower-case letters, digits and hyphens"));
    }
    if value.ends_with('-') || value.contains("--") {
        problems.push(format!("{field} `{value}` must not end with a hyphen or contain two in a row"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_names_pass() {
        assert!(name_problems("name", "plinth-dev-db", 63).is_empty());
        assert!(name_problems("name", "a1", 63).is_empty());
    }

    #[test]
    fn bad_names_are_named() {
        assert_eq!(name_problems("identifier", "", 63), ["identifier must not be empty"]);
        let upper = name_problems("identifier", "Plinth", 63);
        assert!(
            upper.iter().any(|p| p.contains("identifier `Plinth` must start with a lower-case letter")),
            "{upper:?}"
        );
        assert!(upper.iter().any(|p| p.contains("only lower-case")), "{upper:?}");
        assert_eq!(name_problems("name", "db-", 63), ["name `db-` must not end with a hyphen or contain two in a row"]);
        assert_eq!(name_problems("name", "abcd", 3), ["name `abcd` is longer than 3 characters"]);
    }
}
