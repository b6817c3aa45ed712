//! What is special about `aws:ssm:Parameter` and `aws:ssm:SecureParameter`, each change checked
//! with an independent client built from `emu.sdk_config()`: values and versions, drift, and a
//! SecureString's value reaching Parameter Store and never appearing in the inputs or outputs JSON
//! Plinth would store. The generic contract (create → read → find → update → delete, tags,
//! ownership) is the conformance suite's (`tests/tests/conformance.rs`).
//!
//! Emulator gap met (moto 5.2.x): GetParameter with `WithDecryption=false` on a SecureString
//! answers `kms:<key>:<plaintext>`, where AWS answers ciphertext. Plinth only takes the ARN and
//! version from that call and drops the value; the test below pins what moto answers.
//! No waiters: PutParameter and DeleteParameter take effect before they return.

use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Input, Resource, Tags};
use resources::sensitive::{SecretSource, PLACEHOLDER_VALUE};
use resources::ssm::{Parameter, ParameterOutputs, ParameterType, SecureParameter};
use resources::AwsContext;

async fn live_value(cx: &AwsContext, name: &str) -> String {
    let out = cx.ssm().get_parameter().name(name).with_decryption(true).send().await.expect("GetParameter");
    out.parameter().and_then(|p| p.value()).expect("a value").to_string()
}

async fn live_tags(cx: &AwsContext, name: &str) -> Tags {
    let out = cx
        .ssm()
        .list_tags_for_resource()
        .resource_type("Parameter".into())
        .resource_id(name)
        .send()
        .await
        .expect("list tags");
    out.tag_list().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

async fn live_description(cx: &AwsContext, name: &str) -> Option<String> {
    let out = cx.ssm().describe_parameters().send().await.expect("describe parameters");
    let found = out.parameters().iter().find(|p| p.name() == Some(name)).expect("listed");
    found.description().map(str::to_string)
}

/// Neither the inputs nor the outputs, as the engine would store them, contain `value`.
fn assert_not_stored(p: &SecureParameter, outputs: &ParameterOutputs, value: &str) {
    let inputs = serde_json::to_string(p).expect("inputs json");
    let outputs = serde_json::to_string(outputs).expect("outputs json");
    assert!(!inputs.contains(value), "the value leaked into the inputs: {inputs}");
    assert!(!outputs.contains(value), "the value leaked into the outputs: {outputs}");
}

#[tokio::test]
async fn parameter_value_and_description_reach_ssm_and_drift_shows() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let param = Parameter {
        name: "/plinth/e2e/api-url".into(),
        description: "where the web front end finds the API".into(),
        value: "https://api.dev.example.com".into(),
        tags: engine_tags("api-url", &[]),
        ..Default::default()
    };
    let out = param.create(&meta("api-url"), &cx).await.expect("create");
    assert_eq!(out.name, "/plinth/e2e/api-url");
    assert_eq!(out.arn, "arn:aws:ssm:us-east-1:123456789012:parameter/plinth/e2e/api-url");
    assert_eq!(out.version, 1);
    let again = param.create(&meta("api-url"), &cx).await.expect_err("exists");
    assert_eq!(again.class, ErrorClass::AlreadyExists, "{}", again.message);

    let updated = Parameter {
        description: "API base URL".into(),
        value: "https://api.v2.dev.example.com".into(),
        ..param.clone()
    };
    let out2 = updated.update(&param, &out, &cx).await.expect("update");
    assert_eq!(out2.version, 2);
    assert_eq!(live_value(&check, &out.name).await, "https://api.v2.dev.example.com");
    assert_eq!(live_description(&check, &out.name).await.as_deref(), Some("API base URL"));

    // Drift: a value changed out of band shows in read.
    check.ssm().put_parameter().name(&out.name).value("changed-by-hand").overwrite(true).send().await.expect("put");
    let seen = updated.read(&out2, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs.value, Input::Value("changed-by-hand".to_string()));
    assert_eq!(seen.outputs.version, 3);

    updated.delete(&out2, &cx).await.expect("delete");
    let err = check.ssm().get_parameter().name(&out.name).send().await.expect_err("deleted");
    assert!(err.into_service_error().is_parameter_not_found());
}

#[tokio::test]
async fn string_list_parameter_round_trips() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let param = Parameter {
        name: "allowed-origins".into(),
        parameter_type: ParameterType::StringList,
        value: "https://a.example.com,https://b.example.com".into(),
        tags: engine_tags("origins", &[]),
        ..Default::default()
    };
    let out = param.create(&meta("origins"), &cx).await.expect("create");
    assert_eq!(param.read(&out, &cx).await.expect("read").expect("exists").inputs, param);
    param.delete(&out, &cx).await.expect("delete");
}

