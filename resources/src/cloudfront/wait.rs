//! Waiting for a distribution to be `Deployed` (its last change has reached every edge
//! location), with a named timeout, on top of [`crate::wait::wait_for`]. Needed before a
//! disabled distribution can be deleted.
//!
//! The logic is written against a status source (any async "look at the distribution"), so it
//! is unit-tested with a fake that stays `InProgress`; the real source is GetDistribution.

use crate::error::{classify, none_if_not_found};
use crate::wait::{wait_for, Poll};
use crate::AwsContext;
use engine::ProviderError;
use std::future::Future;
use std::time::Duration;

/// A configuration change takes a few minutes to reach every edge location, sometimes more.
pub const DISTRIBUTION_DEPLOY_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How often the distribution is looked at while waiting.
pub const DISTRIBUTION_POLL_INTERVAL: Duration = Duration::from_secs(20);

/// Waits until `look` reports the status `Deployed` (`Ok(true)`) or the distribution is gone
/// (`Ok(false)`: nothing left to wait for).
pub async fn until_deployed<F, Fut>(id: &str, timeout: Duration, mut look: F) -> Result<bool, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>, ProviderError>>,
{
    let what = format!("CloudFront distribution {id} to be deployed");
    wait_for(&what, timeout, DISTRIBUTION_POLL_INTERVAL, || {
        let seen = look();
        async move {
            Ok(match seen.await? {
                Some(status) if status == "Deployed" => Poll::Ready(true),
                Some(status) => Poll::Pending(status),
                None => Poll::Ready(false),
            })
        }
    })
    .await
}

/// The distribution's status (GetDistribution), `None` when it is gone.
pub async fn status(cx: &AwsContext, id: &str) -> Result<Option<String>, ProviderError> {
    let out = cx.cloudfront().get_distribution().id(id).send().await;
    let out = none_if_not_found(out.map_err(|e| classify("GetDistribution", e)))?;
    Ok(out.and_then(|o| o.distribution().map(|d| d.status().to_string())))
}

/// Waits for the real distribution to be deployed; `false` when it is gone.
pub async fn wait_deployed(cx: &AwsContext, id: &str) -> Result<bool, ProviderError> {
    until_deployed(id, DISTRIBUTION_DEPLOY_TIMEOUT, || status(cx, id)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::ErrorClass;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn in_progress_then_deployed() {
        let looks = AtomicUsize::new(0);
        let start = Instant::now();
        let deployed = until_deployed("E1", DISTRIBUTION_DEPLOY_TIMEOUT, || async {
            let n = looks.fetch_add(1, Ordering::SeqCst);
            Ok(Some(if n < 3 { "InProgress" } else { "Deployed" }.to_string()))
        })
        .await
        .expect("deployed");
        assert!(deployed);
        assert_eq!(looks.load(Ordering::SeqCst), 4);
        assert_eq!(start.elapsed(), DISTRIBUTION_POLL_INTERVAL * 3);
    }

    #[tokio::test(start_paused = true)]
    async fn stuck_in_progress_times_out_naming_the_distribution() {
        let start = Instant::now();
        let err = until_deployed("E1", DISTRIBUTION_DEPLOY_TIMEOUT, || async { Ok(Some("InProgress".to_string())) })
            .await
            .expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("distribution E1 to be deployed") && err.message.contains("`InProgress`"));
        assert_eq!(start.elapsed(), DISTRIBUTION_DEPLOY_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn a_vanished_distribution_ends_the_wait_at_once() {
        let start = Instant::now();
        let deployed = until_deployed("E1", DISTRIBUTION_DEPLOY_TIMEOUT, || async { Ok(None) }).await.expect("gone");
        assert!(!deployed);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
