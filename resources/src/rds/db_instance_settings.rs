//! The input checks and the in-place side of `aws:rds:DbInstance`: what `validate` reports
//! (every problem names its field) and the one ModifyDBInstance call an update makes, carrying
//! only the fields that changed.
//!
//! Engine version and parameter group family: a group of family `postgres16` serves only
//! PostgreSQL 16.x; RDS refuses any other major (InvalidParameterCombination) at create or
//! modify. When the program states both (`engine_version` and `parameter_group_family`), the
//! mismatch is a validation error before any cloud call.
//!
//! Log exports: `enabled_cloudwatch_logs_exports` is a set; a change goes out as
//! `CloudwatchLogsExportConfiguration` with the types to enable and to disable (RDS applies it at
//! once, whatever `apply_immediately` says).

use super::db_instance::DbInstance;
use crate::AwsContext;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder;
use aws_sdk_rds::types::CloudwatchLogsExportConfiguration;
use engine::{ErrorClass, Input, ProviderError};
use std::collections::BTreeSet;

/// The smallest gp2/gp3 volume RDS PostgreSQL accepts, in GB.
pub const MIN_STORAGE_GB: i32 = 20;
/// The enhanced monitoring intervals RDS accepts, in seconds (0 = off).
pub const MONITORING_INTERVALS: &[i32] = &[0, 1, 5, 10, 15, 30, 60];
/// The log types RDS for PostgreSQL exports to CloudWatch Logs.
pub const POSTGRES_LOG_TYPES: &[&str] = &["postgresql", "upgrade"];

/// Every problem with the instance's known inputs.
pub fn problems(db: &DbInstance) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |bad: bool, message: String| {
        if bad {
            problems.push(message);
        }
    };
    check(db.engine.is_empty(), "engine must not be empty (e.g. \"postgres\")".into());
    check(
        !db.instance_class.starts_with("db."),
        format!("instance_class `{}` is not an RDS class (e.g. \"db.t4g.micro\")", db.instance_class),
    );
    check(
        db.allocated_storage < MIN_STORAGE_GB,
        format!("allocated_storage {} GB is below the {MIN_STORAGE_GB} GB minimum", db.allocated_storage),
    );
    check(
        !db.manage_master_user_password,
        "manage_master_user_password must be true: the master password lives only in Secrets Manager, \
         Plinth never takes one as an input"
            .into(),
    );
    check(db.master_username.is_empty(), "master_username must not be empty".into());
    check(
        !(0..=35).contains(&db.backup_retention_period),
        format!("backup_retention_period {} is outside 0..=35 days", db.backup_retention_period),
    );
    check(db.kms_key_id.is_some() && !db.storage_encrypted, "kms_key_id is set but storage_encrypted is false".into());
    check(
        !db.skip_final_snapshot && db.final_snapshot().is_none(),
        "final_snapshot_identifier is required unless skip_final_snapshot is true".into(),
    );
    check(db.engine_version.as_deref() == Some(""), "engine_version must not be empty (omit it or pin one)".into());
    check(
        db.performance_insights_retention_days.is_some() && !db.performance_insights,
        "performance_insights_retention_days is set but performance_insights is false".into(),
    );
    if let Some(days) = db.performance_insights_retention_days {
        check(
            !(days == 7 || days == 731 || ((31..=713).contains(&days) && days % 31 == 0)),
            format!("performance_insights_retention_days {days} must be 7, a multiple of 31 up to 713, or 731"),
        );
    }
    problems.extend(version_family_problem(db));
    problems.extend(monitoring_problems(db));
    problems.extend(log_export_problems(db));
    problems
}

/// The major version a parameter group family serves (`postgres16` → `16`, `postgres9.6` → `9.6`).
fn family_major<'a>(engine: &str, family: &'a str) -> Option<&'a str> {
    family.strip_prefix(engine).filter(|m| !m.is_empty())
}

/// The major of an engine version as families name it: `16.4` → `16`, but `9.6.22` → `9.6`
/// (before PostgreSQL 10 the major had two parts).
pub fn version_major(version: &str) -> String {
    let mut parts = version.split('.');
    let first = parts.next().unwrap_or(version);
    match (first.parse::<u32>(), parts.next()) {
        (Ok(n), Some(second)) if n < 10 => format!("{first}.{second}"),
        _ => first.to_string(),
    }
}

