//! What is special about `aws:iam:Role` and `aws:iam:Policy`: IAM's URL-encoded documents, every
//! role setting as an independent client sees it, a customer policy attached by ARN and detached
//! on delete, policy version pruning, and a policy attached outside the stack. The generic
//! contract (create → read → find → update → delete, tags, ownership) is the conformance suite's
//! (`tests/tests/conformance.rs`).

use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Input, Resource};
use resources::iam::{Policy, Role};
use resources::policy::{decode_document, same_policy};
use resources::AwsContext;

const ECS_TRUST: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
const LAMBDA_TRUST: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

fn s3_doc(actions: &str, bucket: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Bucket","Effect":"Allow","Action":{actions},"Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
    )
}

async fn create_policy(cx: &AwsContext, name: &str, actions: &str) -> (Policy, resources::iam::PolicyOutputs) {
    let p = Policy {
        name: name.into(),
        path: "/plinth/".into(),
        description: Some("e2e bucket access".into()),
        document: s3_doc(actions, "assets").into(),
        tags: engine_tags(name, &[]),
    };
    assert_eq!(p.validate(), Vec::<String>::new());
    let out = p.create(&meta(name), cx).await.expect("create policy");
    (p, out)
}

#[tokio::test]
async fn role_with_a_customer_policy_reaches_iam_and_delete_detaches_it() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let iam = emu.iam().await;
    let (_, bucket_policy) = create_policy(&cx, "bucket-read", r#""s3:GetObject""#).await;

    let role = Role {
        name: "plinth-e2e-api".into(),
        path: "/".into(),
        description: Some("API task role".into()),
        assume_role_policy: ECS_TRUST.into(),
        inline_policies: [
            ("logs".to_string(), Input::Value(s3_doc(r#""s3:PutObject""#, "logs"))),
            ("scratch".to_string(), Input::Value(s3_doc(r#"["s3:GetObject"]"#, "scratch"))),
        ]
        .into(),
        managed_policy_arns: vec![Input::Value(bucket_policy.arn.clone()), READ_ONLY.into()],
        max_session_duration: None,
        tags: engine_tags("api-role", &[]),
    };
    assert_eq!(role.validate(), Vec::<String>::new());
    let out = role.create(&meta("api-role"), &cx).await.expect("create role");
    assert_eq!(out.name, "plinth-e2e-api");
    assert!(out.arn.ends_with(":role/plinth-e2e-api"), "{}", out.arn);

    // IAM's wire format really is URL-encoded, and still means our document.
    let live = iam.get_role().role_name("plinth-e2e-api").send().await.expect("get role");
    let trust = live.role().and_then(|r| r.assume_role_policy_document()).expect("trust document");
    assert!(trust.starts_with("%7B"), "IAM answers URL-encoded: {trust}");
    assert!(same_policy(ECS_TRUST, trust), "{trust}");

    let updated = Role {
        description: Some("API task role, lambda edition".into()),
        assume_role_policy: LAMBDA_TRUST.into(),
        inline_policies: [
            ("logs".to_string(), Input::Value(s3_doc(r#"["s3:PutObject","s3:GetObject"]"#, "logs"))),
            ("cache".to_string(), Input::Value(s3_doc(r#""s3:GetObject""#, "cache"))),
        ]
        .into(),
        managed_policy_arns: vec![Input::Value(bucket_policy.arn.clone())],
        max_session_duration: Some(7200),
        ..role.clone()
    };
    assert_eq!(updated.update(&role, &out, &cx).await.expect("update role"), out);
    let seen = updated.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(seen, updated, "a customer-managed policy referenced by ARN reads back unchanged");
    check_role_independently(&iam, &bucket_policy.arn).await;

    updated.delete(&out, &cx).await.expect("delete role");
    let p = iam.get_policy().policy_arn(&bucket_policy.arn).send().await.expect("policy still exists");
    assert_eq!(p.policy().and_then(|p| p.attachment_count()), Some(0), "delete detached the managed policy");
}

async fn check_role_independently(iam: &aws_sdk_iam::Client, policy_arn: &str) {
    let name = "plinth-e2e-api";
    let role = iam.get_role().role_name(name).send().await.expect("get role");
    let role = role.role().expect("role");
    assert_eq!(role.description(), Some("API task role, lambda edition"));
    assert_eq!(role.max_session_duration(), Some(7200));
    let trust = decode_document(role.assume_role_policy_document().unwrap_or_default()).expect("trust parses");
    assert!(trust.to_string().contains("lambda.amazonaws.com"), "{trust}");

    let inline = iam.list_role_policies().role_name(name).send().await.expect("list inline");
    let mut names = inline.policy_names().to_vec();
    names.sort();
    assert_eq!(names, vec!["cache", "logs"]);
    let logs = iam.get_role_policy().role_name(name).policy_name("logs").send().await.expect("get inline");
    assert!(same_policy(logs.policy_document(), &s3_doc(r#"["s3:GetObject","s3:PutObject"]"#, "logs")));

    let attached = iam.list_attached_role_policies().role_name(name).send().await.expect("list attached");
    let arns: Vec<_> = attached.attached_policies().iter().filter_map(|p| p.policy_arn()).collect();
    assert_eq!(arns, vec![policy_arn]);
}

#[tokio::test]
async fn policy_versions_are_pruned_and_an_attached_policy_is_not_deleted() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let iam = emu.iam().await;
    let (p, out) = create_policy(&cx, "bucket-access", r#""s3:GetObject""#).await;
    assert!(out.arn.ends_with(":policy/plinth/bucket-access"), "{}", out.arn);
    assert_eq!(out.default_version_id, "v1");

    // Six document changes: IAM allows five versions, so older ones must be pruned on the way.
    let actions = [
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        "s3:GetObjectTagging",
        "s3:PutObjectTagging",
        "s3:AbortMultipartUpload",
    ];
    let (mut current, mut current_out) = (p.clone(), out.clone());
    for (i, action) in actions.iter().enumerate() {
        let next =
            Policy { document: s3_doc(&format!(r#"["s3:GetObject","{action}"]"#), "assets").into(), ..current.clone() };
        current_out = next.update(&current, &current_out, &cx).await.expect("update policy");
        current = next;
        let versions = iam.list_policy_versions().policy_arn(&out.arn).send().await.expect("list versions");
        assert!(versions.versions().len() <= 5, "after update {i}: {} versions", versions.versions().len());
    }
    assert_eq!(current_out.default_version_id, "v7");
    let seen = current.read(&current_out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(seen, current, "the default version (v7) reads back as the program's document");

    let live = iam.get_policy_version().policy_arn(&out.arn).version_id("v7").send().await.expect("get version");
    let doc = live.policy_version().and_then(|v| v.document()).expect("document");
    assert!(same_policy(doc, current.document.as_str()), "{doc}");

    // Attached outside the stack: delete refuses, naming the role.
    let trust = ECS_TRUST;
    iam.create_role().role_name("outsider").assume_role_policy_document(trust).send().await.expect("create role");
    iam.attach_role_policy().role_name("outsider").policy_arn(&out.arn).send().await.expect("attach");
    let err = current.delete(&current_out, &cx).await.expect_err("attached policy");
    assert_eq!(err.class, ErrorClass::Conflict);
    assert!(err.message.contains("role outsider"), "{err}");
    iam.detach_role_policy().role_name("outsider").policy_arn(&out.arn).send().await.expect("detach");

    current.delete(&current_out, &cx).await.expect("delete policy");
    assert!(iam.get_policy().policy_arn(&out.arn).send().await.is_err(), "the policy is gone");
}

fn batch_role(name: &str, inline: &[(&str, &str)], managed: &[&str]) -> Role {
    Role {
        name: format!("plinth-e2e-{name}"),
        path: "/".into(),
        description: Some(format!("{name} task role")),
        assume_role_policy: ECS_TRUST.into(),
        inline_policies: inline
            .iter()
            .map(|(n, bucket)| (n.to_string(), Input::Value(s3_doc(r#""s3:GetObject""#, bucket))))
            .collect(),
        managed_policy_arns: managed.iter().map(|a| Input::Value(a.to_string())).collect(),
        max_session_duration: Some(7200),
        tags: engine_tags(name, &[("team", "platform")]),
    }
}

/// Refresh reads the stack's roles in one batch (`Role::read_batch`: one
/// GetAccountAuthorizationDetails for every role's policies and tags, plus each role's GetRole):
/// each member reads as `read` reads it — no drift right after create, a change made out of band
/// reported, a role deleted out of band gone — in a fraction of the calls.
#[tokio::test]
async fn a_batch_of_roles_reads_as_each_read_does_in_fewer_calls() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let iam = emu.iam().await;
    let roles = [
        batch_role("api", &[("logs", "logs"), ("assets", "assets")], &[READ_ONLY]),
        batch_role("worker", &[("queue", "queue")], &[]),
        batch_role("cron", &[], &[READ_ONLY]),
    ];
    let mut batch = Vec::new();
    for role in &roles {
        let out = role.create(&meta(&role.name), &cx).await.expect("create role");
        batch.push((role.clone(), out));
    }

    let counted = emu.context().await;
    let read = Role::read_batch(batch.clone(), &counted).await;
    assert_eq!(counted.calls.count(), 1 + roles.len(), "one details call and a GetRole per role");
    for ((role, out), got) in batch.iter().zip(read) {
        let got = got.expect("read").expect("exists");
        assert_eq!(got.inputs, *role, "no drift right after create: {}", role.name);
        assert_eq!(&got.outputs, out);
    }
    let alone = emu.context().await;
    batch[0].0.read(&batch[0].1, &alone).await.expect("read").expect("exists");
    assert!(alone.calls.count() > 1 + 1, "a role read on its own costs more calls ({})", alone.calls.count());

    // Out of band: api's inline policy widened and a tag added, worker's description changed,
    // cron deleted.
    let wider = s3_doc(r#"["s3:GetObject","s3:PutObject"]"#, "logs");
    iam.put_role_policy()
        .role_name("plinth-e2e-api")
        .policy_name("logs")
        .policy_document(&wider)
        .send()
        .await
        .expect("put");
    let tag = aws_sdk_iam::types::Tag::builder().key("owner").value("someone").build().expect("tag");
    iam.tag_role().role_name("plinth-e2e-api").tags(tag).send().await.expect("tag");
    iam.update_role().role_name("plinth-e2e-worker").description("changed").send().await.expect("update");
    iam.detach_role_policy().role_name("plinth-e2e-cron").policy_arn(READ_ONLY).send().await.expect("detach");
    iam.delete_role().role_name("plinth-e2e-cron").send().await.expect("delete");

    let read = Role::read_batch(batch.clone(), &cx).await;
    let got: Vec<Option<Role>> = read.into_iter().map(|r| r.expect("read").map(|o| o.inputs)).collect();
    let api = got[0].clone().expect("api exists");
    assert!(same_policy(api.inline_policies["logs"].as_str(), &wider), "{:?}", api.inline_policies["logs"]);
    assert_eq!(api.tags.get("owner").map(String::as_str), Some("someone"));
    assert_eq!(api.inline_policies["assets"], roles[0].inline_policies["assets"], "the other policy unchanged");
    assert_eq!(got[1].as_ref().and_then(|w| w.description.as_deref()), Some("changed"));
    assert_eq!(got[2], None, "a role deleted out of band is gone");
    for (i, (role, out)) in batch.iter().enumerate() {
        let alone = role.read(out, &cx).await.expect("read").map(|o| o.inputs);
        assert_eq!(alone, got[i], "the batch reads {} as read does", role.name);
    }
}
