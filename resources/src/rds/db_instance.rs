//! `aws:rds:DbInstance`: a single RDS instance (PostgreSQL in this platform). The master password
//! is never an input: RDS generates it and keeps it in Secrets Manager
//! (`ManageMasterUserPassword`), and the secret's ARN is an output.
//!
//! Identifier, engine, encryption, subnet group and master user force a replacement (deleting
//! first: the identifier is unique); everything else goes through ModifyDBInstance with only
//! the changed fields, then a wait for `available`. Deletion protection is never switched off
//! behind the program's back: a protected instance refuses to delete until an update turns it
//! off.
//!
//! Emulator note (moto 5.2.x): instances are `available` at once and gone at once after
//! DeleteDBInstance; the waiters are unit-tested in [`super::wait`] against a fake.

use super::db_instance_settings::{self as settings, MIN_STORAGE_GB};
use super::find::{find_db_instance, missing};
use super::name_problems;
use super::tags::Rds;
use super::wait::{wait_available, wait_gone, DB_CREATE_TIMEOUT, DB_DELETE_TIMEOUT, DB_UPDATE_TIMEOUT};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::observed_ids;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// An RDS DB instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DbInstance {
    /// The instance identifier (lower case; RDS stores it so).
    pub identifier: String,
    /// "postgres".
    pub engine: String,
    /// A full version ("16.4") or a major one ("16", satisfied by any 16.x); `None` takes the
    /// RDS default and leaves the version unmanaged.
    pub engine_version: Option<String>,
    /// e.g. "db.t4g.micro".
    pub instance_class: String,
    /// GB; can only grow.
    pub allocated_storage: i32,
    pub storage_type: String,
    pub storage_encrypted: bool,
    /// KMS key for storage encryption; `None` uses the AWS-managed `aws/rds` key.
    pub kms_key_id: Option<String>,
    pub publicly_accessible: bool,
    pub db_subnet_group_name: Input<String>,
    pub vpc_security_group_ids: Vec<Input<String>>,
    /// `None` uses the engine's default group.
    pub db_parameter_group_name: Option<Input<String>>,
    pub master_username: String,
    /// Must be true: the password lives only in Secrets Manager.
    pub manage_master_user_password: bool,
    pub backup_retention_period: i32,
    pub multi_az: bool,
    pub deletion_protection: bool,
    /// Apply modifications now rather than in the next maintenance window.
    pub apply_immediately: bool,
    pub skip_final_snapshot: bool,
    /// The snapshot taken at deletion unless `skip_final_snapshot`.
    pub final_snapshot_identifier: Option<String>,
    /// The family of `db_parameter_group_name` (e.g. "postgres16") when the program knows it: a
    /// Plinth-side fact, never sent, checked against `engine_version`'s major by `validate`.
    pub parameter_group_family: Option<String>,
    /// Log types exported to CloudWatch Logs (`postgresql`, `upgrade`); a set.
    pub enabled_cloudwatch_logs_exports: Vec<String>,
    /// IAM database authentication (tokens from `rds-db:connect` instead of passwords).
    pub iam_database_authentication_enabled: bool,
    /// Enhanced monitoring every this many seconds: 0 (off), 1, 5, 10, 15, 30 or 60.
    pub monitoring_interval: i32,
    /// The role RDS publishes enhanced monitoring with; required when `monitoring_interval > 0`.
    pub monitoring_role_arn: Option<Input<String>>,
    /// Snapshots (automatic, manual and final) carry the instance's tags.
    pub copy_tags_to_snapshot: bool,
    pub performance_insights: bool,
    /// Days Performance Insights keeps data (7, free; or a multiple of 31 up to 713, or 731);
    /// `None` is RDS's default (7).
    pub performance_insights_retention_days: Option<i32>,
    pub tags: Tags,
}

