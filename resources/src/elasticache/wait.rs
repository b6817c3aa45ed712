//! ElastiCache waiters with named timeouts, written against a status source (a closure giving
//! the group's current status, `None` once AWS no longer knows it) so their logic is tested with
//! fakes; the real source is [`super::find::group_status`].
//!
//! What `deleting` means: AWS answers DeleteReplicationGroup at once and takes minutes to remove
//! the group; while it is `deleting` nothing can stop, change or reuse it, and real AWS ends with
//! ReplicationGroupNotFoundFault. [`until_gone`] waits up to a window for that end. If the group
//! is still `deleting` when the window closes, the outcome is [`DeleteOutcome::StillDeleting`]:
//! the deletion is accepted and irreversible but not finished, and the caller must say so. The
//! emulator (moto 5.2) never finishes: its groups stay `deleting` forever and their ids stay taken.

use crate::wait::{wait_for, Poll};
use engine::{ErrorClass, ProviderError};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use super::find::DELETING;

/// How long a new replication group may take to become `available` (AWS: usually 5–15 minutes;
/// the same budget as Terraform's default).
pub const CACHE_CREATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// How long a modification (node type, replicas, failover, encryption) may take.
pub const CACHE_UPDATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
/// The default window a delete waits for a `deleting` group to disappear.
pub const CACHE_DELETE_TIMEOUT: Duration = Duration::from_secs(45 * 60);
/// Time between two polls (the first poll is immediate).
pub const POLL_INTERVAL: Duration = Duration::from_secs(15);

/// How a delete ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// AWS no longer knows the group.
    Gone,
    /// Deletion accepted, the group still `deleting` after waiting this long.
    StillDeleting { waited: Duration },
}

/// Waits until the group is `available` with nothing pending. `create-failed`, `deleting` and
/// disappearance end the wait with an error; so does the timeout, naming the group and the last
/// status seen.
pub async fn until_available<F, Fut>(id: &str, timeout: Duration, mut status: F) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>, ProviderError>>,
{
    let what = format!("ElastiCache replication group `{id}` to be available");
    wait_for(&what, timeout, POLL_INTERVAL, || {
        let current = status();
        async move {
            Ok(match current.await? {
                Some(s) if s == "available" => Poll::Ready(()),
                Some(s) if s == "create-failed" || s == DELETING => Poll::Failed(format!("its status is `{s}`")),
                Some(s) => Poll::Pending(s),
                None => Poll::Failed("it no longer exists".to_string()),
            })
        }
    })
    .await
}

/// Waits up to `window` for the group to disappear (see the module docs for `deleting`).
/// A group that is still in some other state when the window closes is a timeout error.
pub async fn until_gone<F, Fut>(id: &str, window: Duration, mut status: F) -> Result<DeleteOutcome, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>, ProviderError>>,
{
    let what = format!("ElastiCache replication group `{id}` to be deleted");
    let last = Mutex::new(None::<String>);
    let result = wait_for(&what, window, POLL_INTERVAL, || {
        let current = status();
        let last = &last;
        async move {
            Ok(match current.await? {
                None => Poll::Ready(()),
                Some(s) => {
                    *last.lock().unwrap_or_else(|e| e.into_inner()) = Some(s.clone());
                    Poll::Pending(s)
                }
            })
        }
    })
    .await;
    let last = last.into_inner().unwrap_or_else(|e| e.into_inner());
    match result {
        Ok(()) => Ok(DeleteOutcome::Gone),
        Err(e) if e.class == ErrorClass::Timeout && last.as_deref() == Some(DELETING) => {
            Ok(DeleteOutcome::StillDeleting { waited: window })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::time::Instant;

    /// A fake status source answering `script[n]` on poll n, then the last entry forever.
    fn source(
        script: &'static [Option<&'static str>],
    ) -> impl FnMut() -> std::future::Ready<Result<Option<String>, ProviderError>> {
        let calls = AtomicUsize::new(0);
        move || {
            let n = calls.fetch_add(1, Ordering::SeqCst).min(script.len() - 1);
            std::future::ready(Ok(script[n].map(str::to_string)))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn creating_for_a_while_then_available() {
        let start = Instant::now();
        let script = &[Some("creating"), Some("creating"), Some("creating"), Some("available")];
        until_available("jobs", CACHE_CREATE_TIMEOUT, source(script)).await.expect("becomes available");
        assert_eq!(start.elapsed(), POLL_INTERVAL * 3);
    }

    #[tokio::test(start_paused = true)]
    async fn pending_changes_keep_waiting() {
        let script = &[Some("available (changes pending)"), Some("modifying"), Some("available")];
        until_available("jobs", CACHE_UPDATE_TIMEOUT, source(script)).await.expect("available");
    }

    #[tokio::test(start_paused = true)]
    async fn stuck_modifying_times_out_naming_group_and_status() {
        let start = Instant::now();
        let err =
            until_available("jobs", CACHE_UPDATE_TIMEOUT, source(&[Some("modifying")])).await.expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("replication group `jobs`"), "{}", err.message);
        assert!(err.message.contains("`modifying`"), "{}", err.message);
        assert_eq!(start.elapsed(), CACHE_UPDATE_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn create_failed_and_vanishing_stop_at_once() {
        let err = until_available("jobs", CACHE_CREATE_TIMEOUT, source(&[Some("creating"), Some("create-failed")]))
            .await
            .expect_err("fails");
        assert_eq!(err.class, ErrorClass::Other);
        assert!(err.message.contains("`create-failed`"), "{}", err.message);
        let err = until_available("jobs", CACHE_CREATE_TIMEOUT, source(&[None])).await.expect_err("gone");
        assert!(err.message.contains("no longer exists"), "{}", err.message);
    }

    #[tokio::test(start_paused = true)]
    async fn deleting_then_gone() {
        let start = Instant::now();
        let outcome = until_gone("jobs", CACHE_DELETE_TIMEOUT, source(&[Some("deleting"), Some("deleting"), None]))
            .await
            .expect("gone");
        assert_eq!(outcome, DeleteOutcome::Gone);
        assert_eq!(start.elapsed(), POLL_INTERVAL * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn deleting_forever_is_still_deleting_at_the_end_of_the_window() {
        let start = Instant::now();
        let outcome = until_gone("jobs", CACHE_DELETE_TIMEOUT, source(&[Some("deleting")])).await.expect("accepted");
        assert_eq!(outcome, DeleteOutcome::StillDeleting { waited: CACHE_DELETE_TIMEOUT });
        assert_eq!(start.elapsed(), CACHE_DELETE_TIMEOUT, "waits the whole window first");
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_window_polls_once() {
        let start = Instant::now();
        let outcome = until_gone("jobs", Duration::ZERO, source(&[Some("deleting")])).await.expect("accepted");
        assert_eq!(outcome, DeleteOutcome::StillDeleting { waited: Duration::ZERO });
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn not_deleting_at_the_end_is_a_timeout() {
        let err = until_gone("jobs", CACHE_DELETE_TIMEOUT, source(&[Some("available")])).await.expect_err("timeout");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("`available`"), "{}", err.message);
    }
}
