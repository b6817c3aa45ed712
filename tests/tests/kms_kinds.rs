//! What is special about the KMS kinds (`aws:kms:Key`, `aws:kms:Alias`), each checked with an
//! independent SDK client: the publish key policy and rotation KMS really holds, a policy change
//! in place, a delete that schedules the deletion, a disabled key read as drift, `find` across
//! ListKeys pages and its refusal to guess between two tagged keys, an alias created, retargeted
//! and deleted, and an alias that is not ours refused. The generic contract is the conformance
//! suite's (`tests/tests/conformance.rs`).

use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType};
use e2e::conformance::fixtures::kms::{sdk_key, ACCOUNT};
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::kms::{publish_key_policy, Alias, Key};
use serde_json::{json, Value};

const SERVICES: &[&str] = &["cloudwatch.amazonaws.com", "budgets.amazonaws.com"];

fn key(name: &str) -> Key {
    Key {
        description: "alarm topic".into(),
        policy: publish_key_policy(ACCOUNT, SERVICES).into(),
        tags: engine_tags(name, &[]),
        ..Default::default()
    }
}

/// The key policy KMS holds for `key_id`, parsed.
async fn live_policy(kms: &aws_sdk_kms::Client, key_id: &str) -> Value {
    let out = kms.get_key_policy().key_id(key_id).policy_name("default").send().await.expect("get key policy");
    serde_json::from_str(out.policy().expect("policy")).expect("policy JSON")
}

/// The statement of `policy` whose principal is a service.
fn service_statement(policy: &Value) -> &Value {
    let statements = policy["Statement"].as_array().expect("statements");
    statements.iter().find(|s| s["Principal"].get("Service").is_some()).expect("a service statement")
}

#[tokio::test]
async fn a_key_holds_the_publish_policy_rotates_and_is_a_symmetric_customer_key() {
    let emu = Emulator::start();
    let (cx, kms) = (emu.context().await, emu.independent().await.kms());
    let program = key("alarm-key");
    let out = program.create(&meta("alarm-key"), &cx).await.expect("create");

    let described = kms.describe_key().key_id(&out.key_id).send().await.expect("describe key");
    let live = described.key_metadata().expect("metadata");
    assert_eq!(live.arn(), Some(out.arn.as_str()));
    assert_eq!(live.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(live.key_spec(), Some(&KeySpec::SymmetricDefault));
    assert_eq!((live.key_state(), live.description()), (Some(&KeyState::Enabled), Some("alarm topic")));

    let policy = live_policy(&kms, &out.key_id).await;
    let admin = policy["Statement"].as_array().and_then(|s| s.iter().find(|s| s["Action"] == "kms:*")).expect("admin");
    assert_eq!(admin["Principal"]["AWS"], format!("arn:aws:iam::{ACCOUNT}:root"));
    let publish = service_statement(&policy);
    assert_eq!(publish["Principal"]["Service"], json!(SERVICES));
    assert_eq!(publish["Action"], json!(["kms:Decrypt", "kms:GenerateDataKey*"]));
    assert_eq!(publish["Condition"]["StringEquals"]["aws:SourceAccount"], ACCOUNT);

    let rotation = kms.get_key_rotation_status().key_id(&out.key_id).send().await.expect("rotation status");
    assert!(rotation.key_rotation_enabled(), "rotation is on by default");
    let tags = kms.list_resource_tags().key_id(&out.key_id).send().await.expect("tags");
    let has = |k: &str, v: &str| tags.tags().iter().any(|t| t.tag_key() == k && t.tag_value() == v);
    assert!(has("plinth:stack", "e2e") && has("plinth:name", "alarm-key"), "tags at CreateKey: {:?}", tags.tags());

    let seen = program.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, program, "read gives the program back");
}

#[tokio::test]
async fn a_policy_change_is_put_in_place_on_the_same_key() {
    let emu = Emulator::start();
    let (cx, kms) = (emu.context().await, emu.independent().await.kms());
    let old = key("alarm-key");
    let out = old.create(&meta("alarm-key"), &cx).await.expect("create");
    let new = Key { policy: publish_key_policy(ACCOUNT, &["cloudwatch.amazonaws.com"]).into(), ..old.clone() };

    let updated = new.update(&old, &out, &cx).await.expect("update");
    assert_eq!(updated, out, "the same key");
    let publish = service_statement(&live_policy(&kms, &out.key_id).await).clone();
    assert_eq!(publish["Principal"]["Service"], json!(["cloudwatch.amazonaws.com"]));
    let seen = new.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(seen.policy, new.policy);
    let old_seen = old.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_ne!(old_seen.policy, old.policy, "the old policy now reads as a difference");
}

