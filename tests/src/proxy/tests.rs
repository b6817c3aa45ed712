//! The proxy itself, against a private moto server: requests pass through intact (query, JSON and
//! S3, HEAD included); a fault after forwarding reaches the backend and one before does not; a
//! held request lands when released even though its client is gone.

use super::*;
use crate::Emulator;
use aws_config::retry::RetryConfig;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The assertion config of `emu`, pointed at the proxy, with one attempt per call (no SDK retry,
/// so each test call is exactly one request).
async fn through(emu: &Emulator, proxy: &Proxy) -> aws_config::SdkConfig {
    emu.sdk_config()
        .await
        .into_builder()
        .endpoint_url(proxy.endpoint())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build()
}

async fn vpc_count(ec2: &aws_sdk_ec2::Client) -> usize {
    ec2.describe_vpcs().send().await.unwrap().vpcs().len()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn forwards_query_json_and_s3_requests_and_records_their_operations() {
    let emu = Emulator::start();
    let proxy = Proxy::start(emu.port());
    runtime().block_on(async {
        let config = through(&emu, &proxy).await;
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let vpc = ec2.create_vpc().cidr_block("10.1.0.0/16").send().await.unwrap();
        assert!(vpc.vpc().and_then(|v| v.vpc_id()).is_some_and(|id| id.starts_with("vpc-")));
        let secrets = aws_sdk_secretsmanager::Client::new(&config);
        secrets.create_secret().name("proxied").secret_string("x").send().await.unwrap();
        let s3 =
            aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
        s3.create_bucket().bucket("proxied-bucket").send().await.unwrap();
        s3.head_bucket().bucket("proxied-bucket").send().await.unwrap();
        let listed = s3.list_buckets().send().await.unwrap();
        assert_eq!(listed.buckets().len(), 1);
    });
    // The client can read an answer before the proxy has recorded that it sent it: wait for that.
    let all_done = |records: &[Record]| records.len() == 5 && records.iter().all(|r| r.progress == Progress::Done);
    assert!(proxy.wait_until(Duration::from_secs(10), all_done), "every request recorded as answered");
    let seen: Vec<(String, String, Option<u16>, Option<u16>)> = proxy
        .records()
        .into_iter()
        .map(|r| (r.operation.service, r.operation.action, r.backend_status, r.client_status))
        .collect();
    let expected = [
        ("ec2", "CreateVpc"),
        ("secretsmanager", "CreateSecret"),
        ("s3", "CreateBucket"),
        ("s3", "HeadBucket"),
        ("s3", "ListBuckets"),
    ];
    let expected: Vec<_> = expected.iter().map(|(s, a)| (s.to_string(), a.to_string(), Some(200), Some(200))).collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_fault_after_forwarding_reaches_the_backend_and_one_before_does_not() {
    let emu = Emulator::start();
    let proxy = Proxy::start(emu.port());
    runtime().block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&through(&emu, &proxy).await);
        let direct = emu.ec2().await;
        let initial = vpc_count(&direct).await;
        for (i, (fault, timing)) in ALL_FAULTS.iter().enumerate() {
            let verdict = Verdict::Fault(*fault, *timing);
            proxy.configure(Config::rules(vec![Rule::first("CreateVpc", verdict)]));
            let before = vpc_count(&direct).await;
            let err = ec2.create_vpc().cidr_block(format!("10.{}.0.0/16", 100 + i)).send().await;
            assert!(err.is_err(), "{fault:?} {timing:?}: the client sees a failure");
            let grew = vpc_count(&direct).await - before;
            let expected = usize::from(*timing == Timing::After);
            assert_eq!(grew, expected, "{fault:?} {timing:?}: VPCs created at the backend");
            let answered = |r: &[Record]| r.last().is_some_and(|l| l.progress == Progress::Done);
            assert!(proxy.wait_until(Duration::from_secs(10), answered), "{fault:?} {timing:?}: recorded as done");
            let last = proxy.records().pop().unwrap();
            assert_eq!((last.operation.action.as_str(), last.verdict), ("CreateVpc", verdict));
            assert_eq!(last.reached_backend(), *timing == Timing::After);
            assert_eq!(last.client_status.is_none(), *fault == Fault::Drop);
        }
        assert_eq!(vpc_count(&direct).await, initial + 3, "three faults after forwarding, three VPCs");
    });
}

