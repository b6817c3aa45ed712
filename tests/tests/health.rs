//! `health` on the local program against the emulator, through the local binary's CLI (in
//! process: the shared target directory's `plinth-local` may be another branch's): after `up`, `health --format json` lists every component (each ECS service,
//! target group, the load balancer, the database, the cache and the public endpoint) with a
//! status and its dependencies; stopping the database out of band makes it unhealthy and the
//! services that use it degraded, naming it.
//!
//! What the emulator (moto 5.2.5 with `scripts/moto_patches/`) yields from the control plane:
//! * ECS services: **healthy** (the patched deployments complete: desired = running, COMPLETED).
//! * Target groups: **unhealthy**, "no registered targets" (moto runs no tasks, so ECS registers
//!   none); so the routed services (`api-service`, `web-service`) are **degraded** by them.
//! * The load balancer: **healthy** (`active` at once).
//! * The database: **healthy** (`available`, no pending maintenance: `moto_patches/rds.py`).
//! * The cache: **healthy** (`available`).
//! * The public endpoint: **unknown** (moto's load balancer DNS name resolves to nothing), and
//!   degraded by the target groups it reaches through the services.
//!
//! The wall time of `health` is printed (`local health wall time`), not asserted.

use e2e::Emulator;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

const CHECKED: [&str; 5] =
    ["aws:ecs:Service", "aws:elbv2:TargetGroup", "aws:elbv2:LoadBalancer", "aws:rds:DbInstance", "aws:elasticache:ReplicationGroup"];

fn app() -> engine::cli::App {
    let env = programs::env::local();
    let release = programs::release::load(&env).expect("the release file");
    programs::app(env, release)
}

/// The local binary's CLI, in process (as `tests/tests/platform.rs` runs it).
fn cli(state: &Path, verb: &[&str]) -> u8 {
    let mut args = vec!["local".to_string()];
    args.extend(verb.iter().map(|s| s.to_string()));
    args.extend(["--state".to_string(), state.display().to_string()]);
    engine::cli::run(app(), args)
}

/// The program's checked resources (by kind) and its endpoint: what the report must list.
fn expected_components() -> BTreeSet<String> {
    let env = programs::env::local();
    let mut stack = engine::Stack::new(env.name);
    programs::platform(&mut stack, &env, &programs::release::load(&env).expect("the release file"));
    let mut names: BTreeSet<String> =
        stack.nodes().into_iter().filter(|n| CHECKED.contains(&n.kind.kind())).map(|n| n.name).collect();
    names.insert(programs::platform::PUBLIC_ENDPOINT.to_string());
    names
}

/// `health --format json` (its exit code and wall time), and the JSON report it prints, made by
/// the same gather and render from the same state.
fn health(state: &Path) -> (u8, Value) {
    let started = Instant::now();
    let code = cli(state, &["health", "--format", "json"]);
    eprintln!("local health wall time: {:.2?}", started.elapsed());
    let app = app();
    let mut stack = engine::Stack::new(app.env.clone());
    (app.program)(&mut stack);
    let order = engine::graph::validate(&stack).unwrap().order;
    let rows = state::Store::open_read_only(state).unwrap().resources().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let report = rt.block_on(async {
        let cx = (app.connect)().await.unwrap();
        engine::health::gather(&stack, &order, &rows, &cx, engine::health::probe::DEFAULT_TIMEOUT).await
    });
    (code, engine::health::render::json(&report))
}

