//! The endpoint checkers against servers in this process on 127.0.0.1: an HTTPS server (rustls,
//! a test CA's certificate for 127.0.0.1) whose headers, health answer and rate limit are set per
//! test, a plain HTTP server that redirects or not, and a fake server that accepts TLS 1.1. Each
//! checker must pass the hardened server and fail the weak one, naming what is wrong.

use e2e::deployed::endpoints::http::{parse_head, Url};
use e2e::deployed::endpoints::{tls, Burst, Endpoints};
use e2e::deployed::Check;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/deployed/endpoints/fixtures");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{FIXTURES}/{name}: {e}"))
}

/// The test CA as the only trusted root.
fn test_roots() -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(&fixture("ca.pem")).unwrap()).unwrap();
    Arc::new(roots)
}

fn server_config() -> Arc<ServerConfig> {
    let cert = CertificateDer::from_pem_slice(&fixture("localhost.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_slice(&fixture("localhost.key")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::DEFAULT_VERSIONS)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    Arc::new(config)
}

/// How a test server answers.
#[derive(Clone, Default)]
struct Behaviour {
    /// Status of every answer until the rate limit trips.
    status: u16,
    headers: Vec<(&'static str, String)>,
    /// Answer 403 from this many requests on.
    block_after: Option<usize>,
    /// Serve TLS (else plain HTTP).
    tls: bool,
}

/// A server on 127.0.0.1 answering every connection on its own thread; stops when dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
}

impl Server {
    fn start(behaviour: Behaviour) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, answered) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let (stop_flag, count) = (stop.clone(), answered.clone());
        let config = server_config();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_flag.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (behaviour, config, count) = (behaviour.clone(), config.clone(), count.clone());
                std::thread::spawn(move || serve(stream, &behaviour, config, &count));
            }
        });
        Server { port, stop, answered }
    }

    /// A server that answers a ClientHello with a TLS 1.1 ServerHello (as an old server would).
    fn accepting_tls11() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, answered) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let stop_flag = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_flag.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let mut hello = [0u8; 512];
                let _ = stream.read(&mut hello);
                // ServerHello: version 3.2, a random, no session id, TLS_RSA_WITH_AES_128_CBC_SHA.
                let mut body = vec![0x03, 0x02];
                body.extend([7u8; 32]);
                body.extend([0, 0x00, 0x2f, 0]);
                let mut handshake = vec![2, 0, 0, body.len() as u8];
                handshake.extend(body);
                let mut record = vec![0x16, 0x03, 0x02, 0, handshake.len() as u8];
                record.extend(handshake);
                let _ = stream.write_all(&record);
            }
        });
        Server { port, stop, answered }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, behaviour: &Behaviour, config: Arc<ServerConfig>, count: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if behaviour.tls {
        let Ok(connection) = ServerConnection::new(config) else { return };
        let mut tls = StreamOwned::new(connection, stream);
        answer(&mut tls, behaviour, count);
        tls.conn.send_close_notify();
        let _ = tls.flush();
    } else {
        let mut plain = stream;
        answer(&mut plain, behaviour, count);
    }
}

/// Reads one request head and writes the behaviour's answer.
fn answer(stream: &mut (impl Read + Write), behaviour: &Behaviour, count: &AtomicUsize) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let n = count.fetch_add(1, Ordering::Relaxed) + 1;
    let status = match behaviour.block_after {
        Some(limit) if n > limit => 403,
        _ => behaviour.status,
    };
    let mut response = format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n");
    for (name, value) in &behaviour.headers {
        response += &format!("{name}: {value}\r\n");
    }
    response += "\r\nok";
    let _ = stream.write_all(response.as_bytes());
}

fn hardened(block_after: usize) -> Behaviour {
    Behaviour {
        status: 200,
        headers: vec![
            ("Strict-Transport-Security", "max-age=31536000; includeSubDomains".into()),
            ("X-Content-Type-Options", "nosniff".into()),
            ("X-Frame-Options", "DENY".into()),
        ],
        block_after: Some(block_after),
        tls: true,
    }
}

fn endpoints(https: &Server, http_port: u16, max_requests: usize) -> Endpoints {
    Endpoints {
        url: Url::parse(&format!("https://127.0.0.1:{}", https.port)).unwrap(),
        http_port,
        roots: test_roots(),
        timeout: Duration::from_secs(5),
        burst: Burst { max_requests, deadline: Duration::from_secs(30), threads: 4 },
    }
}

fn problems(check: &Check) -> String {
    check.problems().join("\n")
}

