//! PostgreSQL: every DB instance tagged for the stack is encrypted (RDS.3), not public (RDS.2),
//! protected from deletion where the environment requires it (RDS.8), exports its `postgresql`
//! log (RDS.9), allows IAM authentication (RDS.10), has enhanced monitoring with a role (RDS.6),
//! copies its tags to snapshots (RDS.17), runs an engine whose major version matches its
//! parameter group's family, and that group forces TLS (`rds.force_ssl = 1`).

use super::AREA;
use crate::deployed::target::Target;
use crate::deployed::{blocked, discover, error_text, Check};
use aws_sdk_rds::types::DbInstance;
use aws_sdk_rds::Client;

pub async fn checks(t: &Target) -> Vec<Check> {
    let mut encrypted = Check::new(AREA, Some("RDS.3"), "DB instances are encrypted at rest");
    let mut private = Check::new(AREA, Some("RDS.2"), "DB instances are not publicly accessible");
    let mut protected = Check::new(AREA, Some("RDS.8"), "DB instances have deletion protection where the environment requires it");
    let mut logs = Check::new(AREA, Some("RDS.9"), "DB instances export the postgresql log to CloudWatch Logs");
    let mut iam_auth = Check::new(AREA, Some("RDS.10"), "DB instances allow IAM database authentication");
    let mut monitoring = Check::new(AREA, Some("RDS.6"), "DB instances have enhanced monitoring (interval > 0, a monitoring role)");
    let mut tags = Check::new(AREA, Some("RDS.17"), "DB instances copy their tags to snapshots");
    let mut family = Check::new(AREA, None, "the engine's major version matches the parameter group's family");
    let mut force_ssl = Check::new(AREA, None, "the parameter group sets rds.force_ssl = 1");
    let dbs = match discover::db_instances(t).await {
        Ok(dbs) => dbs,
        Err(reason) => {
            return [encrypted, private, protected, logs, iam_auth, monitoring, tags, family, force_ssl]
                .into_iter()
                .map(|c| blocked(AREA, c.control, &c.what, &reason))
                .collect()
        }
    };
    let rds = Client::new(t.sdk());
    let required = t.env.database.deletion_protection || t.is_prod();
    for db in &dbs {
        let id = db.db_instance_identifier().unwrap_or_default();
        encrypted.expect(id, db.storage_encrypted() == Some(true), "StorageEncrypted is false");
        private.expect(id, db.publicly_accessible() == Some(false), "PubliclyAccessible is true");
        let on = db.deletion_protection() == Some(true);
        if required || on {
            protected.expect(id, on, format!("DeletionProtection is off, and {} requires it", t.stack));
        }
        let exports = db.enabled_cloudwatch_logs_exports();
        logs.expect(id, exports.iter().any(|e| e == "postgresql"), format!("log exports are {exports:?}"));
        iam_auth.expect(id, db.iam_database_authentication_enabled() == Some(true), "IAMDatabaseAuthenticationEnabled is false");
        let interval = db.monitoring_interval().unwrap_or(0);
        monitoring.expect(
            id,
            interval > 0 && db.monitoring_role_arn().is_some(),
            format!("MonitoringInterval {interval}, MonitoringRoleArn {:?}", db.monitoring_role_arn()),
        );
        tags.expect(id, db.copy_tags_to_snapshot() == Some(true), "CopyTagsToSnapshot is false");
        parameter_group(&rds, db, &mut family, &mut force_ssl).await;
    }
    if !required && protected.examined == 0 && !dbs.is_empty() {
        protected.not_required(format!("not required in {}, and no instance has it on", t.stack));
    }
    vec![encrypted, private, protected, logs, iam_auth, monitoring, tags, family, force_ssl]
}

/// The family's major version: `postgres16` → `16`.
fn family_major(family: &str) -> &str {
    family.trim_start_matches(|c: char| !c.is_ascii_digit())
}

async fn parameter_group(rds: &Client, db: &DbInstance, family: &mut Check, force_ssl: &mut Check) {
    let id = db.db_instance_identifier().unwrap_or_default();
    let Some(group) = db.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name()) else {
        family.fail(id, "no parameter group");
        force_ssl.fail(id, "no parameter group");
        return;
    };
    let object = format!("{id} ({group})");
    let major = db.engine_version().unwrap_or_default().split('.').next().unwrap_or_default().to_string();
    match rds.describe_db_parameter_groups().db_parameter_group_name(group).send().await {
        Ok(out) => {
            let found = out.db_parameter_groups().first().and_then(|g| g.db_parameter_group_family()).unwrap_or_default();
            family.expect(&object, !major.is_empty() && family_major(found) == major, format!("engine version {:?} in family {found}", db.engine_version()));
        }
        Err(e) => {
            family.call_failed(&object, "DescribeDBParameterGroups", e);
        }
    }
    let parameters = rds.describe_db_parameters().db_parameter_group_name(group).into_paginator().items().send();
    match parameters.collect::<Result<Vec<_>, _>>().await {
        Ok(parameters) => {
            let value = parameters.iter().find(|p| p.parameter_name() == Some("rds.force_ssl")).and_then(|p| p.parameter_value());
            force_ssl.expect(&object, value == Some("1"), format!("rds.force_ssl is {value:?}"));
        }
        Err(e) => {
            force_ssl.fail(&object, format!("DescribeDBParameters failed: {}", error_text(e)));
        }
    }
}
