//! Remote state's bucket protocol against moto's S3 (issue 10): the lease (a second run refused
//! while it lives, an expired one taken over, a stale holder unable to renew or release) and the
//! state object (sha256 checked on download, a stale upload refused), through
//! `resources::s3::objects::S3Objects` exactly as the binaries use it.

use e2e::Emulator;
use engine::remote::lease::{self, LeaseError, Taken, TTL};
use engine::remote::transfer::{self, TransferError};
use engine::remote::{ObjectStore, StateUrl};
use resources::s3::objects::S3Objects;
use state::LockHolder;

const BUCKET: &str = "plinth-e2e-state";

async fn bucket(emu: &Emulator) -> S3Objects {
    let client = emu.s3().await;
    client.create_bucket().bucket(BUCKET).send().await.expect("create the state bucket");
    S3Objects { client, bucket: BUCKET.to_string() }
}

#[tokio::test]
async fn the_lease_refuses_a_live_holder_takes_over_an_expired_one_and_fences_the_old_holder() {
    let emu = Emulator::start();
    let store = bucket(&emu).await;
    let url = StateUrl::parse(&format!("s3://{BUCKET}/envs/dev.db")).unwrap();
    let key = url.lease_key();
    let mut first = lease::acquire(&store, &key, &LockHolder::here("run-1", "up"), TTL, 1_000).await.unwrap().lease();
    let refused = lease::acquire(&store, &key, &LockHolder::here("run-2", "up"), TTL, 1_010).await.unwrap_err();
    assert!(matches!(&refused, LeaseError::Held(b) if b.holder.run_id == "run-1"), "{refused}");
    let taken = lease::acquire(&store, &key, &LockHolder::here("run-2", "up"), TTL, 5_000).await.unwrap();
    let Taken::TookOver { lease: second, previous } = taken else { panic!("the expired lease is taken over") };
    assert_eq!(previous.holder.run_id, "run-1");
    assert!(matches!(lease::renew(&store, &mut first, TTL, 5_001).await, Err(LeaseError::Lost { .. })));
    assert!(matches!(lease::release(&store, &first).await, Err(LeaseError::Lost { .. })));
    lease::release(&store, &second).await.expect("the holder releases its lease");
    assert!(store.get(&key).await.unwrap().is_none(), "released");
    // A lease someone deleted (`state unlock --force`) is lost too: S3 answers 404, not 412.
    let mut second = second;
    assert!(matches!(lease::renew(&store, &mut second, TTL, 5_002).await, Err(LeaseError::Lost { .. })));
    assert!(store.get(&key).await.unwrap().is_none(), "a lost renewal recreates nothing");
}

#[tokio::test]
async fn the_state_object_carries_its_checksum_and_a_stale_upload_is_refused() {
    let emu = Emulator::start();
    let store = bucket(&emu).await;
    let url = StateUrl::parse(&format!("s3://{BUCKET}/envs/dev.db")).unwrap();
    assert!(transfer::download(&store, &url).await.unwrap().is_none());
    let v1 = transfer::upload(&store, &url, b"state v1".to_vec(), None).await.unwrap();
    let got = transfer::download(&store, &url).await.unwrap().expect("uploaded");
    assert_eq!((got.body.as_slice(), got.etag.as_str()), (b"state v1".as_slice(), v1.as_str()));
    let v2 = transfer::upload(&store, &url, b"state v2".to_vec(), Some(&v1)).await.unwrap();
    let stale = transfer::upload(&store, &url, b"from a stale run".to_vec(), Some(&v1)).await.unwrap_err();
    assert!(matches!(stale, TransferError::Stale { .. }), "{stale}");
    assert_eq!(transfer::download(&store, &url).await.unwrap().unwrap().etag, v2, "the newer state is intact");
    // An object written behind Plinth's back (no checksum) is refused, not used.
    let raw = emu.s3().await;
    raw.put_object().bucket(BUCKET).key("envs/dev.db").body(b"tampered".to_vec().into()).send().await.unwrap();
    assert!(matches!(transfer::download(&store, &url).await, Err(TransferError::NoChecksum { .. })));
}
