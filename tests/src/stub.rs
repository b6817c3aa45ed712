//! A loopback endpoint for outage and account tests: it answers STS GetCallerIdentity as a given
//! account, and does one thing with every other call: drop the connection (a service that is
//! down) or hold it open without answering (an endpoint that accepts and never replies).
//!
//! ```ignore
//! let stub = e2e::stub::Stub::start(Behaviour::Silent, "123456789012");
//! // point AWS_ENDPOINT_URL at stub.endpoint(); stub.answered() counts STS calls,
//! // stub.unanswered() every other call that arrived.
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What the stub does with every call but STS GetCallerIdentity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Closes the connection without answering (the service is down).
    Drop,
    /// Keeps the connection open and never answers.
    Silent,
}

#[derive(Default)]
struct Counts {
    answered: AtomicUsize,
    unanswered: AtomicUsize,
}

/// The endpoint; it serves until the test process ends.
pub struct Stub {
    port: u16,
    counts: Arc<Counts>,
}

impl Stub {
    /// Listens on a free loopback port; GetCallerIdentity answers as `account`.
    pub fn start(behaviour: Behaviour, account: &str) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let counts = Arc::new(Counts::default());
        let (shared, identity) = (counts.clone(), Arc::new(caller_identity(account)));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (counts, identity) = (shared.clone(), identity.clone());
                std::thread::spawn(move || serve(stream, behaviour, &identity, &counts));
            }
        });
        Stub { port, counts }
    }

    /// e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// GetCallerIdentity calls answered.
    pub fn answered(&self) -> usize {
        self.counts.answered.load(Ordering::SeqCst)
    }

    /// Every other call that arrived (dropped or left unanswered).
    pub fn unanswered(&self) -> usize {
        self.counts.unanswered.load(Ordering::SeqCst)
    }
}

fn caller_identity(account: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>\
         <Arn>arn:aws:iam::{account}:user/stub</Arn><UserId>AIDASTUB</UserId><Account>{account}</Account>\
         </GetCallerIdentityResult><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>"
    )
}

/// Reads one request (head and body) and returns its body; `None` when the client closed.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(String::from_utf8_lossy(&body).into_owned())
}

fn serve(stream: TcpStream, behaviour: Behaviour, identity: &str, counts: &Counts) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Some(body) = read_request(&mut reader) {
        if body.contains("Action=GetCallerIdentity") {
            counts.answered.fetch_add(1, Ordering::SeqCst);
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n", identity.len());
            let _ = writer.write_all(format!("{head}{identity}").as_bytes());
            continue;
        }
        counts.unanswered.fetch_add(1, Ordering::SeqCst);
        if behaviour == Behaviour::Silent {
            // Hold the connection until the client gives up on it.
            let _ = reader.read_to_end(&mut Vec::new());
        }
        return;
    }
}
