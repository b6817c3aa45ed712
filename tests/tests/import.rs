//! `import` against moto, through the engine's CLI with the real kinds, the real `AwsContext`
//! and the account check (STS, pinned to moto's 123456789012): a bucket made with the raw SDK
//! is imported, `preview` then shows only what really differs from the program, and `up`
//! converges it without replacing it; another stack's bucket is refused and keeps its tags;
//! `--by-tag` records a VPC a crashed run left tagged.

use e2e::Emulator;
use engine::cli::{run, AccountPin, App};
use engine::graph::validate;
use engine::plan::{plan, Action};
use engine::Stack;
use resources::ec2::Vpc;
use resources::s3::Bucket;
use resources::{AwsContext, Connection};
use std::path::Path;
use std::sync::Arc;

const BUCKET: &str = "plinth-import-e2e";

/// The program: one versioned bucket (`assets`) and one VPC (`vpc`), stack `e2e`.
fn program(stack: &mut Stack) {
    stack.default_tag("ManagedBy", "plinth");
    // A test fixture, not a deployment: the bucket stays as bare as a hand-made one, so the
    // preview after the import shows only the versioning difference.
    for rule in ["cost-tags", "encryption-at-rest", "s3-public-access-blocked", "s3-tls-only"] {
        stack.waive_policy(rule, "import test fixture, not a deployment");
    }
    stack.add("assets", Bucket { bucket: BUCKET.into(), versioning: true, ..Default::default() });
    stack.add("vpc", Vpc { cidr_block: "10.77.0.0/16".into(), ..Default::default() });
}

fn app(emu: &Emulator) -> App {
    let endpoint = emu.endpoint();
    App {
        env: e2e::STACK.into(),
        program: Box::new(program),
        registry: resources::registry(),
        connect: Box::new(move || {
            let connection = Connection {
                endpoint: Some(endpoint.clone()),
                static_credentials: true,
                max_attempts: Some(2),
                ..Default::default()
            };
            Box::pin(async move { Ok(Arc::new(AwsContext::connect(&connection).await) as engine::Context) })
        }),
        account: Some(AccountPin {
            expected: "123456789012".into(),
            caller: Box::new(|cx| Box::pin(programs::connect::caller_account(cx))),
        }),
        create_may_land_within: None,
        release: None,
        program_dir: None,
        state: None,
        objects: None,
    }
}

fn cli(emu: &Emulator, state: &Path, verb: &[&str]) -> u8 {
    let mut args = vec!["plinth".to_string()];
    args.extend(verb.iter().map(|s| s.to_string()));
    args.extend(["--state".to_string(), state.display().to_string()]);
    run(app(emu), args)
}

fn stack() -> Stack {
    let mut stack = Stack::new(e2e::STACK);
    program(&mut stack);
    stack
}

/// The plan `preview` would show against the state file.
fn planned(state: &Path) -> engine::plan::Plan {
    let stack = stack();
    let rows = state::Store::open(state).unwrap().resources().unwrap();
    plan(&stack, &validate(&stack).unwrap(), &rows, &resources::registry())
}

fn diff_paths(plan: &engine::plan::Plan, name: &str) -> Vec<String> {
    plan.step(name).unwrap().diffs.iter().map(|d| d.path.clone()).collect()
}

async fn bucket_tags(emu: &Emulator, bucket: &str) -> Vec<(String, String)> {
    let out = emu.s3().await.get_bucket_tagging().bucket(bucket).send().await;
    let mut tags: Vec<(String, String)> = match out {
        Ok(o) => o.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
        Err(_) => Vec::new(), // NoSuchTagSet: no tags
    };
    tags.sort();
    tags
}

