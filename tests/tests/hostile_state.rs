//! Hostile state, driving the local binary against the emulator (issue 7): journal rows that
//! name objects this stack does not own (untagged, another stack's tags, a protected resource,
//! another resource's object) and a pre-created look-alike. Nothing is deleted, adopted or
//! retagged; each refusal names the object, and `preview` refuses the same way.

use aws_sdk_iam::types::Tag;
use e2e::trials::cli::{Local, Run};
use e2e::Emulator;
use serde_json::{json, Value};
use state::{JournalAction, JournalEntry, PendingOp, ResourceRow, Store};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// One emulator, the local binary with its own state file, a runtime for SDK checks.
struct World {
    emu: Emulator,
    local: Local,
    rt: tokio::runtime::Runtime,
}

impl World {
    fn new() -> World {
        let emu = Emulator::start();
        let local = Local::new(env!("CARGO_BIN_EXE_plinth-local"), emu.endpoint());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        World { emu, local, rt }
    }

    /// Runs `args` and checks its exit code.
    fn run(&mut self, args: &[&str], code: i32) -> Run {
        let run = self.local.run(args);
        assert_eq!(run.code, Some(code), "`{}`:\n    {}", run.verb, run.tail(30));
        run
    }

    fn store(&self) -> Store {
        Store::open(&self.local.state()).unwrap()
    }

    /// A new bucket holding one object, `keep.txt`.
    fn bucket(&self, name: &str) {
        self.rt.block_on(async { self.emu.s3().await.create_bucket().bucket(name).send().await.unwrap() });
        self.fill(name);
    }

    /// Puts `keep.txt` into an existing bucket.
    fn fill(&self, name: &str) {
        self.rt.block_on(async {
            let put = self.emu.s3().await.put_object().bucket(name).key("keep.txt").body(b"data".to_vec().into());
            put.send().await.unwrap()
        });
    }

    /// The keys a bucket holds (panics if the bucket is gone).
    fn keys(&self, name: &str) -> Vec<String> {
        self.rt.block_on(async {
            let listed = self.emu.s3().await.list_objects_v2().bucket(name).send().await;
            let listed = listed.unwrap_or_else(|e| panic!("bucket {name} is gone: {e:?}"));
            listed.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect()
        })
    }

    /// An IAM role with `tags`; returns its ARN.
    fn role(&self, name: &str, tags: &[(&str, &str)]) -> String {
        let tags = tags.iter().map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap()).collect();
        self.rt.block_on(async {
            let out = self.emu.iam().await.create_role().role_name(name).assume_role_policy_document(TRUST);
            out.set_tags(Some(tags)).send().await.unwrap().role.unwrap().arn
        })
    }

    /// A role's tags (sorted) and inline policy names; panics if the role is gone.
    fn role_now(&self, name: &str) -> (Vec<(String, String)>, Vec<String>) {
        self.rt.block_on(async {
            let iam = self.emu.iam().await;
            let role = iam.get_role().role_name(name).send().await;
            let role = role.unwrap_or_else(|e| panic!("role {name} is gone: {e:?}")).role.unwrap();
            let mut tags: Vec<_> = role.tags().iter().map(|t| (t.key.clone(), t.value.clone())).collect();
            tags.sort();
            let inline = iam.list_role_policies().role_name(name).send().await.unwrap().policy_names;
            (tags, inline)
        })
    }

    /// Whether a secret with this id (ARN or name) exists.
    fn secret_exists(&self, id: &str) -> bool {
        self.rt.block_on(async {
            let sm = aws_sdk_secretsmanager::Client::new(&self.emu.sdk_config().await);
            sm.describe_secret().secret_id(id).send().await.is_ok()
        })
    }
}

