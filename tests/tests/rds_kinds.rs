//! What is special about `aws:rds:DbSubnetGroup`, `aws:rds:DbParameterGroup` and
//! `aws:rds:DbInstance`, each change checked with an independent client built from
//! `emu.sdk_config()`. The generic contract (create → read → find → update → delete, tags,
//! ownership) is the conformance suite's (`tests/tests/conformance.rs`, whose RDS fixtures also
//! list ModifyDBSubnetGroup — moto answers 200 and drops the group — as an emulator gap).
//!
//! Emulator gaps met here (moto 5.2.x), asserted below rather than faked:
//! - ResetDBParameterGroup is not implemented (HTTP 500): removing a parameter from a group fails.
//! - DB instances are `available` at once and gone at once: the waiting itself is unit-tested
//!   in `resources::rds::wait` against a fake status source.
//! - moto accepts a parameter group of another major, any monitoring interval and unknown log
//!   types, appends duplicate log exports and drops Performance Insights:
//!   scripts/moto_patches/rds.py gives it AWS's behaviour, which the tests below rely on.

use e2e::conformance::fixtures::network;
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Input, Resource};
use resources::rds::{DbInstance, DbParameterGroup, DbSubnetGroup};
use resources::AwsContext;
use std::collections::{BTreeMap, BTreeSet};

fn inputs(ids: &[String]) -> Vec<Input<String>> {
    ids.iter().map(|s| Input::Value(s.clone())).collect()
}

/// The database subnet group of these tests, over `subnets`.
fn subnet_group(subnets: &[String]) -> DbSubnetGroup {
    DbSubnetGroup {
        name: "plinth-e2e-db".into(),
        description: "database subnets".into(),
        subnet_ids: inputs(subnets),
        tags: engine_tags("db-subnets", &[]),
        ..Default::default()
    }
}

#[tokio::test]
async fn subnet_group_subnets_and_description_reach_rds() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let subnets = network(&emu, 40, &["us-east-1a", "us-east-1b", "us-east-1c"], &[]).await.subnets;

    let out = subnet_group(&subnets[..2]).create(&meta("db-subnets"), &cx).await.expect("create");
    assert_eq!(out.name, "plinth-e2e-db");
    assert!(out.arn.starts_with("arn:aws:rds:us-east-1:123456789012:subgrp:"), "{}", out.arn);
    let live = check.rds().describe_db_subnet_groups().db_subnet_group_name(&out.name).send().await.expect("describe");
    let live = &live.db_subnet_groups()[0];
    let live_subnets: BTreeSet<&str> = live.subnets().iter().filter_map(|s| s.subnet_identifier()).collect();
    assert_eq!(live_subnets, BTreeSet::from([subnets[0].as_str(), subnets[1].as_str()]));
    assert_eq!(live.db_subnet_group_description(), Some("database subnets"));
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn live_parameters(cx: &AwsContext, name: &str) -> BTreeMap<String, String> {
    let out = cx.rds().describe_db_parameters().db_parameter_group_name(name).source("user").send().await;
    let out = out.expect("describe parameters");
    out.parameters()
        .iter()
        .filter_map(|p| Some((p.parameter_name()?.to_string(), p.parameter_value()?.to_string())))
        .collect()
}

