//! A loopback HTTP/1.1 proxy in front of a moto server that adds latency and faults, for the crash
//! and fault trials (issue 7): throttling, 503 or a dropped connection, each either before the
//! request is forwarded (the cloud never saw it) or after (the cloud applied it, the reply is
//! lost), chosen by rule ("the first CreateVpc") or by a seeded RNG; and *holds* (a request kept
//! in the proxy until the test releases it, so a process can be killed with a create in flight).
//! Every request is recorded with the operation it calls and what the proxy did.
//!
//! ```text
//! let emu = e2e::Emulator::start();
//! let proxy = Proxy::start(emu.port());
//! proxy.configure(Config::rules(vec![Rule::first("CreateVpc", Verdict::Fault(Fault::Drop, Timing::After))]));
//! // point AWS_ENDPOINT_URL at proxy.endpoint(), run, then inspect proxy.records()
//! ```
//!
//! # Guarantees
//! * A request with verdict `Fault(_, Before)` never reaches the backend; one with `Forward` or
//!   `Fault(_, After)` is forwarded whole, and its backend status is recorded, even if the client
//!   is gone by then (a killed process's in-flight call still lands).
//! * Each connection carries one request: every answer says `Connection: close`.
//!
//! # Assumptions
//! Clients speak plain HTTP/1.1 to an endpoint override (the AWS SDK against moto), S3 path-style.

mod faults;
mod http;
#[cfg(test)]
mod tests;

pub use faults::{Fault, Timing, ALL_FAULTS, AWS_FAULTS};
pub use http::{Operation, Protocol};

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// How long the proxy waits for the backend's answer before giving up on a request.
const BACKEND_TIMEOUT: Duration = Duration::from_secs(120);

/// What the proxy does with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Forward,
    Fault(Fault, Timing),
    /// Keep the request (unforwarded) until [`Proxy::release`].
    Hold,
}

/// What a held request becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Forward it now (the reply goes to the client if it is still there).
    Forward,
    /// Close the connection; the backend never sees it.
    Drop,
}

/// Which requests a rule counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    Any,
    /// Requests whose [`Operation::action`] is this (`CreateVpc`, `CreateBucket`, …).
    Action(String),
}

/// Applies `verdict` to the `occurrence`-th (1-based) request matching `matcher` since the proxy
/// was last configured; fires once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub matcher: Matcher,
    pub occurrence: usize,
    pub verdict: Verdict,
}

impl Rule {
    /// The first call of `action`.
    pub fn first(action: &str, verdict: Verdict) -> Rule {
        Rule { matcher: Matcher::Action(action.to_string()), occurrence: 1, verdict }
    }

    /// The `n`-th request of any kind (1-based).
    pub fn nth_request(n: usize, verdict: Verdict) -> Rule {
        Rule { matcher: Matcher::Any, occurrence: n, verdict }
    }
}

/// Faults at random: each request not decided by a rule gets one of `kinds` with probability
/// `rate`, from an RNG seeded with `seed` (the same seed and request order give the same faults).
#[derive(Clone, Debug)]
pub struct RandomFaults {
    pub seed: u64,
    pub rate: f64,
    pub kinds: Vec<(Fault, Timing)>,
}

/// The proxy's behaviour; the default forwards everything at once.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub rules: Vec<Rule>,
    pub random: Option<RandomFaults>,
    /// Added to every request before it is handled, plus up to `jitter` more (seeded RNG).
    pub latency: Duration,
    pub jitter: Duration,
}

impl Config {
    pub fn rules(rules: Vec<Rule>) -> Config {
        Config { rules, ..Config::default() }
    }

    pub fn random(seed: u64, rate: f64, kinds: &[(Fault, Timing)]) -> Config {
        Config { random: Some(RandomFaults { seed, rate, kinds: kinds.to_vec() }), ..Config::default() }
    }
}

/// Where a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Pending,
    Held,
    Done,
}

/// One request and what the proxy did with it.
#[derive(Clone, Debug)]
pub struct Record {
    /// Index in [`Proxy::records`].
    pub seq: usize,
    pub operation: Operation,
    pub verdict: Verdict,
    /// How a held request was released.
    pub released: Option<Release>,
    /// The backend's status, once it answered: the cloud saw (and maybe applied) the request.
    pub backend_status: Option<u16>,
    /// The status the client was sent; `None` if it got no answer (dropped, or not yet).
    pub client_status: Option<u16>,
    /// A network error talking to the backend.
    pub error: Option<String>,
    pub progress: Progress,
}

