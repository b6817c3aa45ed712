//! Load balancer waiters with named timeouts, and the bounded retry of a listener create that
//! names a certificate ELB cannot use yet, on top of [`crate::wait::wait_for`].
//!
//! Both are written against a source (any async "look at it" / "try it"), so they are
//! unit-tested with fakes under a paused clock; the real sources are DescribeLoadBalancers and
//! CreateListener.
//!
//! # Guarantees
//! * [`until_active`] returns only for state `active`; `failed` stops at once; the wait ends
//!   with a Timeout naming the load balancer and its last state after [`LB_CREATE_TIMEOUT`].
//! * [`retry_unsupported_certificate`] repeats only a call refused with `UnsupportedCertificate`
//!   (refused before anything was created), at most [`CERTIFICATE_ATTEMPTS`] times.

use crate::wait::{wait_for, Poll};
use engine::{ErrorClass, ProviderError};
use std::future::Future;
use std::time::Duration;

/// A new application load balancer is `provisioning` for a few minutes.
pub const LB_CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// DeleteLoadBalancer returns at once; the load balancer disappears from describes shortly after.
pub const LB_DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How often the load balancer is described while waiting.
pub const LB_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// Attempts of a listener create while ELB answers UnsupportedCertificate (a certificate ACM
/// has just issued takes a little while to reach ELB).
pub const CERTIFICATE_ATTEMPTS: u32 = 6;
/// The wait after the first UnsupportedCertificate; doubled after each further one.
pub const CERTIFICATE_BACKOFF: Duration = Duration::from_secs(5);

/// Waits until the load balancer `name` is `active`; `look` answers its state code, `None`
/// when it is gone.
pub async fn until_active<F, Fut>(name: &str, timeout: Duration, mut look: F) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>, ProviderError>>,
{
    let what = format!("load balancer `{name}` to be active");
    wait_for(&what, timeout, LB_POLL_INTERVAL, || {
        let seen = look();
        async move {
            Ok(match seen.await?.as_deref() {
                None => Poll::Failed("the load balancer no longer exists".to_string()),
                Some("active") => Poll::Ready(()),
                Some("failed") => Poll::Failed("state `failed`".to_string()),
                Some(state) => Poll::Pending(state.to_string()),
            })
        }
    })
    .await
}

/// Waits until the load balancer `name` is gone (`look` answers `None`).
pub async fn until_gone<F, Fut>(name: &str, timeout: Duration, mut look: F) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>, ProviderError>>,
{
    let what = format!("load balancer `{name}` to be deleted");
    wait_for(&what, timeout, LB_POLL_INTERVAL, || {
        let seen = look();
        async move {
            Ok(match seen.await? {
                None => Poll::Ready(()),
                Some(state) => Poll::Pending(state),
            })
        }
    })
    .await
}

/// Runs `call` again while it fails with UnsupportedCertificate, waiting [`CERTIFICATE_BACKOFF`]
/// (doubling) in between, at most [`CERTIFICATE_ATTEMPTS`] times; any other outcome is returned
/// at once.
pub async fn retry_unsupported_certificate<T, F, Fut>(mut call: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let mut backoff = CERTIFICATE_BACKOFF;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(e) if is_unsupported_certificate(&e) && attempt < CERTIFICATE_ATTEMPTS => {
                tracing::debug!(attempt, error = %e.message, "certificate not usable by ELB yet; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            Err(e) if is_unsupported_certificate(&e) => {
                let message = format!("{} (still refused after {CERTIFICATE_ATTEMPTS} attempts)", e.message);
                return Err(ProviderError { message, ..e });
            }
            other => return other,
        }
    }
}

fn is_unsupported_certificate(e: &ProviderError) -> bool {
    e.class == ErrorClass::Conflict && e.message.contains("UnsupportedCertificate")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::time::Instant;

    fn state(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[tokio::test(start_paused = true)]
    async fn provisioning_then_active() {
        let looks = AtomicUsize::new(0);
        let start = Instant::now();
        until_active("web", LB_CREATE_TIMEOUT, || async {
            Ok(if looks.fetch_add(1, Ordering::SeqCst) < 3 { state("provisioning") } else { state("active") })
        })
        .await
        .expect("active");
        assert_eq!(looks.load(Ordering::SeqCst), 4);
        assert_eq!(start.elapsed(), LB_POLL_INTERVAL * 3);
    }

    #[tokio::test(start_paused = true)]
    async fn stuck_provisioning_times_out_naming_the_load_balancer() {
        let start = Instant::now();
        let err = until_active("web", LB_CREATE_TIMEOUT, || async { Ok(state("provisioning")) })
            .await
            .expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("load balancer `web` to be active"), "{}", err.message);
        assert!(err.message.contains("`provisioning`"), "{}", err.message);
        assert_eq!(start.elapsed(), LB_CREATE_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn failed_or_vanished_stops_at_once() {
        let err = until_active("web", LB_CREATE_TIMEOUT, || async { Ok(state("failed")) }).await.expect_err("fails");
        assert_eq!(err.class, ErrorClass::Other);
        assert!(err.message.contains("`web`") && err.message.contains("failed"), "{}", err.message);
        let gone = until_active("web", LB_CREATE_TIMEOUT, || async { Ok(None) }).await.expect_err("fails");
        assert!(gone.message.contains("no longer exists"), "{}", gone.message);
    }

    #[tokio::test(start_paused = true)]
    async fn deleting_waits_until_gone() {
        let looks = AtomicUsize::new(0);
        until_gone("web", LB_DELETE_TIMEOUT, || async {
            Ok(if looks.fetch_add(1, Ordering::SeqCst) < 2 { state("active") } else { None })
        })
        .await
        .expect("gone");
        assert_eq!(looks.load(Ordering::SeqCst), 3);
        let err = until_gone("web", LB_DELETE_TIMEOUT, || async { Ok(state("active")) }).await.expect_err("times out");
        assert!(err.message.contains("load balancer `web` to be deleted"), "{}", err.message);
    }

    fn unsupported() -> ProviderError {
        ProviderError::new(ErrorClass::Conflict, "CreateListener: UnsupportedCertificate: not supported yet")
    }

    #[tokio::test(start_paused = true)]
    async fn unsupported_certificate_is_retried_with_backoff_until_it_works() {
        let calls = AtomicUsize::new(0);
        let start = Instant::now();
        let got = retry_unsupported_certificate(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0..=2 => Err(unsupported()),
                n => Ok(n),
            }
        })
        .await
        .expect("works on the fourth attempt");
        assert_eq!(got, 3);
        assert_eq!(start.elapsed(), CERTIFICATE_BACKOFF * (1 + 2 + 4), "5 s, 10 s, 20 s between attempts");
    }

    #[tokio::test(start_paused = true)]
    async fn unsupported_certificate_gives_up_after_the_bound_and_other_errors_at_once() {
        let calls = AtomicUsize::new(0);
        let err = retry_unsupported_certificate::<(), _, _>(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(unsupported())
        })
        .await
        .expect_err("gives up");
        assert_eq!(calls.load(Ordering::SeqCst), CERTIFICATE_ATTEMPTS as usize);
        assert!(err.message.contains("after 6 attempts"), "{}", err.message);

        let calls = AtomicUsize::new(0);
        let err = retry_unsupported_certificate::<(), _, _>(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::new(ErrorClass::NotFound, "CreateListener: CertificateNotFound: nope"))
        })
        .await
        .expect_err("fails");
        assert_eq!((calls.load(Ordering::SeqCst), err.class), (1, ErrorClass::NotFound));
    }
}
