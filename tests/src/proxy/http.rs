//! Just enough HTTP/1.1 for the fault proxy: read one request or response (head plus a body framed
//! by `Content-Length`, `Transfer-Encoding: chunked`, or — for responses — the end of the stream),
//! rewrite it for a one-shot connection, and name the AWS operation a request calls.
//!
//! # Assumptions
//! The peers are the AWS SDK and moto on loopback: heads are ASCII, one request per connection
//! once the proxy has answered `Connection: close`.

use std::io;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// Largest head accepted (the SDK's heads are a few KiB).
const MAX_HEAD: usize = 64 * 1024;

/// One HTTP message as read from the wire.
#[derive(Clone, Debug)]
pub struct Message {
    /// `POST / HTTP/1.1` or `HTTP/1.1 200 OK`.
    pub start_line: String,
    pub headers: Vec<(String, String)>,
    /// The body exactly as framed on the wire (still chunk-encoded if it was).
    pub body: Vec<u8>,
}

impl Message {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn is_chunked(&self) -> bool {
        self.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    }

    /// The body with any chunked framing removed.
    pub fn payload(&self) -> Vec<u8> {
        if self.is_chunked() {
            dechunk(&self.body)
        } else {
            self.body.clone()
        }
    }

    /// The request method (`POST`), or the empty string for a response.
    pub fn method(&self) -> &str {
        self.start_line.split(' ').next().unwrap_or("")
    }

    /// The request target (`/bucket?tagging`).
    pub fn target(&self) -> &str {
        self.start_line.split(' ').nth(1).unwrap_or("")
    }

    /// A response's status code.
    pub fn status(&self) -> Option<u16> {
        self.start_line.split(' ').nth(1).and_then(|s| s.parse().ok())
    }

    /// The message as bytes for a one-shot connection: `Connection: close`, no `Expect`.
    pub fn to_bytes_closing(&self) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.start_line).into_bytes();
        for (k, v) in &self.headers {
            if ["connection", "keep-alive", "expect"].iter().any(|h| k.eq_ignore_ascii_case(h)) {
                continue;
            }
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// Reads a head (start line and headers); `Ok(None)` when the peer closed before sending any.
pub async fn read_head<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<Option<Message>> {
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).await?;
        if n == 0 {
            return if lines.is_empty() { Ok(None) } else { Err(eof("inside a head")) };
        }
        total += n;
        if total > MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "HTTP head too large"));
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let start_line = lines.remove(0);
    let headers = lines
        .into_iter()
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    Ok(Some(Message { start_line, headers, body: Vec::new() }))
}

/// Reads a request's body as its head frames it (a request without framing has none).
pub async fn read_request_body<R: AsyncBufRead + Unpin>(reader: &mut R, msg: &mut Message) -> io::Result<()> {
    msg.body = match framing(msg) {
        Framing::Chunked => read_chunked(reader).await?,
        Framing::Length(n) => read_exact(reader, n).await?,
        Framing::None => Vec::new(),
    };
    Ok(())
}

/// Reads a response's body: none for HEAD, 1xx, 204 and 304; otherwise as framed, else to EOF.
pub async fn read_response_body<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    request_method: &str,
    msg: &mut Message,
) -> io::Result<()> {
    let status = msg.status().unwrap_or(0);
    if request_method.eq_ignore_ascii_case("HEAD") || (100..200).contains(&status) || matches!(status, 204 | 304) {
        return Ok(());
    }
    msg.body = match framing(msg) {
        Framing::Chunked => read_chunked(reader).await?,
        Framing::Length(n) => read_exact(reader, n).await?,
        Framing::None => {
            let mut body = Vec::new();
            reader.read_to_end(&mut body).await?;
            body
        }
    };
    Ok(())
}

enum Framing {
    Chunked,
    Length(usize),
    None,
}

fn framing(msg: &Message) -> Framing {
    if msg.is_chunked() {
        return Framing::Chunked;
    }
    match msg.header("content-length").and_then(|v| v.parse().ok()) {
        Some(n) => Framing::Length(n),
        None => Framing::None,
    }
}

async fn read_exact<R: AsyncBufRead + Unpin>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut body = vec![0; n];
    reader.read_exact(&mut body).await?;
    Ok(body)
}

/// Reads chunks up to and including the terminating chunk and trailers, keeping the raw framing.
async fn read_chunked<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    loop {
        let mut size_line = String::new();
        if reader.read_line(&mut size_line).await? == 0 {
            return Err(eof("inside a chunked body"));
        }
        raw.extend_from_slice(size_line.as_bytes());
        let hex = size_line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(hex, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("bad chunk size {hex:?}")))?;
        if size == 0 {
            // Trailers, then the empty line.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await? == 0 {
                    return Err(eof("inside chunked trailers"));
                }
                raw.extend_from_slice(line.as_bytes());
                if line.trim().is_empty() {
                    return Ok(raw);
                }
            }
        }
        raw.extend(read_exact(reader, size + 2).await?); // data and its CRLF
    }
}

/// Removes chunked framing (input produced by `read_chunked`).
fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let hex = String::from_utf8_lossy(&rest[..eol]);
        let size = usize::from_str_radix(hex.trim().split(';').next().unwrap_or(""), 16).unwrap_or(0);
        if size == 0 || rest.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
        rest = &rest[(eol + 4 + size).min(rest.len())..];
    }
    out
}

fn eof(where_: &str) -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, format!("connection closed {where_}"))
}

