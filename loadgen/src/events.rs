//! The mock's event stream (`/mock/events`, Server-Sent Events) as `expect` steps need it: each event is taken
//! at the moment it arrives and matched to a waiting step by one of its ids. Events that arrive before their
//! step waits (a fast bot) are kept for a while, so no wait misses what already happened.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::HOST;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;
use wecom_wire::mock::events::{Event, EventKind, Route};

use crate::http::{Base, HttpError};
use crate::scenario::plan::Key;

const N_SHARDS: usize = 16;
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(30);
/// An event line longer than this is not the mock's: the stream is dropped rather than buffered without end.
const MAX_LINE_BYTES: usize = 1024 * 1024;

struct Waiter {
    id: u64,
    kind: EventKind,
    route: Option<Route>,
    since: Instant,
    tx: oneshot::Sender<Instant>,
}

struct Seen {
    at: Instant,
    kind: EventKind,
    route: Route,
}

#[derive(Default)]
struct Shard {
    waiting: HashMap<(Key, String), Vec<Waiter>>,
    seen: HashMap<(Key, String), Vec<Seen>>,
    /// When each seen entry was added, oldest first, to forget them after the retention time.
    order: VecDeque<(Instant, (Key, String))>,
}

pub struct Hub {
    shards: Vec<Mutex<Shard>>,
    /// The ids expect steps match on; others are not indexed.
    keys: Vec<Key>,
    retention: Duration,
    next_id: AtomicU64,
    /// Events the mock said this subscriber missed (it fell behind).
    pub n_missed: AtomicU64,
}

impl Hub {
    pub fn new(keys: Vec<Key>, retention: Duration) -> Hub {
        Hub {
            shards: (0..N_SHARDS).map(|_| Mutex::default()).collect(),
            keys,
            retention,
            next_id: AtomicU64::new(0),
            n_missed: AtomicU64::new(0),
        }
    }

    fn shard(&self, value: &str) -> &Mutex<Shard> {
        // FNV-1a: cheap and good enough to spread ids over a few shards.
        let h = value.bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100000001b3)
        });
        &self.shards[(h % N_SHARDS as u64) as usize]
    }

    fn on_event(&self, e: &Event, at: Instant) {
        for &key in &self.keys {
            let value = match key {
                Key::Msgid => Some(e.msgid.as_str()),
                Key::InReplyTo => e.detail.get("in_reply_to").and_then(|v| v.as_str()),
                Key::Customer => e.customer.as_deref(),
                Key::Receiver => Some(e.receiver.as_str()),
            };
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                continue;
            };
            let mut s = self.shard(value).lock();
            let k = (key, value.to_owned());
            if let Some(ws) = s.waiting.get_mut(&k) {
                if let Some(i) = ws.iter().position(|w| {
                    w.kind == e.kind && w.route.is_none_or(|r| r == e.route) && w.since <= at
                }) {
                    let w = ws.swap_remove(i);
                    if ws.is_empty() {
                        s.waiting.remove(&k);
                    }
                    let _ = w.tx.send(at);
                    continue;
                }
            }
            s.seen.entry(k.clone()).or_default().push(Seen {
                at,
                kind: e.kind,
                route: e.route,
            });
            s.order.push_back((at, k));
            self.forget_old(&mut s, at);
        }
    }

    fn forget_old(&self, s: &mut Shard, now: Instant) {
        while let Some((t, _)) = s.order.front() {
            if now.saturating_duration_since(*t) <= self.retention {
                break;
            }
            let Some((t, k)) = s.order.pop_front() else {
                break;
            };
            if let Some(list) = s.seen.get_mut(&k) {
                list.retain(|x| x.at > t);
                if list.is_empty() {
                    s.seen.remove(&k);
                }
            }
        }
    }

    /// Waits for an event of `kind` (and `route`) whose `key` id is `value`, arriving at or after `since`;
    /// returns when it arrived.
    pub async fn wait(
        &self,
        key: Key,
        value: &str,
        kind: EventKind,
        route: Option<Route>,
        since: Instant,
        timeout: Duration,
    ) -> Option<Instant> {
        let k = (key, value.to_owned());
        let id = self.next_id.fetch_add(1, Relaxed);
        let rx = {
            let mut s = self.shard(value).lock();
            self.forget_old(&mut s, Instant::now());
            if let Some(list) = s.seen.get_mut(&k) {
                let matches = |x: &Seen| {
                    x.kind == kind && route.is_none_or(|r| r == x.route) && x.at >= since
                };
                if let Some(i) = list.iter().position(matches) {
                    return Some(list.remove(i).at);
                }
            }
            let (tx, rx) = oneshot::channel();
            s.waiting.entry(k.clone()).or_default().push(Waiter {
                id,
                kind,
                route,
                since,
                tx,
            });
            rx
        };
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(at)) => Some(at),
            _ => {
                let mut s = self.shard(value).lock();
                if let Some(ws) = s.waiting.get_mut(&k) {
                    ws.retain(|w| w.id != id);
                    if ws.is_empty() {
                        s.waiting.remove(&k);
                    }
                }
                None
            }
        }
    }
}