#[tokio::test]
async fn delete_schedules_the_deletion_for_the_window_and_is_idempotent() {
    let emu = Emulator::start();
    let (cx, kms) = (emu.context().await, emu.independent().await.kms());
    let program = Key { deletion_window_days: 7, ..key("alarm-key") };
    let out = program.create(&meta("alarm-key"), &cx).await.expect("create");

    program.delete(&out, &cx).await.expect("delete");
    let described = kms.describe_key().key_id(&out.key_id).send().await.expect("the key still exists");
    let live = described.key_metadata().expect("metadata");
    assert_eq!(live.key_state(), Some(&KeyState::PendingDeletion));
    let deletion = live.deletion_date().expect("a deletion date").secs();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    let days = (deletion - now) as f64 / 86_400.0;
    assert!((6.9..=7.1).contains(&days), "deleted in {days} days, not 7");

    let again = kms.schedule_key_deletion().key_id(&out.key_id).pending_window_in_days(7).send().await;
    let err = again.expect_err("KMS refuses to schedule a key pending deletion again");
    assert!(err.as_service_error().is_some_and(|e| e.is_kms_invalid_state_exception()), "{err:?}");
    program.delete(&out, &cx).await.expect("deleting a key pending deletion is Ok");
    assert!(program.read(&out, &cx).await.expect("read").is_none(), "a key pending deletion reads as gone");
    assert_eq!(program.find(&meta("alarm-key"), &cx).await.expect("find"), None);
}

#[tokio::test]
async fn a_disabled_key_reads_as_drift_and_the_update_enables_it() {
    let emu = Emulator::start();
    let (cx, kms) = (emu.context().await, emu.independent().await.kms());
    let program = key("alarm-key");
    let out = program.create(&meta("alarm-key"), &cx).await.expect("create");
    kms.disable_key().key_id(&out.key_id).send().await.expect("disable out of band");

    let seen = program.read(&out, &cx).await.expect("read").expect("a disabled key is still there").inputs;
    assert_eq!((seen.enabled, seen.enable_key_rotation), (false, true), "{seen:?}");
    program.update(&seen, &out, &cx).await.expect("update");
    let live = kms.describe_key().key_id(&out.key_id).send().await.expect("describe key");
    assert_eq!(live.key_metadata().and_then(|k| k.key_state()), Some(&KeyState::Enabled));

    let off = Key { enabled: false, enable_key_rotation: false, ..program.clone() };
    off.update(&program, &out, &cx).await.expect("rotation off, then disabled");
    assert_eq!(off.read(&out, &cx).await.expect("read").expect("exists").inputs, off);
}

#[tokio::test]
async fn find_adopts_our_key_among_pages_of_others_and_refuses_to_guess_between_two() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    for _ in 0..120 {
        sdk_key(&emu, &[]).await;
    }
    let program = key("alarm-key");
    let out = program.create(&meta("alarm-key"), &cx).await.expect("create");
    assert_eq!(program.find(&meta("alarm-key"), &cx).await.expect("find"), Some(out.clone()));
    assert_eq!(program.find(&meta("other-key"), &cx).await.expect("find"), None, "another name is not ours");

    let twin = program.create(&meta("alarm-key"), &cx).await.expect("a second key with the same tags");
    let err = program.find(&meta("alarm-key"), &cx).await.expect_err("two candidates");
    assert_eq!(err.class, ErrorClass::Conflict);
    assert!(err.message.contains(&out.key_id) && err.message.contains(&twin.key_id), "{}", err.message);
    let replacing = engine::Meta { replacing: Some(out.key_id.clone()), ..meta("alarm-key") };
    assert_eq!(program.find(&replacing, &cx).await.expect("find"), Some(twin), "the key being replaced is skipped");
}