/// `engine_version` against `parameter_group_family`, when both are known.
fn version_family_problem(db: &DbInstance) -> Option<String> {
    let family = db.parameter_group_family.as_deref()?;
    let Some(major) = family_major(&db.engine, family) else {
        return Some(format!(
            "parameter_group_family `{family}` is not a family of engine `{}` (e.g. \"{}16\")",
            db.engine, db.engine
        ));
    };
    let Some(version) = db.engine_version.as_deref().filter(|v| !v.is_empty()) else {
        return Some(format!(
            "engine_version must be pinned when parameter_group_family is `{family}`: RDS's default version \
             may be another major, which refuses the group (e.g. engine_version = \"{major}\" or a full {major}.x)"
        ));
    };
    (version_major(version) != major).then(|| {
        format!(
            "engine_version `{version}` (major {}) does not match parameter_group_family `{family}` (major {major}): \
             RDS refuses a parameter group of another major",
            version_major(version)
        )
    })
}

fn monitoring_problems(db: &DbInstance) -> Vec<String> {
    let mut problems = Vec::new();
    let interval = db.monitoring_interval;
    if !MONITORING_INTERVALS.contains(&interval) {
        problems.push(format!("monitoring_interval {interval} must be one of 0, 1, 5, 10, 15, 30, 60 seconds"));
    }
    match (&db.monitoring_role_arn, interval) {
        (None, i) if i > 0 => problems.push(format!(
            "monitoring_role_arn is required when monitoring_interval is {i} (a role trusted by \
             monitoring.rds.amazonaws.com with AmazonRDSEnhancedMonitoringRole)"
        )),
        (Some(_), 0) => {
            problems.push("monitoring_role_arn is set but monitoring_interval is 0 (monitoring off)".to_string())
        }
        (Some(arn), _) => {
            if let Some(arn) = arn.known().filter(|a| !a.starts_with("arn:") || !a.contains(":role/")) {
                problems.push(format!("monitoring_role_arn `{arn}` is not an IAM role ARN"));
            }
        }
        _ => {}
    }
    problems
}

fn log_export_problems(db: &DbInstance) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for log in &db.enabled_cloudwatch_logs_exports {
        if !seen.insert(log.as_str()) {
            problems.push(format!("enabled_cloudwatch_logs_exports lists `{log}` twice"));
        }
        if db.engine == "postgres" && !POSTGRES_LOG_TYPES.contains(&log.as_str()) {
            problems.push(format!(
                "enabled_cloudwatch_logs_exports: `{log}` is not a PostgreSQL log type (postgresql, upgrade)"
            ));
        }
    }
    problems
}

/// The log types to enable and to disable to move from `old` to `new`.
pub fn log_export_changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let enable = new.iter().filter(|l| !old.contains(l)).cloned().collect();
    let disable = old.iter().filter(|l| !new.contains(l)).cloned().collect();
    (enable, disable)
}

fn values(ids: &[Input<String>]) -> Vec<String> {
    ids.iter().map(|i| i.value().clone()).collect()
}

/// Whether a change of version is a major upgrade (RDS needs AllowMajorVersionUpgrade).
fn is_major_upgrade(old: Option<&str>, new: &str) -> bool {
    old.is_some_and(|o| version_major(o) != version_major(new))
}

