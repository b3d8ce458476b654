//! The request journal: every `/cgi-bin` call with its body, its answer and outcome, newest first, bounded by
//! count and by bytes. It is what a person reads to see what their bot actually sent and what it got back.
//! Recording copies at most the first [`MAX_KEPT_TARGET_BYTES`] of the target and [`MAX_KEPT_BODY_BYTES`] of
//! the body and of the answer; text is made only when someone reads, and only for what they read.

use axum::http::Method;
use bytes::Bytes;
use serde::Serialize;
use std::borrow::Cow;
use std::net::IpAddr;

use crate::ledger::{Cost, Ledger};

/// The journal keeps at most this much of each body and of each answer (and their full lengths), so 10,000
/// entries of 20 MiB uploads cost 160 MiB at worst, not 200 GiB.
pub const MAX_KEPT_BODY_BYTES: usize = 16 * 1024;

/// The journal keeps at most this much of each path and query (and its full length): a 65 KB query string is
/// an attack or a bug, and its start says which.
pub const MAX_KEPT_TARGET_BYTES: usize = 2048;

/// Most entries one read returns; older ones are paged with `before`.
pub const MAX_PAGE: usize = 1000;

/// What the journal keeps of a body: the body itself when short (shared, no copy), else a copy of its start
/// (a slice would keep the whole body alive).
pub fn kept_prefix(body: &Bytes) -> Bytes {
    if body.len() <= MAX_KEPT_BODY_BYTES {
        body.clone()
    } else {
        Bytes::copy_from_slice(&body[..MAX_KEPT_BODY_BYTES])
    }
}

/// What the journal keeps of an answer's body: a copy of at most [`MAX_KEPT_BODY_BYTES`] of it, so the entry
/// holds exactly what it is charged (the answer's own buffer may be larger than its length) and pins nothing.
pub fn kept_answer(body: &[u8]) -> Bytes {
    Bytes::copy_from_slice(&body[..body.len().min(MAX_KEPT_BODY_BYTES)])
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub at_ms: i64,
    pub method: Method,
    /// Path and query, copied (the request's own `Uri` shares, and would pin, hyper's read buffer), at most
    /// [`MAX_KEPT_TARGET_BYTES`] of it.
    pub target: Box<str>,
    /// The path and query's full length.
    pub target_bytes: usize,
    /// At most [`MAX_KEPT_BODY_BYTES`] of the body.
    pub body: Bytes,
    /// The body's full length.
    pub body_bytes: usize,
    /// At most [`MAX_KEPT_BODY_BYTES`] of the answer's body ([`kept_answer`]); none when it is not text (a media
    /// download) or was not in memory whole.
    pub response: Option<Bytes>,
    /// The answer's full length (as declared, when it was not kept).
    pub response_bytes: usize,
    pub status: u16,
    /// None for a request refused below WeCom's API (HTTP 400 for broken framing, 408 for a late body).
    pub errcode: Option<i64>,
    pub errmsg: Cow<'static, str>,
    pub duration_us: u64,
    pub caller_ip: Option<IpAddr>,
}

/// An answer's kept bytes as text; a character the cap cut in two is left out rather than shown as U+FFFD.
fn answer_text(kept: &[u8]) -> String {
    let whole = match std::str::from_utf8(kept) {
        Err(e) if e.error_len().is_none() => &kept[..e.valid_up_to()],
        _ => kept,
    };
    String::from_utf8_lossy(whole).into_owned()
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
    /// The full length of path and query as sent; more than `path` and `query` show when they were cut.
    pub target_bytes: usize,
    pub body: String,
    pub body_bytes: usize,
    /// The answer's body as text, absent when it was not kept (binary, such as a media download).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    pub response_bytes: usize,
    /// The answer was longer than `response` shows.
    #[serde(skip_serializing_if = "is_false")]
    pub response_truncated: bool,
    pub status: u16,
    /// None for a request refused below WeCom's API (HTTP 400 for broken framing, 408 for a late body).
    pub errcode: Option<i64>,
    pub errmsg: &'a str,
    pub duration_us: u64,
    pub caller_ip: Option<IpAddr>,
    /// A real WeCom path the mock does not model (see `api::unmodelled::UNMODELLED`).
    #[serde(skip_serializing_if = "is_false")]
    pub unmodelled: bool,
}

