//! Certificate waiters with named timeouts, on top of the generic [`crate::wait::wait_for`]:
//! until a requested certificate is ISSUED (DNS validation done), and a delete retried while a
//! load balancer listener still holds the certificate.
//!
//! Both are written against a source of looks / attempts, so they are unit-tested with fakes
//! (tokio's paused clock); the real source is DescribeCertificate / DeleteCertificate.
//!
//! # Guarantees
//! * A wait that times out or ends in a terminal status names the certificate, its last status
//!   and the DNS validation records the user must create (or says ACM has not published them).
//! * A delete is retried only while it fails with Conflict (ResourceInUseException), at most
//!   until [`CERT_DELETE_TIMEOUT`]; already gone is done.

use super::ValidationRecord;
use crate::wait::{wait_for, Poll};
use engine::{ErrorClass, ProviderError};
use std::future::Future;
use std::time::Duration;

/// DNS validation takes minutes once the records exist; ACM gives up after 72 hours, Plinth
/// after this (the records are in the error, so the user can create them and run again).
pub const CERT_ISSUE_TIMEOUT: Duration = Duration::from_secs(45 * 60);
/// How often the certificate is described while waiting for it to be issued.
pub const CERT_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// How long a delete is retried while a listener still uses the certificate (ELB lets go of a
/// replaced listener certificate a little after the listener was changed).
pub const CERT_DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Time between two delete attempts.
pub const CERT_DELETE_INTERVAL: Duration = Duration::from_secs(15);

/// One look at a certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct CertState {
    /// ACM's status (PENDING_VALIDATION, ISSUED, FAILED, VALIDATION_TIMED_OUT, ...).
    pub status: String,
    /// Why a FAILED certificate failed.
    pub failure_reason: Option<String>,
    pub records: Vec<ValidationRecord>,
}

/// Statuses a requested certificate never leaves by itself.
const FAILED_STATUSES: &[&str] = &["FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE"];

/// The records to create, in one line.
pub fn records_hint(records: &[ValidationRecord]) -> String {
    if records.is_empty() {
        return "ACM has not published the DNS validation records yet".to_string();
    }
    let each: Vec<String> = records.iter().map(|r| format!("{} {} {}", r.name, r.record_type, r.value)).collect();
    format!("create these DNS validation records: {}", each.join(", "))
}

fn issued_poll(seen: Option<CertState>) -> Poll<CertState> {
    let Some(cert) = seen else {
        return Poll::Failed("the certificate no longer exists".to_string());
    };
    match cert.status.as_str() {
        "ISSUED" => Poll::Ready(cert),
        s if FAILED_STATUSES.contains(&s) => {
            let reason = cert.failure_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            Poll::Failed(format!("status `{s}`{reason}; {}", records_hint(&cert.records)))
        }
        s => Poll::Pending(format!("{s}; {}", records_hint(&cert.records))),
    }
}

/// Waits until certificate `arn` is ISSUED; returns the last look.
pub async fn until_issued<F, Fut>(arn: &str, timeout: Duration, mut look: F) -> Result<CertState, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<CertState>, ProviderError>>,
{
    let what = format!("certificate {arn} to be issued");
    wait_for(&what, timeout, CERT_POLL_INTERVAL, || {
        let seen = look();
        async move { Ok(issued_poll(seen.await?)) }
    })
    .await
}