/// ModifyDBInstance with only the fields that changed; `None` when no cloud setting did.
pub fn modification(
    new: &DbInstance,
    old: &DbInstance,
    cx: &AwsContext,
) -> Result<Option<ModifyDBInstanceFluentBuilder>, ProviderError> {
    let mut call = cx.rds().modify_db_instance().db_instance_identifier(&new.identifier);
    let mut changed = false;
    let mut set = |differs: bool, f: &dyn Fn(ModifyDBInstanceFluentBuilder) -> ModifyDBInstanceFluentBuilder| {
        if differs {
            call = f(call.clone());
            changed = true;
        }
    };
    if let Some(version) = new.engine_version.as_ref().filter(|v| Some(*v) != old.engine_version.as_ref()) {
        let major = is_major_upgrade(old.engine_version.as_deref(), version);
        set(true, &|c| c.engine_version(version).allow_major_version_upgrade(major));
    }
    set(new.instance_class != old.instance_class, &|c| c.db_instance_class(&new.instance_class));
    set(new.allocated_storage != old.allocated_storage, &|c| c.allocated_storage(new.allocated_storage));
    set(new.storage_type != old.storage_type, &|c| c.storage_type(&new.storage_type));
    set(new.publicly_accessible != old.publicly_accessible, &|c| c.publicly_accessible(new.publicly_accessible));
    let groups = values(&new.vpc_security_group_ids);
    set(new.vpc_security_group_ids != old.vpc_security_group_ids, &|c| {
        c.set_vpc_security_group_ids(Some(groups.clone()))
    });
    set(new.backup_retention_period != old.backup_retention_period, &|c| {
        c.backup_retention_period(new.backup_retention_period)
    });
    set(new.multi_az != old.multi_az, &|c| c.multi_az(new.multi_az));
    set(new.deletion_protection != old.deletion_protection, &|c| c.deletion_protection(new.deletion_protection));
    set(new.iam_database_authentication_enabled != old.iam_database_authentication_enabled, &|c| {
        c.enable_iam_database_authentication(new.iam_database_authentication_enabled)
    });
    set(new.copy_tags_to_snapshot != old.copy_tags_to_snapshot, &|c| {
        c.copy_tags_to_snapshot(new.copy_tags_to_snapshot)
    });
    let role = new.monitoring_role_arn.as_ref().map(|r| r.value().clone());
    let monitoring_changed = new.monitoring_interval != old.monitoring_interval
        || (new.monitoring_interval > 0 && new.monitoring_role_arn != old.monitoring_role_arn);
    set(monitoring_changed, &|c| c.monitoring_interval(new.monitoring_interval).set_monitoring_role_arn(role.clone()));
    set(
        new.performance_insights != old.performance_insights
            || new.performance_insights_retention_days != old.performance_insights_retention_days,
        &|c| {
            c.enable_performance_insights(new.performance_insights)
                .set_performance_insights_retention_period(new.performance_insights_retention_days)
        },
    );
    let (enable, disable) = log_export_changes(&old.enabled_cloudwatch_logs_exports, &new.enabled_cloudwatch_logs_exports);
    let logs = CloudwatchLogsExportConfiguration::builder()
        .set_enable_log_types(Some(enable.clone()))
        .set_disable_log_types(Some(disable.clone()))
        .build();
    set(!enable.is_empty() || !disable.is_empty(), &|c| c.cloudwatch_logs_export_configuration(logs.clone()));
    if new.db_parameter_group_name != old.db_parameter_group_name {
        let Some(group) = &new.db_parameter_group_name else {
            let message = "db_parameter_group_name: going back to the engine default needs the default \
                           group named (e.g. \"default.postgres16\"), not removed";
            return Err(ProviderError::new(ErrorClass::Invalid, message));
        };
        set(true, &|c| c.db_parameter_group_name(group.as_str()));
    }
    Ok(changed.then(|| call.apply_immediately(new.apply_immediately)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> DbInstance {
        DbInstance { identifier: "plinth-dev-db".into(), skip_final_snapshot: true, ..Default::default() }
    }

    #[test]
    fn majors_follow_postgres_numbering() {
        assert_eq!(version_major("16.4"), "16");
        assert_eq!(version_major("16"), "16");
        assert_eq!(version_major("9.6.22"), "9.6");
        assert_eq!(family_major("postgres", "postgres16"), Some("16"));
        assert_eq!(family_major("postgres", "postgres9.6"), Some("9.6"));
        assert_eq!(family_major("postgres", "mysql8.0"), None);
        assert!(is_major_upgrade(Some("15.7"), "16.4"));
        assert!(!is_major_upgrade(Some("16.3"), "16.4"));
        assert!(!is_major_upgrade(None, "16.4"));
    }

    #[test]
    fn engine_version_must_match_the_family() {
        let family = |version: Option<&str>| DbInstance {
            engine_version: version.map(str::to_string),
            parameter_group_family: Some("postgres16".into()),
            ..valid()
        };
        assert!(problems(&family(Some("16.4"))).is_empty(), "{:?}", problems(&family(Some("16.4"))));
        assert!(problems(&family(Some("16"))).is_empty());
        let wrong = problems(&family(Some("15.7")));
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert!(
            wrong[0].starts_with("engine_version `15.7` (major 15) does not match parameter_group_family `postgres16`"),
            "{wrong:?}"
        );
        let unpinned = problems(&family(None));
        assert!(unpinned[0].starts_with("engine_version must be pinned when parameter_group_family is `postgres16`"));
        let other = DbInstance { parameter_group_family: Some("mysql8.0".into()), ..family(Some("16.4")) };
        assert!(problems(&other)[0].starts_with("parameter_group_family `mysql8.0` is not a family of engine"));
        let no_family = DbInstance { engine_version: Some("15.7".into()), ..valid() };
        assert!(problems(&no_family).is_empty(), "nothing to compare without a family");
    }

    #[test]
    fn monitoring_needs_a_valid_interval_and_a_role() {
        let role = || Some(Input::from("arn:aws:iam::123456789012:role/plinth-dev-rds-monitoring"));
        let ok = DbInstance { monitoring_interval: 60, monitoring_role_arn: role(), ..valid() };
        assert!(problems(&ok).is_empty(), "{:?}", problems(&ok));
        let odd = DbInstance { monitoring_interval: 20, ..ok.clone() };
        assert_eq!(problems(&odd), ["monitoring_interval 20 must be one of 0, 1, 5, 10, 15, 30, 60 seconds"]);
        let no_role = DbInstance { monitoring_role_arn: None, ..ok.clone() };
        assert!(problems(&no_role)[0].starts_with("monitoring_role_arn is required when monitoring_interval is 60"));
        let off = DbInstance { monitoring_interval: 0, ..ok.clone() };
        assert_eq!(problems(&off), ["monitoring_role_arn is set but monitoring_interval is 0 (monitoring off)"]);
        let not_role = DbInstance { monitoring_role_arn: Some("monitoring".into()), ..ok };
        assert_eq!(problems(&not_role), ["monitoring_role_arn `monitoring` is not an IAM role ARN"]);
    }

    #[test]
    fn log_exports_are_postgres_types_once_each() {
        let logs = |l: &[&str]| DbInstance { enabled_cloudwatch_logs_exports: l.iter().map(|s| s.to_string()).collect(), ..valid() };
        assert!(problems(&logs(&["postgresql", "upgrade"])).is_empty());
        assert_eq!(
            problems(&logs(&["postgresql", "audit", "postgresql"])),
            [
                "enabled_cloudwatch_logs_exports: `audit` is not a PostgreSQL log type (postgresql, upgrade)",
                "enabled_cloudwatch_logs_exports lists `postgresql` twice",
            ]
        );
        let s = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(log_export_changes(&s(&["postgresql"]), &s(&["upgrade"])), (s(&["upgrade"]), s(&["postgresql"])));
        assert_eq!(log_export_changes(&s(&["upgrade", "postgresql"]), &s(&["postgresql", "upgrade"])), (s(&[]), s(&[])));
    }

    #[test]
    fn performance_insights_retention_is_an_aws_period() {
        let pi = |days: Option<i32>| DbInstance { performance_insights: true, performance_insights_retention_days: days, ..valid() };
        for ok in [None, Some(7), Some(31), Some(713), Some(731)] {
            assert!(problems(&pi(ok)).is_empty(), "{ok:?}: {:?}", problems(&pi(ok)));
        }
        assert_eq!(
            problems(&pi(Some(30))),
            ["performance_insights_retention_days 30 must be 7, a multiple of 31 up to 713, or 731"]
        );
        let off = DbInstance { performance_insights: false, ..pi(Some(7)) };
        assert_eq!(problems(&off), ["performance_insights_retention_days is set but performance_insights is false"]);
    }
}
