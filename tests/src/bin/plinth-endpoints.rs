//! Checks a deployed environment's public endpoints from the outside: `/health` answers 200,
//! only TLS 1.2 and newer are accepted, the security headers are set, plain HTTP redirects with
//! 301, and the WAF's rate limit answers 403 after a burst. Needs a reachable public URL, so it
//! is a command rather than a test (the emulator has no public endpoint, and an endpoint check
//! that cannot run must not pass):
//!
//! ```text
//! PLINTH_DEPLOYED_ENV=dev PLINTH_PUBLIC_URL=https://dev.plinth.example.com \
//!   cargo run -p e2e --bin plinth-endpoints
//! ```
//!
//! Prints the pass/fail table; exits 1 when a check fails, 2 on bad input.

use e2e::deployed::endpoints::{http::Url, system_roots, Burst, Endpoints};
use e2e::deployed::target::{environment, ENV_VAR, URL_VAR};
use e2e::deployed::Report;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

fn endpoints() -> Result<(Endpoints, &'static str), String> {
    let url = std::env::var(URL_VAR).map_err(|_| format!("{URL_VAR} must be the environment's public https:// URL"))?;
    let name = std::env::var(ENV_VAR).map_err(|_| format!("{ENV_VAR} must name the environment (its WAF rate limit sizes the burst)"))?;
    let env = environment(name.trim()).map_err(|e| e.to_string())?;
    let url = Url::parse(&url).map_err(|e| format!("{URL_VAR}: {e}"))?;
    if !url.https {
        return Err(format!("{URL_VAR} must be the https:// URL (plain HTTP is checked on port 80 of the same host)"));
    }
    let endpoints = Endpoints {
        url,
        http_port: 80,
        roots: Arc::new(system_roots().map_err(|e| e.to_string())?),
        timeout: Duration::from_secs(10),
        burst: Burst::past(env.rate_limit_per_ip),
    };
    println!("endpoints of {}: {} (rate limit {} per 5 minutes per client)", env.name, endpoints.url, env.rate_limit_per_ip);
    Ok((endpoints, env.name))
}

fn main() -> ExitCode {
    let (endpoints, name) = match endpoints() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("plinth-endpoints: {e}");
            return ExitCode::from(2);
        }
    };
    let mut report = Report::default();
    report.extend(endpoints.checks());
    println!("{}", report.table(&format!("public endpoints of {name}")));
    if report.failed().is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