#[tokio::test]
async fn secure_parameter_value_is_made_once_and_never_stored() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let param = SecureParameter {
        name: "/plinth/e2e/session-key".into(),
        description: "signs session cookies".into(),
        value: SecretSource::generated(48),
        tags: engine_tags("session-key", &[]),
        ..Default::default()
    };
    let out = param.create(&meta("session-key"), &cx).await.expect("create");
    assert_eq!(out.version, 1);
    let value = live_value(&check, &out.name).await;
    assert_eq!(value.len(), 48);
    assert_not_stored(&param, &out, &value);
    let seen = param.read(&out, &cx).await.expect("read").expect("exists");
    assert_not_stored(&seen.inputs, &seen.outputs, &value);

    // A description change rewrites the same value (SSM has no other way), never a new one.
    let updated = SecureParameter {
        description: "signs session cookies (v2)".into(),
        value: SecretSource::generated(64),
        ..param.clone()
    };
    let out2 = updated.update(&param, &out, &cx).await.expect("update");
    assert_eq!(out2.version, 2);
    assert_eq!(live_value(&check, &out.name).await, value, "the generated value survives updates");
    assert_eq!(live_description(&check, &out.name).await.as_deref(), Some("signs session cookies (v2)"));
    assert_eq!(updated.read(&out2, &cx).await.expect("read").expect("exists").inputs, updated);
    // Tags alone need no value write.
    let tagged = SecureParameter { tags: engine_tags("session-key", &[("Team", "web")]), ..updated.clone() };
    let out3 = tagged.update(&updated, &out2, &cx).await.expect("tags only");
    assert_eq!(out3.version, 2, "no PutParameter for a tag change");
    assert_eq!(live_tags(&check, &out.name).await, tagged.tags);

    tagged.delete(&out3, &cx).await.expect("delete");
    let err = check.ssm().get_parameter().name(&out.name).send().await.expect_err("deleted");
    assert!(err.into_service_error().is_parameter_not_found());
}

#[tokio::test]
async fn secure_placeholder_and_env_values() {
    const VAR: &str = "PLINTH_E2E_SSM_FROM_ENV";
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let param =
        SecureParameter { name: "/plinth/e2e/llm-key".into(), tags: engine_tags("llm", &[]), ..Default::default() };
    let out = param.create(&meta("llm"), &cx).await.expect("create");
    assert_eq!(live_value(&check, &out.name).await, PLACEHOLDER_VALUE);

    // The operator sets the real value; a Plinth description change keeps it.
    let real = "sk-ops-real-key-0123456789";
    let put = check.ssm().put_parameter().name(&out.name).value(real).r#type("SecureString".into()).overwrite(true);
    put.send().await.expect("put out of band");
    let described = SecureParameter { description: "set by ops".into(), ..param.clone() };
    let out2 = described.update(&param, &out, &cx).await.expect("update");
    assert_eq!(live_value(&check, &out.name).await, real, "Plinth overwrote the operator's value");
    assert_not_stored(&described, &out2, real);

    // Moving to an environment value writes it, and again only when its fingerprint changes.
    std::env::set_var(VAR, "env-value-one");
    let from_env = SecureParameter { value: SecretSource::from_env(VAR), ..described.clone() };
    let out3 = from_env.update(&described, &out2, &cx).await.expect("switch to env");
    assert_eq!(live_value(&check, &out.name).await, "env-value-one");
    assert_not_stored(&from_env, &out3, "env-value-one");
    std::env::set_var(VAR, "env-value-two");
    let from_env2 = SecureParameter { value: SecretSource::from_env(VAR), ..described.clone() };
    let out4 = from_env2.update(&from_env, &out3, &cx).await.expect("new fingerprint");
    assert_eq!(live_value(&check, &out.name).await, "env-value-two");
    assert_eq!(out4.version, out3.version + 1);

    // What moto answers for GetParameter without decryption (see the module docs): the plaintext
    // behind a `kms:` prefix, where AWS answers ciphertext. Plinth drops that value.
    let raw = check.ssm().get_parameter().name(&out.name).with_decryption(false).send().await.expect("get");
    assert_eq!(raw.parameter().and_then(|p| p.value()), Some("kms:alias/aws/ssm:env-value-two"));
    let seen = from_env2.read(&out4, &cx).await.expect("read").expect("exists");
    assert_not_stored(&seen.inputs, &seen.outputs, "env-value-two");

    from_env2.delete(&out4, &cx).await.expect("delete");
    assert!(from_env2.read(&out4, &cx).await.expect("read").is_none());
}
