//! `health` against the fake cloud: the dependency map from the graph, propagation (a failing
//! database makes the API degraded, naming it), endpoints probed over real HTTP (a local server,
//! a closed port), one batched check per kind, the JSON shape and the exit codes.

mod common;

use common::{app, args, context, Cloud, Db, FakeCloud, Net, Svc, Unique};
use engine::cli::run;
use engine::health::{gather, render, Check, Report, Status};
use engine::{Input, Stack};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// The platform in miniature: a network (no check), a database, the API's secret (no check)
/// referencing the database, the API needing the secret and the network, the web front end
/// needing the network, and (with `url`) a public endpoint in front of both.
fn program(url: Option<String>) -> impl Fn(&mut Stack) + Send + Sync + 'static {
    move |stack: &mut Stack| {
        let net = stack.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
        let db = stack.add("database", Db { engine: "postgres".into(), ..Default::default() });
        let secret = stack.add(
            "api-secret",
            Unique { unique_name: "api-secret".into(), refs: vec![db.output(|o| o.id.clone())], ..Default::default() },
        );
        let api = stack.add(
            "api",
            Svc { needs: vec![secret.output(|o| o.id.clone()), net.output(|o| o.id.clone())], ..Default::default() },
        );
        let web = stack.add("web", Svc { needs: vec![net.output(|o| o.id.clone())], ..Default::default() });
        if let Some(url) = &url {
            stack.endpoint("public", Input::Value(url.clone()), &["/health", "/health/detailed"], &[&api, &web]);
        }
    }
}

fn stack_of(program: &impl Fn(&mut Stack)) -> Stack {
    let mut stack = Stack::new("test");
    program(&mut stack);
    stack
}

/// `up` through the CLI, then the report as `health` gathers it.
fn up_then_report(cloud: &Cloud, url: Option<String>, before: impl FnOnce(&Cloud)) -> (Report, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    assert_eq!(run(app(cloud, program(url.clone())), args(&state, &["up", "--yes"])), 0);
    before(cloud);
    let stack = stack_of(&program(url));
    let graph = engine::graph::validate(&stack).unwrap();
    let rows = state::Store::open_read_only(&state).unwrap().resources().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let report =
        rt.block_on(gather(&stack, &graph.order, &rows, &context(cloud), engine::health::probe::DEFAULT_TIMEOUT));
    (report, dir)
}

fn component<'a>(report: &'a Report, name: &str) -> &'a engine::health::Component {
    report.components.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no component {name}: {report:?}"))
}

/// A one-request-at-a-time HTTP server answering every request with `code`.
fn serve(code: u16) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(stream, "HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    format!("http://{addr}")
}

/// A port nothing listens on (bound, then released).
fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

#[test]
fn the_dependency_map_is_transitive_and_keeps_only_checked_components() {
    let stack = stack_of(&program(Some("http://example.invalid".into())));
    let graph = engine::graph::validate(&stack).unwrap();
    let map = engine::health::dependency_map(&stack, &graph.order);
    let deps = |name: &str| map.iter().find(|c| c.name == name).unwrap().depends_on.clone();
    let names: Vec<&str> = map.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["database", "api", "web", "public"], "net and api-secret have no check");
    assert_eq!(deps("api"), ["database"], "through the unchecked secret");
    assert_eq!(deps("web"), Vec::<String>::new());
    assert_eq!(deps("public"), ["database", "api", "web"]);
}

#[test]
fn a_degraded_database_makes_the_api_degraded_and_says_why() {
    let cloud = FakeCloud::new();
    let (report, _dir) = up_then_report(&cloud, None, |c| c.set_health("database", Check::degraded("status modifying")));
    let db = component(&report, "database");
    assert_eq!((db.status, db.reason.as_str()), (Status::Degraded, "status modifying"));
    let api = component(&report, "api");
    assert_eq!(api.status, Status::Degraded);
    assert_eq!(api.check.status, Status::Healthy, "its own check passed");
    assert_eq!(api.failing_dependencies.len(), 1);
    assert_eq!(api.failing_dependencies[0].name, "database");
    assert!(api.reason.contains("depends on database (degraded)"), "{}", api.reason);
    assert_eq!(component(&report, "web").status, Status::Healthy, "web does not use the database");
    assert_eq!(report.status, Status::Degraded);
    assert_eq!(report.exit_code(), 2);
    let text = render::text(&report);
    assert!(text.contains("because database is degraded: status modifying"), "{text}");
}

#[test]
fn an_unhealthy_database_makes_the_api_and_the_endpoint_degraded() {
    let cloud = FakeCloud::new();
    let url = serve(200);
    let (report, _dir) = up_then_report(&cloud, Some(url), |c| c.set_health("database", Check::unhealthy("status stopped")));
    assert_eq!(component(&report, "database").status, Status::Unhealthy);
    let api = component(&report, "api");
    assert_eq!(api.status, Status::Degraded, "at least degraded, not unhealthy: its own check passed");
    assert!(api.reason.contains("database (unhealthy)"), "{}", api.reason);
    let public = component(&report, "public");
    assert_eq!(public.check.status, Status::Healthy, "the server answered 200: {:?}", public.check);
    assert_eq!(public.status, Status::Degraded);
    assert_eq!(public.failing_dependencies.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["database"]);
    assert_eq!(report.status, Status::Unhealthy);
    assert_eq!(report.exit_code(), 2);
}

