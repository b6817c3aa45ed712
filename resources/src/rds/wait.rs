//! DB instance waiters with named timeouts, on top of the generic [`crate::wait::wait_for`].
//!
//! The waiting logic is written against a status source (any async "look at the instance"
//! returning something with a status), so it is unit-tested with a fake that stays `creating`
//! or `modifying`; the real source is DescribeDBInstances through [`find_db_instance`].

use super::find::find_db_instance;
use crate::wait::{wait_for, Poll};
use crate::AwsContext;
use aws_sdk_rds::types::{DbInstance, PendingModifiedValues};
use engine::ProviderError;
use std::future::Future;
use std::time::Duration;

/// A new instance takes 5–20 minutes in AWS; Multi-AZ and encrypted ones take longer.
pub const DB_CREATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
/// Class changes and storage growth can take long (storage optimization runs for hours, but
/// the instance is `available` again well before it ends).
pub const DB_UPDATE_TIMEOUT: Duration = Duration::from_secs(80 * 60);
/// Deletion, including a final snapshot.
pub const DB_DELETE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
/// How often the instance is described while waiting.
pub const DB_POLL_INTERVAL: Duration = Duration::from_secs(15);

/// Statuses an instance never leaves by itself: waiting longer will not help.
const FAILED_STATUSES: &[&str] = &[
    "failed",
    "incompatible-network",
    "incompatible-option-group",
    "incompatible-parameters",
    "incompatible-restore",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "restore-error",
];

/// What a waiter needs to know about one look at an instance.
pub trait DbState {
    fn status(&self) -> &str;
    /// Modifications accepted but not applied yet (PendingModifiedValues not empty).
    fn has_pending_changes(&self) -> bool;
}

impl DbState for DbInstance {
    fn status(&self) -> &str {
        self.db_instance_status().unwrap_or("unknown")
    }

    fn has_pending_changes(&self) -> bool {
        self.pending_modified_values().is_some_and(|p| *p != PendingModifiedValues::builder().build())
    }
}

/// Waits until the instance is `available`; with `applied`, also until no modification is
/// pending. AWS may still answer `available` for a moment right after ModifyDBInstance, but
/// the pending values are there at once, so a wait after an immediate modification needs both.
pub async fn until_available<T, F, Fut>(
    identifier: &str,
    timeout: Duration,
    applied: bool,
    mut look: F,
) -> Result<T, ProviderError>
where
    T: DbState,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ProviderError>>,
{
    let what = format!("DB instance `{identifier}` to be available");
    wait_for(&what, timeout, DB_POLL_INTERVAL, || {
        let seen = look();
        async move { Ok(available_poll(seen.await?, applied)) }
    })
    .await
}

/// Waits until the instance is gone (DescribeDBInstances says DBInstanceNotFound).
pub async fn until_gone<T, F, Fut>(identifier: &str, timeout: Duration, mut look: F) -> Result<(), ProviderError>
where
    T: DbState,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ProviderError>>,
{
    let what = format!("DB instance `{identifier}` to be deleted");
    wait_for(&what, timeout, DB_POLL_INTERVAL, || {
        let seen = look();
        async move {
            Ok(match seen.await? {
                None => Poll::Ready(()),
                Some(db) => Poll::Pending(db.status().to_string()),
            })
        }
    })
    .await
}

fn available_poll<T: DbState>(seen: Option<T>, applied: bool) -> Poll<T> {
    let Some(db) = seen else {
        return Poll::Failed("the DB instance no longer exists".to_string());
    };
    match db.status() {
        "available" if applied && db.has_pending_changes() => {
            Poll::Pending("available, modifications pending".to_string())
        }
        "available" => Poll::Ready(db),
        s if FAILED_STATUSES.contains(&s) => Poll::Failed(format!("status `{s}`")),
        s => Poll::Pending(s.to_string()),
    }
}

/// Waits for the real instance to be available; returns what the last describe saw.
pub async fn wait_available(
    cx: &AwsContext,
    identifier: &str,
    timeout: Duration,
    applied: bool,
) -> Result<DbInstance, ProviderError> {
    until_available(identifier, timeout, applied, || find_db_instance(cx, identifier)).await
}

