//! `aws:rds:DbSubnetGroup`, `aws:rds:DbParameterGroup` and `aws:rds:DbInstance` against the
//! emulator, through the `engine::Resource` trait, each change checked with an independent
//! client built from `emu.sdk_config()`.
//!
//! Emulator gaps met (moto 5.2.x), asserted below rather than faked:
//! - ResetDBParameterGroup is not implemented (HTTP 500): removing a parameter from a group fails.
//! - ModifyDBSubnetGroup answers 200 but drops the group from moto's backend.
//! - DB instances are `available` at once and gone at once: the waiting itself is unit-tested
//!   in `resources::rds::wait` against a fake status source.

// The smithy error-metadata trait, re-exported by every SDK crate (this one is a dependency).
use aws_sdk_ec2::error::ProvideErrorMetadata;
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Input, Resource, Tags};
use resources::rds::{DbInstance, DbParameterGroup, DbSubnetGroup};
use resources::AwsContext;
use std::collections::{BTreeMap, BTreeSet};

/// A VPC with one subnet per zone given, created with the EC2 SDK directly.
async fn network(emu: &Emulator, zones: &[&str]) -> (String, Vec<String>) {
    let ec2 = emu.ec2().await;
    let vpc = ec2.create_vpc().cidr_block("10.40.0.0/16").send().await.expect("create vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_string();
    let mut subnets = Vec::new();
    for (i, zone) in zones.iter().enumerate() {
        let out = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(format!("10.40.{i}.0/24"))
            .availability_zone(*zone)
            .send()
            .await
            .expect("create subnet");
        subnets.push(out.subnet().and_then(|s| s.subnet_id()).expect("subnet id").to_string());
    }
    (vpc_id, subnets)
}

async fn security_group(emu: &Emulator, vpc_id: &str, name: &str) -> String {
    let out = emu
        .ec2()
        .await
        .create_security_group()
        .vpc_id(vpc_id)
        .group_name(name)
        .description("db access")
        .send()
        .await
        .expect("create security group");
    out.group_id().expect("group id").to_string()
}

fn inputs(ids: &[String]) -> Vec<Input<String>> {
    ids.iter().map(|s| Input::Value(s.clone())).collect()
}

async fn live_tags(cx: &AwsContext, arn: &str) -> Tags {
    let out = cx.rds.list_tags_for_resource().resource_name(arn).send().await.expect("list tags");
    out.tag_list().iter().map(|t| (t.key().unwrap_or_default().into(), t.value().unwrap_or_default().into())).collect()
}

/// The database subnet group both subnet-group tests start from.
fn subnet_group(subnets: &[String]) -> DbSubnetGroup {
    DbSubnetGroup {
        name: "plinth-e2e-db".into(),
        description: "database subnets".into(),
        subnet_ids: inputs(subnets),
        tags: engine_tags("db-subnets", &[]),
    }
}

#[tokio::test]
async fn subnet_group_create_read_update_delete() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let (_, subnets) = network(&emu, &["us-east-1a", "us-east-1b", "us-east-1c"]).await;

    let group = subnet_group(&subnets[..2]);
    assert_eq!(group.validate(), Vec::<String>::new());
    let out = group.create(&meta("db-subnets"), &cx).await.expect("create");
    assert_eq!(out.name, "plinth-e2e-db");
    assert!(out.arn.starts_with("arn:aws:rds:us-east-1:123456789012:subgrp:"), "{}", out.arn);

    let seen = group.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, group, "a read right after create shows no difference");
    assert_eq!(seen.outputs, out);
    assert_eq!(group.find(&meta("db-subnets"), &cx).await.expect("find"), Some(out.clone()));
    assert_eq!(group.find(&meta("other"), &cx).await.expect("find other"), None, "not adopted under another name");

    let retagged = DbSubnetGroup { tags: engine_tags("db-subnets", &[("Team", "data")]), ..group.clone() };
    assert_eq!(retagged.update(&group, &out, &cx).await.expect("update tags"), out);
    assert_eq!(retagged.read(&out, &cx).await.expect("read").expect("exists").inputs, retagged);
    assert_eq!(live_tags(&check, &out.arn).await.get("Team").map(String::as_str), Some("data"));
    let live = check.rds.describe_db_subnet_groups().db_subnet_group_name(&out.name).send().await.expect("describe");
    let live = &live.db_subnet_groups()[0];
    let live_subnets: BTreeSet<&str> = live.subnets().iter().filter_map(|s| s.subnet_identifier()).collect();
    assert_eq!(live_subnets, BTreeSet::from([subnets[0].as_str(), subnets[1].as_str()]));
    assert_eq!(live.db_subnet_group_description(), Some("database subnets"));

    retagged.delete(&out, &cx).await.expect("delete");
    assert!(retagged.read(&out, &cx).await.expect("read after delete").is_none());
    retagged.delete(&out, &cx).await.expect("delete again is Ok");
    assert_eq!(retagged.find(&meta("db-subnets"), &cx).await.expect("find after delete"), None);
}