#[test]
fn an_unreachable_endpoint_is_unknown_with_the_reason_not_a_crash() {
    let cloud = FakeCloud::new();
    let started = Instant::now();
    let (report, _dir) = up_then_report(&cloud, Some(closed_port_url()), |_| {});
    let public = component(&report, "public");
    assert_eq!(public.status, Status::Unknown, "{public:?}");
    assert!(public.reason.starts_with("GET /health"), "{}", public.reason);
    assert!(public.reason.to_lowercase().contains("connect"), "{}", public.reason);
    assert_eq!(report.status, Status::Healthy, "unknown is shown, not counted against the others");
    assert_eq!(report.exit_code(), 0);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn an_endpoint_that_does_not_answer_in_time_is_unknown_within_the_timeout() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    let check = rt.block_on(engine::health::probe::probe(&url, &["/health".into()], Duration::from_millis(300)));
    assert_eq!(check.status, Status::Unknown, "{check:?}");
    assert!(check.reason.contains("no answer within 300 ms"), "{}", check.reason);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    drop(listener);
}

#[test]
fn an_endpoint_answering_503_is_unhealthy() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let paths = ["/health".to_string()];
    let check = rt.block_on(engine::health::probe::probe(&serve(503), &paths, Duration::from_secs(2)));
    assert_eq!(check.status, Status::Unhealthy, "{check:?}");
    assert!(check.reason.starts_with("GET /health: 503"), "{}", check.reason);
}

#[test]
fn each_kind_is_checked_in_one_batched_call() {
    let cloud = FakeCloud::new();
    let (_report, _dir) = up_then_report(&cloud, None, |_| {});
    let mut calls = cloud.health_calls.lock().unwrap().clone();
    calls.sort();
    assert_eq!(calls, [("fake:Db".to_string(), 1), ("fake:Svc".to_string(), 2)]);
}

#[test]
fn a_failed_check_is_unknown_and_a_vanished_object_unhealthy() {
    let cloud = FakeCloud::new();
    let (report, _dir) = up_then_report(&cloud, None, |c| {
        c.fail("health", "web", engine::ErrorClass::AccessDenied);
        let db = c.named("database")[0].0.clone();
        c.objects.lock().unwrap().remove(&db);
    });
    assert_eq!(component(&report, "web").status, Status::Unknown);
    assert!(component(&report, "web").reason.contains("could not describe"));
    assert_eq!(component(&report, "database").status, Status::Unhealthy);
    assert_eq!(component(&report, "api").status, Status::Degraded);
}

#[test]
fn the_json_report_has_the_documented_shape() {
    let cloud = FakeCloud::new();
    let (report, _dir) = up_then_report(&cloud, None, |c| {
        c.set_health(
            "database",
            Check::unhealthy("status storage-full").with_details(["pending modification: allocated storage → 40 GiB".into()]),
        )
    });
    insta::assert_json_snapshot!("health_report", render::json(&report));
}

#[test]
fn exit_codes_are_0_healthy_2_not_healthy_1_nothing_known_or_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    // No state yet: an error (the state file is missing), exit 1.
    assert_eq!(run(app(&cloud, program(None)), args(&state, &["health"])), 1);
    assert_eq!(run(app(&cloud, program(None)), args(&state, &["up", "--yes"])), 0);
    assert_eq!(run(app(&cloud, program(None)), args(&state, &["health", "--format", "json"])), 0);
    cloud.set_health("database", Check::degraded("status modifying"));
    assert_eq!(run(app(&cloud, program(None)), args(&state, &["health", "--format", "markdown"])), 2);
    cloud.set_health("database", Check::unhealthy("status stopped"));
    assert_eq!(run(app(&cloud, program(None)), args(&state, &["health"])), 2);
    // Every component unknown: nothing is vouched for, exit 1.
    for name in ["database", "api", "web"] {
        cloud.fail("health", name, engine::ErrorClass::AccessDenied);
    }
    assert_eq!(run(app(&cloud, program(None)), args(&state, &["health"])), 1);
}

#[test]
fn an_endpoint_naming_an_undeclared_component_fails_validation() {
    let mut stack = Stack::new("test");
    let mut other = Stack::new("elsewhere");
    let ghost = other.add("ghost", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    stack.add("ghost-free", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
    stack.endpoint("public", Input::Value("http://x".into()), &["health"], &[&ghost]);
    let err = engine::graph::validate(&stack).err().expect("invalid").to_string();
    assert!(err.contains("endpoint `public` refers to `ghost`, which is not in the stack"), "{err}");
    assert!(err.contains("path `health` must start with `/`"), "{err}");
}
