//! The public endpoints, checked only when a URL is given (`PLINTH_PUBLIC_URL`): the emulator
//! serves none, and an endpoint that cannot be reached never passes. `GET /health` answers 200;
//! only TLS 1.2 and 1.3 are negotiated (ELB.17, seen from the client); responses carry HSTS,
//! `X-Content-Type-Options: nosniff` and `X-Frame-Options` or a CSP `frame-ancestors`; plain HTTP
//! is redirected to HTTPS with a 301 (ELB.1); a burst from one client is answered 403 by the WAF's
//! rate limit before a bounded number of requests.
//!
//! The checkers are plain functions of a [`Endpoints`] so they can be tried against local servers
//! (`tests/tests/deployed/endpoint_checkers.rs`).

pub mod http;
pub mod tls;

use super::Check;
use http::Url;
use rustls::RootCertStore;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const AREA: &str = "endpoints";

/// How hard the rate-limit check pushes: at most `max_requests` within `deadline`, from
/// `threads` connections at a time, stopping at the first 403.
#[derive(Debug, Clone)]
pub struct Burst {
    pub max_requests: usize,
    pub deadline: Duration,
    pub threads: usize,
}

impl Burst {
    /// Enough to cross a WAF rate limit of `limit` requests per 5 minutes per client, bounded:
    /// three times the limit, for at most 4 minutes (AWS WAF acts within about a minute).
    pub fn past(limit: i64) -> Burst {
        Burst { max_requests: (limit.max(1) as usize) * 3, deadline: Duration::from_secs(240), threads: 8 }
    }
}

/// One public endpoint and how to reach it.
pub struct Endpoints {
    /// The HTTPS base URL.
    pub url: Url,
    /// The port plain HTTP is served on (80 in AWS).
    pub http_port: u16,
    pub roots: Arc<RootCertStore>,
    pub timeout: Duration,
    pub burst: Burst,
}

/// The system's trusted roots (for deployed environments).
pub fn system_roots() -> Result<RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(format!("no trusted root certificates found on this machine: {:?}", found.errors));
    }
    Ok(roots)
}

impl Endpoints {
    /// Every endpoint check, in order.
    pub fn checks(&self) -> Vec<Check> {
        vec![self.health(), self.tls_versions(), self.security_headers(), self.redirect(), self.rate_limit()]
    }

    fn config(&self) -> Arc<rustls::ClientConfig> {
        tls::client_config(self.roots.clone(), &[])
    }

    fn get(&self, path: &str) -> Result<http::Response, String> {
        http::get(&self.url.at(path), &self.config(), self.timeout)
    }

    pub fn health(&self) -> Check {
        let mut check = Check::new(AREA, None, "GET /health answers 200");
        let object = self.url.at("/health");
        match self.get("/health") {
            Ok(response) => check.expect(&object, response.status == 200, format!("answered {}", response.status)),
            Err(e) => check.fail(&object, e),
        };
        check
    }

    pub fn tls_versions(&self) -> Check {
        let mut check = Check::new(AREA, Some("ELB.17"), "only TLS 1.2 and 1.3 are negotiated");
        let (host, port) = (self.url.host.as_str(), self.url.port);
        let object = format!("{host}:{port}");
        for (label, version) in [("TLS 1.0", tls::TLS10), ("TLS 1.1", tls::TLS11)] {
            match tls::probe_legacy(host, port, version, self.timeout) {
                Ok(tls::Answer::Refused(_)) => {
                    check.saw();
                }
                Ok(tls::Answer::Accepted(_)) => {
                    check.expect(&object, false, format!("{label} is accepted"));
                }
                Err(e) => {
                    check.fail(&object, format!("{label} probe: {e}"));
                }
            }
        }
        let modern: Vec<Result<rustls::ProtocolVersion, String>> = [&rustls::version::TLS12, &rustls::version::TLS13]
            .into_iter()
            .map(|v| tls::handshake(host, port, tls::client_config(self.roots.clone(), &[v]), self.timeout))
            .collect();
        if modern.iter().all(Result::is_err) {
            let errors: Vec<String> = modern.into_iter().filter_map(Result::err).collect();
            check.fail(&object, format!("neither TLS 1.2 nor TLS 1.3 completes: {errors:?}"));
        }
        check
    }

