//! The keeper of a run that writes remote state: while the run lasts it renews the lease every
//! [`Timing::renew_every`] and uploads the state copy soon after each committed write (journal
//! rows included), always over the ETag it last saw; when the run ends it uploads the final
//! state and releases the lease.
//!
//! # Guarantees
//! * A committed write to the copy reaches the bucket within about [`Timing::poll`] (plus the
//!   upload's own time), unless the upload fails: a transient failure is retried on the next
//!   tick; a refused (stale) upload stops the keeper. [`Flusher::flush`] uploads at once and
//!   returns when the bucket holds every commit made before it: apply calls it between a
//!   journal row's commit and the cloud call, so a run killed at any moment leaves, in the
//!   bucket, the journal row of every call it may have sent.
//! * The keeper never overwrites a state it did not read: every upload is `If-Match` on the
//!   ETag of the previous one (or `If-None-Match: *` when there was no state).
//! * When the lease is lost (taken over) or an upload is refused as stale, the keeper stops,
//!   flips [`Keeper::failed`] (the run stops launching work) and [`Keeper::finish`] returns why,
//!   without uploading anything more.
//!
//! # Assumptions
//! * The run's writes go through another SQLite connection to the same file (the run's
//!   `Store`); the keeper watches them with [`state::Changes`] and copies the file with
//!   [`state::snapshot`], both read-only.

// `KeeperError` carries the lease holder's details inline (what the run reports); it is returned
// once per run at most, so its size costs nothing.
#![allow(clippy::result_large_err)]

use super::lease::{self, Lease, LeaseError};
use super::transfer::{self, TransferError};
use super::{ObjectStore, StateUrl};
use state::{Changes, StateError};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How long the lease lives and how often the keeper acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub ttl: Duration,
    /// A third of the TTL: two renewals can fail before the lease expires.
    pub renew_every: Duration,
    /// How often the copy is checked for new commits.
    pub poll: Duration,
}

impl Timing {
    /// Renewal every third of `ttl`, a look for commits every second (more often for very short
    /// test TTLs).
    pub fn for_ttl(ttl: Duration) -> Timing {
        let poll = Duration::from_secs(1).min(ttl / 6).max(Duration::from_millis(10));
        Timing { ttl, renew_every: ttl / 3, poll }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    #[error(transparent)]
    Lease(#[from] LeaseError),
    #[error(transparent)]
    Transfer(#[from] TransferError),
    #[error("reading the state copy {}: {source}", path.display())]
    Copy { path: PathBuf, source: StateError },
    #[error(
        "could not renew the lease on {key} before it expires ({why}): stopping before another run may take it over"
    )]
    RenewFailed { key: String, why: String },
    #[error("the remote state keeper stopped unexpectedly: {0}")]
    Crashed(String),
}

/// What the keeper looks after: the bucket, the state's place in it, the local copy and the lease.
pub struct Held {
    pub objects: Arc<dyn ObjectStore>,
    pub url: StateUrl,
    /// The local copy the run writes.
    pub path: PathBuf,
    pub lease: Lease,
    /// The ETag of the state object as last downloaded or uploaded (`None`: there is none yet).
    pub etag: Option<String>,
}

/// A running keeper.
pub struct Keeper {
    stop: watch::Sender<bool>,
    failed: watch::Receiver<bool>,
    flush: Flusher,
    task: JoinHandle<(Watched, Result<(), KeeperError>)>,
}

/// Asks the keeper to upload now and waits until the bucket holds every commit made before the
/// request (concurrent requests share one upload).
#[derive(Clone)]
pub struct Flusher(Arc<FlushShared>);

struct FlushShared {
    requested: AtomicU64,
    wake: Notify,
    /// The highest request covered by an upload, or why the keeper stopped.
    done: watch::Sender<(u64, Option<String>)>,
}

impl Flusher {
    /// Returns once every commit made before the call is in the bucket; an error when the keeper
    /// stopped (lease lost, stale upload) or was stopped.
    pub async fn flush(&self) -> Result<(), String> {
        let id = self.0.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut done = self.0.done.subscribe();
        self.0.wake.notify_one();
        let seen = done.wait_for(|(upto, failed)| *upto >= id || failed.is_some()).await;
        match seen.as_deref() {
            Ok((_, Some(why))) => Err(why.clone()),
            Ok(_) => Ok(()),
            Err(_) => Err("the remote state keeper stopped".to_string()),
        }
    }
}

struct Watched {
    held: Held,
    changes: Changes,
    timing: Timing,
    /// A commit not uploaded yet (a state that does not exist in the bucket yet counts).
    dirty: bool,
    renewed: Instant,
}

impl Keeper {
    /// Starts looking after `held` (its copy must exist).
    pub fn start(held: Held, timing: Timing) -> Result<Keeper, KeeperError> {
        let changes =
            Changes::open(&held.path).map_err(|source| KeeperError::Copy { path: held.path.clone(), source })?;
        let dirty = held.etag.is_none();
        let watched = Watched { held, changes, timing, dirty, renewed: Instant::now() };
        let (stop, stop_rx) = watch::channel(false);
        let (failed_tx, failed) = watch::channel(false);
        let shared =
            FlushShared { requested: AtomicU64::new(0), wake: Notify::new(), done: watch::channel((0, None)).0 };
        let flush = Flusher(Arc::new(shared));
        let task = tokio::spawn(keep(watched, stop_rx, failed_tx, flush.clone()));
        Ok(Keeper { stop, failed, flush, task })
    }