/// The journal's start of a path and query: its first [`MAX_KEPT_TARGET_BYTES`], cut at a character boundary.
pub fn kept_target(target: &str) -> Box<str> {
    crate::ledger::prefix(target, MAX_KEPT_TARGET_BYTES).into()
}

/// A read of the journal: newest first, older than `before` when paging, `path` a substring of the path,
/// `errcode` exact.
#[derive(Debug, Default, Clone)]
pub struct Select<'a> {
    pub limit: usize,
    pub before: Option<u64>,
    pub path: Option<&'a str>,
    pub errcode: Option<i64>,
}

#[derive(Debug)]
pub struct Journal(Ledger<Entry>);

impl Journal {
    /// Keeps at most `capacity` entries and about `max_bytes` of them (an entry is charged its kept text and
    /// its fixed size).
    pub fn new(capacity: usize, max_bytes: usize) -> Journal {
        Journal(Ledger::new(capacity, max_bytes))
    }

    pub fn record(&self, e: Entry) {
        self.0.record(e);
    }

    /// Entries as `select` asks, with their sequence numbers; at most [`MAX_PAGE`].
    pub fn list(&self, select: &Select<'_>) -> Vec<(u64, Entry)> {
        self.0.page(select.before, select.limit.min(MAX_PAGE), |e| {
            select.path.is_none_or(|p| e.path().contains(p))
                && select.errcode.is_none_or(|c| e.errcode == Some(c))
        })
    }

    pub fn n_recorded(&self) -> u64 {
        self.0.n_recorded()
    }

    /// Bytes the journal holds now (as charged), and its budget.
    pub fn kept_bytes(&self) -> (usize, usize) {
        self.0.kept_bytes()
    }

    /// Entries the byte budget pushed out before the count limit would have.
    pub fn n_evicted(&self) -> u64 {
        self.0.n_evicted()
    }
}

