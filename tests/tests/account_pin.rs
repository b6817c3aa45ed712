//! Account pinning: an environment refuses credentials of another AWS account before any other
//! call, naming both accounts, and a state file refuses another account than its own.

use e2e::stub::{Behaviour, Stub};
use e2e::Emulator;
use resources::context::CallCounter;
use resources::AwsContext;
use std::sync::{Arc, Mutex};

/// `prod` (pinned to its own account) against the emulator, which answers as 123456789012.
#[test]
fn prod_against_the_emulator_refuses_after_exactly_one_sts_call() {
    let emu = Emulator::start();
    // prod uses the default credential chain and endpoint resolution: point both at the emulator.
    std::env::set_var("AWS_ENDPOINT_URL", emu.endpoint());
    std::env::set_var("AWS_ACCESS_KEY_ID", "e2e-test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "e2e-test");
    std::env::set_var("PLINTH_MAX_ATTEMPTS", "1");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("prod.db");

    let env = programs::env::prod();
    assert_ne!(env.account, "123456789012");
    let mut app = programs::app(env.clone(), programs::release::load(&env).expect("the release file"));
    let seen: Arc<Mutex<Option<CallCounter>>> = Arc::default();
    let connect = std::mem::replace(&mut app.connect, Box::new(|| unreachable!()));
    let counter = seen.clone();
    app.connect = Box::new(move || {
        let (connecting, counter) = (connect(), counter.clone());
        Box::pin(async move {
            let cx = connecting.await?;
            let aws = cx.clone().downcast::<AwsContext>().expect("an AWS context");
            *counter.lock().unwrap() = Some(aws.calls.clone());
            Ok(cx)
        })
    });
    let code = engine::cli::run(app, ["prod", "up", "--yes", "--state", state.to_str().unwrap()]);
    assert_eq!(code, 1, "refused");
    let calls = seen.lock().unwrap().as_ref().expect("connected").count();
    assert_eq!(calls, 1, "exactly the one STS GetCallerIdentity call, nothing else");

    let store = state::Store::open(&state).unwrap();
    assert!(store.resources().unwrap().is_empty() && store.pending_ops().unwrap().is_empty());
    assert_eq!(store.account().unwrap(), None, "the wrong account is not recorded");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let vpcs = rt.block_on(async { emu.ec2().await.describe_vpcs().send().await.unwrap().vpcs.unwrap_or_default() });
    assert!(vpcs.iter().all(|v| v.is_default.unwrap_or(false)), "nothing was created: {vpcs:?}");
}

fn local(state: &std::path::Path, endpoint: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_plinth-local"))
        .args(args)
        .arg("--state")
        .arg(state)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("PLINTH_MAX_ATTEMPTS", "1")
        .output()
        .unwrap()
}

/// The local binary (pinned to 123456789012) with credentials that belong to another account.
#[test]
fn the_refusal_names_both_accounts_and_no_other_call_is_made() {
    let stub = Stub::start(Behaviour::Drop, "999999999999");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    for verb in [&["up", "--yes"][..], &["preview", "--refresh"], &["destroy", "--yes"], &["refresh"], &["drift"]] {
        let out = local(&state, &stub.endpoint(), verb);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{verb:?}: {stderr}");
        assert!(stderr.contains("999999999999") && stderr.contains("123456789012"), "{verb:?}: {stderr}");
    }
    assert_eq!(stub.answered(), 5, "one account check per run");
    assert_eq!(stub.unanswered(), 0, "and no other call");
}

#[test]
fn a_state_of_another_account_is_refused() {
    let stub = Stub::start(Behaviour::Drop, "123456789012");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    state::Store::open(&state).unwrap().check_account("444444444444", true).unwrap();
    let out = local(&state, &stub.endpoint(), &["up", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("belongs to AWS account 444444444444") && stderr.contains("123456789012"), "{stderr}");
    assert_eq!((stub.answered(), stub.unanswered()), (1, 0));
}