#[test]
fn a_hardened_endpoint_passes_every_check() {
    let https = Server::start(hardened(25));
    let redirect = Server::start(Behaviour {
        status: 301,
        headers: vec![("Location", format!("https://127.0.0.1:{}/", https.port))],
        ..Default::default()
    });
    let checks = endpoints(&https, redirect.port, 200).checks();
    for check in &checks {
        assert!(check.passed() && check.examined > 0, "{}: {}", check.what, problems(check));
    }
    let sent = https.answered.load(Ordering::Relaxed);
    assert!(sent > 25 && sent < 200, "the burst stopped soon after the first 403 ({sent} answered)");
}

#[test]
fn a_weak_endpoint_fails_each_check_naming_what_is_wrong() {
    let https = Server::start(Behaviour { status: 503, tls: true, ..Default::default() });
    let plain = Server::start(Behaviour { status: 200, ..Default::default() });
    let e = endpoints(&https, plain.port, 40);
    let health = e.health();
    assert!(!health.passed() && problems(&health).contains("answered 503"), "{}", problems(&health));
    let headers = problems(&e.security_headers());
    for missing in ["Strict-Transport-Security is None", "X-Content-Type-Options is None", "neither X-Frame-Options"] {
        assert!(headers.contains(missing), "{headers}");
    }
    let redirect = problems(&e.redirect());
    assert!(redirect.contains("answered 200 with Location \"\""), "{redirect}");
    let rate = e.rate_limit();
    assert!(!rate.passed() && problems(&rate).contains("no 403 after 40 requests"), "{}", problems(&rate));
    assert_eq!(https.answered.load(Ordering::Relaxed), 40 + 2, "the burst is bounded (plus the health and header GETs)");
}

#[test]
fn a_server_that_accepts_tls_1_1_fails_the_version_check() {
    let old = Server::accepting_tls11();
    let e = endpoints(&old, 1, 1);
    let check = e.tls_versions();
    let text = problems(&check);
    assert!(text.contains("TLS 1.1 is accepted"), "{text}");
    assert!(text.contains("neither TLS 1.2 nor TLS 1.3 completes"), "{text}");
    assert!(!text.contains("TLS 1.0 is accepted"), "a 1.1 answer to a 1.0 hello is not 1.0: {text}");
}

#[test]
fn a_modern_server_answers_the_legacy_probe_with_a_protocol_version_alert() {
    let https = Server::start(hardened(1000));
    for version in [tls::TLS10, tls::TLS11] {
        let answer = tls::probe_legacy("127.0.0.1", https.port, version, Duration::from_secs(5)).unwrap();
        // rustls parsed the hello and refused it (handshake_failure, 40, or protocol_version,
        // 70); a malformed hello would be a decode_error (50).
        let refused = matches!(&answer, tls::Answer::Refused(a) if a == "alert 40" || a == "alert 70");
        assert!(refused, "version {version:#06x}: {answer:?}");
    }
}

#[test]
fn an_unreachable_or_untrusted_endpoint_never_passes() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere = Endpoints {
        url: Url::parse(&format!("https://127.0.0.1:{closed}")).unwrap(),
        http_port: closed,
        roots: test_roots(),
        timeout: Duration::from_secs(2),
        burst: Burst { max_requests: 3, deadline: Duration::from_secs(5), threads: 1 },
    };
    for check in nowhere.checks() {
        assert!(!check.passed(), "{} passed against a closed port", check.what);
        assert!(problems(&check).contains("unreachable"), "{}: {}", check.what, problems(&check));
    }
    let https = Server::start(hardened(1000));
    let untrusted = Endpoints { roots: Arc::new(RootCertStore::empty()), ..endpoints(&https, 1, 1) };
    let health = untrusted.health();
    assert!(!health.passed() && problems(&health).to_lowercase().contains("certificate"), "{}", problems(&health));
}

#[test]
fn urls_and_response_heads_parse() {
    let url = Url::parse("https://dev.plinth.example.com").unwrap();
    assert_eq!((url.https, url.host.as_str(), url.port, url.path.as_str()), (true, "dev.plinth.example.com", 443, "/"));
    assert_eq!(url.plain(80).at("/x").to_string(), "http://dev.plinth.example.com:80/x");
    assert!(Url::parse("ftp://x").is_err() && Url::parse("https://:1").is_err());
    let head = parse_head(b"HTTP/1.1 301 Moved\r\nLocation: https://a/\r\nX-A:  b \r\n\r\nbody").unwrap();
    assert_eq!((head.status, head.header("location"), head.header("x-a")), (301, Some("https://a/"), Some("b")));
    assert!(parse_head(b"\x15\x03\x03").is_err());
}
