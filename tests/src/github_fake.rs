//! A fake GitHub REST API on loopback, for testing the CI scripts (`scripts/ci/`) without GitHub:
//! issues and their comments, deployments and their statuses, and the artifact list, kept in
//! memory and answered as GitHub does (JSON, `per_page`/`page`, newest deployments first).
//!
//! # Guarantees
//! * Only requests carrying `Authorization: Bearer <token>` are answered (401 otherwise), so a
//!   script that forgets its token fails here as it would on GitHub.
//! * Every request is recorded as `METHOD /path` in [`Model::requests`], in order.
//! * The server stops (and its thread ends) when the [`FakeGitHub`] is dropped.
//!
//! # Assumptions
//! * Clients send one request per connection with a `Content-Length` body (Python's urllib does).

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// The token the fake accepts.
pub const TOKEN: &str = "test-token";
/// The repository the fake serves.
pub const REPO: &str = "acme/platform";

/// What the fake GitHub holds.
#[derive(Debug, Default)]
pub struct Model {
    /// Issues: `number`, `title`, `body`, `state`, `state_reason`.
    pub issues: Vec<Value>,
    /// Issue and pull request comments: `id`, `issue`, `body`.
    pub comments: Vec<Value>,
    /// Deployments: `id`, `ref`, `task`, `environment`, `payload`, `created_at`.
    pub deployments: Vec<Value>,
    /// Deployment id → its statuses, oldest first.
    pub statuses: BTreeMap<u64, Vec<Value>>,
    /// Workflow artifacts: `id`, `name`, `expired`, `created_at`, `workflow_run.id`.
    pub artifacts: Vec<Value>,
    /// Every request answered, as `METHOD /path`.
    pub requests: Vec<String>,
    next_id: u64,
}

impl Model {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A timestamp that orders by creation.
    fn stamp(id: u64) -> String {
        format!("2026-12-07T10:{:02}:{:02}Z", (id / 60) % 60, id % 60)
    }

    /// Adds a deployment as another tool would have (e.g. GitHub's own per-job deployment).
    pub fn add_deployment(&mut self, environment: &str, task: &str, payload: Value, states: &[&str]) -> u64 {
        let id = self.next_id();
        self.deployments.push(json!({
            "id": id, "ref": "main", "task": task, "environment": environment,
            "payload": payload, "created_at": Model::stamp(id),
        }));
        let statuses = states.iter().map(|s| json!({ "state": s })).collect();
        self.statuses.insert(id, statuses);
        id
    }

    /// Adds a comment to issue or pull request `issue`.
    pub fn add_comment(&mut self, issue: u64, body: &str) -> u64 {
        let id = self.next_id();
        self.comments.push(json!({ "id": id, "issue": issue, "body": body }));
        id
    }

    /// Adds an artifact held by workflow run `run_id`.
    pub fn add_artifact(&mut self, name: &str, run_id: u64, expired: bool) -> u64 {
        let id = self.next_id();
        self.artifacts.push(json!({
            "id": id, "name": name, "expired": expired, "created_at": Model::stamp(id),
            "workflow_run": { "id": run_id },
        }));
        id
    }

    /// Open issues.
    pub fn open_issues(&self) -> Vec<&Value> {
        self.issues.iter().filter(|i| i["state"] == "open").collect()
    }

    /// Comments on issue or pull request `issue`.
    pub fn comments_on(&self, issue: u64) -> Vec<&Value> {
        self.comments.iter().filter(|c| c["issue"] == issue).collect()
    }

    /// Requests whose `METHOD /path` starts with `prefix`.
    pub fn requests_starting(&self, prefix: &str) -> usize {
        self.requests.iter().filter(|r| r.starts_with(prefix)).count()
    }
}

/// A running fake; its base URL goes in `GITHUB_API_URL`.
pub struct FakeGitHub {
    addr: SocketAddr,
    model: Arc<Mutex<Model>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGitHub {
    /// Starts the fake on a free loopback port.
    pub fn start() -> FakeGitHub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let model = Arc::new(Mutex::new(Model::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (model.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve(stream, &m);
                }
            }
        });
        FakeGitHub { addr, model, stop, thread: Some(thread) }
    }

    /// The base URL, for `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the fake holds now.
    pub fn model(&self) -> MutexGuard<'_, Model> {
        self.model.lock().expect("fake GitHub model")
    }

    /// The environment a script needs to talk to this fake.
    pub fn env(&self) -> [(&'static str, String); 3] {
        [("GITHUB_API_URL", self.url()), ("GITHUB_TOKEN", TOKEN.to_string()), ("GITHUB_REPOSITORY", REPO.to_string())]
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Request {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    authorized: bool,
    body: Value,
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let (mut length, mut authorized) = (0usize, false);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "authorization" => authorized = value.trim() == format!("Bearer {TOKEN}"),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let body = if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).ok()? };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%3A", ":").replace("%2F", "/")))
        .collect();
    Some(Request { method, path: path.to_string(), query, authorized, body })
}

