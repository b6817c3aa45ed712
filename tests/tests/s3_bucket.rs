//! What is special about `aws:s3:Bucket`: every setting as an independent S3 client sees it, one
//! call per changed setting, a plain bucket reading back without drift, and `force_destroy`. The
//! generic contract (create → read → find → update → delete, tags, ownership) is the conformance
//! suite's (`tests/tests/conformance.rs`).

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::BucketVersioningStatus;
use e2e::conformance::fixtures;
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::s3::{Bucket, Encryption, LifecycleRule, Logging, ObjectOwnership, SseAlgorithm};
use resources::AwsContext;

const NAME: &str = "plinth-e2e-assets";

fn full_bucket() -> Bucket {
    Bucket { tags: engine_tags("assets", &[]), ..fixtures::s3::full_bucket(NAME) }
}

fn updated_bucket() -> Bucket {
    let both = format!(r#"["arn:aws:s3:::{NAME}","arn:aws:s3:::{NAME}/*"]"#);
    let policy = fixtures::s3::policy(r#"["s3:GetObject","s3:ListBucket"]"#, &both);
    Bucket {
        versioning: false,
        encryption: Some(Encryption { algorithm: SseAlgorithm::AwsKms, kms_key_id: Some("alias/plinth-e2e".into()) }),
        block_public_access: false,
        lifecycle_rules: vec![LifecycleRule {
            id: "expire-tmp".into(),
            prefix: Some("tmp/".into()),
            expire_after_days: Some(1),
            ..Default::default()
        }],
        policy: Some(policy.into()),
        ..full_bucket()
    }
}

async fn read(b: &Bucket, out: &resources::s3::BucketOutputs, cx: &AwsContext) -> Option<Bucket> {
    b.read(out, cx).await.expect("read").map(|o| {
        assert_eq!(&o.outputs, out, "read reports the same outputs");
        o.inputs
    })
}

#[tokio::test]
async fn bucket_settings_reach_s3() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let s3 = emu.s3().await;
    let b = full_bucket();
    assert_eq!(b.validate(), Vec::<String>::new());

    let out = b.create(&meta("assets"), &cx).await.expect("create");
    assert_eq!(out.bucket, NAME);
    assert_eq!(out.arn, format!("arn:aws:s3:::{NAME}"));
    assert_eq!(out.region, "us-east-1");

    let versioning = s3.get_bucket_versioning().bucket(NAME).send().await.expect("versioning");
    assert_eq!(versioning.status(), Some(&BucketVersioningStatus::Enabled));

    let b2 = updated_bucket();
    assert_eq!(b2.update(&b, &out, &cx).await.expect("update"), out);
    check_updated_independently(&s3).await;

    b2.delete(&out, &cx).await.expect("delete");
    assert!(s3.head_bucket().bucket(NAME).send().await.is_err(), "the bucket is gone");
}

async fn check_updated_independently(s3: &aws_sdk_s3::Client) {
    let versioning = s3.get_bucket_versioning().bucket(NAME).send().await.expect("versioning");
    assert_eq!(versioning.status(), Some(&BucketVersioningStatus::Suspended));
    let enc = s3.get_bucket_encryption().bucket(NAME).send().await.expect("encryption");
    let rule = enc.server_side_encryption_configuration().and_then(|c| c.rules().first());
    let default = rule.and_then(|r| r.apply_server_side_encryption_by_default()).expect("a default rule");
    assert_eq!(default.sse_algorithm().as_str(), "aws:kms");
    assert_eq!(default.kms_master_key_id(), Some("alias/plinth-e2e"));
    let pab = s3.get_public_access_block().bucket(NAME).send().await;
    assert!(pab.is_err(), "the public access block was removed: {pab:?}");
    let lifecycle = s3.get_bucket_lifecycle_configuration().bucket(NAME).send().await.expect("lifecycle");
    let ids: Vec<_> = lifecycle.rules().iter().filter_map(|r| r.id()).collect();
    assert_eq!(ids, vec!["expire-tmp"]);
    let policy = s3.get_bucket_policy().bucket(NAME).send().await.expect("policy");
    assert!(policy.policy().unwrap_or_default().contains("s3:ListBucket"));
}

#[tokio::test]
async fn plain_bucket_has_no_spurious_diff_and_updates_only_what_changed() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let b = Bucket { bucket: "plinth-e2e-plain".into(), tags: engine_tags("plain", &[]), ..Default::default() };

    let out = b.create(&meta("plain"), &cx).await.expect("create");
    assert_eq!(read(&b, &out, &cx).await, Some(b.clone()));

    let b2 = Bucket { tags: engine_tags("plain", &[("Owner", "data")]), ..b.clone() };
    let before = cx.calls.count();
    b2.update(&b, &out, &cx).await.expect("update tags");
    assert_eq!(cx.calls.count() - before, 1, "a tag change is one PutBucketTagging, nothing else");
    assert_eq!(read(&b2, &out, &cx).await, Some(b2.clone()));

    let versioned = Bucket { versioning: true, ..b2.clone() };
    let before = cx.calls.count();
    versioned.update(&b2, &out, &cx).await.expect("update versioning");
    assert_eq!(cx.calls.count() - before, 1, "a versioning change is one PutBucketVersioning");
    assert_eq!(read(&versioned, &out, &cx).await, Some(versioned.clone()));

    // An empty bucket deletes without force_destroy.
    versioned.delete(&out, &cx).await.expect("delete");
    assert_eq!(read(&versioned, &out, &cx).await, None);
    versioned.delete(&out, &cx).await.expect("delete again");
}

