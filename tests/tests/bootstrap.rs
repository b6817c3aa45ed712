//! The bootstrap stack and its new kind against the emulator: the OpenID Connect provider's
//! lifecycle as an independent client sees it, and the `bootstrap` binary as a user runs it
//! (`PLINTH_BOOTSTRAP_TARGET=emulator`): `up`, then raw SDK checks of the state bucket, the
//! provider and the roles, a second preview with no changes, and `destroy` leaving nothing tagged.

use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::iam::OpenIdConnectProvider;
use resources::policy::decode_document;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const ISSUER: &str = "https://token.actions.githubusercontent.com";
const THUMBPRINTS: [&str; 2] = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"];
const BUCKET: &str = "plinth-state-123456789012";
const PROVIDER_ARN: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

async fn live_provider(
    iam: &aws_sdk_iam::Client,
) -> Option<aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIdConnectProviderOutput> {
    iam.get_open_id_connect_provider().open_id_connect_provider_arn(PROVIDER_ARN).send().await.ok()
}

#[tokio::test]
async fn oidc_provider_lifecycle_as_iam_sees_it_and_a_look_alike_is_refused() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let iam = emu.iam().await;
    let provider = OpenIdConnectProvider {
        url: ISSUER.into(),
        client_ids: vec!["sts.amazonaws.com".into()],
        thumbprints: vec![THUMBPRINTS[0].into()],
        tags: engine_tags("github-oidc", &[]),
    };
    let out = provider.create(&meta("github-oidc"), &cx).await.expect("create");
    assert_eq!(out.arn, PROVIDER_ARN);
    let seen = provider.read(&out, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, provider, "read gives the program's inputs back");

    let updated = OpenIdConnectProvider {
        client_ids: vec!["plinth-ci".into(), "sts.amazonaws.com".into()],
        thumbprints: THUMBPRINTS.iter().map(|t| t.to_string()).collect(),
        ..provider.clone()
    };
    assert_eq!(updated.update(&provider, &out, &cx).await.expect("update"), out);
    let live = live_provider(&iam).await.expect("the provider exists");
    let mut audiences = live.client_id_list().to_vec();
    audiences.sort();
    assert_eq!(audiences, ["plinth-ci", "sts.amazonaws.com"]);
    assert_eq!(live.thumbprint_list().len(), 2);
    assert_eq!(updated.read(&out, &cx).await.expect("read").expect("exists").inputs, updated);

    updated.delete(&out, &cx).await.expect("delete");
    assert!(live_provider(&iam).await.is_none(), "gone for an independent client");
    assert!(updated.read(&out, &cx).await.expect("read after delete").is_none());
    updated.delete(&out, &cx).await.expect("a second delete is Ok");

    // The same URL made out of band, without our tags: find refuses it, naming it.
    let call = iam.create_open_id_connect_provider().url(ISSUER).thumbprint_list(THUMBPRINTS[0]);
    call.client_id_list("sts.amazonaws.com").send().await.expect("an out-of-band provider");
    let err = provider.find(&meta("github-oidc"), &cx).await.expect_err("not ours");
    assert_eq!(err.class, ErrorClass::NotOwned, "{}", err.message);
    assert!(err.message.contains(PROVIDER_ARN), "{}", err.message);
}

fn bootstrap(state: &Path, endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-bootstrap"));
    cmd.args(args)
        .arg("--state")
        .arg(state)
        .env("PLINTH_BOOTSTRAP_TARGET", "emulator")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("PLINTH_MAX_ATTEMPTS", "2");
    let Output { status, stdout, stderr } = cmd.output().expect("run the bootstrap binary");
    (status.code().unwrap_or(-1), String::from_utf8_lossy(&stdout).into(), String::from_utf8_lossy(&stderr).into())
}

async fn check_bucket(s3: &aws_sdk_s3::Client) {
    let versioning = s3.get_bucket_versioning().bucket(BUCKET).send().await.expect("versioning");
    assert_eq!(versioning.status().map(|s| s.as_str()), Some("Enabled"));
    let encryption = s3.get_bucket_encryption().bucket(BUCKET).send().await.expect("encryption");
    let rules = encryption.server_side_encryption_configuration().map(|c| c.rules().to_vec()).unwrap_or_default();
    let algorithm = rules
        .first()
        .and_then(|r| r.apply_server_side_encryption_by_default())
        .map(|d| d.sse_algorithm().as_str().to_string());
    assert_eq!(algorithm.as_deref(), Some("AES256"));
    let block = s3.get_public_access_block().bucket(BUCKET).send().await.expect("public access block");
    let block = block.public_access_block_configuration().expect("a configuration");
    let flags = [
        block.block_public_acls(),
        block.ignore_public_acls(),
        block.block_public_policy(),
        block.restrict_public_buckets(),
    ];
    assert_eq!(flags, [Some(true); 4], "all four flags on");
    let policy = s3.get_bucket_policy().bucket(BUCKET).send().await.expect("policy");
    let policy: Value = serde_json::from_str(policy.policy().unwrap_or_default()).expect("policy JSON");
    let tls = policy["Statement"].as_array().and_then(|s| s.iter().find(|st| st["Effect"] == "Deny")).expect("a deny");
    assert_eq!(tls["Condition"]["Bool"]["aws:SecureTransport"], "false", "{policy}");
    let lifecycle = s3.get_bucket_lifecycle_configuration().bucket(BUCKET).send().await.expect("lifecycle");
    let days =
        lifecycle.rules().first().and_then(|r| r.noncurrent_version_expiration()).and_then(|e| e.noncurrent_days());
    assert_eq!(days, Some(30), "old state versions are kept 30 days");
}