/// Runs `delete` until it succeeds or finds the certificate gone, retrying while it fails with
/// Conflict (still in use) for at most `timeout`. Any other failure is returned at once.
pub async fn delete_when_released<F, Fut>(arn: &str, timeout: Duration, mut delete: F) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), ProviderError>>,
{
    let what = format!("certificate {arn} to be released by the load balancers using it");
    wait_for(&what, timeout, CERT_DELETE_INTERVAL, || {
        let attempt = delete();
        async move {
            match attempt.await {
                Ok(()) => Ok(Poll::Ready(())),
                Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                Err(e) if e.class == ErrorClass::Conflict => Ok(Poll::Pending(format!("in use ({})", e.message))),
                Err(e) => Err(e),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::time::Instant;

    const ARN: &str = "arn:aws:acm:us-east-1:123456789012:certificate/abc";

    fn record() -> ValidationRecord {
        ValidationRecord {
            name: "_x.example.com.".into(),
            record_type: "CNAME".into(),
            value: "_y.acm-validations.aws.".into(),
        }
    }

    fn state(status: &str) -> Option<CertState> {
        Some(CertState { status: status.into(), failure_reason: None, records: vec![record()] })
    }

    #[tokio::test(start_paused = true)]
    async fn pending_then_issued() {
        let looks = AtomicUsize::new(0);
        let start = Instant::now();
        let cert = until_issued(ARN, CERT_ISSUE_TIMEOUT, || async {
            Ok(if looks.fetch_add(1, Ordering::SeqCst) < 2 { state("PENDING_VALIDATION") } else { state("ISSUED") })
        })
        .await
        .expect("issued");
        assert_eq!(cert.status, "ISSUED");
        assert_eq!(looks.load(Ordering::SeqCst), 3);
        assert_eq!(start.elapsed(), CERT_POLL_INTERVAL * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_names_the_certificate_status_and_records() {
        let start = Instant::now();
        let err = until_issued(ARN, CERT_ISSUE_TIMEOUT, || async { Ok(state("PENDING_VALIDATION")) })
            .await
            .expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert_eq!(start.elapsed(), CERT_ISSUE_TIMEOUT);
        for part in [ARN, "PENDING_VALIDATION", "_x.example.com. CNAME _y.acm-validations.aws."] {
            assert!(err.message.contains(part), "{part} missing: {}", err.message);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn failed_or_timed_out_validation_stops_at_once() {
        for status in ["FAILED", "VALIDATION_TIMED_OUT"] {
            let looks = AtomicUsize::new(0);
            let err = until_issued(ARN, CERT_ISSUE_TIMEOUT, || async {
                looks.fetch_add(1, Ordering::SeqCst);
                let mut seen = state(status);
                if let Some(s) = seen.as_mut() {
                    s.failure_reason = Some("CAA_ERROR".into());
                }
                Ok(seen)
            })
            .await
            .expect_err("fails");
            assert_eq!(err.class, ErrorClass::Other);
            assert_eq!(looks.load(Ordering::SeqCst), 1);
            assert!(err.message.contains(status) && err.message.contains(ARN), "{}", err.message);
            assert!(status != "FAILED" || err.message.contains("CAA_ERROR"), "{}", err.message);
        }
        let gone = until_issued(ARN, CERT_ISSUE_TIMEOUT, || async { Ok(None) }).await.expect_err("gone");
        assert!(gone.message.contains("no longer exists"), "{}", gone.message);
    }

    #[test]
    fn no_records_yet_is_said() {
        assert_eq!(records_hint(&[]), "ACM has not published the DNS validation records yet");
    }

    #[tokio::test(start_paused = true)]
    async fn delete_is_retried_while_in_use_then_succeeds() {
        let tries = AtomicUsize::new(0);
        let start = Instant::now();
        delete_when_released(ARN, CERT_DELETE_TIMEOUT, || async {
            if tries.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(ProviderError::new(ErrorClass::Conflict, "DeleteCertificate: ResourceInUseException"))
            } else {
                Ok(())
            }
        })
        .await
        .expect("deleted");
        assert_eq!(tries.load(Ordering::SeqCst), 3);
        assert_eq!(start.elapsed(), CERT_DELETE_INTERVAL * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn delete_gives_up_while_still_in_use_and_does_not_retry_other_errors() {
        let err = delete_when_released(ARN, CERT_DELETE_TIMEOUT, || async {
            Err(ProviderError::new(ErrorClass::Conflict, "DeleteCertificate: ResourceInUseException"))
        })
        .await
        .expect_err("gives up");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains(ARN) && err.message.contains("ResourceInUseException"), "{}", err.message);
        let tries = AtomicUsize::new(0);
        let err = delete_when_released(ARN, CERT_DELETE_TIMEOUT, || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::new(ErrorClass::AccessDenied, "denied"))
        })
        .await
        .expect_err("denied");
        assert_eq!((err.class, tries.load(Ordering::SeqCst)), (ErrorClass::AccessDenied, 1));
        delete_when_released(ARN, CERT_DELETE_TIMEOUT, || async {
            Err(ProviderError::new(ErrorClass::NotFound, "gone"))
        })
        .await
        .expect("already gone is done");
    }
}