/// Puts in the journal what a create-first replacement of `name` would leave before creating
/// the new object: the old object `prior` to delete. Returns the row's id.
fn forge(store: &Store, name: &str, prior: ResourceRow) -> i64 {
    let kind = prior.kind.clone();
    let entry = JournalEntry {
        inputs: Value::Null,
        dependencies: vec![],
        options: json!({}),
        prior: Some(prior),
        references: None,
    };
    let op = PendingOp {
        run_id: "forged".into(),
        name: name.into(),
        kind,
        action: JournalAction::DeleteReplaced,
        entry,
        started_at: state::now_rfc3339(),
    };
    store.begin_op(&op).unwrap()
}

/// A state row for object `id` of `kind` as resource `name`.
fn row(name: &str, kind: &str, id: &str, inputs: Value, outputs: Value) -> ResourceRow {
    ResourceRow {
        name: name.into(),
        kind: kind.into(),
        cloud_id: id.into(),
        inputs,
        outputs,
        dependencies: vec![],
        options: json!({}),
        created_at: String::new(),
        updated_at: String::new(),
        references: None,
    }
}

fn bucket_row(name: &str, bucket: &str) -> ResourceRow {
    let inputs = serde_json::to_value(resources::s3::Bucket { bucket: bucket.into(), ..Default::default() }).unwrap();
    let outputs = json!({ "bucket": bucket, "arn": format!("arn:aws:s3:::{bucket}"), "region": "us-east-1" });
    row(name, "aws:s3:Bucket", bucket, inputs, outputs)
}

fn role_row(name: &str, role: &str, arn: &str) -> ResourceRow {
    let inputs =
        resources::iam::Role { name: role.into(), assume_role_policy: TRUST.to_string().into(), ..Default::default() };
    let outputs = json!({ "name": role, "arn": arn, "role_id": "AROAFORGED" });
    row(name, "aws:iam:Role", role, serde_json::to_value(inputs).unwrap(), outputs)
}

/// Asserts `run` printed, for each of `expected`, one line holding all its substrings, and never
/// "No changes".
fn refused(run: &Run, expected: &[&[&str]]) {
    let said = format!("{}{}", run.stdout, run.stderr);
    for parts in expected {
        let line = said.lines().find(|l| parts.iter().all(|p| l.contains(p)));
        assert!(line.is_some(), "`{}` does not say {parts:?}:\n{said}", run.verb);
    }
    assert!(!said.contains("No changes"), "`{}` claims no changes:\n{said}", run.verb);
}

#[test]
fn forged_journal_rows_delete_nothing_this_stack_does_not_own() {
    let mut w = World::new();
    w.bucket("hostile-untagged");
    let other = w.role("hostile-other-stack", &[("plinth:stack", "other-stack"), ("plinth:name", "api-task-role")]);
    let bare = w.role("hostile-untagged-role", &[]);
    let store = w.store();
    let rows = [
        forge(&store, "reports-bucket", bucket_row("reports-bucket", "hostile-untagged")),
        forge(&store, "api-task-role", role_row("api-task-role", "hostile-other-stack", &other)),
        forge(&store, "orchestrator-task-role", role_row("orchestrator-task-role", "hostile-untagged-role", &bare)),
    ];
    drop(store);
    let roles = ["hostile-other-stack", "hostile-untagged-role"].map(|r| (r, w.role_now(r)));
    let expected: &[&[&str]] = &[
        &[&format!("journal row {}", rows[0]), "hostile-untagged", "holds data"],
        &[&format!("journal row {}", rows[1]), "hostile-other-stack", "plinth:stack=other-stack"],
        &[&format!("journal row {}", rows[2]), "hostile-untagged-role", "no plinth:stack tag"],
    ];
    for verb in [&["preview"][..], &["up", "--yes"]] {
        let run = w.run(verb, 1);
        refused(&run, expected);
        assert_eq!(w.keys("hostile-untagged"), ["keep.txt"], "after `{}`", run.verb);
        for (role, before) in &roles {
            assert_eq!(&w.role_now(role), before, "{role} is untouched by `{}`", run.verb);
        }
    }
    let store = w.store();
    assert_eq!(store.pending_ops().unwrap().len(), 3, "the rows stay for the operator");
    assert!(store.resources().unwrap().is_empty(), "a refused plan creates nothing");
}