/// Waits for the real instance to be gone.
pub async fn wait_gone(cx: &AwsContext, identifier: &str, timeout: Duration) -> Result<(), ProviderError> {
    until_gone(identifier, timeout, || find_db_instance(cx, identifier)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::ErrorClass;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::time::Instant;

    #[derive(Debug, Clone, PartialEq)]
    struct Fake {
        status: &'static str,
        pending: bool,
    }

    impl DbState for Fake {
        fn status(&self) -> &str {
            self.status
        }
        fn has_pending_changes(&self) -> bool {
            self.pending
        }
    }

    fn fake(status: &'static str) -> Option<Fake> {
        Some(Fake { status, pending: false })
    }

    #[tokio::test(start_paused = true)]
    async fn creating_then_available() {
        let looks = AtomicUsize::new(0);
        let start = Instant::now();
        let db = until_available("plinth-db", DB_CREATE_TIMEOUT, false, || async {
            let n = looks.fetch_add(1, Ordering::SeqCst);
            Ok(match n {
                0..=3 => fake("creating"),
                4 => fake("backing-up"),
                _ => fake("available"),
            })
        })
        .await
        .expect("becomes available");
        assert_eq!(db.status, "available");
        assert_eq!(looks.load(Ordering::SeqCst), 6);
        assert_eq!(start.elapsed(), DB_POLL_INTERVAL * 5);
    }

    #[tokio::test(start_paused = true)]
    async fn stuck_modifying_times_out_naming_the_db_and_status() {
        let start = Instant::now();
        let err = until_available("plinth-db", DB_UPDATE_TIMEOUT, true, || async { Ok(fake("modifying")) })
            .await
            .expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("DB instance `plinth-db` to be available"), "{}", err.message);
        assert!(err.message.contains("`modifying`"), "{}", err.message);
        assert_eq!(start.elapsed(), DB_UPDATE_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn applied_waits_out_pending_modifications() {
        let looks = AtomicUsize::new(0);
        let db = until_available("plinth-db", DB_UPDATE_TIMEOUT, true, || async {
            let n = looks.fetch_add(1, Ordering::SeqCst);
            Ok(Some(match n {
                0 => Fake { status: "available", pending: true },
                1 => Fake { status: "modifying", pending: true },
                _ => Fake { status: "available", pending: false },
            }))
        })
        .await
        .expect("applied");
        assert!(!db.pending);
        assert_eq!(looks.load(Ordering::SeqCst), 3);
        // Without `applied` (apply_immediately off) pending values wait for the maintenance window.
        let now = until_available("plinth-db", DB_UPDATE_TIMEOUT, false, || async {
            Ok(Some(Fake { status: "available", pending: true }))
        })
        .await
        .expect("available");
        assert!(now.pending);
    }

    #[tokio::test(start_paused = true)]
    async fn terminal_status_and_disappearance_fail_at_once() {
        let err =
            until_available("plinth-db", DB_CREATE_TIMEOUT, false, || async { Ok(fake("incompatible-parameters")) })
                .await
                .expect_err("fails");
        assert_eq!(err.class, ErrorClass::Other);
        assert!(
            err.message.contains("`plinth-db`") && err.message.contains("incompatible-parameters"),
            "{}",
            err.message
        );
        let gone = until_available::<Fake, _, _>("plinth-db", DB_CREATE_TIMEOUT, false, || async { Ok(None) })
            .await
            .expect_err("fails");
        assert!(gone.message.contains("no longer exists"), "{}", gone.message);
    }

    #[tokio::test(start_paused = true)]
    async fn deleting_then_gone() {
        let looks = AtomicUsize::new(0);
        until_gone("plinth-db", DB_DELETE_TIMEOUT, || async {
            Ok(if looks.fetch_add(1, Ordering::SeqCst) < 3 { fake("deleting") } else { None })
        })
        .await
        .expect("gone");
        assert_eq!(looks.load(Ordering::SeqCst), 4);
        let err =
            until_gone("plinth-db", DB_DELETE_TIMEOUT, || async { Ok(fake("deleting")) }).await.expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(
            err.message.contains("`plinth-db` to be deleted") && err.message.contains("`deleting`"),
            "{}",
            err.message
        );
    }
}
