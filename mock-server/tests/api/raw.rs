//! Raw HTTP/1.1 over a `TcpStream`, for tests of the connection layer that must craft or withhold bytes, and
//! a server started with chosen connection limits.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub use mock_server::Limits;
use mock_server::{Config, State};

/// How long a test waits for what must happen before calling it a failure: far beyond the few hundred ms
/// limits the tests set, far below the defaults (10 s and more) a broken setting would leave in force.
pub const BOUND: Duration = Duration::from_secs(5);

/// Limits too long to matter in a test, to override one at a time.
pub fn patient() -> Limits {
    Limits {
        header_timeout_ms: 60_000,
        body_timeout_ms: 60_000,
        idle_timeout_ms: 60_000,
        max_connections: 1_000,
    }
}

/// The server the connection tests talk to: the usual test app, with their limits.
pub type Server = crate::helpers::App;

pub async fn serve(limits: Limits) -> Server {
    let state = State::demo(Config::default()).unwrap_or_else(|e| panic!("demo: {e}"));
    crate::helpers::spawn_with_limits(state, limits).await
}

impl Server {
    pub async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"))
    }
}

pub async fn send(s: &mut TcpStream, bytes: &[u8]) {
    s.write_all(bytes)
        .await
        .unwrap_or_else(|e| panic!("write: {e}"));
}

/// A response as read off the wire.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one response (head, then a `Content-Length` body), within [`BOUND`]; `None` if the connection
/// closed first.
pub async fn response(s: &mut TcpStream) -> Option<Resp> {
    tokio::time::timeout(BOUND, read_response(s))
        .await
        .unwrap_or_else(|_| panic!("no response within {BOUND:?}"))
}

async fn read_response(s: &mut TcpStream) -> Option<Resp> {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let mut resp = Resp {
        status,
        head,
        body: buf[end..].to_vec(),
    };
    let len: usize = resp
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while resp.body.len() < len {
        let mut chunk = [0u8; 4096];
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => resp.body.extend_from_slice(&chunk[..n]),
        }
    }
    Some(resp)
}

/// Waits for the server to close the connection (end of stream, or a reset for bytes it did not read),
/// within [`BOUND`]; what arrived before is returned. Panics if it stays open.
pub async fn closed(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let wait = async {
        let mut chunk = [0u8; 4096];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
    };
    if tokio::time::timeout(BOUND, wait).await.is_err() {
        panic!("the server kept the connection open past {BOUND:?}");
    }
    got
}

pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes()
}