impl Record {
    /// Whether the request reached the backend and was answered.
    pub fn reached_backend(&self) -> bool {
        self.backend_status.is_some()
    }

    /// Whether the proxy made this request fail (a fault, or a held request dropped).
    pub fn faulted(&self) -> bool {
        matches!(self.verdict, Verdict::Fault(..)) || self.released == Some(Release::Drop)
    }
}

struct Inner {
    config: Config,
    /// Per rule: how many matching requests it has seen, and whether it fired.
    matched: Vec<usize>,
    rng: fastrand::Rng,
    records: Vec<Record>,
    holds: HashMap<usize, oneshot::Sender<Release>>,
}

struct Shared {
    inner: Mutex<Inner>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, seq: usize, f: impl FnOnce(&mut Record)) {
        f(&mut self.lock().records[seq]);
        self.changed.notify_all();
    }

    /// Records a new request and decides its verdict and delay.
    fn admit(&self, operation: Operation) -> (usize, Verdict, Duration) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let mut verdict = None;
        for (rule, seen) in inner.config.rules.iter().zip(inner.matched.iter_mut()) {
            let hit = match &rule.matcher {
                Matcher::Any => true,
                Matcher::Action(a) => *a == operation.action,
            };
            if hit {
                *seen += 1;
                if *seen == rule.occurrence && verdict.is_none() {
                    verdict = Some(rule.verdict);
                }
            }
        }
        let verdict = verdict.unwrap_or_else(|| match &inner.config.random {
            Some(r) if !r.kinds.is_empty() && inner.rng.f64() < r.rate => {
                let (fault, timing) = r.kinds[inner.rng.usize(..r.kinds.len())];
                Verdict::Fault(fault, timing)
            }
            _ => Verdict::Forward,
        });
        let jitter = inner.config.jitter.as_millis() as u64;
        let delay = inner.config.latency + Duration::from_millis(if jitter > 0 { inner.rng.u64(..=jitter) } else { 0 });
        let seq = inner.records.len();
        inner.records.push(Record {
            seq,
            operation,
            verdict,
            released: None,
            backend_status: None,
            client_status: None,
            error: None,
            progress: Progress::Pending,
        });
        self.changed.notify_all();
        (seq, verdict, delay)
    }
}

