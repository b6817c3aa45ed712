//! What is special about `aws:elasticache:CacheSubnetGroup` and `aws:elasticache:ReplicationGroup`,
//! each change checked with an independent client built from `emu.sdk_config()`. The generic
//! contract (create → read → find → update → delete, tags, ownership) is the conformance suite's
//! (`tests/tests/conformance.rs`). Every test has its own moto server and its own ids.
//!
//! Emulator gaps met (moto 5.2.x), asserted below rather than faked:
//! - ModifyCacheSubnetGroup is not implemented (HTTP 500): a subnet group's subnets cannot change
//!   there. DeleteCacheSubnetGroup is missing from moto too; scripts/moto_server.py adds it.
//! - Member cache clusters are not modeled: DescribeCacheClusters on a group's member answers
//!   CacheClusterNotFound, so the subnet group, security groups and engine version of a group
//!   cannot be checked there (the kind keeps their recorded values and warns).
//! - NumCacheClusters is ignored (a group always has one member); IncreaseReplicaCount is not
//!   implemented (HTTP 500).
//! - Groups are `available` at once (the waiting is unit-tested in `resources::elasticache::wait`
//!   against fake status sources). moto would keep a deleted group `deleting` forever;
//!   scripts/moto_server.py completes deletions, and the tests still use a zero wait window.
//! - moto ignores AuthToken on ModifyReplicationGroup and accepts one without transit
//!   encryption: scripts/moto_patches/elasticache.py adds AWS's AUTH semantics (ROTATE, SET,
//!   DELETE, AuthTokenEnabled and AuthTokenLastModifiedDate), which the AUTH tests rely on.

use e2e::conformance::fixtures::elasticache::job_queue;
use e2e::{engine_tags, meta, Emulator};
use engine::{Input, Resource};
use resources::elasticache::{CacheSubnetGroup, ReplicationGroup};
use resources::AwsContext;
use std::collections::BTreeSet;

/// A VPC with two subnets in two zones and a security group, made with the EC2 SDK directly.
async fn network(emu: &Emulator) -> (Vec<String>, String) {
    let net = e2e::conformance::fixtures::network(emu, 50, &["us-east-1a", "us-east-1b"], &["cache"]).await;
    (net.subnets, net.security_groups[0].clone())
}

fn inputs(ids: &[String]) -> Vec<Input<String>> {
    ids.iter().map(|s| Input::Value(s.clone())).collect()
}

async fn live_subnets(cx: &AwsContext, name: &str) -> BTreeSet<String> {
    let out =
        cx.elasticache().describe_cache_subnet_groups().cache_subnet_group_name(name).send().await.expect("describe");
    let group = out.cache_subnet_groups().first().expect("one group").clone();
    group.subnets().iter().filter_map(|s| s.subnet_identifier()).map(str::to_string).collect()
}

async fn subnet_group(emu: &Emulator, name: &str, subnets: &[String]) -> CacheSubnetGroup {
    let group = CacheSubnetGroup {
        name: name.to_string(),
        description: "cache subnets".into(),
        // Reversed on purpose: AWS answers in its own order, which must not read as a change.
        subnet_ids: inputs(&[subnets[1].clone(), subnets[0].clone()]),
        tags: engine_tags(name, &[]),
        ..Default::default()
    };
    assert!(group.validate().is_empty(), "{:?}", group.validate());
    group.create(&meta(name), &emu.context().await).await.expect("create subnet group");
    group
}