#[tokio::test]
async fn parameter_group_parameters_reach_rds() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;

    let group = DbParameterGroup {
        name: "plinth-e2e-pg16".into(),
        family: "postgres16".into(),
        description: "Plinth PostgreSQL 16 settings".into(),
        parameters: params(&[("log_min_duration_statement", "500"), ("rds.force_ssl", "1")]),
        tags: engine_tags("db-params", &[]),
    };
    assert_eq!(group.validate(), Vec::<String>::new());
    let out = group.create(&meta("db-params"), &cx).await.expect("create");
    assert!(out.arn.starts_with("arn:aws:rds:us-east-1:123456789012:pg:"), "{}", out.arn);
    assert_eq!(live_parameters(&check, &out.name).await, group.parameters, "parameters set at create");

    let changed = DbParameterGroup {
        parameters: params(&[("log_min_duration_statement", "250"), ("rds.force_ssl", "1"), ("work_mem", "8192")]),
        ..group.clone()
    };
    changed.update(&group, &out, &cx).await.expect("update");
    assert_eq!(live_parameters(&check, &out.name).await, changed.parameters);

    // Gap: moto does not implement ResetDBParameterGroup, so removing a parameter fails there
    // (AWS resets it to the engine default). The error names the operation; nothing changed.
    let fewer =
        DbParameterGroup { parameters: params(&[("rds.force_ssl", "1"), ("work_mem", "8192")]), ..changed.clone() };
    let err = fewer.update(&changed, &out, &cx).await.expect_err("moto lacks ResetDBParameterGroup");
    assert!(err.message.starts_with("ResetDBParameterGroup"), "{err:?}");
    assert_eq!(live_parameters(&check, &out.name).await.get("work_mem").map(String::as_str), Some("8192"));
}

struct DbNetwork {
    subnet_group: String,
    subnets: Vec<String>,
    groups: Vec<String>,
}

/// A VPC, two subnets, a subnet group (through its kind) and two security groups.
async fn db_network(emu: &Emulator, cx: &AwsContext) -> DbNetwork {
    let net = network(emu, 40, &["us-east-1a", "us-east-1b"], &["db-a", "db-b"]).await;
    let out = subnet_group(&net.subnets).create(&meta("db-subnets"), cx).await.expect("create subnet group");
    DbNetwork { subnet_group: out.name, subnets: net.subnets, groups: net.security_groups }
}

fn instance(net: &DbNetwork) -> DbInstance {
    DbInstance {
        identifier: "plinth-e2e-db".into(),
        engine: "postgres".into(),
        engine_version: Some("16".into()),
        instance_class: "db.t4g.micro".into(),
        allocated_storage: 20,
        db_subnet_group_name: Input::Value(net.subnet_group.clone()),
        vpc_security_group_ids: inputs(&net.groups[..1]),
        master_username: "plinth".into(),
        backup_retention_period: 7,
        deletion_protection: true,
        apply_immediately: true,
        skip_final_snapshot: false,
        final_snapshot_identifier: Some("plinth-e2e-db-final".into()),
        tags: engine_tags("db", &[]),
        ..Default::default()
    }
}

#[tokio::test]
async fn db_instance_settings_reach_rds_and_deletion_protection_holds() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let net = db_network(&emu, &cx).await;

    let db = instance(&net);
    assert_eq!(db.validate(), Vec::<String>::new());
    let out = db.create(&meta("db"), &cx).await.expect("create");
    assert_eq!(out.identifier, "plinth-e2e-db");
    assert!(out.arn.starts_with("arn:aws:rds:us-east-1:123456789012:db:"), "{}", out.arn);
    assert_eq!(out.port, Some(5432));
    assert!(out.endpoint_address.is_some(), "{out:?}");
    let secret_arn = out.master_user_secret_arn.clone().expect("RDS manages the master password");

    // What a user would check on the console.
    let live =
        check.rds().describe_db_instances().db_instance_identifier(&out.identifier).send().await.expect("describe");
    let live = &live.db_instances()[0];
    assert_eq!(live.engine(), Some("postgres"));
    assert_eq!(live.storage_encrypted(), Some(true));
    assert_eq!(live.publicly_accessible(), Some(false));
    assert_eq!(live.deletion_protection(), Some(true));
    let live_subnets: BTreeSet<&str> = live
        .db_subnet_group()
        .map(|g| g.subnets().iter().filter_map(|s| s.subnet_identifier()).collect())
        .unwrap_or_default();
    assert_eq!(live_subnets, net.subnets.iter().map(String::as_str).collect());
    assert_eq!(live.master_user_secret().and_then(|s| s.secret_arn()), Some(secret_arn.as_str()));
    let secret = check.secrets().describe_secret().secret_id(&secret_arn).send().await.expect("the secret exists");
    assert!(secret.name().is_some_and(|n| n.starts_with("rds!")), "{secret:?}");

    update_in_place(&cx, &check, &db, &out, &net).await;
}