async fn trust_of(iam: &aws_sdk_iam::Client, role: &str) -> Value {
    let out = iam.get_role().role_name(role).send().await.unwrap_or_else(|e| panic!("role {role}: {e}"));
    decode_document(out.role().and_then(|r| r.assume_role_policy_document()).unwrap_or_default()).expect("trust JSON")
}

async fn check_roles(iam: &aws_sdk_iam::Client) {
    for env in ["dev", "staging", "prod"] {
        let trust = trust_of(iam, &format!("plinth-deploy-{env}")).await;
        let condition = &trust["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(
            condition["token.actions.githubusercontent.com:sub"],
            format!("repo:plinth-platform/plinth:environment:{env}")
        );
        assert_eq!(condition["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
        assert_eq!(trust["Statement"][0]["Principal"]["Federated"], PROVIDER_ARN);
    }
    let trust = trust_of(iam, "plinth-preview").await;
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"],
        serde_json::json!(["repo:plinth-platform/plinth:pull_request", "repo:plinth-platform/plinth:ref:refs/heads/main"])
    );
    let names = iam.list_role_policies().role_name("plinth-preview").send().await.expect("preview's policies");
    assert_eq!(names.policy_names(), ["describe", "state-read"]);
    for name in names.policy_names() {
        let doc = iam.get_role_policy().role_name("plinth-preview").policy_name(name).send().await.expect("policy");
        let doc = decode_document(doc.policy_document()).expect("policy JSON");
        for st in doc["Statement"].as_array().expect("statements").iter().filter(|s| s["Effect"] == "Allow") {
            let actions = st["Action"].to_string();
            assert!(!actions.contains("s3:PutObject") && !actions.contains("s3:*"), "preview {name} may write: {st}");
        }
    }
}

/// Objects of the emulator's account carrying `plinth:stack=bootstrap`: buckets, roles, providers.
async fn tagged_objects(emu: &Emulator) -> Vec<String> {
    let (s3, iam) = (emu.s3().await, emu.iam().await);
    let mut found = Vec::new();
    for bucket in s3.list_buckets().send().await.expect("list buckets").buckets() {
        let name = bucket.name().unwrap_or_default();
        if let Ok(t) = s3.get_bucket_tagging().bucket(name).send().await {
            if t.tag_set().iter().any(|t| t.key() == "plinth:stack" && t.value() == "bootstrap") {
                found.push(format!("bucket {name}"));
            }
        }
    }
    for role in iam.list_roles().send().await.expect("list roles").roles() {
        let tags = iam.list_role_tags().role_name(role.role_name()).send().await.expect("role tags");
        if tags.tags().iter().any(|t| t.key() == "plinth:stack" && t.value() == "bootstrap") {
            found.push(format!("role {}", role.role_name()));
        }
    }
    let providers = iam.list_open_id_connect_providers().send().await.expect("list providers");
    found.extend(
        providers.open_id_connect_provider_list().iter().filter_map(|p| p.arn()).map(|a| format!("provider {a}")),
    );
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_up_makes_the_state_bucket_oidc_and_roles_then_destroy_leaves_nothing() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("bootstrap.db");
    let (code, _, stderr) = bootstrap(&state, &emu.endpoint(), &["up", "--yes"]);
    assert_eq!(code, 0, "up: {stderr}");

    check_bucket(&emu.s3().await).await;
    let iam = emu.iam().await;
    let provider = live_provider(&iam).await.expect("the GitHub provider exists");
    assert_eq!(provider.client_id_list(), ["sts.amazonaws.com"]);
    check_roles(&iam).await;

    let (code, stdout, stderr) = bootstrap(&state, &emu.endpoint(), &["preview", "--detailed-exitcode"]);
    assert_eq!(code, 0, "a second preview has nothing to do:\n{stdout}\n{stderr}");

    let (code, _, stderr) = bootstrap(&state, &emu.endpoint(), &["destroy", "--yes"]);
    assert_eq!(code, 0, "destroy: {stderr}");
    assert_eq!(tagged_objects(&emu).await, Vec::<String>::new(), "destroy leaves nothing tagged behind");
}

#[test]
fn bad_data_stops_before_any_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("bootstrap.db");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth-bootstrap"));
    // Nothing listens on port 9: any call would fail with a connection error, not this one.
    cmd.args(["preview", "--state"]).arg(&state).env_remove("PLINTH_BOOTSTRAP_TARGET");
    cmd.env("PLINTH_BOOTSTRAP_ACCOUNT", "999999999999").env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    let Output { status, stderr, .. } = cmd.output().expect("run the bootstrap binary");
    let stderr = String::from_utf8_lossy(&stderr);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no environment runs in account `999999999999`"), "{stderr}");
    assert!(!state.exists(), "no state file was made");
}
