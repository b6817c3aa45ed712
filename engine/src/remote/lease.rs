//! The lease that serialises the runs changing one remote state: a small JSON object beside the
//! state (`<key>.lease`) naming its holder, a generation and an expiry.
//!
//! # Guarantees
//! * [`acquire`] creates the lease with `If-None-Match: *`; an existing live lease refuses with its
//!   holder's details ([`LeaseError::Held`]); an expired one is taken over with `If-Match` on the
//!   ETag read (so two runs racing for it cannot both win) and the previous holder is returned.
//! * [`renew`] and [`release`] write with `If-Match` on the ETag of the lease as this run last
//!   wrote it: a run whose lease was taken over learns it ([`LeaseError::Lost`]) instead of
//!   overwriting the new holder's.
//!
//! # Assumptions
//! * The runners' clocks agree to well within the TTL (expiry is compared with the reader's
//!   clock); renewal every [`RENEW_EVERY`] keeps a live run far from expiry.

use super::{Condition, ObjectStore, RemoteError};
use serde::{Deserialize, Serialize};
use state::LockHolder;
use std::time::Duration;

/// How long a lease lives without renewal.
pub const TTL: Duration = Duration::from_secs(60);
/// How often a running run renews its lease (a third of the TTL).
pub const RENEW_EVERY: Duration = Duration::from_secs(20);

/// What the lease object holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseBody {
    pub holder: LockHolder,
    /// 1 for a fresh lease, one more on each takeover.
    pub generation: u64,
    /// Unix seconds.
    pub expires_at: i64,
}

impl LeaseBody {
    /// One line about the holder, for messages.
    pub fn describe(&self) -> String {
        let h = &self.holder;
        format!(
            "run {} (`{}`, pid {} on {} as {}, since {}; lease generation {}, expires {})",
            h.run_id,
            h.command,
            h.pid,
            h.host,
            h.user,
            h.started_at,
            self.generation,
            state::rfc3339_from_unix(self.expires_at)
        )
    }
}

/// A lease this run holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Lease {
    pub key: String,
    pub etag: String,
    pub body: LeaseBody,
}

/// How [`acquire`] got the lease.
#[derive(Debug, Clone, PartialEq)]
pub enum Taken {
    Fresh(Lease),
    /// The previous holder's lease had expired.
    TookOver {
        lease: Lease,
        previous: LeaseBody,
    },
}

