//! What is special about `aws:secretsmanager:Secret`: the value reaches Secrets Manager (read with
//! an independent client) and never appears in the inputs or outputs JSON Plinth would store; it
//! is never regenerated or overwritten; recovery windows. The generic contract (create → read →
//! find → update → delete, tags, ownership) is the conformance suite's (`tests/tests/conformance.rs`).
//!
//! Not covered: RotateSecret (out of scope; moto needs a real Lambda for it). No waiters: every
//! call used takes effect before it returns.

use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::secretsmanager::{Secret, SecretOutputs};
use resources::sensitive::{SecretSource, PLACEHOLDER_VALUE};
use resources::AwsContext;

async fn live_value(cx: &AwsContext, arn: &str) -> String {
    let out = cx.secrets().get_secret_value().secret_id(arn).send().await.expect("GetSecretValue");
    out.secret_string().expect("a string value").to_string()
}

/// Neither the inputs nor the outputs, as the engine would store them, contain `value`.
fn assert_not_stored(secret: &Secret, outputs: &SecretOutputs, value: &str) {
    let inputs = serde_json::to_string(secret).expect("inputs json");
    let outputs = serde_json::to_string(outputs).expect("outputs json");
    assert!(!inputs.contains(value), "the value leaked into the inputs: {inputs}");
    assert!(!outputs.contains(value), "the value leaked into the outputs: {outputs}");
}