    /// A handle that makes the commits so far durable in the bucket (see [`Flusher`]).
    pub fn flusher(&self) -> Flusher {
        self.flush.clone()
    }

    /// Flips to `true` when the keeper stopped because the lease was lost or an upload was
    /// refused: the run must stop launching work.
    pub fn failed(&self) -> watch::Receiver<bool> {
        self.failed.clone()
    }

    /// Stops the keeper, uploads what was committed since its last upload and releases the
    /// lease. After a failure: returns it, releasing the lease if this run still holds it.
    pub async fn finish(self) -> Result<(), KeeperError> {
        let _ = self.stop.send(true);
        let (mut watched, result) = self.task.await.map_err(|e| KeeperError::Crashed(e.to_string()))?;
        let uploaded = match result {
            Ok(()) => watched.upload(true).await,
            Err(e) => Err(e),
        };
        let released = lease::release(&*watched.held.objects, &watched.held.lease).await;
        uploaded?;
        Ok(released?)
    }
}

async fn keep(
    mut watched: Watched,
    mut stop: watch::Receiver<bool>,
    failed: watch::Sender<bool>,
    flush: Flusher,
) -> (Watched, Result<(), KeeperError>) {
    let stopped = |why: String| flush.0.done.send_modify(|(_, failed)| *failed = Some(why));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(watched.timing.poll) => {}
            _ = flush.0.wake.notified() => {}
            _ = stop.changed() => {
                stopped("the run is ending".to_string());
                return (watched, Ok(()));
            }
        }
        // Read before the copy is taken: every request up to here follows its commit.
        let target = flush.0.requested.load(Ordering::SeqCst);
        match watched.tick().await {
            Ok(()) if !watched.dirty => flush.0.done.send_modify(|(upto, _)| *upto = (*upto).max(target)),
            Ok(()) => {}
            Err(e) => {
                tracing::error!(error = %e, "remote state: stopping the run");
                stopped(e.to_string());
                let _ = failed.send(true);
                return (watched, Err(e));
            }
        }
    }
}

impl Watched {
    async fn tick(&mut self) -> Result<(), KeeperError> {
        self.upload(false).await?;
        if self.renewed.elapsed() >= self.timing.renew_every {
            self.renew().await?;
        }
        Ok(())
    }

    /// Uploads the copy if a commit happened since the last upload. A transient failure is
    /// retried on the next tick unless `must`; a stale upload is always an error.
    async fn upload(&mut self, must: bool) -> Result<(), KeeperError> {
        let copy_error = |source| KeeperError::Copy { path: self.held.path.clone(), source };
        if self.changes.changed().map_err(copy_error)? {
            self.dirty = true;
        }
        if !self.dirty {
            return Ok(());
        }
        let bytes = state::snapshot(&self.held.path).map_err(copy_error)?;
        let held = &self.held;
        match transfer::upload(&*held.objects, &held.url, bytes, held.etag.as_deref()).await {
            Ok(etag) => {
                tracing::debug!(url = %held.url, etag = %etag, "remote state: uploaded");
                self.held.etag = Some(etag);
                self.dirty = false;
                Ok(())
            }
            Err(e @ TransferError::Stale { .. }) => Err(e.into()),
            Err(e) if must => Err(e.into()),
            Err(e) => {
                tracing::warn!(error = %e, "remote state: upload failed; retrying");
                Ok(())
            }
        }
    }

    async fn renew(&mut self) -> Result<(), KeeperError> {
        let held = &mut self.held;
        match lease::renew(&*held.objects, &mut held.lease, self.timing.ttl, unix_now()).await {
            Ok(()) => {
                self.renewed = Instant::now();
                Ok(())
            }
            Err(e @ LeaseError::Lost { .. }) => Err(e.into()),
            Err(e) => {
                let left = held.lease.body.expires_at - unix_now();
                if left <= 2 * self.timing.poll.as_secs().max(1) as i64 {
                    return Err(KeeperError::RenewFailed { key: held.lease.key.clone(), why: e.to_string() });
                }
                tracing::warn!(error = %e, seconds_left = left, "remote state: renewing the lease failed; retrying");
                Ok(())
            }
        }
    }
}

/// Now, in unix seconds (the lease's clock).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
#[path = "keeper_tests.rs"]
mod tests;