/// The key the alias `name` points at, as ListAliases reports it (`None`: no such alias).
async fn alias_target(kms: &aws_sdk_kms::Client, name: &str) -> Option<String> {
    let out = kms.list_aliases().send().await.expect("list aliases");
    let alias = out.aliases().iter().find(|a| a.alias_name() == Some(name))?;
    Some(alias.target_key_id().expect("target").to_string())
}

#[tokio::test]
async fn an_alias_is_created_retargeted_in_place_and_deleted() {
    let emu = Emulator::start();
    let (cx, kms) = (emu.context().await, emu.independent().await.kms());
    let first = key("alarm-key").create(&meta("alarm-key"), &cx).await.expect("first key");
    let second = key("alarm-key-2").create(&meta("alarm-key-2"), &cx).await.expect("second key");
    let alias = Alias { name: "alias/plinth/alarms".into(), target_key_id: first.arn.as_str().into() };

    let out = alias.create(&meta("alarm-alias"), &cx).await.expect("create alias");
    assert_eq!(alias_target(&kms, "alias/plinth/alarms").await, Some(first.key_id.clone()));
    assert_eq!(out.arn, format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/plinth/alarms"));
    assert_eq!(alias.read(&out, &cx).await.expect("read").expect("exists").inputs, alias, "the ARN spelling stays");
    assert_eq!(alias.find(&meta("alarm-alias"), &cx).await.expect("find"), Some(out.clone()));

    let moved = Alias { target_key_id: second.key_id.as_str().into(), ..alias.clone() };
    let out = moved.update(&alias, &out, &cx).await.expect("retarget");
    assert_eq!((out.target_key_id.as_str(), out.name.as_str()), (second.key_id.as_str(), "alias/plinth/alarms"));
    assert_eq!(alias_target(&kms, "alias/plinth/alarms").await, Some(second.key_id.clone()));

    moved.delete(&out, &cx).await.expect("delete");
    assert_eq!(alias_target(&kms, "alias/plinth/alarms").await, None);
    moved.delete(&out, &cx).await.expect("delete again");
    assert!(moved.read(&out, &cx).await.expect("read").is_none());
}

#[tokio::test]
async fn an_alias_of_a_key_that_is_not_ours_is_refused_and_never_deleted() {
    let emu = Emulator::start();
    let (cx, kms) = (emu.context().await, emu.independent().await.kms());
    let (foreign, _) = sdk_key(&emu, &[("Team", "someone-else")]).await;
    kms.create_alias().alias_name("alias/plinth/alarms").target_key_id(&foreign).send().await.expect("their alias");
    let ours = key("alarm-key").create(&meta("alarm-key"), &cx).await.expect("our key");
    let alias = Alias { name: "alias/plinth/alarms".into(), target_key_id: ours.key_id.as_str().into() };

    let err = alias.find(&meta("alarm-alias"), &cx).await.expect_err("not ours");
    assert_eq!(err.class, ErrorClass::NotOwned);
    assert!(err.message.contains("alias/plinth/alarms") && err.message.contains(&foreign), "{}", err.message);
    let err = alias.create(&meta("alarm-alias"), &cx).await.expect_err("the name is taken");
    assert_eq!(err.class, ErrorClass::AlreadyExists, "{}", err.message);
    assert_eq!(alias_target(&kms, "alias/plinth/alarms").await, Some(foreign.clone()), "their alias is untouched");

    // Our own alias, moved out of band to their key: neither taken back nor deleted.
    let mine = Alias { name: "alias/plinth/mine".into(), ..alias.clone() };
    let out = mine.create(&meta("my-alias"), &cx).await.expect("create");
    kms.update_alias().alias_name("alias/plinth/mine").target_key_id(&foreign).send().await.expect("moved");
    let err = mine.delete(&out, &cx).await.expect_err("moved out of band");
    assert_eq!(err.class, ErrorClass::NotOwned);
    assert!(err.message.contains(&foreign) && err.message.contains(&ours.key_id), "{}", err.message);
    let err = mine.update(&mine, &out, &cx).await.expect_err("not taken back");
    assert_eq!(err.class, ErrorClass::NotOwned);
    assert_eq!(alias_target(&kms, "alias/plinth/mine").await, Some(foreign));
}