impl Cost for Entry {
    fn cost_bytes(&self) -> usize {
        let errmsg = match &self.errmsg {
            Cow::Owned(s) => s.len(),
            Cow::Borrowed(_) => 0,
        };
        let response = self.response.as_ref().map_or(0, Bytes::len);
        std::mem::size_of::<Entry>() + self.target.len() + self.body.len() + response + errmsg
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
            target_bytes: self.target_bytes,
            body: String::from_utf8_lossy(&self.body).into_owned(),
            body_bytes: self.body_bytes,
            response: self.response.as_deref().map(answer_text),
            response_bytes: self.response_bytes,
            response_truncated: self
                .response
                .as_ref()
                .is_some_and(|r| r.len() < self.response_bytes),
            status: self.status,
            errcode: self.errcode,
            errmsg: &self.errmsg,
            duration_us: self.duration_us,
            caller_ip: self.caller_ip,
            unmodelled: crate::api::is_unmodelled(self.path()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(target: &str, body_bytes: usize) -> Entry {
        let body = Bytes::from(vec![b'x'; body_bytes]);
        Entry {
            at_ms: 0,
            method: Method::GET,
            target: kept_target(target),
            target_bytes: target.len(),
            body: kept_prefix(&body),
            body_bytes,
            response: Some(kept_answer(&body)),
            response_bytes: body_bytes,
            status: 200,
            errcode: Some(0),
            errmsg: Cow::Borrowed("ok"),
            duration_us: 1,
            caller_ip: None,
        }
    }

    #[test]
    fn a_long_target_is_cut_and_its_length_kept() {
        let long = format!("/cgi-bin/user/get?userid={}", "é".repeat(40_000));
        let e = entry(&long, 0);
        assert!(e.target.len() <= MAX_KEPT_TARGET_BYTES);
        assert!(
            e.target.len() > MAX_KEPT_TARGET_BYTES - 2,
            "cut at a boundary"
        );
        assert_eq!(e.view(0).target_bytes, long.len());
        assert_eq!(e.path(), "/cgi-bin/user/get");
    }

    #[test]
    fn the_byte_budget_holds_whatever_is_recorded() {
        let budget = 1024 * 1024;
        let j = Journal::new(10_000, budget);
        let big = format!("/cgi-bin/user/get?q={}", "a".repeat(65_000));
        for _ in 0..2_000 {
            j.record(entry(&big, 20 * 1024 * 1024));
        }
        let (kept, max) = j.kept_bytes();
        assert!(kept <= max, "{kept} > {max}");
        let all = j.list(&Select {
            limit: usize::MAX,
            ..Select::default()
        });
        let held: usize = all.iter().map(|(_, e)| e.cost_bytes()).sum();
        assert_eq!(held, kept, "the count matches what is held");
        assert!(all.len() > 10 && all.len() < 2_000, "{} held", all.len());
        assert_eq!(all[0].0, 1_999, "the newest stays");
        assert_eq!(j.n_evicted() as usize + all.len(), 2_000);
    }

    #[test]
    fn reads_page_and_filter() {
        let j = Journal::new(100, usize::MAX);
        for i in 0..10 {
            let mut e = entry(&format!("/cgi-bin/p{}", i % 2), 0);
            e.errcode = Some(i);
            j.record(e);
        }
        let seqs = |s: Select<'_>| -> Vec<u64> { j.list(&s).iter().map(|(q, _)| *q).collect() };
        let newest = Select {
            limit: 3,
            ..Select::default()
        };
        assert_eq!(seqs(newest.clone()), vec![9, 8, 7]);
        let older = Select {
            before: Some(7),
            ..newest.clone()
        };
        assert_eq!(seqs(older), vec![6, 5, 4]);
        let p1 = Select {
            path: Some("p1"),
            ..newest.clone()
        };
        assert_eq!(seqs(p1), vec![9, 7, 5]);
        let code = Select {
            errcode: Some(4),
            ..newest
        };
        assert_eq!(seqs(code), vec![4]);
    }

    #[test]
    fn an_answer_is_shown_as_kept_cut_or_left_out() {
        let mut e = entry("/cgi-bin/gettoken", 0);
        e.response = Some(kept_answer("成员".repeat(4_000).as_bytes()));
        e.response_bytes = 24_000;
        let v = serde_json::to_value(e.view(0)).unwrap_or_default();
        assert_eq!(v["response_truncated"], true);
        let text = v["response"].as_str().unwrap_or_default();
        assert!(
            text.chars().all(|c| c == '成' || c == '员'),
            "no half character"
        );
        assert_eq!(text.len(), MAX_KEPT_BODY_BYTES - MAX_KEPT_BODY_BYTES % 3);
        e.response = None;
        let v = serde_json::to_value(e.view(0)).unwrap_or_default();
        assert!(v.get("response").is_none() && v.get("response_truncated").is_none());
        assert_eq!(v["response_bytes"], 24_000);
        e.response = Some(kept_answer(b"{}"));
        e.response_bytes = 2;
        let v = serde_json::to_value(e.view(0)).unwrap_or_default();
        assert_eq!(v["response"], "{}");
        assert!(v.get("response_truncated").is_none());
    }

    #[test]
    fn the_count_limit_releases_what_it_replaces() {
        let j = Journal::new(10, usize::MAX);
        for _ in 0..100 {
            j.record(entry("/cgi-bin/x", 100));
        }
        let one = entry("/cgi-bin/x", 100).cost_bytes();
        assert_eq!(j.kept_bytes().0, 10 * one);
        assert_eq!(j.n_evicted(), 0);
    }
}