fn serve(mut stream: TcpStream, model: &Mutex<Model>) {
    let Some(req) = read_request(&stream) else { return };
    let (status, body) = if req.authorized {
        let mut m = model.lock().expect("fake GitHub model");
        m.requests.push(format!("{} {}", req.method, req.path));
        route(&mut m, &req)
    } else {
        (401, json!({ "message": "Bad credentials" }))
    };
    let text = body.to_string();
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

/// One page of `items`, as `per_page`/`page` ask.
fn page(items: Vec<Value>, query: &BTreeMap<String, String>) -> Value {
    let per_page: usize = query.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
    let page: usize = query.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
    Value::Array(items.into_iter().skip((page - 1) * per_page).take(per_page).collect())
}

fn route(m: &mut Model, req: &Request) -> (u16, Value) {
    let Some(rest) = req.path.strip_prefix(&format!("/repos/{REPO}/")) else {
        return (404, json!({ "message": "Not Found" }));
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let q = &req.query;
    match (req.method.as_str(), segments.as_slice()) {
        ("GET", ["issues"]) => {
            let state = q.get("state").map(String::as_str).unwrap_or("open");
            let found = m.issues.iter().filter(|i| state == "all" || i["state"] == state).cloned().collect();
            (200, page(found, q))
        }
        ("POST", ["issues"]) => {
            let number = m.next_id();
            let issue = json!({ "number": number, "title": req.body["title"], "body": req.body["body"],
                "state": "open", "state_reason": null });
            m.issues.push(issue.clone());
            (201, issue)
        }
        ("PATCH", ["issues", n]) => match m.issues.iter_mut().find(|i| same_number(&i["number"], n)) {
            Some(issue) => {
                merge(issue, &req.body);
                (200, issue.clone())
            }
            None => (404, json!({ "message": "Not Found" })),
        },
        ("GET", ["issues", n, "comments"]) => {
            let found = m.comments.iter().filter(|c| same_number(&c["issue"], n)).cloned().collect();
            (200, page(found, q))
        }
        ("POST", ["issues", n, "comments"]) => {
            let Ok(issue) = n.parse() else { return (404, json!({ "message": "Not Found" })) };
            let id = m.add_comment(issue, req.body["body"].as_str().unwrap_or_default());
            (201, json!({ "id": id, "body": req.body["body"] }))
        }
        ("PATCH", ["issues", "comments", id]) => match m.comments.iter_mut().find(|c| same_number(&c["id"], id)) {
            Some(comment) => {
                comment["body"] = req.body["body"].clone();
                (200, comment.clone())
            }
            None => (404, json!({ "message": "Not Found" })),
        },
        ("GET", ["deployments"]) => {
            let mut found: Vec<Value> = m
                .deployments
                .iter()
                .filter(|d| q.get("environment").is_none_or(|e| d["environment"] == e.as_str()))
                .filter(|d| q.get("task").is_none_or(|t| d["task"] == t.as_str()))
                .cloned()
                .collect();
            found.reverse(); // newest first, as GitHub lists them
            (200, page(found, q))
        }
        ("POST", ["deployments"]) => {
            let b = &req.body;
            let (environment, task) =
                (b["environment"].as_str().unwrap_or_default(), b["task"].as_str().unwrap_or("deploy"));
            m.add_deployment(environment, task, b["payload"].clone(), &[]);
            (201, m.deployments.last().cloned().unwrap_or_default())
        }
        ("GET", ["deployments", id, "statuses"]) => {
            let found: Vec<Value> = id
                .parse()
                .ok()
                .and_then(|id: u64| m.statuses.get(&id))
                .map(|s| s.iter().rev().cloned().collect())
                .unwrap_or_default();
            (200, page(found, q))
        }
        ("POST", ["deployments", id, "statuses"]) => {
            match id.parse().ok().and_then(|id: u64| m.statuses.get_mut(&id)) {
                Some(statuses) => {
                    statuses.push(req.body.clone());
                    (201, req.body.clone())
                }
                None => (404, json!({ "message": "Not Found" })),
            }
        }
        ("GET", ["actions", "artifacts"]) => {
            let found: Vec<Value> =
                m.artifacts.iter().filter(|a| q.get("name").is_none_or(|n| a["name"] == n.as_str())).cloned().collect();
            (200, json!({ "total_count": found.len(), "artifacts": found }))
        }
        _ => (404, json!({ "message": format!("the fake has no {} {}", req.method, req.path) })),
    }
}

/// Sets each field of `patch` on `target` (GitHub's PATCH semantics for these objects).
fn merge(target: &mut Value, patch: &Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        let p: &Map<String, Value> = p;
        for (k, v) in p {
            t.insert(k.clone(), v.clone());
        }
    }
}

/// A number in the model equals the number a request path names (`/issues/12`).
fn same_number(value: &Value, path_segment: &str) -> bool {
    value.as_u64().is_some_and(|v| path_segment.parse() == Ok(v))
}
