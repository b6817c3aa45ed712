//! Proves the e2e harness: private servers are isolated, and the launcher's GetBucketVersioning
//! fix makes aws-sdk-s3 accept moto's answer.

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use e2e::Emulator;

#[tokio::test]
async fn two_emulators_are_isolated() {
    let a = Emulator::start();
    let b = Emulator::start();
    assert_ne!(a.endpoint(), b.endpoint());
    let (s3_a, s3_b) = (a.s3().await, b.s3().await);

    s3_a.create_bucket().bucket("only-in-a").send().await.expect("create bucket in a");

    let head_a = s3_a.head_bucket().bucket("only-in-a").send().await;
    assert!(head_a.is_ok(), "bucket missing in a: {head_a:?}");
    let head_b = s3_b.head_bucket().bucket("only-in-a").send().await;
    let err = head_b.expect_err("bucket leaked from a into b");
    assert!(err.as_service_error().is_some_and(|e| e.is_not_found()), "unexpected error from b: {err:?}");
    let listed = s3_b.list_buckets().send().await.expect("list buckets in b");
    assert!(listed.buckets().is_empty(), "b has buckets: {:?}", listed.buckets());
}

#[tokio::test]
async fn get_bucket_versioning_parses_after_enabling() {
    let emu = Emulator::start();
    let s3 = emu.s3().await;
    s3.create_bucket().bucket("versioned").send().await.expect("create bucket");

    // Never configured: S3 answers an empty VersioningConfiguration (no status).
    let before = s3.get_bucket_versioning().bucket("versioned").send().await.expect("get versioning (unset)");
    assert_eq!(before.status(), None);

    s3.put_bucket_versioning()
        .bucket("versioned")
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .expect("put versioning");
    let after = s3.get_bucket_versioning().bucket("versioned").send().await.expect("get versioning");
    assert_eq!(after.status(), Some(&BucketVersioningStatus::Enabled));
}

#[tokio::test]
async fn engine_context_reaches_the_emulator_and_reset_clears_it() {
    let emu = Emulator::start();
    let ctx = emu.context().await;
    ctx.s3().create_bucket().bucket("via-context").send().await.expect("create bucket via the engine context");
    assert!(ctx.calls.count() >= 1, "the call counter saw no request");

    let s3 = emu.s3().await;
    assert_eq!(s3.list_buckets().send().await.expect("list").buckets().len(), 1);
    emu.reset();
    assert!(s3.list_buckets().send().await.expect("list after reset").buckets().is_empty());
}