/// Gap: moto's ModifyDBSubnetGroup (5.2.1 and 5.2.5) pops the group out of its backend and never
/// stores it back, so the call answers 200 with the new subnets and the group is then gone
/// (DBSubnetGroupNotFoundFault). AWS keeps the group with the new subnets and description.
#[tokio::test]
async fn subnet_group_subnets_change_in_place_but_moto_loses_the_group() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let (_, subnets) = network(&emu, &["us-east-1a", "us-east-1b", "us-east-1c"]).await;
    let group = subnet_group(&subnets[..2]);
    let out = group.create(&meta("db-subnets"), &cx).await.expect("create");
    let changed = DbSubnetGroup {
        description: "database subnets, b and c".into(),
        subnet_ids: inputs(&[subnets[2].clone(), subnets[1].clone()]),
        ..group.clone()
    };
    assert_eq!(changed.update(&group, &out, &cx).await.expect("ModifyDBSubnetGroup answers 200"), out);

    let err = check.rds.describe_db_subnet_groups().db_subnet_group_name(&out.name).send().await.expect_err("moto gap");
    assert_eq!(
        err.code(),
        Some("DBSubnetGroupNotFoundFault"),
        "moto fixed ModifyDBSubnetGroup? assert the new subnets instead: {err:?}"
    );
    assert!(changed.read(&out, &cx).await.expect("read").is_none(), "read reports the group gone, as moto says");
    changed.delete(&out, &cx).await.expect("delete of a gone group is Ok");
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn live_parameters(cx: &AwsContext, name: &str) -> BTreeMap<String, String> {
    let out = cx.rds.describe_db_parameters().db_parameter_group_name(name).source("user").send().await;
    let out = out.expect("describe parameters");
    out.parameters()
        .iter()
        .filter_map(|p| Some((p.parameter_name()?.to_string(), p.parameter_value()?.to_string())))
        .collect()
}

#[tokio::test]
async fn parameter_group_create_read_update_delete() {
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

    let seen = group.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, group, "a read right after create shows no difference");
    assert_eq!(group.find(&meta("db-params"), &cx).await.expect("find"), Some(out.clone()));

    let changed = DbParameterGroup {
        parameters: params(&[("log_min_duration_statement", "250"), ("rds.force_ssl", "1"), ("work_mem", "8192")]),
        tags: engine_tags("db-params", &[("Team", "data")]),
        ..group.clone()
    };
    changed.update(&group, &out, &cx).await.expect("update");
    assert_eq!(changed.read(&out, &cx).await.expect("read").expect("exists").inputs, changed);
    assert_eq!(live_parameters(&check, &out.name).await, changed.parameters);
    assert_eq!(live_tags(&check, &out.arn).await.get("Team").map(String::as_str), Some("data"));

    // Gap: moto does not implement ResetDBParameterGroup, so removing a parameter fails there
    // (AWS resets it to the engine default). The error names the operation; nothing changed.
    let fewer =
        DbParameterGroup { parameters: params(&[("rds.force_ssl", "1"), ("work_mem", "8192")]), ..changed.clone() };
    let err = fewer.update(&changed, &out, &cx).await.expect_err("moto lacks ResetDBParameterGroup");
    assert!(err.message.starts_with("ResetDBParameterGroup"), "{err:?}");
    assert_eq!(live_parameters(&check, &out.name).await.get("work_mem").map(String::as_str), Some("8192"));

    changed.delete(&out, &cx).await.expect("delete");
    assert!(changed.read(&out, &cx).await.expect("read after delete").is_none(), "empty list means gone");
    changed.delete(&out, &cx).await.expect("delete again is Ok");
}