/// Class, storage, security groups and retention in place, as RDS reports them; then deletion protection
/// blocks the delete until an update turns it off.
async fn update_in_place(
    cx: &AwsContext,
    check: &AwsContext,
    db: &DbInstance,
    out: &resources::rds::DbInstanceOutputs,
    net: &DbNetwork,
) {
    let bigger = DbInstance {
        instance_class: "db.t4g.small".into(),
        allocated_storage: 30,
        vpc_security_group_ids: inputs(&net.groups[1..]),
        backup_retention_period: 3,
        ..db.clone()
    };
    let updated = bigger.update(db, out, cx).await.expect("update");
    assert_eq!(&updated, out);
    let live =
        check.rds().describe_db_instances().db_instance_identifier(&out.identifier).send().await.expect("describe");
    let live = &live.db_instances()[0];
    assert_eq!(live.db_instance_class(), Some("db.t4g.small"));
    assert_eq!(live.allocated_storage(), Some(30));
    assert_eq!(live.backup_retention_period(), Some(3));
    let sgs: Vec<&str> = live.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).collect();
    assert_eq!(sgs, vec![net.groups[1].as_str()]);

    let smaller = DbInstance { allocated_storage: 25, ..bigger.clone() };
    let err = smaller.update(&bigger, out, cx).await.expect_err("storage only grows");
    assert_eq!(err.class, ErrorClass::Invalid);
    assert!(err.message.contains("30 GB → 25 GB"), "{}", err.message);

    let err = bigger.delete(out, cx).await.expect_err("deletion protection is on");
    assert_eq!(err.class, ErrorClass::Conflict);
    assert!(err.message.contains("deletion_protection = false"), "{}", err.message);
    assert!(bigger.read(out, cx).await.expect("read").is_some(), "the protected instance is still there");

    let unprotected = DbInstance { deletion_protection: false, ..bigger.clone() };
    unprotected.update(&bigger, out, cx).await.expect("turn deletion protection off");
    unprotected.delete(out, cx).await.expect("delete");

    let snaps = check.rds().describe_db_snapshots().db_snapshot_identifier("plinth-e2e-db-final").send().await;
    assert_eq!(snaps.expect("the final snapshot exists").db_snapshots().len(), 1);
}

#[tokio::test]
async fn db_instance_with_parameter_group_and_no_final_snapshot() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let net = db_network(&emu, &cx).await;
    let pg = DbParameterGroup {
        name: "plinth-e2e-pg16".into(),
        family: "postgres16".into(),
        description: "Plinth PostgreSQL 16 settings".into(),
        parameters: params(&[("rds.force_ssl", "1")]),
        tags: engine_tags("db-params", &[]),
    };
    let pg_out = pg.create(&meta("db-params"), &cx).await.expect("create parameter group");

    let db = DbInstance {
        deletion_protection: false,
        skip_final_snapshot: true,
        final_snapshot_identifier: None,
        ..instance(&net)
    };
    let out = db.create(&meta("db"), &cx).await.expect("create");

    let with_pg = DbInstance { db_parameter_group_name: Some(Input::Value(pg_out.name.clone())), ..db.clone() };
    with_pg.update(&db, &out, &cx).await.expect("attach parameter group");
    let live =
        check.rds().describe_db_instances().db_instance_identifier(&out.identifier).send().await.expect("describe");
    let groups: Vec<&str> =
        live.db_instances()[0].db_parameter_groups().iter().filter_map(|g| g.db_parameter_group_name()).collect();
    assert_eq!(groups, vec![pg_out.name.as_str()]);

    with_pg.delete(&out, &cx).await.expect("delete");
    let snaps = check
        .rds()
        .describe_db_snapshots()
        .db_instance_identifier(&out.identifier)
        .snapshot_type("manual")
        .send()
        .await;
    assert!(snaps.expect("describe snapshots").db_snapshots().is_empty(), "skip_final_snapshot takes none");
}

