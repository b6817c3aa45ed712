//! A generic waiter: poll a cloud object until it reaches a wanted state, fails, or a named
//! timeout runs out.
//!
//! Every service's waiters are a `poll` closure around one describe call plus a named timeout
//! constant (`NAT_CREATE_TIMEOUT`, ...). The first poll happens at once, so an object that is
//! ready immediately (as in the emulator) costs one call and no sleep.

use engine::{ErrorClass, ProviderError};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// What one poll saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll<T> {
    /// The wanted state, with what the caller needs from it.
    Ready(T),
    /// Not there yet; the current status, reported if the wait times out.
    Pending(String),
    /// A terminal state that will never become the wanted one.
    Failed(String),
}

/// Polls every `interval` until `poll` answers `Ready` or `Failed`, or `timeout` runs out.
///
/// A timeout is `ErrorClass::Timeout` with a message naming `what` and the last status seen;
/// a `Failed` poll is `ErrorClass::Other` naming the failure; a poll error is returned as is.
pub async fn wait_for<T, F, Fut>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut poll: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, ProviderError>>,
{
    let deadline = Instant::now() + timeout;
    let mut polls = 0usize;
    loop {
        polls += 1;
        let status = match poll().await? {
            Poll::Ready(value) => return Ok(value),
            Poll::Failed(why) => {
                return Err(ProviderError::new(ErrorClass::Other, format!("{what} failed: {why}")));
            }
            Poll::Pending(status) => status,
        };
        let now = Instant::now();
        if now >= deadline {
            let message =
                format!("timed out after {timeout:?} waiting for {what}: still `{status}` after {polls} polls");
            return Err(ProviderError::new(ErrorClass::Timeout, message));
        }
        tracing::debug!(what, status = %status, "waiting");
        tokio::time::sleep(interval.min(deadline - now)).await;
    }
}

/// How long a just-created object may stay invisible to other calls (EC2 is eventually consistent).
pub const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(120);
/// Time between two attempts while a just-created object is not visible yet.
pub const VISIBILITY_INTERVAL: Duration = Duration::from_secs(2);

/// Runs `call` until it stops failing with NotFound: for the first calls on an object that was
/// just created and may not be visible yet. Any other error is returned at once. Wrap only calls
/// whose NotFound can mean nothing but "the new object", never ones naming user-given ids.
pub async fn until_visible<T, F, Fut>(what: &str, call: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let what = format!("{what} to become visible");
    let not_found = |e: &ProviderError| e.is_not_found().then(|| format!("not found ({})", e.message));
    retry_while(&what, VISIBILITY_TIMEOUT, VISIBILITY_INTERVAL, not_found, call).await
}

/// Runs `call` again every `interval` while it fails with an error `pending` recognizes (its
/// answer is the status reported if `timeout` runs out); any other error is returned at once.
pub async fn retry_while<T, F, Fut>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    pending: impl Fn(&ProviderError) -> Option<String>,
    mut call: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    wait_for(what, timeout, interval, || {
        let attempt = call();
        let pending = &pending;
        async move {
            match attempt.await {
                Ok(value) => Ok(Poll::Ready(value)),
                Err(e) => match pending(&e) {
                    Some(status) => Ok(Poll::Pending(status)),
                    None => Err(e),
                },
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const INTERVAL: Duration = Duration::from_secs(5);
    const TIMEOUT: Duration = Duration::from_secs(600);

    #[tokio::test(start_paused = true)]
    async fn ready_after_some_pending_polls() {
        let calls = AtomicUsize::new(0);
        let start = Instant::now();
        let got = wait_for("nat gateway nat-1 to be available", TIMEOUT, INTERVAL, || async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            Ok(if n < 3 { Poll::Pending("pending".to_string()) } else { Poll::Ready(n) })
        })
        .await
        .expect("becomes ready");
        assert_eq!(got, 3);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(start.elapsed(), INTERVAL * 3, "sleeps once between each pair of polls");
    }

    #[tokio::test(start_paused = true)]
    async fn ready_at_once_does_not_sleep() {
        let start = Instant::now();
        let got = wait_for("x", TIMEOUT, INTERVAL, || async { Ok(Poll::Ready("done")) }).await;
        assert_eq!(got.expect("ready"), "done");
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn never_ready_times_out_naming_what_and_status() {
        let start = Instant::now();
        let err = wait_for::<(), _, _>("nat gateway nat-1 to be available", TIMEOUT, INTERVAL, || async {
            Ok(Poll::Pending("pending".to_string()))
        })
        .await
        .expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("nat gateway nat-1 to be available"), "{}", err.message);
        assert!(err.message.contains("`pending`"), "{}", err.message);
        assert_eq!(start.elapsed(), TIMEOUT, "gives up exactly at the deadline");
    }

    #[tokio::test(start_paused = true)]
    async fn failed_state_stops_waiting() {
        let calls = AtomicUsize::new(0);
        let err = wait_for::<(), _, _>("nat gateway nat-1 to be available", TIMEOUT, INTERVAL, || async {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Ok(Poll::Pending("pending".to_string()))
            } else {
                Ok(Poll::Failed("failed: Elastic IP address is already associated".to_string()))
            }
        })
        .await
        .expect_err("fails");
        assert_eq!(err.class, ErrorClass::Other);
        assert!(err.message.contains("already associated"), "{}", err.message);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn until_visible_retries_only_not_found() {
        let calls = AtomicUsize::new(0);
        let got = until_visible("route table rtb-1", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(ProviderError::new(ErrorClass::NotFound, "InvalidRouteTableID.NotFound")),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(got.expect("visible on the third try"), 2);

        let err = until_visible::<(), _, _>("route table rtb-1", || async {
            Err(ProviderError::new(ErrorClass::Invalid, "InvalidParameterValue"))
        })
        .await
        .expect_err("other errors are not retried");
        assert_eq!(err.class, ErrorClass::Invalid);

        let start = Instant::now();
        let err = until_visible::<(), _, _>("security group sg-1", || async {
            Err(ProviderError::new(ErrorClass::NotFound, "InvalidGroup.NotFound"))
        })
        .await
        .expect_err("gives up");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("security group sg-1 to become visible"), "{}", err.message);
        assert_eq!(start.elapsed(), VISIBILITY_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn poll_errors_propagate() {
        let err = wait_for::<(), _, _>("x", TIMEOUT, INTERVAL, || async {
            Err(ProviderError::new(ErrorClass::AccessDenied, "DescribeNatGateways: denied"))
        })
        .await
        .expect_err("error");
        assert_eq!(err.class, ErrorClass::AccessDenied);
    }
}