    pub fn security_headers(&self) -> Check {
        let mut check = Check::new(AREA, None, "responses carry HSTS, X-Content-Type-Options and X-Frame-Options or a CSP frame-ancestors");
        let object = self.url.at("/health");
        let response = match self.get("/health") {
            Ok(response) => response,
            Err(e) => {
                check.fail(&object, e);
                return check;
            }
        };
        check.expect(&object, hsts_ok(response.header("strict-transport-security")), format!("Strict-Transport-Security is {:?}", response.header("strict-transport-security")));
        let nosniff = response.header("x-content-type-options").is_some_and(|v| v.eq_ignore_ascii_case("nosniff"));
        check.expect(&object, nosniff, format!("X-Content-Type-Options is {:?}", response.header("x-content-type-options")));
        let frame = response.header("x-frame-options").is_some_and(|v| v.eq_ignore_ascii_case("DENY") || v.eq_ignore_ascii_case("SAMEORIGIN"));
        let csp = response.header("content-security-policy").is_some_and(|v| v.contains("frame-ancestors"));
        check.expect(&object, frame || csp, "neither X-Frame-Options (DENY/SAMEORIGIN) nor a CSP with frame-ancestors");
        check
    }

    pub fn redirect(&self) -> Check {
        let mut check = Check::new(AREA, Some("ELB.1"), "plain HTTP answers 301 to the same host over HTTPS");
        let plain = self.url.plain(self.http_port).at("/");
        match http::get(&plain, &self.config(), self.timeout) {
            Ok(response) => {
                let location = response.header("location").unwrap_or_default().to_string();
                let https = location.starts_with(&format!("https://{}", self.url.host));
                check.expect(&plain, response.status == 301 && https, format!("answered {} with Location {location:?}", response.status));
            }
            Err(e) => {
                check.fail(&plain, e);
            }
        }
        check
    }

    /// Sends the burst; passes at the first 403.
    pub fn rate_limit(&self) -> Check {
        let b = &self.burst;
        let mut check = Check::new(AREA, None, format!("the WAF answers 403 to a burst (at most {} requests in {:?})", b.max_requests, b.deadline));
        let object = self.url.at("/health");
        let (sent, blocked, errors) = (AtomicUsize::new(0), AtomicBool::new(false), Mutex::new(Vec::new()));
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..b.threads.max(1) {
                scope.spawn(|| {
                    while !blocked.load(Ordering::Relaxed) && started.elapsed() < b.deadline {
                        if sent.fetch_add(1, Ordering::Relaxed) >= b.max_requests {
                            break;
                        }
                        match self.get("/health") {
                            Ok(r) if r.status == 403 => blocked.store(true, Ordering::Relaxed),
                            Ok(_) => {}
                            Err(e) => errors.lock().unwrap_or_else(|p| p.into_inner()).push(e),
                        }
                    }
                });
            }
        });
        let sent = sent.load(Ordering::Relaxed).min(b.max_requests);
        let errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
        let problem = match errors.first() {
            Some(first) => format!("no 403 after {sent} requests in {:.0?}; {} failed, first: {first}", started.elapsed(), errors.len()),
            None => format!("no 403 after {sent} requests in {:.0?}", started.elapsed()),
        };
        check.expect(&object, blocked.load(Ordering::Relaxed), problem);
        check
    }
}

/// HSTS with a positive `max-age`.
fn hsts_ok(value: Option<&str>) -> bool {
    value
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .any(|age| age.trim_matches('"').parse::<u64>().is_ok_and(|a| a > 0))
}