/// A role only RDS enhanced monitoring may assume, made with the IAM SDK.
async fn monitoring_role(emu: &Emulator) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let iam = emu.iam().await;
    let role = iam.create_role().role_name("plinth-e2e-rds-monitoring").assume_role_policy_document(trust);
    role.send().await.expect("create role").role().map(|r| r.arn().to_string()).expect("arn")
}

fn hardened(net: &DbNetwork, pg: &str, role_arn: &str) -> DbInstance {
    DbInstance {
        engine_version: Some("16.4".into()),
        parameter_group_family: Some("postgres16".into()),
        db_parameter_group_name: Some(Input::Value(pg.to_string())),
        enabled_cloudwatch_logs_exports: vec!["upgrade".into(), "postgresql".into()],
        iam_database_authentication_enabled: true,
        monitoring_interval: 60,
        monitoring_role_arn: Some(Input::Value(role_arn.to_string())),
        copy_tags_to_snapshot: true,
        performance_insights: true,
        deletion_protection: false,
        skip_final_snapshot: true,
        final_snapshot_identifier: None,
        ..instance(net)
    }
}

async fn describe(check: &AwsContext, id: &str) -> resources::rds::sdk::types::DbInstance {
    let out = check.rds().describe_db_instances().db_instance_identifier(id).send().await.expect("describe");
    out.db_instances()[0].clone()
}

fn sorted(logs: &[String]) -> Vec<&str> {
    let mut logs: Vec<&str> = logs.iter().map(String::as_str).collect();
    logs.sort_unstable();
    logs
}

#[tokio::test]
async fn db_instance_observability_reaches_rds_and_changes_in_place() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let net = db_network(&emu, &cx).await;
    let role_arn = monitoring_role(&emu).await;
    let pg = DbParameterGroup {
        name: "plinth-e2e-pg16".into(),
        family: "postgres16".into(),
        description: "Plinth PostgreSQL 16 settings".into(),
        parameters: params(&[("rds.force_ssl", "1")]),
        tags: engine_tags("db-params", &[]),
    };
    let pg_out = pg.create(&meta("db-params"), &cx).await.expect("create parameter group");
    assert_eq!(live_parameters(&check, &pg_out.name).await.get("rds.force_ssl").map(String::as_str), Some("1"));

    let db = hardened(&net, &pg_out.name, &role_arn);
    assert_eq!(db.validate(), Vec::<String>::new());
    let out = db.create(&meta("db"), &cx).await.expect("create");
    let live = describe(&check, &out.identifier).await;
    assert_eq!(live.engine_version(), Some("16.4"), "the pinned version, not the emulator's default");
    assert_eq!(sorted(live.enabled_cloudwatch_logs_exports()), ["postgresql", "upgrade"]);
    assert_eq!(live.iam_database_authentication_enabled(), Some(true));
    assert_eq!(live.monitoring_interval(), Some(60));
    assert_eq!(live.monitoring_role_arn(), Some(role_arn.as_str()));
    assert_eq!(live.copy_tags_to_snapshot(), Some(true));
    assert_eq!(live.performance_insights_enabled(), Some(true));
    assert_eq!(live.performance_insights_retention_period(), Some(7), "AWS's free 7 days");
    let groups: Vec<&str> = live.db_parameter_groups().iter().filter_map(|g| g.db_parameter_group_name()).collect();
    assert_eq!(groups, [pg_out.name.as_str()]);
    let seen = db.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, db, "read reports the program's shape: nothing drifted");

    // In place: one log type off, IAM auth off, finer monitoring, no snapshot tags, no PI.
    let changed = DbInstance {
        enabled_cloudwatch_logs_exports: vec!["postgresql".into()],
        iam_database_authentication_enabled: false,
        monitoring_interval: 15,
        copy_tags_to_snapshot: false,
        performance_insights: false,
        ..db.clone()
    };
    changed.update(&db, &out, &cx).await.expect("update");
    let live = describe(&check, &out.identifier).await;
    assert_eq!(live.enabled_cloudwatch_logs_exports(), ["postgresql"]);
    assert_eq!(live.iam_database_authentication_enabled(), Some(false));
    assert_eq!(live.monitoring_interval(), Some(15));
    assert_eq!(live.copy_tags_to_snapshot(), Some(false));
    assert_eq!(live.performance_insights_enabled(), Some(false));
    assert_eq!(changed.read(&out, &cx).await.expect("read").expect("exists").inputs, changed);

    // Monitoring off: the role RDS may still report is not drift.
    let off = DbInstance { monitoring_interval: 0, monitoring_role_arn: None, ..changed.clone() };
    off.update(&changed, &out, &cx).await.expect("monitoring off");
    assert_eq!(describe(&check, &out.identifier).await.monitoring_interval(), Some(0));
    assert_eq!(off.read(&out, &cx).await.expect("read").expect("exists").inputs, off);
    off.delete(&out, &cx).await.expect("delete");
}

