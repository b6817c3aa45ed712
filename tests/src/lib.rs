//! The end-to-end test harness: every e2e test starts its own private moto server.
//!
//! ```ignore
//! let emu = e2e::Emulator::start();
//! let ctx = emu.context().await;          // what the engine uses
//! let s3 = emu.s3().await;                // an independent client for assertions
//! let check = emu.independent().await;    // independent clients for every service
//! let out = r.create(&e2e::meta("vpc"), &ctx).await?;   // as the engine would, in stack "e2e"
//! ```
//!
//! Separate moto processes are fully isolated, so tests never share state and run in parallel.
//! The server runs from `<repo>/.venv` (created by `scripts/emulator install`, `scripts/emulator
//! start` or `scripts/test`) through `scripts/moto_server.py`, which fixes one moto response the
//! Rust SDK rejects.

pub mod conformance;
/// The deployed-environment suite (run by `tests/tests/deployed.rs`).
pub mod deployed;
/// A loopback endpoint for outage and account tests (STS answered, everything else dropped or ignored).
pub mod stub;

/// A fake GitHub REST API on loopback, for the CI scripts.
pub mod github_fake;
pub mod proxy;
pub mod trials;

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// How long a server may take to answer before `Emulator::start` gives up.
const START_DEADLINE: Duration = Duration::from_secs(30);
/// How many ports to try when the one picked was taken between probing and binding.
const START_ATTEMPTS: usize = 3;

/// The stack the per-kind tests create their resources in.
pub const STACK: &str = "e2e";

/// The engine's metadata for the resource `name` of [`STACK`].
pub fn meta(name: &str) -> engine::Meta {
    engine::Meta::new(name, STACK)
}

/// The tags the engine would merge in: defaults plus `plinth:name` / `plinth:stack`, then
/// `extra`.
pub fn engine_tags(name: &str, extra: &[(&str, &str)]) -> engine::Tags {
    let mut tags: engine::Tags = [("Environment", "local"), ("plinth:name", name), ("plinth:stack", STACK)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tags.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    tags
}

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// One private moto server per test (separate processes are fully isolated); killed on drop.
pub struct Emulator {
    child: Child,
    port: u16,
    log: PathBuf,
    // Holds the log file's directory; removed on drop.
    _dir: tempfile::TempDir,
}

impl Emulator {
    /// Starts a server on a free port and waits until it answers HTTP.
    ///
    /// Panics if `.venv` is missing or the server does not answer within 30 s (with its log tail).
    pub fn start() -> Emulator {
        let root = repo_root();
        let python = root.join(".venv/bin/python");
        let launcher = root.join("scripts/moto_server.py");
        assert!(
            python.exists(),
            "the emulator's Python environment {} is missing: run scripts/emulator start or scripts/test first",
            python.display()
        );
        assert!(launcher.exists(), "{} is missing", launcher.display());

        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            match Self::try_start(&python, &launcher) {
                Ok(emulator) => return emulator,
                // The port may have been taken between picking it and moto binding it: retry.
                Err(StartError::Exited(tail)) => failures.push(tail),
                Err(StartError::Timeout(tail)) => {
                    panic!("moto did not answer within {START_DEADLINE:?}; log tail:\n{tail}")
                }
            }
        }
        panic!(
            "moto exited during start-up {START_ATTEMPTS} times; last log tail:\n{}",
            failures.last().map(String::as_str).unwrap_or("")
        );
    }

    fn try_start(python: &Path, launcher: &Path) -> Result<Emulator, StartError> {
        let port = free_port();
        let dir =
            tempfile::Builder::new().prefix("plinth-moto-").tempdir().expect("create a temp dir for the moto log");
        let log = dir.path().join("moto.log");
        let out = File::create(&log).expect("create the moto log");
        let err = out.try_clone().expect("clone the moto log handle");
        let child = Command::new(python)
            .arg(launcher)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            // The server exits if this test process dies without dropping us (e.g. a timeout kill).
            .env("PLINTH_EXIT_WITH_PARENT", std::process::id().to_string())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {} {}: {e}", python.display(), launcher.display()));
        let mut emulator = Emulator { child, port, log, _dir: dir };

        let deadline = Instant::now() + START_DEADLINE;
        loop {
            if emulator.answers() {
                return Ok(emulator);
            }
            if let Ok(Some(_)) = emulator.child.try_wait() {
                return Err(StartError::Exited(emulator.log_tail()));
            }
            if Instant::now() >= deadline {
                return Err(StartError::Timeout(emulator.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log file (stdout and stderr), alive as long as `self`.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The engine's AWS context against this server: static credentials, 2 attempts per call
    /// (moto answers unimplemented operations with 500s, which the SDK would retry with backoff).
    pub async fn context(&self) -> resources::AwsContext {
        resources::AwsContext::connect(&resources::Connection {
            endpoint: Some(self.endpoint()),
            static_credentials: true,
            max_attempts: Some(2),
            ..Default::default()
        })
        .await
    }

    /// An SDK configuration independent of the engine's, for assertions: region us-east-1,
    /// static test credentials, this server's endpoint, 2 attempts per call.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "e2e-test",
                "e2e-test",
                None,
                None,
                "e2e-static",
            ))
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .load()
            .await
    }

    /// Independent clients (not the engine's context) for assertions, from [`Emulator::sdk_config`].
    pub async fn independent(&self) -> resources::AwsContext {
        resources::AwsContext::from_sdk_config(&self.sdk_config().await)
    }

    /// An S3 client for assertions (path-style, as any endpoint override needs).
    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk_config().await).force_path_style(true).build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// An EC2 client for assertions.
    pub async fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk_config().await)
    }

    /// An IAM client for assertions.
    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config().await)
    }

    /// Clears every backend of this server (`POST /moto-api/reset`).
    pub fn reset(&self) {
        let status = self.http("POST", "/moto-api/reset").unwrap_or_else(|e| panic!("reset {}: {e}", self.endpoint()));
        assert_eq!(status, 200, "reset {} answered {status}", self.endpoint());
    }

    /// Whether the server answers `GET /moto-api/` with 200.
    fn answers(&self) -> bool {
        matches!(self.http("GET", "/moto-api/"), Ok(200))
    }

    /// A minimal HTTP/1.1 request without a body; returns the status code.
    fn http(&self, method: &str, path: &str) -> std::io::Result<u16> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
        // Generous: a reset clears every backend, and a loaded machine (CI runs tests two at a
        // time beside the builds) has been seen taking more than 5 s to answer it.
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_write_timeout(Some(Duration::from_secs(5)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let head = String::from_utf8_lossy(&response);
        head.split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {head:.80}")))
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- moto log tail ({}) ---\n{}", self.endpoint(), self.log_tail());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum StartError {
    /// The server exited before answering (log tail).
    Exited(String),
    /// The server did not answer in time (log tail).
    Timeout(String),
}

/// A port that was free a moment ago (bind port 0, read it, release it).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}