#[tokio::test]
async fn generated_secret_value_is_made_once_and_never_stored() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let secret = Secret {
        name: "plinth/e2e/db-password".into(),
        description: "database master password".into(),
        value: SecretSource::generated(64),
        recovery_window_days: None,
        tags: engine_tags("db-password", &[]),
        ..Default::default()
    };
    assert!(secret.validate().is_empty(), "{:?}", secret.validate());
    let out = secret.create(&meta("db-password"), &cx).await.expect("create");
    assert_eq!(out.name, "plinth/e2e/db-password");
    assert!(
        out.arn.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:plinth/e2e/db-password-"),
        "{}",
        out.arn
    );
    assert!(out.version_id.is_some());

    // The generated value exists in Secrets Manager, and nowhere in what Plinth stores.
    let value = live_value(&check, &out.arn).await;
    assert_eq!(value.len(), 64);
    assert!(value.chars().all(|c| c.is_ascii_alphanumeric()), "{value}");
    assert_not_stored(&secret, &out, &value);

    // Read: the value is not read back.
    let seen = secret.read(&out, &cx).await.expect("read").expect("exists");
    assert_not_stored(&seen.inputs, &seen.outputs, &value);
    // A create retried after a crash meets the existing secret: AlreadyExists, which find resolves.
    let again = secret.create(&meta("db-password"), &cx).await.expect_err("exists");
    assert_eq!(again.class, ErrorClass::AlreadyExists, "{}", again.message);

    // Update in place: the description changes, the generated value is never regenerated.
    let updated =
        Secret { description: "rotated by hand only".into(), value: SecretSource::generated(48), ..secret.clone() };
    let out2 = updated.update(&secret, &out, &cx).await.expect("update");
    assert_eq!(out2, out, "no new version: the value was not touched");
    let seen = updated.read(&out2, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, updated, "a new length for a generated value is not drift");
    let live = check.secrets().describe_secret().secret_id(&out.arn).send().await.expect("describe");
    assert_eq!(live.description(), Some("rotated by hand only"));
    assert_eq!(live_value(&check, &out.arn).await, value, "the generated value survives updates");
    updated.clone().update(&updated, &out2, &cx).await.expect("no-op update");
    assert_eq!(live_value(&check, &out.arn).await, value, "a no-op update leaves the value too");

    // Force delete: gone at once, for the independent client too.
    secret.delete(&out, &cx).await.expect("delete");
    let err = check.secrets().describe_secret().secret_id(&out.arn).send().await.expect_err("deleted");
    assert!(err.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn placeholder_set_out_of_band_is_never_overwritten() {
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    let secret = Secret {
        name: "plinth/e2e/llm-openai-key".into(),
        value: SecretSource::placeholder(),
        tags: engine_tags("llm-key", &[]),
        ..Default::default()
    };
    let out = secret.create(&meta("llm-key"), &cx).await.expect("create");
    assert_eq!(live_value(&check, &out.arn).await, PLACEHOLDER_VALUE);

    // The operator sets the real key out of band.
    let real = "sk-operator-set-0123456789abcdef";
    check.secrets().put_secret_value().secret_id(&out.arn).secret_string(real).send().await.expect("put out of band");

    // A Plinth update (description, tags) leaves the operator's value alone.
    let updated = Secret {
        description: "OpenAI key, set by ops".into(),
        tags: engine_tags("llm-key", &[("Owner", "ops")]),
        ..secret.clone()
    };
    let out2 = updated.update(&secret, &out, &cx).await.expect("update");
    assert_eq!(live_value(&check, &out.arn).await, real, "Plinth overwrote the operator's value");
    let seen = updated.read(&out2, &cx).await.expect("read").expect("exists");
    assert_eq!(seen.inputs, updated, "the out-of-band value is not drift");
    assert_ne!(seen.outputs.version_id, out.version_id, "outputs follow the operator's new version");
    assert_not_stored(&seen.inputs, &seen.outputs, real);

    // Default recovery window: the delete schedules, the secret reads as gone, a second delete is Ok.
    assert_eq!(secret.recovery_window_days, Some(30));
    updated.delete(&out2, &cx).await.expect("schedule deletion");
    let live = check.secrets().describe_secret().secret_id(&out.arn).send().await.expect("describe scheduled");
    assert!(live.deleted_date().is_some(), "scheduled for deletion");
    assert!(updated.read(&out2, &cx).await.expect("read").is_none());
    assert!(updated.find(&meta("llm-key"), &cx).await.expect("find").is_none());
    updated.delete(&out2, &cx).await.expect("delete of a scheduled secret is Ok");
    // The name stays taken during the recovery window: create says so instead of a bare "exists".
    let err = secret.create(&meta("llm-key"), &cx).await.expect_err("name held by a scheduled secret");
    assert_eq!(err.class, ErrorClass::Conflict);
    assert!(err.message.contains("scheduled for deletion") && err.message.contains("RestoreSecret"), "{}", err.message);
}

#[tokio::test]
async fn env_value_is_written_when_its_fingerprint_changes() {
    const VAR: &str = "PLINTH_E2E_SECRET_FROM_ENV";
    let (first, second) = ("first-value-from-the-environment", "second-value-from-the-environment");
    let emu = Emulator::start();
    let (cx, check) = (emu.context().await, emu.independent().await);
    // Each nextest test runs in its own process: this variable is ours alone.
    std::env::set_var(VAR, first);
    let secret = Secret {
        name: "plinth/e2e/api-token".into(),
        value: SecretSource::from_env(VAR),
        recovery_window_days: None,
        tags: engine_tags("api-token", &[]),
        ..Default::default()
    };
    assert!(secret.validate().is_empty(), "{:?}", secret.validate());
    let out = secret.create(&meta("api-token"), &cx).await.expect("create");
    assert_eq!(live_value(&check, &out.arn).await, first);
    assert_not_stored(&secret, &out, first);

    // Same value, declared again: same inputs, nothing to do.
    assert_eq!(Secret { value: SecretSource::from_env(VAR), ..secret.clone() }, secret);

    // A new value changes the fingerprint (what the plan shows), and the update writes it.
    std::env::set_var(VAR, second);
    let changed = Secret { value: SecretSource::from_env(VAR), ..secret.clone() };
    assert_ne!(changed.value, secret.value);
    let out2 = changed.update(&secret, &out, &cx).await.expect("update");
    assert_eq!(live_value(&check, &out.arn).await, second);
    assert_ne!(out2.version_id, out.version_id);
    assert_not_stored(&changed, &out2, second);
    assert_not_stored(&changed, &out2, first);

    // The variable changing between plan and apply is refused, not silently written.
    std::env::set_var(VAR, "a third value nobody planned");
    let err = changed.update(&secret, &out2, &cx).await.expect_err("changed since declared");
    assert_eq!(err.class, ErrorClass::Invalid);
    assert!(err.message.contains(VAR) && !err.message.contains("a third value"), "{}", err.message);
    assert_eq!(live_value(&check, &out.arn).await, second);

    // A missing variable is a validation error naming it.
    std::env::remove_var(VAR);
    let missing = Secret { value: SecretSource::from_env(VAR), ..secret.clone() };
    assert_eq!(missing.validate(), vec![format!("value: environment variable `{VAR}` is not set (or is empty)")]);

    changed.delete(&out2, &cx).await.expect("delete");
    assert!(changed.read(&out2, &cx).await.expect("read").is_none());
}
