//! A minimal HTTP/1.1 GET over TCP or TLS (rustls, certificate verified), enough to read a
//! status line and headers: one request per connection (`Connection: close`), bounded by a timeout.

use super::tls;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

/// `http(s)://host[:port][/path]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    pub fn parse(text: &str) -> Result<Url, String> {
        let (https, rest) = match text.split_once("://") {
            Some(("https", rest)) => (true, rest),
            Some(("http", rest)) => (false, rest),
            _ => return Err(format!("`{text}` is not an http:// or https:// URL")),
        };
        let (authority, path) = rest.find('/').map(|i| (&rest[..i], &rest[i..])).unwrap_or((rest, "/"));
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(|_| format!("`{text}`: the port `{port}` is not a number"))?),
            None => (authority, if https { 443 } else { 80 }),
        };
        if host.is_empty() {
            return Err(format!("`{text}` has no host"));
        }
        Ok(Url { https, host: host.to_string(), port, path: path.to_string() })
    }

    /// The same server at `path`.
    pub fn at(&self, path: &str) -> Url {
        Url { path: path.to_string(), ..self.clone() }
    }

    /// The same host over plain HTTP on port `port`.
    pub fn plain(&self, port: u16) -> Url {
        Url { https: false, port, ..self.clone() }
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.path)
    }
}

/// A response's status and headers (names lower-cased).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Parses the status line and headers of `raw` (everything up to the blank line).
pub fn parse_head(raw: &[u8]) -> Result<Response, String> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .filter(|_| status_line.starts_with("HTTP/"))
        .ok_or_else(|| format!("not an HTTP response: {:?}", status_line.chars().take(60).collect::<String>()))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Response { status, headers })
}

fn request(url: &Url) -> String {
    format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: plinth-deployed-suite\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.path, url.host
    )
}

/// Reads until the end of the headers or the end of the stream, whichever comes first.
fn read_head(stream: &mut impl Read) -> Result<Vec<u8>, String> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            // A peer that closes without close_notify ends the stream all the same.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => break,
            Err(e) => return Err(format!("reading the response: {e}")),
        }
    }
    Ok(raw)
}

/// GET `url` (HTTPS with `config`, which decides the trusted roots and versions).
pub fn get(url: &Url, config: &Arc<ClientConfig>, timeout: Duration) -> Result<Response, String> {
    let mut stream = tls::connect(&url.host, url.port, timeout)?;
    let raw = if url.https {
        let name = ServerName::try_from(url.host.clone()).map_err(|e| format!("{}: {e}", url.host))?;
        let connection = ClientConnection::new(config.clone(), name).map_err(|e| e.to_string())?;
        let mut tls = StreamOwned::new(connection, stream);
        tls.write_all(request(url).as_bytes()).map_err(|e| format!("GET {url}: {e}"))?;
        read_head(&mut tls)
    } else {
        stream.write_all(request(url).as_bytes()).map_err(|e| format!("GET {url}: {e}"))?;
        read_head(&mut stream)
    };
    parse_head(&raw.map_err(|e| format!("GET {url}: {e}"))?).map_err(|e| format!("GET {url}: {e}"))
}