#[tokio::test]
async fn subnet_group_subnets_reach_elasticache_and_moto_gaps() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let (subnets, _) = network(&emu).await;

    let group = CacheSubnetGroup {
        name: "jobs-cache".into(),
        description: "cache subnets".into(),
        subnet_ids: inputs(&[subnets[1].clone(), subnets[0].clone()]),
        tags: engine_tags("cache-subnets", &[]),
        ..Default::default()
    };
    let out = group.create(&meta("cache-subnets"), &cx).await.expect("create");
    assert_eq!(out.name, "jobs-cache");
    assert!(out.arn.ends_with(":subnetgroup:jobs-cache"), "{}", out.arn);
    assert_eq!(live_subnets(&check, "jobs-cache").await, subnets.iter().cloned().collect());

    // moto gap: ModifyCacheSubnetGroup is not implemented (HTTP 500). The kind reports the failure.
    let mut resized = group.clone();
    resized.subnet_ids = inputs(&subnets[..1]);
    let err = resized.update(&group, &out, &cx).await.expect_err("moto cannot modify a cache subnet group");
    assert!(err.message.contains("ModifyCacheSubnetGroup"), "{}", err.message);
    assert_moto_500(&err);
    assert_eq!(live_subnets(&check, "jobs-cache").await.len(), 2, "nothing changed behind the error");

    // moto 5.2.x lacks DeleteCacheSubnetGroup; scripts/moto_server.py adds it to the emulator
    // (with AWS's not-found and in-use errors), so the real call runs here.
    group.delete(&out, &cx).await.expect("delete");
    let gone = check.elasticache().describe_cache_subnet_groups().cache_subnet_group_name("jobs-cache").send().await;
    let code = gone.expect_err("independent client: not found").into_service_error();
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&code),
        Some("CacheSubnetGroupNotFoundFault")
    );
}

/// What moto answers for an operation it does not implement: an HTML page with status 500, which
/// the SDK cannot parse (no error code), classified `Other`.
fn assert_moto_500(err: &engine::ProviderError) {
    assert_eq!(err.class, engine::ErrorClass::Other, "{}", err.message);
    assert!(err.message.contains("HTTP 500 with no error code"), "{}", err.message);
}

fn replication_group(id: &str, subnet_group: &str, sg: &str) -> ReplicationGroup {
    ReplicationGroup { tags: engine_tags("jobs", &[]), ..job_queue(id, subnet_group, sg) }
}

#[tokio::test]
async fn replication_group_settings_reach_elasticache() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let (subnets, sg) = network(&emu).await;
    subnet_group(&emu, "jobs-cache-rg", &subnets).await;

    let group = replication_group("jobs-queue-e2e", "jobs-cache-rg", &sg);
    assert!(group.validate().is_empty(), "{:?}", group.validate());
    let out = group.create(&meta("jobs"), &cx).await.expect("create");
    assert_eq!(out.id, "jobs-queue-e2e");
    assert!(out.arn.ends_with(":replicationgroup:jobs-queue-e2e"), "{}", out.arn);
    assert!(out.primary_endpoint.as_deref().is_some_and(|e| e.contains("jobs-queue-e2e")), "{out:?}");
    assert_eq!(out.port, Some(6379));

    let described = check.elasticache().describe_replication_groups().replication_group_id(&out.id).send().await;
    let live = described.expect("describe").replication_groups().first().expect("one group").clone();
    assert_eq!(live.status(), Some("available"));
    assert_eq!(live.at_rest_encryption_enabled(), Some(true));
    assert_eq!(live.transit_encryption_enabled(), Some(true));
    assert_eq!(live.cache_node_type(), Some("cache.t4g.micro"));
    assert_eq!(live.engine(), Some("redis"));
    // moto gap: the member cluster, the only place AWS reports the subnet group and security
    // groups, is not modeled, so those two cannot be checked independently here.
    let member = live.member_clusters().first().expect("a member").clone();
    let err =
        check.elasticache().describe_cache_clusters().cache_cluster_id(&member).send().await.expect_err("moto gap");
    assert_eq!(aws_sdk_ec2::error::ProvideErrorMetadata::code(&err), Some("CacheClusterNotFound"));

    // In place: node type, snapshots, description (ModifyReplicationGroup).
    let mut bigger = group.clone();
    bigger.node_type = "cache.t4g.small".into();
    bigger.snapshot_retention_limit = 3;
    bigger.description = "job queue (bigger)".into();
    let updated = bigger.update(&group, &out, &cx).await.expect("update");
    assert_eq!(updated, out, "same group, same endpoints");
    let described = check.elasticache().describe_replication_groups().replication_group_id(&out.id).send().await;
    let live = described.expect("describe").replication_groups().first().expect("one group").clone();
    assert_eq!(live.cache_node_type(), Some("cache.t4g.small"));
    assert_eq!(live.snapshot_retention_limit(), Some(3));
    assert_eq!(live.description(), Some("job queue (bigger)"));

    // moto would keep the group `deleting` forever; scripts/moto_server.py completes the deletion
    // before the next describe, as AWS does minutes later. (The `deleting` semantics of the
    // waiter are tested against fake status sources.)
    bigger.delete(&out, &cx).await.expect("delete");
    let described = check.elasticache().describe_replication_groups().replication_group_id(&out.id).send().await;
    let code = described.expect_err("gone").into_service_error();
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&code),
        Some("ReplicationGroupNotFoundFault")
    );
    let never = ReplicationGroup { id: "never-created".into(), ..bigger.clone() };
    let never_out = resources::elasticache::ReplicationGroupOutputs { id: "never-created".into(), ..out.clone() };
    never.delete(&never_out, &cx).await.expect("deleting an unknown group is Ok");
}