/// Two versions of one key, a delete marker and a plain object.
async fn fill(s3: &aws_sdk_s3::Client, bucket: &str) {
    for body in ["one", "two"] {
        let put = s3.put_object().bucket(bucket).key("logs/a.txt").body(ByteStream::from_static(body.as_bytes()));
        put.send().await.expect("put object");
    }
    s3.delete_object().bucket(bucket).key("logs/a.txt").send().await.expect("delete object");
    let put = s3.put_object().bucket(bucket).key("b.txt").body(ByteStream::from_static(b"b"));
    put.send().await.expect("put object");
}

#[tokio::test]
async fn non_empty_bucket_needs_force_destroy() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let s3 = emu.s3().await;
    for (name, versioning) in [("plinth-e2e-versioned", true), ("plinth-e2e-unversioned", false)] {
        let b = Bucket { bucket: name.into(), versioning, tags: engine_tags(name, &[]), ..Default::default() };
        let out = b.create(&meta(name), &cx).await.expect("create");
        fill(&s3, name).await;

        let err = b.delete(&out, &cx).await.expect_err("a non-empty bucket without force_destroy");
        assert_eq!(err.class, ErrorClass::Conflict, "{err}");
        assert!(err.message.contains("force_destroy") && err.message.contains(name), "{err}");
        assert!(read(&b, &out, &cx).await.is_some(), "the refused delete left the bucket");

        let forced = Bucket { force_destroy: true, ..b };
        forced.delete(&out, &cx).await.expect("forced delete empties every version first");
        assert_eq!(read(&forced, &out, &cx).await, None);
        forced.delete(&out, &cx).await.expect("deleting a gone bucket is Ok");
        assert!(s3.head_bucket().bucket(name).send().await.is_err(), "{name} is gone");
    }
}

#[tokio::test]
async fn ownership_access_logging_and_the_tls_only_policy_reach_s3() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let s3 = emu.s3().await;
    let logs = fixtures::s3::log_bucket(&emu, "plinth-e2e-logs").await;
    let arn = format!("arn:aws:s3:::{NAME}");
    let tls_only = resources::s3::with_tls_only(None, &arn).to_string();
    let b = Bucket {
        bucket: NAME.into(),
        policy: Some(tls_only.into()),
        object_ownership: Some(ObjectOwnership::BucketOwnerEnforced),
        logging: Some(Logging { target_bucket: logs.clone().into(), target_prefix: format!("s3/{NAME}/") }),
        tags: engine_tags("assets", &[]),
        ..Default::default()
    };
    assert_eq!(b.validate(), Vec::<String>::new());
    let out = b.create(&meta("assets"), &cx).await.expect("create");

    let controls = s3.get_bucket_ownership_controls().bucket(NAME).send().await.expect("ownership");
    let rules = controls.ownership_controls().map(|c| c.rules().to_vec()).unwrap_or_default();
    assert_eq!(rules.iter().map(|r| r.object_ownership().as_str()).collect::<Vec<_>>(), ["BucketOwnerEnforced"]);
    let logging = s3.get_bucket_logging().bucket(NAME).send().await.expect("logging");
    let enabled = logging.logging_enabled().expect("logging on");
    assert_eq!((enabled.target_bucket(), enabled.target_prefix()), (logs.as_str(), format!("s3/{NAME}/").as_str()));
    let policy = s3.get_bucket_policy().bucket(NAME).send().await.expect("policy");
    let doc: serde_json::Value = serde_json::from_str(policy.policy().expect("text")).expect("json");
    let deny = doc["Statement"].as_array().expect("statements").iter().find(|s| s["Effect"] == "Deny").expect("a deny");
    assert_eq!(deny["Principal"], "*");
    assert_eq!(deny["Condition"]["Bool"]["aws:SecureTransport"], "false");
    assert_eq!(deny["Resource"], serde_json::json!([arn, format!("{arn}/*")]), "the bucket and its objects");
    assert_eq!(read(&b, &out, &cx).await, Some(b.clone()), "reads back without drift");

    // Logging off and ownership changed: one call each, read back.
    let off = Bucket { logging: None, object_ownership: Some(ObjectOwnership::ObjectWriter), ..b.clone() };
    off.update(&b, &out, &cx).await.expect("update");
    assert!(s3.get_bucket_logging().bucket(NAME).send().await.expect("logging").logging_enabled().is_none());
    assert_eq!(read(&off, &out, &cx).await, Some(off.clone()));
    // Ownership controls removed out of band read as drift.
    s3.delete_bucket_ownership_controls().bucket(NAME).send().await.expect("delete controls");
    assert_eq!(read(&off, &out, &cx).await.map(|b| b.object_ownership), Some(None));
}

