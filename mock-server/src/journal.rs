//! The request journal: every `/cgi-bin` call with its body and outcome, newest first, bounded. It is what a
//! person reads to see what their bot actually sent.

use bytes::Bytes;
use serde::Serialize;
use std::sync::Arc;

use crate::ring::Ring;

/// Bodies longer than this are cut in the journal's view (the full body is not kept beyond the call).
pub const MAX_SHOWN_BODY_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone)]
pub struct Entry {
    pub at_ms: i64,
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Bytes,
    pub status: u16,
    pub errcode: i64,
    pub errmsg: String,
    pub duration_us: u64,
    pub caller_ip: String,
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
    pub caller_ip: &'a str,
}

#[derive(Debug)]
pub struct Journal {
    ring: Ring<Arc<(u64, Entry)>>,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            ring: Ring::new(capacity),
        }
    }

    pub fn record(&self, e: Entry) {
        let seq = self.ring.reserve();
        self.ring.put(seq, Arc::new((seq, e)));
    }

    /// Newest first; `path` keeps entries whose path contains it.
    pub fn list(&self, limit: usize, path: Option<&str>) -> Vec<Arc<(u64, Entry)>> {
        self.ring
            .newest(limit, |e| path.is_none_or(|p| e.1.path.contains(p)))
    }

    pub fn n_recorded(&self) -> u64 {
        self.ring.n_pushed()
    }
}

impl Entry {
    pub fn view(&self, seq: u64) -> View<'_> {
        let shown = &self.body[..self.body.len().min(MAX_SHOWN_BODY_BYTES)];
        View {
            seq,
            at_ms: self.at_ms,
            method: &self.method,
            path: &self.path,
            query: &self.query,
            body: String::from_utf8_lossy(shown).into_owned(),
            body_bytes: self.body.len(),
            status: self.status,
            errcode: self.errcode,
            errmsg: &self.errmsg,
            duration_us: self.duration_us,
            caller_ip: &self.caller_ip,
        }
    }
}