#[test]
fn faults_carry_each_protocols_error_codes() {
    let emu = Emulator::start();
    let proxy = Proxy::start(emu.port());
    runtime().block_on(async {
        let config = through(&emu, &proxy).await;
        let throttle = Verdict::Fault(Fault::Throttle, Timing::Before);
        let unavailable = Verdict::Fault(Fault::Unavailable, Timing::Before);
        proxy.configure(Config::rules(vec![
            Rule::first("CreateVpc", throttle),
            Rule::first("CreateRole", throttle),
            Rule::first("CreateSecret", throttle),
            Rule::first("CreateBucket", throttle),
            Rule::first("PutParameter", unavailable),
        ]));
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let code = ec2.create_vpc().cidr_block("10.2.0.0/16").send().await.unwrap_err().code().map(String::from);
        assert_eq!(code.as_deref(), Some("RequestLimitExceeded"));
        let iam = aws_sdk_iam::Client::new(&config);
        let err = iam.create_role().role_name("r").assume_role_policy_document("{}").send().await.unwrap_err();
        assert_eq!(err.code(), Some("Throttling"));
        let secrets = aws_sdk_secretsmanager::Client::new(&config);
        let err = secrets.create_secret().name("s").secret_string("x").send().await.unwrap_err();
        assert_eq!(err.code(), Some("ThrottlingException"));
        let s3 =
            aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
        let err = s3.create_bucket().bucket("b").send().await.unwrap_err();
        assert_eq!(err.code(), Some("SlowDown"));
        let ssm = aws_sdk_ssm::Client::new(&config);
        let err = ssm.put_parameter().name("p").value("v").send().await.unwrap_err();
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(503));
    });
    assert!(proxy.records().iter().all(|r| !r.reached_backend()), "faults before forwarding reach nothing");
}

#[test]
fn a_held_create_lands_when_released_after_its_client_is_gone() {
    let emu = Emulator::start();
    let proxy = Proxy::start(emu.port());
    proxy.configure(Config::rules(vec![Rule::first("CreateVpc", Verdict::Hold)]));
    let rt = runtime();
    let config = rt.block_on(through(&emu, &proxy));
    let direct = rt.block_on(emu.ec2());
    let initial = rt.block_on(vpc_count(&direct));
    let call =
        rt.spawn(async move { aws_sdk_ec2::Client::new(&config).create_vpc().cidr_block("10.3.0.0/16").send().await });
    assert!(proxy.wait_until(Duration::from_secs(10), |r| r.iter().any(|r| r.progress == Progress::Held)));
    assert_eq!(rt.block_on(vpc_count(&direct)), initial, "held: not at the backend yet");
    call.abort(); // the client goes away, as a killed process's would
    let held = proxy.held();
    assert_eq!(held.len(), 1);
    assert!(proxy.release(held[0].seq, Release::Forward));
    assert!(proxy.wait_until(Duration::from_secs(10), |r| r[held[0].seq].progress == Progress::Done));
    assert_eq!(rt.block_on(vpc_count(&direct)), initial + 1, "released: the create landed");
    assert_eq!(proxy.records()[held[0].seq].backend_status, Some(200));
}

#[test]
fn random_faults_follow_the_seed() {
    let decide = |seed| {
        let emu_port = 9; // never contacted: admit only decides
        let proxy = Proxy::start(emu_port);
        proxy.configure(Config::random(seed, 0.3, &ALL_FAULTS));
        (0..200)
            .map(|i| {
                let op = Operation { service: "ec2".into(), action: format!("A{i}"), protocol: Protocol::Ec2Query };
                proxy.shared.admit(op).1
            })
            .collect::<Vec<_>>()
    };
    let a = decide(7);
    assert_eq!(a, decide(7), "same seed, same faults");
    assert_ne!(a, decide(8), "another seed, other faults");
    let faulted = a.iter().filter(|v| **v != Verdict::Forward).count();
    assert!((35..=85).contains(&faulted), "about 30% of 200 faulted: {faulted}");
}