#[tokio::test]
async fn a_log_target_without_the_delivery_grant_is_refused() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let s3 = emu.s3().await;
    s3.create_bucket().bucket("plinth-e2e-bare").send().await.expect("bare target");
    let b = Bucket {
        bucket: NAME.into(),
        logging: Some(Logging { target_bucket: "plinth-e2e-bare".into(), target_prefix: "s3/".into() }),
        tags: engine_tags("assets", &[]),
        ..Default::default()
    };
    let err = b.create(&meta("assets"), &cx).await.expect_err("no grant");
    assert!(err.message.contains("InvalidTargetBucketForLogging"), "{err}");
    let selfish = Bucket { logging: Some(Logging { target_bucket: NAME.into(), target_prefix: String::new() }), ..b };
    assert_eq!(
        selfish.validate(),
        ["logging.target_bucket: a bucket must not log to itself (each log write would be logged)"]
    );
}

/// A bucket's settings go out together after CreateBucket; S3 refuses a write that conflicts with
/// another one in progress (409 OperationAborted, applied nothing). Such a write is retried until
/// it lands: the create succeeds with every setting in place, and nothing else is retried.
#[tokio::test]
async fn settings_s3_aborts_as_conflicting_are_retried_until_applied() {
    use e2e::proxy::{Config, Fault, Proxy, Rule, Timing, Verdict};
    let emu = Emulator::start();
    let proxy = Proxy::start(emu.port());
    let aborted = Verdict::Fault(Fault::Conflict, Timing::Before);
    proxy.configure(Config::rules(vec![
        Rule::first("PutBucketPolicy", aborted),
        Rule::first("PutBucketVersioning", aborted),
    ]));
    let connection = resources::Connection {
        endpoint: Some(proxy.endpoint()),
        static_credentials: true,
        max_attempts: Some(2),
        ..Default::default()
    };
    let cx = AwsContext::connect(&connection).await;
    let b = full_bucket();
    assert!(b.policy.is_some() && b.versioning, "the fixture sets both settings the proxy aborts");
    let out = b.create(&meta("assets"), &cx).await.expect("create despite two aborted writes");

    let s3 = emu.s3().await;
    let versioning = s3.get_bucket_versioning().bucket(NAME).send().await.expect("versioning");
    assert_eq!(versioning.status(), Some(&BucketVersioningStatus::Enabled));
    assert!(s3.get_bucket_policy().bucket(NAME).send().await.expect("policy").policy().is_some());
    assert_eq!(read(&b, &out, &cx).await, Some(b.clone()), "every setting in place: no drift");

    let records = proxy.records();
    let sent = |action: &str| records.iter().filter(|r| r.operation.action == action).count();
    assert_eq!((sent("PutBucketPolicy"), sent("PutBucketVersioning")), (2, 2), "each aborted write sent again once");
    assert_eq!((sent("CreateBucket"), sent("PutBucketEncryption")), (1, 1), "nothing else repeated");
}

/// A bucket's read sends its setting reads together after HeadBucket (S3 has no batch read): a
/// bucket just made reads without drift, a setting changed out of band is reported, a bucket
/// deleted out of band is gone.
#[tokio::test]
async fn a_bucket_read_reports_out_of_band_changes_and_deletion() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let s3 = emu.s3().await;
    let b = full_bucket();
    let out = b.create(&meta("assets"), &cx).await.expect("create");
    assert_eq!(read(&b, &out, &cx).await, Some(b.clone()), "no drift right after create");

    let suspended =
        aws_sdk_s3::types::VersioningConfiguration::builder().status(BucketVersioningStatus::Suspended).build();
    s3.put_bucket_versioning().bucket(NAME).versioning_configuration(suspended).send().await.expect("suspend");
    s3.delete_public_access_block().bucket(NAME).send().await.expect("unblock");
    let seen = read(&b, &out, &cx).await.expect("exists");
    assert_eq!((seen.versioning, seen.block_public_access), (false, false), "both changes reported");
    assert_eq!(Bucket { versioning: true, block_public_access: true, ..seen }, b, "and nothing else");

    s3.delete_bucket_policy().bucket(NAME).send().await.expect("policy");
    s3.delete_bucket_lifecycle().bucket(NAME).send().await.expect("lifecycle");
    s3.delete_bucket().bucket(NAME).send().await.expect("delete the bucket out of band");
    assert_eq!(read(&b, &out, &cx).await, None, "a bucket deleted out of band is gone");
}