#[tokio::test]
async fn db_instance_new_fields_are_validated_and_rds_refuses_a_family_mismatch() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let net = db_network(&emu, &cx).await;
    let role_arn = monitoring_role(&emu).await;
    let pg = DbParameterGroup {
        name: "plinth-e2e-pg16".into(),
        family: "postgres16".into(),
        description: "Plinth PostgreSQL 16 settings".into(),
        tags: engine_tags("db-params", &[]),
        ..Default::default()
    };
    let pg_out = pg.create(&meta("db-params"), &cx).await.expect("create parameter group");
    let good = hardened(&net, &pg_out.name, &role_arn);

    let mismatch = DbInstance { engine_version: Some("15.7".into()), ..good.clone() };
    assert_eq!(
        mismatch.validate(),
        ["engine_version `15.7` (major 15) does not match parameter_group_family `postgres16` (major 16): RDS refuses \
          a parameter group of another major"]
    );
    let unpinned = DbInstance { engine_version: None, ..good.clone() };
    assert!(unpinned.validate()[0].starts_with("engine_version must be pinned"), "{:?}", unpinned.validate());
    let no_role = DbInstance { monitoring_role_arn: None, ..good.clone() };
    assert!(
        no_role.validate()[0].starts_with("monitoring_role_arn is required when monitoring_interval is 60"),
        "{:?}",
        no_role.validate()
    );
    let odd = DbInstance { monitoring_interval: 45, ..good.clone() };
    assert_eq!(odd.validate(), ["monitoring_interval 45 must be one of 0, 1, 5, 10, 15, 30, 60 seconds"]);
    let bad_log = DbInstance { enabled_cloudwatch_logs_exports: vec!["audit".into()], ..good.clone() };
    assert!(bad_log.validate()[0].contains("`audit` is not a PostgreSQL log type"), "{:?}", bad_log.validate());

    // A program that does not state the family gets RDS's own refusal (the emulator has AWS's
    // check): what the platform met when it left the version to RDS's default.
    let unstated = DbInstance { parameter_group_family: None, engine_version: None, ..good.clone() };
    assert!(unstated.validate().is_empty(), "{:?}", unstated.validate());
    let err = unstated.create(&meta("db"), &cx).await.expect_err("RDS refuses the group for another major");
    assert_eq!(err.class, ErrorClass::Invalid, "{err:?}");
    assert!(err.message.contains("DBParameterGroupFamily postgres16"), "{}", err.message);
    let check = emu.independent().await;
    let gone = check.rds().describe_db_instances().db_instance_identifier(&good.identifier).send().await;
    assert!(gone.is_err(), "nothing was created");
}