/// A running proxy; stops (dropping held requests) when dropped.
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Listens on `127.0.0.1:0` and forwards to `127.0.0.1:backend_port`.
    pub fn start(backend_port: u16) -> Proxy {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the proxy on 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking proxy listener");
        let port = listener.local_addr().expect("proxy address").port();
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                config: Config::default(),
                matched: Vec::new(),
                rng: fastrand::Rng::with_seed(0),
                records: Vec::new(),
                holds: HashMap::new(),
            }),
            changed: Condvar::new(),
        });
        let (stop, stopped) = oneshot::channel();
        let backend = SocketAddr::from((Ipv4Addr::LOCALHOST, backend_port));
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("proxy-{port}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("proxy runtime");
                rt.block_on(accept_loop(listener, backend, worker, stopped));
            })
            .expect("spawn the proxy thread");
        Proxy { port, shared, stop: Some(stop), thread: Some(thread) }
    }

    /// The proxy's base URL, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Replaces the behaviour; rule counts start from zero and the RNG is reseeded. Records stay.
    pub fn configure(&self, config: Config) {
        let mut inner = self.shared.lock();
        inner.matched = vec![0; config.rules.len()];
        inner.rng = fastrand::Rng::with_seed(config.random.as_ref().map_or(0, |r| r.seed));
        inner.config = config;
    }

    /// Every request so far, in arrival order.
    pub fn records(&self) -> Vec<Record> {
        self.shared.lock().records.clone()
    }

    /// How many requests have arrived so far (a mark for [`Proxy::records`] slicing).
    pub fn count(&self) -> usize {
        self.shared.lock().records.len()
    }

    /// Waits (on the proxy's own notifications) until `done(records)` holds; false on timeout.
    pub fn wait_until(&self, timeout: Duration, done: impl Fn(&[Record]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut inner = self.shared.lock();
        loop {
            if done(&inner.records) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            inner = self.shared.changed.wait_timeout(inner, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// The requests currently held, in arrival order.
    pub fn held(&self) -> Vec<Record> {
        self.shared.lock().records.iter().filter(|r| r.progress == Progress::Held).cloned().collect()
    }

    /// Releases held request `seq`; false if it is not held.
    pub fn release(&self, seq: usize, how: Release) -> bool {
        let sender = self.shared.lock().holds.remove(&seq);
        match sender {
            Some(s) => {
                self.shared.update(seq, |r| r.released = Some(how));
                s.send(how).is_ok()
            }
            None => false,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: std::net::TcpListener,
    backend: SocketAddr,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio proxy listener");
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(serve(stream, backend, shared.clone()));
                }
            }
        }
    }
}

/// Handles one connection: one request, one decision, at most one answer.
async fn serve(stream: TcpStream, backend: SocketAddr, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let Ok(Some(mut request)) = http::read_head(&mut reader).await else { return };
    if request.header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        let _ = write.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
    }
    if http::read_request_body(&mut reader, &mut request).await.is_err() {
        return;
    }
    let operation = http::identify(&request);
    let protocol = operation.protocol;
    let (seq, verdict, delay) = shared.admit(operation);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let verdict = match verdict {
        Verdict::Hold => match hold(&shared, seq).await {
            Release::Forward => Verdict::Forward,
            Release::Drop => Verdict::Fault(Fault::Drop, Timing::Before),
        },
        other => other,
    };
    let answer = match verdict {
        Verdict::Fault(fault, Timing::Before) => faults::error_response(fault, protocol, &request_id(seq)),
        Verdict::Forward | Verdict::Fault(_, Timing::After) | Verdict::Hold => {
            match tokio::time::timeout(BACKEND_TIMEOUT, forward(backend, &request)).await {
                Ok(Ok(response)) => {
                    shared.update(seq, |r| r.backend_status = response.status());
                    match verdict {
                        Verdict::Fault(fault, _) => faults::error_response(fault, protocol, &request_id(seq)),
                        _ => Some(response.to_bytes_closing()),
                    }
                }
                Ok(Err(e)) => {
                    shared.update(seq, |r| r.error = Some(e.to_string()));
                    None
                }
                Err(_) => {
                    shared.update(seq, |r| r.error = Some(format!("backend silent for {BACKEND_TIMEOUT:?}")));
                    None
                }
            }
        }
    };
    let mut client_status = None;
    if let Some(bytes) = answer {
        if write.write_all(&bytes).await.is_ok() && write.flush().await.is_ok() {
            client_status = status_of(&bytes);
        }
    }
    let _ = write.shutdown().await;
    shared.update(seq, |r| {
        r.client_status = client_status;
        r.progress = Progress::Done;
    });
}

/// Parks request `seq` until the test releases it (or the proxy stops, which drops it).
async fn hold(shared: &Shared, seq: usize) -> Release {
    let (tx, rx) = oneshot::channel();
    shared.lock().holds.insert(seq, tx);
    shared.update(seq, |r| r.progress = Progress::Held);
    let how = rx.await.unwrap_or(Release::Drop);
    shared.update(seq, |r| r.progress = Progress::Pending);
    how
}

/// Sends `request` to the backend on a fresh connection and reads its whole answer.
async fn forward(backend: SocketAddr, request: &http::Message) -> std::io::Result<http::Message> {
    let stream = TcpStream::connect(backend).await?;
    let (read, mut write) = stream.into_split();
    write.write_all(&request.to_bytes_closing()).await?;
    write.flush().await?;
    let mut reader = BufReader::new(read);
    let mut response = http::read_head(&mut reader)
        .await?
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "backend closed without answering"))?;
    http::read_response_body(&mut reader, request.method(), &mut response).await?;
    Ok(response)
}

fn request_id(seq: usize) -> String {
    format!("plinth-proxy-{seq}")
}

fn status_of(response: &[u8]) -> Option<u16> {
    std::str::from_utf8(&response[..response.len().min(16)]).ok()?.split(' ').nth(1)?.parse().ok()
}