#[test]
fn a_bucket_made_by_hand_is_imported_then_preview_shows_only_real_differences_and_up_converges_it() {
    let emu = Emulator::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async { emu.s3().await.create_bucket().bucket(BUCKET).send().await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("e2e.db");

    assert_eq!(cli(&emu, &state, &["import", "assets", BUCKET, "--yes"]), 0);
    let tags = rt.block_on(bucket_tags(&emu, BUCKET));
    let want = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert!(tags.contains(&want("plinth:stack", "e2e")) && tags.contains(&want("plinth:name", "assets")), "{tags:?}");
    assert!(tags.contains(&want("ManagedBy", "plinth")), "{tags:?}");
    let store = state::Store::open(&state).unwrap();
    let row = store.resource("assets").unwrap().expect("recorded");
    assert_eq!((row.kind.as_str(), row.cloud_id.as_str()), ("aws:s3:Bucket", BUCKET));
    assert_eq!(row.inputs["versioning"], false, "inputs are what the cloud has");
    assert_eq!(row.outputs["arn"], format!("arn:aws:s3:::{BUCKET}"));
    assert!(store.pending_ops().unwrap().is_empty());
    drop(store);

    // The only difference is the versioning the program wants; nothing is replaced.
    let plan = planned(&state);
    let step = plan.step("assets").unwrap();
    assert_eq!(step.action, Action::Update, "{step:?}");
    assert_eq!(diff_paths(&plan, "assets"), ["versioning"], "{:?}", step.diffs);
    assert_eq!(cli(&emu, &state, &["preview", "--detailed-exitcode"]), 2);

    assert_eq!(cli(&emu, &state, &["up", "--yes"]), 0);
    let versioning = rt.block_on(async { emu.s3().await.get_bucket_versioning().bucket(BUCKET).send().await.unwrap() });
    assert_eq!(versioning.status().map(|s| s.as_str()), Some("Enabled"));
    assert_eq!(cli(&emu, &state, &["preview", "--detailed-exitcode"]), 0, "no changes after up");
    let row = state::Store::open(&state).unwrap().resource("assets").unwrap().unwrap();
    assert_eq!(row.cloud_id, BUCKET, "the imported bucket was updated, not replaced");
}

#[test]
fn another_stacks_bucket_is_refused_and_keeps_its_tags() {
    let emu = Emulator::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let theirs = [("plinth:stack", "other"), ("plinth:name", "assets"), ("Owner", "team-b")];
    rt.block_on(async {
        let s3 = emu.s3().await;
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        let set = theirs.iter().map(|(k, v)| aws_sdk_s3::types::Tag::builder().key(*k).value(*v).build().unwrap());
        let tagging = aws_sdk_s3::types::Tagging::builder().set_tag_set(Some(set.collect())).build().unwrap();
        s3.put_bucket_tagging().bucket(BUCKET).tagging(tagging).send().await.unwrap();
    });
    let before = rt.block_on(bucket_tags(&emu, BUCKET));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("e2e.db");

    assert_eq!(cli(&emu, &state, &["import", "assets", BUCKET, "--yes"]), 1);
    assert_eq!(rt.block_on(bucket_tags(&emu, BUCKET)), before, "its tags are kept");
    let store = state::Store::open(&state).unwrap();
    assert!(store.resources().unwrap().is_empty() && store.pending_ops().unwrap().is_empty());

    // The refusal names the tags it found.
    let cx: engine::Context = Arc::new(rt.block_on(emu.context()));
    let target = engine::import::check(&stack(), &[], "assets", BUCKET).unwrap();
    let err = rt.block_on(engine::import::propose(&target, e2e::STACK, BUCKET, &cx)).err().unwrap().to_string();
    assert!(err.contains(BUCKET) && err.contains("plinth:stack=other"), "{err}");
    // A bucket that does not exist is named too.
    let err = rt.block_on(engine::import::propose(&target, e2e::STACK, "no-such-bucket-e2e", &cx));
    let err = err.err().unwrap().to_string();
    assert!(err.contains("no-such-bucket-e2e does not exist"), "{err}");
}

#[test]
fn by_tag_records_a_vpc_a_crashed_run_left_tagged() {
    let emu = Emulator::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("e2e.db");
    // Nothing tagged yet: said, exit 0, nothing recorded.
    assert_eq!(cli(&emu, &state, &["import", "--by-tag", "crashed-run=r1", "--yes"]), 0);
    assert!(state::Store::open(&state).unwrap().resources().unwrap().is_empty());

    let vpc_id = rt.block_on(async {
        let tags = [("plinth:stack", "e2e"), ("plinth:name", "vpc"), ("ManagedBy", "plinth"), ("crashed-run", "r1")];
        let tags = tags.iter().map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(*k).value(*v).build());
        let spec = aws_sdk_ec2::types::TagSpecification::builder()
            .resource_type(aws_sdk_ec2::types::ResourceType::Vpc)
            .set_tags(Some(tags.collect()))
            .build();
        let out = emu.ec2().await.create_vpc().cidr_block("10.77.0.0/16").tag_specifications(spec).send().await;
        out.unwrap().vpc.unwrap().vpc_id.unwrap()
    });
    assert_eq!(cli(&emu, &state, &["import", "--by-tag", "crashed-run=r1", "--yes"]), 0);
    let rows = state::Store::open(&state).unwrap().resources().unwrap();
    assert_eq!(rows.len(), 1, "only the VPC carries the tag: {rows:?}");
    assert_eq!((rows[0].name.as_str(), rows[0].cloud_id.as_str()), ("vpc", vpc_id.as_str()));
    assert_eq!(rows[0].inputs["tags"]["crashed-run"], "r1");

    // The VPC is the program's but for the foreign tool's tag; the bucket is still to create.
    let plan = planned(&state);
    assert_eq!(plan.step("vpc").unwrap().action, Action::Update);
    assert_eq!(diff_paths(&plan, "vpc"), ["tags.crashed-run"]);
    assert_eq!(plan.step("assets").unwrap().action, Action::Create);
    let vpcs = rt.block_on(async { emu.ec2().await.describe_vpcs().send().await.unwrap().vpcs.unwrap_or_default() });
    assert_eq!(vpcs.iter().filter(|v| v.cidr_block() == Some("10.77.0.0/16")).count(), 1, "nothing was created");
}