/// The wire protocol of a request, which decides what an error answer looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// EC2's query dialect (`<Response><Errors>…`).
    Ec2Query,
    /// awsQuery: IAM, RDS, ElastiCache, STS (`<ErrorResponse>…`).
    Query,
    /// awsJson 1.0/1.1: Secrets Manager, SSM, WAFv2, Budgets (`X-Amz-Target`).
    Json,
    /// restXml: S3.
    RestXml,
}

/// What a request calls: the SigV4 service and the operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The signing service from the `Authorization` credential scope (`ec2`, `s3`, `iam`, …).
    pub service: String,
    /// `CreateVpc` (query `Action=`), `CreateSecret` (from `X-Amz-Target`), S3's `CreateBucket` /
    /// `DeleteBucket` / `HeadBucket` / `ListBuckets`, else `METHOD /path?subresource` for S3.
    pub action: String,
    pub protocol: Protocol,
}

/// Names the operation `request` calls.
pub fn identify(request: &Message) -> Operation {
    let service = signing_service(request).unwrap_or_default();
    if let Some(target) = request.header("x-amz-target") {
        let action = target.rsplit('.').next().unwrap_or(target).to_string();
        return Operation { service, action, protocol: Protocol::Json };
    }
    let form = request.header("content-type").is_some_and(|c| c.contains("x-www-form-urlencoded"));
    if form {
        if let Some(action) = form_field(&request.payload(), "Action") {
            let protocol = if service == "ec2" { Protocol::Ec2Query } else { Protocol::Query };
            return Operation { service, action, protocol };
        }
    }
    Operation { action: s3_action(request.method(), request.target()), service, protocol: Protocol::RestXml }
}

fn signing_service(request: &Message) -> Option<String> {
    let auth = request.header("authorization")?;
    let scope = auth.split("Credential=").nth(1)?.split([',', ' ']).next()?;
    scope.split('/').nth(3).map(str::to_string)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// S3 operations by method and path (path-style addressing: `/bucket[/key][?subresource]`).
fn s3_action(method: &str, target: &str) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Subresource names only (`tagging`, `versioning`), not `x-id=` and other parameters' values.
    let sub: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("x-id")).collect();
    match (method, segments.len(), sub.is_empty()) {
        ("GET", 0, _) => "ListBuckets".to_string(),
        ("PUT", 1, true) => "CreateBucket".to_string(),
        ("DELETE", 1, true) => "DeleteBucket".to_string(),
        ("HEAD", 1, true) => "HeadBucket".to_string(),
        (_, 1, false) => bucket_subresource(method, sub[0].split('=').next().unwrap_or_default())
            .unwrap_or_else(|| format!("{method} {target}")),
        _ => format!("{method} {target}"),
    }
}

/// A bucket setting's operation by method and subresource (`PUT ?policy` is PutBucketPolicy).
fn bucket_subresource(method: &str, sub: &str) -> Option<String> {
    let noun = match sub {
        "policy" => "BucketPolicy",
        "tagging" => "BucketTagging",
        "versioning" => "BucketVersioning",
        "encryption" => "BucketEncryption",
        "publicAccessBlock" => "PublicAccessBlock",
        "lifecycle" => "BucketLifecycleConfiguration",
        "logging" => "BucketLogging",
        "ownershipControls" => "BucketOwnershipControls",
        _ => return None,
    };
    let verb = match method {
        "PUT" => "Put",
        "GET" => "Get",
        "DELETE" => "Delete",
        _ => return None,
    };
    Some(format!("{verb}{noun}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(start: &str, headers: &[(&str, &str)], body: &str) -> Message {
        Message {
            start_line: start.to_string(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    const AUTH_EC2: &str = "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host";

    #[test]
    fn names_query_json_and_s3_operations() {
        let q = request(
            "POST / HTTP/1.1",
            &[("Authorization", AUTH_EC2), ("Content-Type", "application/x-www-form-urlencoded")],
            "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16",
        );
        assert_eq!(
            identify(&q),
            Operation { service: "ec2".into(), action: "CreateVpc".into(), protocol: Protocol::Ec2Query }
        );
        let j = request("POST / HTTP/1.1", &[("X-Amz-Target", "secretsmanager.CreateSecret")], "{}");
        assert_eq!(identify(&j).action, "CreateSecret");
        assert_eq!(identify(&j).protocol, Protocol::Json);
        assert_eq!(identify(&request("PUT /plinth-local-reports HTTP/1.1", &[], "")).action, "CreateBucket");
        let s3 = |line: &str| identify(&request(line, &[], "")).action;
        assert_eq!(s3("PUT /plinth-local-reports?tagging HTTP/1.1"), "PutBucketTagging");
        assert_eq!(s3("GET /plinth-local-reports?policy HTTP/1.1"), "GetBucketPolicy");
        assert_eq!(s3("DELETE /plinth-local-reports?publicAccessBlock HTTP/1.1"), "DeletePublicAccessBlock");
        assert_eq!(s3("PUT /plinth-local-reports?cors HTTP/1.1"), "PUT /plinth-local-reports?cors");
    }

    #[tokio::test]
    async fn reads_chunked_and_length_framed_bodies() {
        let wire = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        let mut reader = tokio::io::BufReader::new(&wire[..]);
        let mut msg = read_head(&mut reader).await.unwrap().unwrap();
        read_request_body(&mut reader, &mut msg).await.unwrap();
        assert_eq!(msg.payload(), b"hello world");
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA";
        let mut reader = tokio::io::BufReader::new(&wire[..]);
        let mut msg = read_head(&mut reader).await.unwrap().unwrap();
        read_response_body(&mut reader, "GET", &mut msg).await.unwrap();
        assert_eq!((msg.status(), msg.body.as_slice()), (Some(200), &b"abc"[..]));
    }
}