/// The state row of `name` (panics when state has none).
fn recorded(store: &Store, name: &str) -> ResourceRow {
    store.resource(name).unwrap().unwrap_or_else(|| panic!("state has no `{name}`"))
}

#[test]
fn a_forged_row_against_a_protected_resource_deletes_nothing() {
    let mut w = World::new();
    w.run(&["up", "--yes"], 0);
    let store = w.store();
    let secret = recorded(&store, "secret-jwt-signing-key");
    let reports = recorded(&store, "reports-bucket");
    w.fill(&reports.cloud_id);
    // State records the secret as protected (as prod's program would); the forged row says not.
    store.upsert_resource(&ResourceRow { options: json!({ "protect": true }), ..secret.clone() }).unwrap();
    let protected = forge(&store, &secret.name, ResourceRow { options: json!({ "protect": false }), ..secret.clone() });
    // The old object of `static-assets-bucket`, pointed at the reports bucket, which holds data.
    let assets = recorded(&store, "static-assets-bucket");
    let elsewhere = ResourceRow { cloud_id: reports.cloud_id.clone(), outputs: reports.outputs.clone(), ..assets };
    let misnamed = forge(&store, "static-assets-bucket", elsewhere);
    drop(store);

    let protected_says = format!("it would delete {} of protected `{}`", secret.cloud_id, secret.name);
    let misnamed_says = format!("it names {}, which state records as `reports-bucket`", reports.cloud_id);
    let expected: &[&[&str]] = &[
        &[&format!("journal row {protected}"), &protected_says, &format!("state journal --drop {protected}")],
        &[&format!("journal row {misnamed}"), &misnamed_says, &format!("state journal --drop {misnamed}")],
    ];
    for verb in [&["preview"][..], &["up", "--yes"]] {
        refused(&w.run(verb, 1), expected);
        assert!(w.secret_exists(&secret.cloud_id), "the secret survives `{verb:?}`");
        assert_eq!(w.keys(&reports.cloud_id), ["keep.txt"], "the reports bucket survives `{verb:?}`");
    }

    for id in [protected, misnamed] {
        w.run(&["state", "journal", "--drop", &id.to_string()], 0);
    }
    w.run(&["up", "--yes"], 0);
    w.run(&["preview", "--detailed-exitcode"], 0);
    assert!(w.store().pending_ops().unwrap().is_empty(), "the journal is empty");
    assert!(w.secret_exists(&secret.cloud_id) && w.keys(&reports.cloud_id) == ["keep.txt"]);
}

#[test]
fn a_pre_created_look_alike_is_neither_adopted_nor_deleted() {
    let mut w = World::new();
    let role = "plinth-local-api-task";
    w.role(role, &[("plinth:name", "api-task-role")]);
    let before = w.role_now(role);
    let up = w.run(&["up", "--yes"], 1);
    // Only the create fails, naming the role (the lookup after it refuses to adopt the look-alike);
    // what needs the role (the API's task definition, service and its scaling) is skipped.
    refused(
        &up,
        &[
            &["api-task-role", "EntityAlreadyExists", role, "no plinth:stack tag"],
            &["failed 1, skipped 8"],
            &["skipped api-task-definition"],
            &["skipped api-service"],
            &["skipped api-scaling-target"],
            &["skipped api-scale-on-cpu"],
            &["skipped api-scale-on-memory"],
            // The alarms on the API service and the dashboard that graphs it.
            &["skipped alarm-api-cpu"],
            &["skipped alarm-api-memory"],
            &["skipped dashboard"],
        ],
    );
    assert_eq!(w.role_now(role), before, "the look-alike is untouched by `up`");
    assert!(w.store().resource("api-task-role").unwrap().is_none(), "not adopted into state");
    w.run(&["destroy", "--yes"], 0);
    assert_eq!(w.role_now(role), before, "the look-alike is untouched by `destroy`");
}