impl Taken {
    pub fn lease(self) -> Lease {
        match self {
            Taken::Fresh(lease) | Taken::TookOver { lease, .. } => lease,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("the remote state is locked: its lease is held by {}; wait for it, or pass --lock-timeout", .0.describe())]
    Held(LeaseBody),
    #[error("this run lost its lease on {key}{}: stopping before it overwrites another run's state", now_held_by.as_ref().map(|b| format!(" (now held by {})", b.describe())).unwrap_or_default())]
    Lost { key: String, now_held_by: Option<LeaseBody> },
    #[error("{key} is not a Plinth lease ({why}); remove it only if no run uses this state")]
    Unreadable { key: String, why: String },
    #[error("lease {key}: {source}")]
    Remote { key: String, source: RemoteError },
}

/// Takes the lease at `key` for `holder`, valid `ttl` from `now` (unix seconds).
pub async fn acquire(
    store: &dyn ObjectStore,
    key: &str,
    holder: &LockHolder,
    ttl: Duration,
    now: i64,
) -> Result<Taken, LeaseError> {
    let expires_at = now + ttl.as_secs() as i64;
    // Each round either wins, or sees the lease change hands; a few rounds settle any race.
    for _ in 0..4 {
        let fresh = LeaseBody { holder: holder.clone(), generation: 1, expires_at };
        match write(store, key, &fresh, Condition::Absent).await {
            Ok(etag) => return Ok(Taken::Fresh(Lease { key: key.to_string(), etag, body: fresh })),
            Err(LeaseError::Remote { source: RemoteError::PreconditionFailed(_), .. }) => {}
            Err(e) => return Err(e),
        }
        let Some((etag, current)) = read(store, key).await? else { continue };
        if current.expires_at > now {
            return Err(LeaseError::Held(current));
        }
        let body = LeaseBody { generation: current.generation + 1, ..fresh };
        match write(store, key, &body, Condition::Matches(etag)).await {
            Ok(etag) => {
                return Ok(Taken::TookOver { lease: Lease { key: key.to_string(), etag, body }, previous: current })
            }
            Err(LeaseError::Remote { source: RemoteError::PreconditionFailed(_), .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let source = RemoteError::Other("the lease kept changing hands while this run tried to take it".into());
    Err(LeaseError::Remote { key: key.to_string(), source })
}

/// Extends `lease` to `ttl` from `now`, only if it is still the one this run wrote.
pub async fn renew(store: &dyn ObjectStore, lease: &mut Lease, ttl: Duration, now: i64) -> Result<(), LeaseError> {
    let body = LeaseBody { expires_at: now + ttl.as_secs() as i64, ..lease.body.clone() };
    match write(store, &lease.key, &body, Condition::Matches(lease.etag.clone())).await {
        Ok(etag) => {
            *lease = Lease { key: lease.key.clone(), etag, body };
            Ok(())
        }
        Err(LeaseError::Remote { source: RemoteError::PreconditionFailed(_), .. }) => Err(lost(store, lease).await),
        Err(e) => Err(e),
    }
}

/// Deletes `lease`, only if it is still the one this run wrote.
pub async fn release(store: &dyn ObjectStore, lease: &Lease) -> Result<(), LeaseError> {
    match store.delete(&lease.key, &lease.etag).await {
        Ok(()) => Ok(()),
        Err(RemoteError::PreconditionFailed(_)) => Err(lost(store, lease).await),
        Err(source) => Err(LeaseError::Remote { key: lease.key.clone(), source }),
    }
}

/// The live lease at `key`, if any (for `state unlock` and messages).
pub async fn current(store: &dyn ObjectStore, key: &str) -> Result<Option<(String, LeaseBody)>, LeaseError> {
    read(store, key).await
}

async fn lost(store: &dyn ObjectStore, lease: &Lease) -> LeaseError {
    let now_held_by = read(store, &lease.key).await.ok().flatten().map(|(_, body)| body);
    LeaseError::Lost { key: lease.key.clone(), now_held_by }
}

async fn write(
    store: &dyn ObjectStore,
    key: &str,
    body: &LeaseBody,
    condition: Condition,
) -> Result<String, LeaseError> {
    let bytes = serde_json::to_vec_pretty(body).expect("a lease serialises");
    let sent = store.put(key, bytes, Default::default(), condition).await;
    sent.map_err(|source| LeaseError::Remote { key: key.to_string(), source })
}

async fn read(store: &dyn ObjectStore, key: &str) -> Result<Option<(String, LeaseBody)>, LeaseError> {
    let got = store.get(key).await.map_err(|source| LeaseError::Remote { key: key.to_string(), source })?;
    let Some(object) = got else { return Ok(None) };
    let body = serde_json::from_slice(&object.body)
        .map_err(|e| LeaseError::Unreadable { key: key.to_string(), why: e.to_string() })?;
    Ok(Some((object.etag, body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::memory::Memory;

    const KEY: &str = "prod.db.lease";

    fn holder(run: &str) -> LockHolder {
        LockHolder::here(run, "up")
    }

    #[tokio::test]
    async fn a_second_run_is_refused_while_the_lease_lives_and_takes_it_over_once_expired() {
        let store = Memory::default();
        let first = acquire(&store, KEY, &holder("run-1"), TTL, 1_000).await.unwrap();
        assert!(matches!(first, Taken::Fresh(_)));
        let refused = acquire(&store, KEY, &holder("run-2"), TTL, 1_030).await.unwrap_err();
        assert!(matches!(&refused, LeaseError::Held(b) if b.holder.run_id == "run-1"), "{refused}");
        assert!(refused.to_string().contains("run run-1 (`up`"), "{refused}");
        let Taken::TookOver { lease, previous } = acquire(&store, KEY, &holder("run-2"), TTL, 1_061).await.unwrap()
        else {
            panic!("an expired lease is taken over");
        };
        assert_eq!((previous.holder.run_id.as_str(), lease.body.generation), ("run-1", 2));
    }

    #[tokio::test]
    async fn a_run_whose_lease_was_taken_over_cannot_renew_or_release_it() {
        let store = Memory::default();
        let mut old = acquire(&store, KEY, &holder("run-1"), TTL, 1_000).await.unwrap().lease();
        let new = acquire(&store, KEY, &holder("run-2"), TTL, 2_000).await.unwrap().lease();
        let lost = renew(&store, &mut old, TTL, 2_001).await.unwrap_err();
        assert!(matches!(&lost, LeaseError::Lost { now_held_by: Some(b), .. } if b.holder.run_id == "run-2"), "{lost}");
        assert!(matches!(release(&store, &old).await, Err(LeaseError::Lost { .. })));
        assert_eq!(current(&store, KEY).await.unwrap().unwrap().1, new.body, "the new holder's lease is intact");
    }

    #[tokio::test]
    async fn renewing_extends_the_expiry_and_releasing_frees_the_lease() {
        let store = Memory::default();
        let mut lease = acquire(&store, KEY, &holder("run-1"), TTL, 1_000).await.unwrap().lease();
        renew(&store, &mut lease, TTL, 1_050).await.unwrap();
        assert_eq!(lease.body.expires_at, 1_110);
        let refused = acquire(&store, KEY, &holder("run-2"), TTL, 1_100).await;
        assert!(matches!(refused, Err(LeaseError::Held(_))), "renewed, so still live");
        release(&store, &lease).await.unwrap();
        assert!(matches!(acquire(&store, KEY, &holder("run-2"), TTL, 1_100).await, Ok(Taken::Fresh(_))));
    }

    #[tokio::test]
    async fn an_object_that_is_not_a_lease_is_refused_not_overwritten() {
        let store = Memory::default();
        store.put(KEY, b"hello".to_vec(), Default::default(), Condition::Absent).await.unwrap();
        let refused = acquire(&store, KEY, &holder("run-1"), TTL, 1_000).await.unwrap_err();
        assert!(matches!(refused, LeaseError::Unreadable { .. }), "{refused}");
        assert_eq!(store.get(KEY).await.unwrap().unwrap().body, b"hello");
    }
}
