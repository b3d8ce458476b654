//! The request journal: every `/cgi-bin` call with its body and outcome, newest first, bounded. It is what a
//! person reads to see what their bot actually sent. Recording copies only the target and the body; text is
//! made only when someone reads.

use axum::http::Method;
use bytes::Bytes;
use serde::Serialize;
use std::borrow::Cow;
use std::net::IpAddr;

use crate::ring::Ring;

/// The journal keeps at most this much of each body (and its full length), so 10,000 entries of 20 MiB
/// uploads cost 160 MiB at worst, not 200 GiB.
pub const MAX_KEPT_BODY_BYTES: usize = 16 * 1024;

/// What the journal keeps of a body: the body itself when short (shared, no copy), else a copy of its start
/// (a slice would keep the whole body alive).
pub fn kept_prefix(body: &Bytes) -> Bytes {
    if body.len() <= MAX_KEPT_BODY_BYTES {
        body.clone()
    } else {
        Bytes::copy_from_slice(&body[..MAX_KEPT_BODY_BYTES])
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub at_ms: i64,
    pub method: Method,
    /// Path and query, copied: the request's own `Uri` shares (and would pin) hyper's read buffer.
    pub target: Box<str>,
    /// At most [`MAX_KEPT_BODY_BYTES`] of the body.
    pub body: Bytes,
    /// The body's full length.
    pub body_bytes: usize,
    pub status: u16,
    pub errcode: i64,
    pub errmsg: Cow<'static, str>,
    pub duration_us: u64,
    pub caller_ip: Option<IpAddr>,
}

fn is_false(b: &bool) -> bool {
    !b
}

#[derive(Debug, Serialize)]
pub struct View<'a> {
    pub seq: u64,
    pub at_ms: i64,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub body: String,
    pub body_bytes: usize,
    pub status: u16,
    pub errcode: i64,
    pub errmsg: &'a str,
    pub duration_us: u64,
    pub caller_ip: Option<IpAddr>,
    /// A real WeCom path the mock does not model (see `api::UNMODELLED`).
    #[serde(skip_serializing_if = "is_false")]
    pub unmodelled: bool,
}

#[derive(Debug)]
pub struct Journal {
    ring: Ring<Entry>,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            ring: Ring::new(capacity),
        }
    }

    pub fn record(&self, e: Entry) {
        self.ring.push(e);
    }

    /// Newest first, with sequence numbers; `path` keeps entries whose path contains it.
    pub fn list(&self, limit: usize, path: Option<&str>) -> Vec<(u64, Entry)> {
        self.ring
            .newest(limit, |e| path.is_none_or(|p| e.path().contains(p)))
    }

    pub fn n_recorded(&self) -> u64 {
        self.ring.n_pushed()
    }
}

impl Entry {
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    pub fn view(&self, seq: u64) -> View<'_> {
        View {
            seq,
            at_ms: self.at_ms,
            method: self.method.as_str(),
            path: self.path(),
            query: self.query(),
            body: String::from_utf8_lossy(&self.body).into_owned(),
            body_bytes: self.body_bytes,
            status: self.status,
            errcode: self.errcode,
            errmsg: &self.errmsg,
            duration_us: self.duration_us,
            caller_ip: self.caller_ip,
            unmodelled: crate::api::is_unmodelled(self.path()),
        }
    }
}