#[tokio::test]
async fn replica_count_gaps_in_moto() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let (subnets, sg) = network(&emu).await;
    subnet_group(&emu, "ha-cache", &subnets).await;

    let mut group = replication_group("ha-queue-e2e", "ha-cache", &sg);
    group.num_cache_clusters = 2;
    group.automatic_failover = true;
    group.multi_az = true;
    assert!(group.validate().is_empty(), "{:?}", group.validate());
    let out = group.create(&meta("jobs"), &cx).await.expect("create");

    // moto gap: NumCacheClusters is ignored; the group has one member. read reports what the
    // cloud has, so the missing replica shows as a difference instead of being hidden.
    let described = check.elasticache().describe_replication_groups().replication_group_id(&out.id).send().await;
    let live = described.expect("describe").replication_groups().first().expect("one group").clone();
    assert_eq!(live.member_clusters().len(), 1, "moto made one member for NumCacheClusters=2");
    let seen = group.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs.num_cache_clusters, 1);
    assert!(seen.inputs.automatic_failover && seen.inputs.multi_az);

    // moto gap: IncreaseReplicaCount is not implemented (HTTP 500); the kind reports the failure.
    let mut more = group.clone();
    more.num_cache_clusters = 3;
    let err = more.update(&group, &out, &cx).await.expect_err("moto cannot add replicas");
    assert!(err.message.contains("IncreaseReplicaCount"), "{}", err.message);
    assert_moto_500(&err);
}

async fn describe_group(check: &AwsContext, id: &str) -> resources::elasticache::sdk::types::ReplicationGroup {
    let out = check.elasticache().describe_replication_groups().replication_group_id(id).send().await;
    out.expect("describe").replication_groups().first().expect("one group").clone()
}

