//! The HTTP probe of an endpoint: a GET of each path (concurrently, each within a short
//! timeout) through hyper with rustls (the same HTTP stack the SDK uses, already in the lock: no
//! new heavy dependency, no SDK), classified by [`classify`] (pure).
//!
//! # Guarantees
//! * Never panics and never hangs: a name that does not resolve, a refused connection, a TLS
//!   failure or no answer within the timeout is a failed GET with its reason; when no path
//!   answered the endpoint is `unknown` saying why.
//! * Redirects are not followed (a 3xx is an answer, degraded): the probe says what the endpoint
//!   itself answers.

use super::{Check, Status};
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The default probe timeout: a health endpoint answers in milliseconds; a few seconds tolerate
/// a cold start without making `health` slow when the endpoint is unreachable.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// What one GET did: the status code and how long it took, or why it failed.
pub type Outcome = Result<(u16, Duration), String>;

/// An HTTP(S) client trusting the system's roots. Without any (a bare container), HTTPS fails
/// verification per request, saying so, and HTTP still works.
fn client() -> (HttpsClient, Option<String>) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let (builder, note) = match hyper_rustls::HttpsConnectorBuilder::new().with_provider_and_native_roots(provider.clone()) {
        Ok(b) => (b, None),
        Err(e) => {
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|c| c.with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth());
            match config {
                Ok(config) => (hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config), Some(e.to_string())),
                Err(e) => {
                    let fallback = rustls::ClientConfig::builder()
                        .with_root_certificates(rustls::RootCertStore::empty())
                        .with_no_client_auth();
                    (hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(fallback), Some(e.to_string()))
                }
            }
        }
    };
    let https = builder.https_or_http().enable_http1().build();
    (Client::builder(TokioExecutor::new()).build(https), note.map(|n| format!("no system TLS roots: {n}")))
}

/// `base` joined with `path` (a base without a scheme is taken as `http://`).
pub fn join(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.contains("://") {
        format!("{base}{path}")
    } else {
        format!("http://{base}{path}")
    }
}

/// GETs `base` + each path concurrently, each within `timeout`, and classifies the answers.
pub async fn probe(base: &str, paths: &[String], timeout: Duration) -> Check {
    let (client, note) = client();
    let gets = paths.iter().map(|path| {
        let (client, url) = (client.clone(), join(base, path));
        async move { (path.clone(), get(&client, &url, timeout).await) }
    });
    let outcomes = futures::future::join_all(gets).await;
    let check = classify(&outcomes);
    match note {
        Some(note) => check.with_details([note]),
        None => check,
    }
}

async fn get(client: &HttpsClient, url: &str, timeout: Duration) -> Outcome {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let request = hyper::Request::get(uri)
        .header(hyper::header::USER_AGENT, concat!("plinth-health/", env!("CARGO_PKG_VERSION")))
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let started = Instant::now();
    match tokio::time::timeout(timeout, client.request(request)).await {
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
        Ok(Err(e)) => Err(chain(&e)),
        Ok(Ok(response)) => Ok((response.status().as_u16(), started.elapsed())),
    }
}

/// The error and its causes on one line (hyper's own message alone says only "client error").
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The endpoint's status from each path's outcome: 2xx healthy, 5xx unhealthy, anything else
/// degraded; a failed GET beside answered ones is degraded; none answered is unknown.
pub fn classify(outcomes: &[(String, Outcome)]) -> Check {
    let mut status: Option<Status> = None;
    let (mut answers, mut bad_answers, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    for (path, outcome) in outcomes {
        match outcome {
            Ok((code, elapsed)) => {
                let s = match code {
                    200..=299 => Status::Healthy,
                    500..=599 => Status::Unhealthy,
                    _ => Status::Degraded,
                };
                status = Some(status.map_or(s, |w| w.max(s)));
                let line = format!("GET {path}: {code} in {} ms", elapsed.as_millis());
                if s != Status::Healthy {
                    bad_answers.push(line.clone());
                }
                answers.push(line);
            }
            Err(e) => failures.push(format!("GET {path} failed: {e}")),
        }
    }
    let Some(answered) = status else {
        let reason = failures.first().cloned().unwrap_or_else(|| "no path to probe".into());
        return Check::unknown(reason).with_details(failures.into_iter().skip(1));
    };
    let status = if failures.is_empty() { answered } else { answered.max(Status::Degraded) };
    let reason = match bad_answers.first().or(failures.first()) {
        Some(first) => first.clone(),
        None if outcomes.len() == 1 => "answered 2xx".to_string(),
        None => format!("all {} paths answered 2xx", outcomes.len()),
    };
    Check::new(status, reason).with_details(answers.into_iter().chain(failures))
}