/// Subscribes to the target's event stream (`?kind=` when every expect wants one kind) and feeds `hub` until the
/// stream ends. Returns once subscribed, so nothing sent after it is missed.
pub async fn subscribe(
    base: &Base,
    kind: Option<EventKind>,
    hub: Arc<Hub>,
) -> Result<(), HttpError> {
    // A target that takes the connection and never answers must not hang the run before it starts.
    tokio::time::timeout(SUBSCRIBE_TIMEOUT, subscribe_inner(base, kind, hub))
        .await
        .unwrap_or(Err(HttpError::Timeout(SUBSCRIBE_TIMEOUT)))
}

async fn subscribe_inner(
    base: &Base,
    kind: Option<EventKind>,
    hub: Arc<Hub>,
) -> Result<(), HttpError> {
    let mut sender = crate::http::open(base).await?;
    let path = match kind {
        Some(k) => format!("/mock/events?kind={k}"),
        None => "/mock/events".to_owned(),
    };
    let mut req = hyper::Request::get(&path).header(HOST, base.host.clone());
    if let Some(auth) = base.authorization(&path) {
        req = req.header(hyper::header::AUTHORIZATION, auth.clone());
    }
    let req = req.body(Full::new(Bytes::new()))?;
    // The mock subscribes before it answers: once the head is here, every later event will come.
    let resp = sender.send_request(req).await?;
    let mut body = resp.into_body();
    tokio::spawn(async move {
        let _keep = sender;
        let mut buf: Vec<u8> = Vec::new();
        let mut missed_next = false;
        while let Some(Ok(frame)) = body.frame().await {
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let at = Instant::now();
            buf.extend_from_slice(&data);
            if buf.len() > MAX_LINE_BYTES && !buf.contains(&b'\n') {
                return;
            }
            while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=nl).collect();
                let line = line.strip_suffix(b"\n").unwrap_or(&line);
                if line == b"event: missed" {
                    missed_next = true;
                } else if let Some(data) = line
                    .strip_prefix(b"data: ")
                    .or_else(|| line.strip_prefix(b"data:"))
                {
                    if std::mem::take(&mut missed_next) {
                        let n = std::str::from_utf8(data)
                            .ok()
                            .and_then(|s| s.trim().parse().ok())
                            .unwrap_or(1);
                        hub.n_missed.fetch_add(n, Relaxed);
                    } else if let Ok(e) = serde_json::from_slice::<Event>(data) {
                        hub.on_event(&e, at);
                    }
                }
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind, msgid: &str, in_reply_to: &str) -> Event {
        Event::new(0, kind, Route::Kf, msgid, String::new())
            .customer("wmA")
            .with(serde_json::json!({ "in_reply_to": in_reply_to }))
    }

    #[tokio::test]
    async fn an_event_before_the_wait_is_not_missed() {
        let hub = Hub::new(vec![Key::InReplyTo], Duration::from_secs(30));
        let t0 = Instant::now();
        hub.on_event(&ev(EventKind::Delivered, "r1", "m1"), t0);
        let got = hub
            .wait(
                Key::InReplyTo,
                "m1",
                EventKind::Delivered,
                Some(Route::Kf),
                t0,
                Duration::from_millis(10),
            )
            .await;
        assert_eq!(got, Some(t0));
        // Taken once only.
        let again = hub
            .wait(
                Key::InReplyTo,
                "m1",
                EventKind::Delivered,
                None,
                t0,
                Duration::from_millis(1),
            )
            .await;
        assert_eq!(again, None);
    }

    #[tokio::test]
    async fn a_waiter_is_woken_by_its_event_only() {
        let hub = Arc::new(Hub::new(
            vec![Key::Msgid, Key::Customer],
            Duration::from_secs(30),
        ));
        let since = Instant::now();
        let h = hub.clone();
        let w = tokio::spawn(async move {
            h.wait(
                Key::Msgid,
                "m2",
                EventKind::Acknowledged,
                None,
                since,
                Duration::from_secs(60),
            )
            .await
        });
        // Wait until the waiter is registered, without sleeping: poll the shard.
        while hub.shard("m2").lock().waiting.is_empty() {
            tokio::task::yield_now().await;
        }
        hub.on_event(&ev(EventKind::Accepted, "m2", ""), Instant::now());
        hub.on_event(&ev(EventKind::Acknowledged, "other", ""), Instant::now());
        let at = Instant::now();
        hub.on_event(&ev(EventKind::Acknowledged, "m2", ""), at);
        assert_eq!(w.await.unwrap(), Some(at));
    }

    #[tokio::test(start_paused = true)]
    async fn old_events_are_forgotten_and_waits_time_out() {
        let hub = Hub::new(vec![Key::Msgid], Duration::from_secs(5));
        let t0 = Instant::now();
        hub.on_event(&ev(EventKind::Delivered, "old", ""), t0);
        tokio::time::advance(Duration::from_secs(6)).await;
        hub.on_event(&ev(EventKind::Delivered, "new", ""), Instant::now());
        let got = hub
            .wait(
                Key::Msgid,
                "old",
                EventKind::Delivered,
                None,
                t0,
                Duration::from_secs(1),
            )
            .await;
        assert_eq!(got, None);
        assert!(
            hub.shard("old").lock().waiting.is_empty(),
            "a timed-out waiter is removed"
        );
    }
}