struct DbNetwork {
    subnet_group: String,
    subnets: Vec<String>,
    groups: Vec<String>,
}

/// A VPC, two subnets, a subnet group (through its kind) and two security groups.
async fn db_network(emu: &Emulator, cx: &AwsContext) -> DbNetwork {
    let (vpc_id, subnets) = network(emu, &["us-east-1a", "us-east-1b"]).await;
    let group = DbSubnetGroup {
        name: "plinth-e2e-db".into(),
        description: "database subnets".into(),
        subnet_ids: inputs(&subnets),
        tags: engine_tags("db-subnets", &[]),
    };
    let out = group.create(&meta("db-subnets"), cx).await.expect("create subnet group");
    let groups = vec![security_group(emu, &vpc_id, "db-a").await, security_group(emu, &vpc_id, "db-b").await];
    DbNetwork { subnet_group: out.name, subnets, groups }
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
async fn db_instance_create_read_update_delete() {
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

    let seen = db.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, db, "a read right after create shows no difference");
    assert_eq!(seen.outputs, out);
    assert_eq!(db.find(&meta("db"), &cx).await.expect("find"), Some(out.clone()));

    // What a user would check on the console.
    let live =
        check.rds.describe_db_instances().db_instance_identifier(&out.identifier).send().await.expect("describe");
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
    let secret = check.secrets.describe_secret().secret_id(&secret_arn).send().await.expect("the secret exists");
    assert!(secret.name().is_some_and(|n| n.starts_with("rds!")), "{secret:?}");

    update_in_place(&cx, &check, &db, &out, &net).await;
}

/// Class, storage, security groups, retention and tags in place; then deletion protection
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
        tags: engine_tags("db", &[("Team", "data")]),
        ..db.clone()
    };
    let updated = bigger.update(db, out, cx).await.expect("update");
    assert_eq!(&updated, out);
    assert_eq!(bigger.read(out, cx).await.expect("read").expect("exists").inputs, bigger);
    let live =
        check.rds.describe_db_instances().db_instance_identifier(&out.identifier).send().await.expect("describe");
    let live = &live.db_instances()[0];
    assert_eq!(live.db_instance_class(), Some("db.t4g.small"));
    assert_eq!(live.allocated_storage(), Some(30));
    assert_eq!(live.backup_retention_period(), Some(3));
    let sgs: Vec<&str> = live.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).collect();
    assert_eq!(sgs, vec![net.groups[1].as_str()]);
    assert_eq!(live_tags(check, &out.arn).await.get("Team").map(String::as_str), Some("data"));

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
    assert!(unprotected.read(out, cx).await.expect("read after delete").is_none());
    unprotected.delete(out, cx).await.expect("delete again is Ok");

    let snaps = check.rds.describe_db_snapshots().db_snapshot_identifier("plinth-e2e-db-final").send().await;
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
    assert_eq!(
        db.read(&out, &cx).await.expect("read").expect("exists").inputs,
        db,
        "default parameter group is not drift"
    );

    let with_pg = DbInstance { db_parameter_group_name: Some(Input::Value(pg_out.name.clone())), ..db.clone() };
    with_pg.update(&db, &out, &cx).await.expect("attach parameter group");
    assert_eq!(with_pg.read(&out, &cx).await.expect("read").expect("exists").inputs, with_pg);
    let live =
        check.rds.describe_db_instances().db_instance_identifier(&out.identifier).send().await.expect("describe");
    let groups: Vec<&str> =
        live.db_instances()[0].db_parameter_groups().iter().filter_map(|g| g.db_parameter_group_name()).collect();
    assert_eq!(groups, vec![pg_out.name.as_str()]);

    with_pg.delete(&out, &cx).await.expect("delete");
    assert!(with_pg.read(&out, &cx).await.expect("read after delete").is_none());
    let snaps =
        check.rds.describe_db_snapshots().db_instance_identifier(&out.identifier).snapshot_type("manual").send().await;
    assert!(snaps.expect("describe snapshots").db_snapshots().is_empty(), "skip_final_snapshot takes none");
}