impl Default for DbInstance {
    fn default() -> Self {
        Self {
            identifier: String::new(),
            engine: "postgres".into(),
            engine_version: None,
            instance_class: "db.t4g.micro".into(),
            allocated_storage: MIN_STORAGE_GB,
            storage_type: "gp3".into(),
            storage_encrypted: true,
            kms_key_id: None,
            publicly_accessible: false,
            db_subnet_group_name: Input::default(),
            vpc_security_group_ids: Vec::new(),
            db_parameter_group_name: None,
            master_username: "plinth".into(),
            manage_master_user_password: true,
            backup_retention_period: 7,
            multi_az: false,
            deletion_protection: false,
            apply_immediately: false,
            skip_final_snapshot: false,
            final_snapshot_identifier: None,
            parameter_group_family: None,
            enabled_cloudwatch_logs_exports: Vec::new(),
            iam_database_authentication_enabled: false,
            monitoring_interval: 0,
            monitoring_role_arn: None,
            copy_tags_to_snapshot: false,
            performance_insights: false,
            performance_insights_retention_days: None,
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbInstanceOutputs {
    pub identifier: String,
    pub arn: String,
    pub endpoint_address: Option<String>,
    pub port: Option<i32>,
    /// The Secrets Manager secret RDS keeps the master password in.
    pub master_user_secret_arn: Option<String>,
    /// The stable `db-...` resource id (IAM auth, Performance Insights).
    pub resource_id: String,
}

impl Resource for DbInstance {
    const KIND: &'static str = "aws:rds:DbInstance";
    const SERVICE: &'static str = "rds";
    const REPLACE_FIELDS: &'static [&'static str] =
        &["identifier", "engine", "storage_encrypted", "kms_key_id", "db_subnet_group_name", "master_username"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const STATEFUL: bool = true;
    const HEALTH_CHECKED: bool = true;
    const PRICED: bool = true;
    type Outputs = DbInstanceOutputs;
    type Context = AwsContext;

    /// PostgreSQL instance hours and storage, both doubled (the table's factor) for Multi-AZ.
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let t = crate::prices::table();
        let rds = &t.rds_postgres;
        let hourly = crate::prices::sized(&rds.instance_hour, &self.instance_class, "instance class")?;
        let per_gb = match self.storage_type.as_str() {
            "gp3" => rds.gp3_gb_month,
            "gp2" => rds.gp2_gb_month,
            other => return Err(format!("storage type `{other}` is not in the price table")),
        };
        let (factor, az) = if self.multi_az { (rds.multi_az_factor, "Multi-AZ") } else { (1.0, "Single-AZ") };
        let items = vec![
            engine::cost::CostItem::new(format!("{} {az}", self.instance_class), t.hours(), "hours", hourly * factor),
            engine::cost::CostItem::new(
                format!("{} storage {az}", self.storage_type),
                f64::from(self.allocated_storage),
                "GB-months",
                per_gb * factor,
            ),
        ];
        let assumptions =
            vec!["backups within the database's size (free); monitoring and Performance Insights not counted"
                .to_string()];
        Ok(crate::prices::estimate(items, assumptions))
    }

    fn cloud_id(outputs: &DbInstanceOutputs) -> String {
        outputs.identifier.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = name_problems("identifier", &self.identifier, 63);
        problems.extend(settings::problems(self));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<DbInstanceOutputs, ProviderError> {
        cx.rds()
            .create_db_instance()
            .db_instance_identifier(&self.identifier)
            .engine(&self.engine)
            .set_engine_version(self.engine_version.clone())
            .db_instance_class(&self.instance_class)
            .allocated_storage(self.allocated_storage)
            .storage_type(&self.storage_type)
            .storage_encrypted(self.storage_encrypted)
            .set_kms_key_id(self.kms_key_id.clone())
            .publicly_accessible(self.publicly_accessible)
            .db_subnet_group_name(self.db_subnet_group_name.as_str())
            .set_vpc_security_group_ids(Some(self.vpc_security_group_ids.iter().map(|i| i.value().clone()).collect()))
            .set_db_parameter_group_name(self.db_parameter_group_name.as_ref().map(|p| p.value().clone()))
            .master_username(&self.master_username)
            .manage_master_user_password(true)
            .backup_retention_period(self.backup_retention_period)
            .multi_az(self.multi_az)
            .deletion_protection(self.deletion_protection)
            .set_enable_cloudwatch_logs_exports(Some(self.enabled_cloudwatch_logs_exports.clone()))
            .enable_iam_database_authentication(self.iam_database_authentication_enabled)
            .monitoring_interval(self.monitoring_interval)
            .set_monitoring_role_arn(self.monitoring_role_arn.as_ref().map(|r| r.value().clone()))
            .copy_tags_to_snapshot(self.copy_tags_to_snapshot)
            .enable_performance_insights(self.performance_insights)
            .set_performance_insights_retention_period(self.performance_insights_retention_days)
            .set_tags(tags::to_sdk(&self.tags)?)
            .customize()
            .config_override(no_retry!(aws_sdk_rds))
            .send()
            .await
            .map_err(|e| classify("CreateDBInstance", e))?;
        let db = wait_available(cx, &self.identifier, DB_CREATE_TIMEOUT, false).await?;
        outputs(&db)
    }

    async fn read(&self, out: &DbInstanceOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(db) = find_db_instance(cx, &out.identifier).await? else { return Ok(None) };
        let mut seen = self.observed(&db);
        seen.tags = tags::read::<Rds>(cx, &out.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: outputs(&db)? }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &DbInstanceOutputs,
        cx: &AwsContext,
    ) -> Result<DbInstanceOutputs, ProviderError> {
        if self.allocated_storage < old.allocated_storage {
            let message = format!(
                "allocated_storage: RDS storage can only grow ({} GB → {} GB asked for `{}`)",
                old.allocated_storage, self.allocated_storage, self.identifier
            );
            return Err(ProviderError::new(ErrorClass::Invalid, message));
        }
        if let Some(call) = settings::modification(self, old, cx)? {
            call.send().await.map_err(|e| classify("ModifyDBInstance", e))?;
        }
        tags::sync::<Rds>(cx, &out.arn, &old.tags, &self.tags).await?;
        let db = wait_available(cx, &out.identifier, DB_UPDATE_TIMEOUT, self.apply_immediately).await?;
        outputs(&db)
    }

    async fn delete(&self, out: &DbInstanceOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let Some(db) = find_db_instance(cx, &out.identifier).await? else { return Ok(()) };
        if db.deletion_protection() == Some(true) {
            let message = format!(
                "DB instance `{}` has deletion protection on: set deletion_protection = false and apply \
                 that update before deleting it",
                out.identifier
            );
            return Err(ProviderError::new(ErrorClass::Conflict, message));
        }
        if db.db_instance_status() != Some("deleting") {
            let call = cx
                .rds()
                .delete_db_instance()
                .db_instance_identifier(&out.identifier)
                .skip_final_snapshot(self.skip_final_snapshot)
                .set_final_db_snapshot_identifier(self.final_snapshot().map(str::to_string));
            ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteDBInstance", e)))?;
        }
        wait_gone(cx, &out.identifier, DB_DELETE_TIMEOUT).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<DbInstanceOutputs>, ProviderError> {
        let Some(db) = find_db_instance(cx, &self.identifier).await? else { return Ok(None) };
        let found = outputs(&db)?;
        let live_tags = tags::read::<Rds>(cx, &found.arn).await?;
        adopt(&format!("RDS DB instance {}", self.identifier), &live_tags, meta, found)
    }

    async fn health(batch: Vec<(Self, DbInstanceOutputs)>, cx: &AwsContext) -> Vec<engine::health::Check> {
        super::health::check(batch, cx).await
    }
}

impl DbInstance {
    /// The final snapshot's identifier, unless the delete skips it.
    pub(super) fn final_snapshot(&self) -> Option<&str> {
        self.final_snapshot_identifier.as_deref().filter(|_| !self.skip_final_snapshot)
    }

    /// What the cloud has, in input shape. Settings that exist only in Plinth (apply_immediately,
    /// final snapshot) and values the program leaves to RDS (no engine version, key or parameter
    /// group) keep the program's value; accepted but pending modifications count as the value.
    fn observed(&self, db: &aws_sdk_rds::types::DbInstance) -> Self {
        let pending = db.pending_modified_values();
        let mut seen = self.clone();
        seen.identifier = db.db_instance_identifier().unwrap_or(&self.identifier).to_string();
        seen.engine = db.engine().unwrap_or_default().to_string();
        let version = pending.and_then(|p| p.engine_version()).or(db.engine_version());
        seen.engine_version = observed_version(self.engine_version.as_deref(), version);
        seen.instance_class =
            pending.and_then(|p| p.db_instance_class()).or(db.db_instance_class()).unwrap_or_default().to_string();
        seen.allocated_storage =
            pending.and_then(|p| p.allocated_storage()).or(db.allocated_storage()).unwrap_or_default();
        seen.storage_type =
            pending.and_then(|p| p.storage_type()).or(db.storage_type()).unwrap_or_default().to_string();
        seen.storage_encrypted = db.storage_encrypted().unwrap_or(false);
        seen.kms_key_id = observed_key(self.kms_key_id.as_deref(), db.kms_key_id());
        seen.publicly_accessible = db.publicly_accessible().unwrap_or(false);
        let subnet_group = db.db_subnet_group().and_then(|g| g.db_subnet_group_name()).unwrap_or_default();
        seen.db_subnet_group_name = Input::Value(subnet_group.to_string());
        let groups = db.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).map(str::to_string);
        seen.vpc_security_group_ids = observed_ids(&self.vpc_security_group_ids, groups.collect());
        let parameter_group = db.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name());
        seen.db_parameter_group_name =
            observed_parameter_group(self.db_parameter_group_name.is_some(), parameter_group);
        seen.master_username = db.master_username().unwrap_or_default().to_string();
        seen.manage_master_user_password = db.master_user_secret().is_some();
        seen.backup_retention_period =
            pending.and_then(|p| p.backup_retention_period()).or(db.backup_retention_period()).unwrap_or_default();
        seen.multi_az = pending.and_then(|p| p.multi_az()).or(db.multi_az()).unwrap_or(false);
        seen.deletion_protection = db.deletion_protection().unwrap_or(false);
        self.observe_observability(db, &mut seen);
        seen
    }

    /// Log exports, IAM authentication, enhanced monitoring, snapshot tags, Performance Insights.
    /// A role RDS still reports while monitoring is off is not compared (it is unused).
    fn observe_observability(&self, db: &aws_sdk_rds::types::DbInstance, seen: &mut Self) {
        let pending_logs = db.pending_modified_values().and_then(|p| p.pending_cloudwatch_logs_exports());
        let mut logs: Vec<String> = db.enabled_cloudwatch_logs_exports().to_vec();
        if let Some(p) = pending_logs {
            logs.retain(|l| !p.log_types_to_disable().contains(l));
            logs.extend(p.log_types_to_enable().iter().filter(|l| !logs.contains(l)).cloned().collect::<Vec<_>>());
        }
        seen.enabled_cloudwatch_logs_exports = observed_set(&self.enabled_cloudwatch_logs_exports, logs);
        seen.iam_database_authentication_enabled = db.iam_database_authentication_enabled().unwrap_or(false);
        seen.monitoring_interval = db.monitoring_interval().unwrap_or(0);
        seen.monitoring_role_arn = match (seen.monitoring_interval, db.monitoring_role_arn()) {
            (0, _) => self.monitoring_role_arn.clone().filter(|_| self.monitoring_interval == 0),
            (_, arn) => arn.map(|a| Input::Value(a.to_string())),
        };
        seen.copy_tags_to_snapshot = db.copy_tags_to_snapshot().unwrap_or(false);
        seen.performance_insights = db.performance_insights_enabled().unwrap_or(false);
        let retention = db.performance_insights_retention_period();
        seen.performance_insights_retention_days = match (self.performance_insights_retention_days, retention) {
            (None, Some(7) | None) => None,
            (_, live) => live,
        };
    }
}

fn outputs(db: &aws_sdk_rds::types::DbInstance) -> Result<DbInstanceOutputs, ProviderError> {
    Ok(DbInstanceOutputs {
        identifier: db.db_instance_identifier().ok_or_else(|| missing("DB instance identifier"))?.to_string(),
        arn: db.db_instance_arn().ok_or_else(|| missing("DB instance ARN"))?.to_string(),
        endpoint_address: db.endpoint().and_then(|e| e.address()).map(str::to_string),
        port: db.endpoint().and_then(|e| e.port()),
        master_user_secret_arn: db.master_user_secret().and_then(|s| s.secret_arn()).map(str::to_string),
        resource_id: db.dbi_resource_id().ok_or_else(|| missing("DB instance resource id"))?.to_string(),
    })
}

/// A set of strings in input shape: the program's order when the live set is the same.
fn observed_set(program: &[String], mut live: Vec<String>) -> Vec<String> {
    let mut wanted = program.to_vec();
    wanted.sort();
    live.sort();
    live.dedup();
    if wanted == live {
        program.to_vec()
    } else {
        live
    }
}

/// The program's version when the live one satisfies it ("16" by "16.4"), else the live one.
fn observed_version(program: Option<&str>, live: Option<&str>) -> Option<String> {
    let want = program?;
    match live {
        Some(v) if v == want || v.starts_with(&format!("{want}.")) => Some(want.to_string()),
        other => other.map(str::to_string),
    }
}

/// The program's key when the live key ARN is that key (given as id or ARN), else the live one.
fn observed_key(program: Option<&str>, live: Option<&str>) -> Option<String> {
    let want = program?;
    match live {
        Some(arn) if arn == want || arn.ends_with(&format!("/{want}")) => Some(want.to_string()),
        other => other.map(str::to_string),
    }
}

/// The live parameter group, except an engine default (`default.*`) the program did not name.
fn observed_parameter_group(program_names_one: bool, live: Option<&str>) -> Option<Input<String>> {
    let live = live?;
    (program_names_one || !live.starts_with("default.")).then(|| Input::Value(live.to_string()))
}

crate::kit::kind!(DbInstance, unordered: ["vpc_security_group_ids", "enabled_cloudwatch_logs_exports"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> DbInstance {
        DbInstance { identifier: "plinth-dev-db".into(), skip_final_snapshot: true, ..Default::default() }
    }

    #[test]
    fn defaults_are_safe_and_valid() {
        let db = valid();
        assert!(db.storage_encrypted && !db.publicly_accessible && db.manage_master_user_password);
        assert!(db.validate().is_empty(), "{:?}", db.validate());
    }

    #[test]
    fn validate_rejects_unsafe_or_impossible_settings() {
        let db = DbInstance {
            identifier: "Plinth".into(),
            allocated_storage: 10,
            manage_master_user_password: false,
            kms_key_id: Some("key".into()),
            storage_encrypted: false,
            backup_retention_period: 40,
            ..Default::default()
        };
        let problems = db.validate();
        let has = |start: &str| problems.iter().any(|p| p.starts_with(start));
        assert!(has("identifier `Plinth`"), "{problems:?}");
        assert!(has("allocated_storage 10 GB is below the 20 GB minimum"), "{problems:?}");
        assert!(has("manage_master_user_password must be true"), "{problems:?}");
        assert!(has("kms_key_id is set but storage_encrypted is false"), "{problems:?}");
        assert!(has("backup_retention_period 40"), "{problems:?}");
        assert!(has("final_snapshot_identifier is required"), "{problems:?}");
    }

    #[test]
    fn unmanaged_values_do_not_diff() {
        assert_eq!(observed_version(None, Some("16.4")), None);
        assert_eq!(observed_version(Some("16"), Some("16.4")).as_deref(), Some("16"));
        assert_eq!(observed_version(Some("16.3"), Some("16.4")).as_deref(), Some("16.4"));
        assert_eq!(observed_key(None, Some("arn:aws:kms:us-east-1:1:key/abc")), None);
        assert_eq!(observed_key(Some("abc"), Some("arn:aws:kms:us-east-1:1:key/abc")).as_deref(), Some("abc"));
        assert_eq!(observed_parameter_group(false, Some("default.postgres16")), None);
        assert_eq!(observed_parameter_group(false, Some("custom")), Some(Input::from("custom")));
        assert_eq!(observed_parameter_group(true, Some("default.postgres16")), Some(Input::from("default.postgres16")));
    }

    #[test]
    fn final_snapshot_only_when_not_skipped() {
        let keep = DbInstance { final_snapshot_identifier: Some("last".into()), ..valid() };
        assert_eq!(keep.final_snapshot(), None, "skip_final_snapshot wins");
        let snap = DbInstance { skip_final_snapshot: false, ..keep };
        assert_eq!(snap.final_snapshot(), Some("last"));
    }
}