fn component<'a>(report: &'a Value, name: &str) -> &'a Value {
    let all = report["components"].as_array().expect("components");
    all.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no component {name} in {report:#}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

fn failing(c: &Value) -> Vec<String> {
    c["failing_dependencies"].as_array().into_iter().flatten().map(|f| f["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn health_lists_every_component_with_its_status_and_dependencies() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("local.db");
    std::env::set_var("AWS_ENDPOINT_URL", emu.endpoint());
    std::env::set_var("PLINTH_MAX_ATTEMPTS", "2");
    assert_eq!(cli(&state, &["up", "--yes"]), 0, "up");

    let (code, report) = health(&state);
    assert_eq!(report["environment"], "local");
    let listed: BTreeSet<String> =
        report["components"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed, expected_components(), "every ECS service, target group, the ALB, database, cache, endpoint");
    for c in report["components"].as_array().unwrap() {
        assert!(["healthy", "degraded", "unhealthy", "unknown"].contains(&c["status"].as_str().unwrap()), "{c:#}");
        assert!(!c["reason"].as_str().unwrap().is_empty(), "{c:#}");
        assert!(c["depends_on"].is_array(), "{c:#}");
    }

    let status = |name: &str| component(&report, name)["status"].as_str().unwrap().to_string();
    let own = |name: &str| component(&report, name)["check"]["status"].as_str().unwrap().to_string();
    assert_eq!(status("alb"), "healthy");
    assert_eq!(component(&report, "alb")["reason"], "state active");
    assert_eq!(status("database"), "healthy", "{:#}", component(&report, "database"));
    assert_eq!(status("cache"), "healthy", "{:#}", component(&report, "cache"));
    for tg in ["api-targets", "web-targets"] {
        assert_eq!(status(tg), "unhealthy", "moto registers no task: {:#}", component(&report, tg));
        assert!(component(&report, tg)["reason"].as_str().unwrap().contains("no registered targets"));
    }
    for service in ["api-service", "web-service", "orchestrator-service"] {
        assert_eq!(own(service), "healthy", "deployments complete in the patched emulator");
    }
    assert_eq!(status("orchestrator-service"), "healthy", "no listener, nothing failing below it");
    assert_eq!(status("api-service"), "degraded");
    assert_eq!(failing(component(&report, "api-service")), ["api-targets"]);

    let api_deps = strings(&component(&report, "api-service")["depends_on"]);
    for dep in ["database", "cache", "api-targets"] {
        assert!(api_deps.contains(&dep.to_string()), "api depends on {dep}: {api_deps:?}");
    }
    assert!(!api_deps.contains(&"web-targets".to_string()), "{api_deps:?}");
    let endpoint = component(&report, programs::platform::PUBLIC_ENDPOINT);
    assert_eq!(endpoint["kind"], "plinth:http:Endpoint");
    assert_eq!(endpoint["check"]["status"], "unknown", "moto's DNS name resolves nowhere: {endpoint:#}");
    assert!(endpoint["check"]["reason"].as_str().unwrap().starts_with("GET /health"), "{endpoint:#}");
    let endpoint_deps = strings(&endpoint["depends_on"]);
    for dep in ["alb", "api-service", "web-service", "database"] {
        assert!(endpoint_deps.contains(&dep.to_string()), "endpoint depends on {dep}: {endpoint_deps:?}");
    }
    assert_eq!(report["status"], "unhealthy");
    assert_eq!(code, 2, "degraded or unhealthy exits 2");

    // The services' counts as the report gives them are what ECS says.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let row = state::Store::open_read_only(&state).unwrap().resource("api-service").unwrap().expect("api row");
    let (cluster, arn) = (row.outputs["cluster_arn"].as_str().unwrap(), row.outputs["arn"].as_str().unwrap());
    let live = rt.block_on(async {
        let ecs = emu.independent().await.ecs();
        ecs.describe_services().cluster(cluster).services(arn).send().await.unwrap().services()[0].clone()
    });
    let counts = format!("{}/{} tasks running, 0 pending", live.running_count(), live.desired_count());
    assert_eq!(component(&report, "api-service")["check"]["reason"], counts.as_str());

    // Out of band: the database stops. It is unhealthy, the API degraded because of it.
    let identifier = state::Store::open_read_only(&state).unwrap().resource("database").unwrap().unwrap().outputs
        ["identifier"]
        .as_str()
        .unwrap()
        .to_string();
    rt.block_on(async {
        let rds = emu.independent().await.rds();
        rds.stop_db_instance().db_instance_identifier(&identifier).send().await.unwrap();
    });
    let (code, report) = health(&state);
    assert_eq!(code, 2);
    let db = component(&report, "database");
    assert_eq!(db["status"], "unhealthy", "{db:#}");
    assert_eq!(db["reason"], "status stopped");
    let api = component(&report, "api-service");
    assert_eq!(api["status"], "degraded");
    assert!(failing(api).contains(&"database".to_string()), "{api:#}");
    assert!(api["reason"].as_str().unwrap().contains("database (unhealthy)"), "{api:#}");
    assert_eq!(failing(component(&report, "web-service")), ["web-targets"], "web does not use the database");
}
