//! Which TLS versions a server negotiates. TLS 1.2 and 1.3 are tried with rustls (a real
//! handshake, certificate verified); TLS 1.0 and 1.1, which rustls cannot speak, are probed with a
//! hand-built ClientHello whose answer is read raw: a ServerHello for the offered version means
//! the server accepts it, an alert or a closed connection means it refuses. The probe never
//! relies on the local TLS library refusing old versions, so a refusal is the server's.

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ProtocolVersion};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// What the server answered to one offered version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A ServerHello choosing this version (0x0301 = TLS 1.0 ... 0x0304 = TLS 1.3).
    Accepted(u16),
    /// An alert (its description code) or the connection closed: the version is refused.
    Refused(String),
}

/// TLS 1.0 and 1.1 on the wire.
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;

/// Cipher suites a TLS 1.0/1.1 server would pick from (ECDHE and RSA key exchange, CBC).
const LEGACY_SUITES: [u16; 8] = [0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x000a, 0x0005];

fn push_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// `body` prefixed with its length in `width` bytes.
fn with_len(width: usize, body: &[u8]) -> Vec<u8> {
    let len = (body.len() as u32).to_be_bytes();
    let mut out = len[4 - width..].to_vec();
    out.extend_from_slice(body);
    out
}

fn extension(kind: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    push_u16(&mut out, kind);
    out.extend(with_len(2, body));
    out
}

/// A ClientHello record offering exactly `version` (no supported_versions extension), with SNI
/// when `host` is a name.
pub fn client_hello(version: u16, host: &str) -> Vec<u8> {
    let mut body = Vec::new();
    push_u16(&mut body, version);
    body.extend((0..32u8).map(|i| i.wrapping_mul(73).wrapping_add(11)));
    body.push(0); // no session id
    let mut suites = Vec::new();
    LEGACY_SUITES.iter().for_each(|s| push_u16(&mut suites, *s));
    body.extend(with_len(2, &suites));
    body.extend([1, 0]); // null compression only
    let mut extensions = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() {
        let mut name = vec![0];
        name.extend(with_len(2, host.as_bytes()));
        extensions.extend(extension(0x0000, &with_len(2, &name)));
    }
    extensions.extend(extension(0x000a, &with_len(2, &[0x00, 0x1d, 0x00, 0x17, 0x00, 0x18])));
    extensions.extend(extension(0x000b, &[1, 0]));
    extensions.extend(extension(0xff01, &[0]));
    body.extend(with_len(2, &extensions));
    let mut handshake = vec![1];
    handshake.extend(with_len(3, &body));
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend(with_len(2, &handshake));
    record
}

/// Reads the server's first record and says what it means for the offered version.
pub fn read_answer(stream: &mut impl Read) -> Result<Answer, String> {
    let mut head = [0u8; 5];
    if let Err(e) = stream.read_exact(&mut head) {
        return match e.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                Ok(Answer::Refused(format!("connection closed ({e})")))
            }
            _ => Err(format!("no answer to the ClientHello: {e}")),
        };
    }
    let len = u16::from_be_bytes([head[3], head[4]]) as usize;
    let mut record = vec![0u8; len];
    stream.read_exact(&mut record).map_err(|e| format!("a truncated record: {e}"))?;
    match (head[0], record.as_slice()) {
        (0x15, [_, description, ..]) => Ok(Answer::Refused(format!("alert {description}"))),
        (0x16, [2, _, _, _, major, minor, ..]) => Ok(Answer::Accepted(u16::from_be_bytes([*major, *minor]))),
        (kind, _) => Err(format!("an unexpected record (type {kind}, {len} bytes)")),
    }
}

/// Offers exactly `version` (TLS 1.0 or 1.1) to `host:port` and reads the answer.
pub fn probe_legacy(host: &str, port: u16, version: u16, timeout: Duration) -> Result<Answer, String> {
    let mut stream = connect(host, port, timeout)?;
    stream.write_all(&client_hello(version, host)).map_err(|e| format!("sending the ClientHello: {e}"))?;
    match read_answer(&mut stream)? {
        // A server that answers a 1.1 hello with a higher version breaks the protocol: it did not
        // negotiate the old version.
        Answer::Accepted(chosen) if chosen != version => Ok(Answer::Refused(format!("answered with version {chosen:#06x}"))),
        answer => Ok(answer),
    }
}

pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    use std::net::ToSocketAddrs;
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port} does not resolve: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}:{port} has no address"))?;
    let stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{host}:{port} unreachable: {e}"))?;
    stream.set_read_timeout(Some(timeout)).and_then(|_| stream.set_write_timeout(Some(timeout))).map_err(|e| e.to_string())?;
    Ok(stream)
}

/// A rustls client configuration trusting `roots`, limited to `versions` (all when empty).
pub fn client_config(roots: Arc<rustls::RootCertStore>, versions: &[&'static rustls::SupportedProtocolVersion]) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let versions = if versions.is_empty() { rustls::ALL_VERSIONS } else { versions };
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("aws-lc-rs supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// A verified handshake with `config`: the version negotiated.
pub fn handshake(host: &str, port: u16, config: Arc<ClientConfig>, timeout: Duration) -> Result<ProtocolVersion, String> {
    let mut stream = connect(host, port, timeout)?;
    let name = ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))?;
    let mut connection = ClientConnection::new(config, name).map_err(|e| e.to_string())?;
    while connection.is_handshaking() {
        connection.complete_io(&mut stream).map_err(|e| format!("handshake with {host}:{port}: {e}"))?;
    }
    connection.protocol_version().ok_or_else(|| "no version negotiated".to_string())
}