#[tokio::test]
async fn redis_auth_token_comes_from_a_secret_and_rotates_with_its_version() {
    use e2e::conformance::fixtures::elasticache::token_secret;
    use resources::elasticache::AuthToken;
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let (subnets, sg) = network(&emu).await;
    subnet_group(&emu, "auth-cache", &subnets).await;
    let first_token = "Tok1".repeat(8);
    let (arn, v1) = token_secret(&emu, "plinth/e2e/redis-auth-token", &first_token).await;
    let auth = |version: &str| Some(AuthToken { secret_arn: arn.clone().into(), secret_version_id: version.into() });

    // Validation first: AUTH only over TLS, and the secret by ARN.
    let plain = ReplicationGroup { transit_encryption: false, auth_token: auth(&v1), ..replication_group("auth-queue-e2e", "auth-cache", &sg) };
    assert_eq!(plain.validate(), ["auth_token needs transit_encryption = true (AWS accepts an AUTH token only over TLS)"]);

    let group = ReplicationGroup { auth_token: auth(&v1), ..replication_group("auth-queue-e2e", "auth-cache", &sg) };
    assert!(group.validate().is_empty(), "{:?}", group.validate());
    let out = group.create(&meta("jobs"), &cx).await.expect("create");
    let live = describe_group(&check, &out.id).await;
    assert_eq!(live.auth_token_enabled(), Some(true), "Redis AUTH is on");
    assert_eq!(live.transit_encryption_enabled(), Some(true));
    let set_at = live.auth_token_last_modified_date().copied().expect("AUTH token date");
    let seen = group.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, group, "AUTH on reads as the program's token source");
    let state = serde_json::to_string(&(&group, &out)).expect("json");
    assert!(!state.contains(&first_token), "the token is neither an input nor an output: {state}");

    // Rotation: an operator puts a new value; the secret's new version reaches the group.
    let second_token = "Tok2".repeat(8);
    let put = check.secrets().put_secret_value().secret_id(&arn).secret_string(&second_token).send().await;
    let v2 = put.expect("put a new token").version_id().expect("version").to_string();
    let rotated = ReplicationGroup { auth_token: auth(&v2), ..group.clone() };
    rotated.update(&group, &out, &cx).await.expect("rotate");
    let live = describe_group(&check, &out.id).await;
    assert_eq!(live.auth_token_enabled(), Some(true));
    let rotated_at = live.auth_token_last_modified_date().copied().expect("AUTH token date");
    assert!(rotated_at > set_at, "ModifyReplicationGroup set a new token ({set_at} → {rotated_at})");
    assert!(rotated.update(&rotated, &out, &cx).await.is_ok(), "the same version is no change");
    assert_eq!(describe_group(&check, &out.id).await.auth_token_last_modified_date(), Some(&rotated_at));

    // AUTH off in place is refused before any call (AWS allows it only while moving to RBAC).
    let off = ReplicationGroup { auth_token: None, ..rotated.clone() };
    let err = off.update(&rotated, &out, &cx).await.expect_err("AUTH off is refused");
    assert_eq!(err.class, engine::ErrorClass::Invalid);
    assert!(err.message.contains("has Redis AUTH on"), "{}", err.message);
    assert_eq!(describe_group(&check, &out.id).await.auth_token_enabled(), Some(true));
    rotated.delete(&out, &cx).await.expect("delete");
}

#[tokio::test]
async fn redis_auth_is_added_in_place_and_a_bad_token_is_refused_without_showing_it() {
    use e2e::conformance::fixtures::elasticache::token_secret;
    use resources::elasticache::AuthToken;
    let emu = Emulator::start();
    let cx = emu.context().await;
    let check = emu.independent().await;
    let (subnets, sg) = network(&emu).await;
    subnet_group(&emu, "late-cache", &subnets).await;

    let group = replication_group("late-auth-e2e", "late-cache", &sg);
    let out = group.create(&meta("jobs"), &cx).await.expect("create without AUTH");
    assert_eq!(describe_group(&check, &out.id).await.auth_token_enabled(), Some(false));

    let bad_token = "has/slash-and@at-sign-0123456789";
    let (bad_arn, bad_version) = token_secret(&emu, "plinth/e2e/bad-token", bad_token).await;
    let bad = ReplicationGroup {
        auth_token: Some(AuthToken { secret_arn: bad_arn.clone().into(), secret_version_id: bad_version.into() }),
        ..group.clone()
    };
    let err = bad.update(&group, &out, &cx).await.expect_err("not a valid AUTH token");
    assert_eq!(err.class, engine::ErrorClass::Invalid);
    assert!(err.message.contains(&bad_arn) && err.message.contains("not a valid AUTH token"), "{}", err.message);
    assert!(!err.message.contains(bad_token), "the value is never in a message: {}", err.message);
    assert_eq!(describe_group(&check, &out.id).await.auth_token_enabled(), Some(false), "nothing was sent");

    let (arn, version) = token_secret(&emu, "plinth/e2e/late-token", &"Late".repeat(8)).await;
    let with_auth = ReplicationGroup {
        auth_token: Some(AuthToken { secret_arn: arn.into(), secret_version_id: version.into() }),
        ..group.clone()
    };
    with_auth.update(&group, &out, &cx).await.expect("AUTH on in place (ROTATE)");
    assert_eq!(describe_group(&check, &out.id).await.auth_token_enabled(), Some(true));
    // Seen from a program that names no token, AUTH on is a difference, not hidden.
    let seen = group.read(&out, &cx).await.expect("read").expect("exists");
    assert!(seen.inputs.auth_token.is_some(), "{:?}", seen.inputs.auth_token);
    with_auth.delete(&out, &cx).await.expect("delete");
}
