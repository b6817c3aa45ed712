//! The deployed-environment suite (`e2e::deployed`): every area's checks against one environment,
//! printed as a pass/fail table, failing on any FAIL.
//!
//! * Without `PLINTH_DEPLOYED_ENV`: a private emulator, the local binary's `up --yes` as a user
//!   runs it, then the checks against what it deployed (`scripts/test -p e2e --test deployed`).
//! * With `PLINTH_DEPLOYED_ENV=dev|staging|prod` (and `PLINTH_STATE`, the environment's state
//!   file): the same checks against that environment through the default credential chain, after
//!   its deploy; nothing is changed.
//! * The public endpoints only with `PLINTH_PUBLIC_URL` (an ignored test: `--run-ignored all`).

#[path = "deployed/endpoint_checkers.rs"]
mod endpoint_checkers;

use e2e::deployed::endpoints::{http::Url, system_roots, Burst, Endpoints};
use e2e::deployed::target::{environment, ENV_VAR, URL_VAR};
use e2e::deployed::{Report, Target};
use e2e::Emulator;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// Prints the table and fails naming every failed check.
fn judge(report: &Report, title: &str) {
    println!("{}", report.table(title));
    let failed: Vec<String> = report
        .failed()
        .iter()
        .map(|c| format!("[{}] {} — {}", c.control.unwrap_or("-"), c.what, c.problems().join("; ")))
        .collect();
    assert!(failed.is_empty(), "{} of {} checks failed:\n{}", failed.len(), report.checks.len(), failed.join("\n"));
}

/// Runs the local binary's `up --yes` against `emu`, recording state in `state`.
fn local_up(emu: &Emulator, state: &std::path::Path) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_plinth-local"))
        .args(["up", "--yes", "--state"])
        .arg(state)
        .env("AWS_ENDPOINT_URL", emu.endpoint())
        .env("PLINTH_MAX_ATTEMPTS", "2")
        .output()
        .expect("run the local binary");
    assert!(
        out.status.success(),
        "local up failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("local up: {:.1?}", started.elapsed());
}

#[test]
fn the_environment_passes_the_deployed_suite() {
    let rt = runtime();
    let deployed = rt.block_on(Target::from_env()).unwrap_or_else(|e| panic!("{e}"));
    let (target, _emulator, _dir) = match deployed {
        Some(target) => (target, None, None),
        None => {
            let emu = Emulator::start();
            let dir = tempfile::tempdir().unwrap();
            let state = dir.path().join("local.db");
            local_up(&emu, &state);
            let target = rt.block_on(Target::emulator(&emu, &state)).unwrap_or_else(|e| panic!("{e}"));
            (target, Some(emu), Some(dir))
        }
    };
    let where_ = if target.emulated { "the emulator (after local up)".to_string() } else { format!("account {}", target.account) };
    let report = rt.block_on(e2e::deployed::run(&target));
    println!("endpoints: not checked by this test; they run only with {URL_VAR} set (the `public_endpoints` test)");
    judge(&report, &format!("deployed suite: {} in {where_}", target.stack));
}

#[test]
#[ignore = "needs PLINTH_PUBLIC_URL=https://… of a deployed environment (and PLINTH_DEPLOYED_ENV): run with --run-ignored all"]
fn public_endpoints() {
    let url = std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!("{URL_VAR} is not set: the endpoints are checked only against a reachable public URL, never assumed to pass")
    });
    let name = std::env::var(ENV_VAR).unwrap_or_else(|_| panic!("{ENV_VAR} must name the environment (its WAF rate limit sizes the burst)"));
    let env = environment(name.trim()).unwrap_or_else(|e| panic!("{e}"));
    let url = Url::parse(&url).unwrap_or_else(|e| panic!("{URL_VAR}: {e}"));
    assert!(url.https, "{URL_VAR} must be the https:// URL (plain HTTP is checked on port 80 of the same host)");
    let endpoints = Endpoints {
        url,
        http_port: 80,
        roots: Arc::new(system_roots().unwrap_or_else(|e| panic!("{e}"))),
        timeout: Duration::from_secs(10),
        burst: Burst::past(env.rate_limit_per_ip),
    };
    println!("endpoints of {}: {} (rate limit {} per 5 minutes per client)", env.name, endpoints.url, env.rate_limit_per_ip);
    let mut report = Report::default();
    report.extend(endpoints.checks());
    judge(&report, &format!("public endpoints of {}", env.name));
}
