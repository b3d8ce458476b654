//! 智能机器人 over the long connection: the live connection of each bot (a newer one takes over and the older
//! is told so), the members' messages waiting for their answers, and what each member has in flight. The
//! WebSocket is [`ws`], the bot's frames are handled in [`frames`], what members send comes through the
//! control API (`control::aibots`).

pub(crate) mod callback_mode;
pub(crate) mod chats;
mod deliver;
mod frames;
mod media;
pub(crate) mod response;
mod streams;
mod uploads;
mod welcome;
mod ws;

use dashmap::DashMap;
use parking_lot::Mutex;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

use wecom_wire::aibot::{Frame, DISCONNECTED_EVENT, EVENT_CALLBACK};

pub(crate) use chats::Chats;
pub(crate) use deliver::deliver;
pub(crate) use media::{download, offer};
pub(crate) use welcome::{welcome, Awaited, Awaits};
pub(crate) use ws::accept;

/// How the req_ids the mock mints begin: a member's message, an event. Never as the SDKs' own (`ping`,
/// `aibot_subscribe`), which Node's SDK matches before its pending acks.
pub(crate) const MSG_REQ_ID: &str = "aibot_msg_";
pub(crate) const EVENT_REQ_ID: &str = "aibot_event_";

/// A bot: its corp's index and its own in that corp's `aibots`.
pub(crate) type BotKey = (usize, usize);

/// Frames waiting to go out on one connection; past this the bot is not reading and frames are dropped.
const OUTBOX_FRAMES: usize = 1024;

/// Messages (and events) waiting for an answer, across bots; past this the oldest are forgotten, so memory
/// stays bounded however many members write to bots that never answer.
pub(super) const MAX_PENDING: usize = 100_000;

/// What goes out on a connection.
enum Out {
    Frame(Frame),
    /// `disconnected_event`: a newer connection took the bot over; this one is dropped after the setting's
    /// delay.
    Kicked(Frame),
}

/// A bot's live connection: where to send it frames.
struct Conn {
    id: u64,
    tx: mpsc::Sender<Out>,
}

/// A member's message the bot may still answer (for 24 hours, more than once).
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub corp: usize,
    pub bot: usize,
    pub user: usize,
    pub msgid: String,
    /// The group chat it was said in (an index in [`Chats`]); none for the single chat.
    pub chat: Option<usize>,
    /// Mock time it arrived.
    pub at_ms: i64,
    /// The stream being answered with: its id, its last update (mock time), whether it finished.
    pub stream: Option<(String, i64, bool)>,
    /// The first chunk of an answer came (its `first_chunk` event is raised once).
    pub started: bool,
    /// An answer finished: the message is no longer in flight.
    pub finished: bool,
    /// An answer that is not a stream came; a second one is refused.
    pub answered: bool,
}

/// Per bot, for `GET /mock/aibots/{botid}`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub n_connections: u64,
    pub n_kicked: u64,
}

#[derive(Default)]
pub(crate) struct Hub {
    conns: DashMap<BotKey, Conn>,
    /// By the message's `req_id`.
    pending: DashMap<String, Pending>,
    /// Every pending `req_id`, oldest first, for forgetting the oldest when full.
    order: Mutex<VecDeque<String>>,
    /// Events waiting for their welcome or card update, by the event's `req_id`.
    awaited: DashMap<String, welcome::Awaited>,
    /// Unanswered messages per (corp, bot, member).
    in_flight: DashMap<(usize, usize, usize), usize>,
    pub(crate) chats: Chats,
    pub(crate) uploads: uploads::Uploads,
    files: media::Files,
    counts: DashMap<BotKey, Counts>,
    next_conn: AtomicU64,
    /// Serializes a takeover, so two connections subscribing at once leave exactly one.
    takeover: Mutex<()>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("n_conns", &self.conns.len())
            .field("n_pending", &self.pending.len())
            .finish()
    }
}

impl Hub {
    /// Makes `tx` the bot's connection; the older one, if any, gets `disconnected_event` (with its own msgid and
    /// the mock time) and is dropped.
    fn take_over(&self, key: BotKey, tx: mpsc::Sender<Out>, botid: &str, now_ms: i64) -> u64 {
        let _one = self.takeover.lock();
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let mut counts = self.counts.entry(key).or_default();
        counts.n_connections += 1;
        if let Some(old) = self.conns.insert(key, Conn { id, tx }) {
            counts.n_kicked += 1;
            let body = json!({
                "msgid": format!("disconnected{id:016x}"),
                "create_time": now_ms / 1000,
                "aibotid": botid,
                "msgtype": "event",
                "event": { "eventtype": DISCONNECTED_EVENT },
            });
            let req_id = format!("{EVENT_REQ_ID}disconnected{id:016x}");
            let _ = old
                .tx
                .try_send(Out::Kicked(Frame::command(EVENT_CALLBACK, &req_id, body)));
        }
        id
    }

    /// Forgets connection `id` of the bot, unless a newer one has taken its place.
    fn left(&self, key: BotKey, id: u64) {
        self.conns.remove_if(&key, |_, c| c.id == id);
    }

    pub(crate) fn is_connected(&self, key: BotKey) -> bool {
        self.conns.contains_key(&key)
    }

    pub(crate) fn counts(&self, key: BotKey) -> Counts {
        self.counts.get(&key).map(|c| *c).unwrap_or_default()
    }

    /// Sends `frame` to the bot; false when it has no connection or is not reading.
    pub(crate) fn send(&self, key: BotKey, frame: Frame) -> bool {
        self.conns
            .get(&key)
            .is_some_and(|c| c.tx.try_send(Out::Frame(frame)).is_ok())
    }

    /// Member `user` of bot `key` has one more message in flight, unless they have `max` already (0: no
    /// limit); the count they have when refused.
    pub(crate) fn begin(&self, key: BotKey, user: usize, max: usize) -> Result<(), usize> {
        let mut n = self.in_flight.entry((key.0, key.1, user)).or_default();
        if max > 0 && *n >= max {
            return Err(*n);
        }
        *n += 1;
        Ok(())
    }

    fn end(&self, key: BotKey, user: usize) {
        if let Some(mut n) = self.in_flight.get_mut(&(key.0, key.1, user)) {
            *n = n.saturating_sub(1);
        }
    }

    /// Whether the member has written to the bot (what `aibot_send_msg` to their single chat needs).
    pub(crate) fn has_written(&self, key: BotKey, user: usize) -> bool {
        self.in_flight.contains_key(&(key.0, key.1, user))
    }

    /// Unanswered messages per member of bot `key`.
    pub(crate) fn in_flight(&self, key: BotKey) -> Vec<(usize, usize)> {
        let mut v: Vec<(usize, usize)> = self
            .in_flight
            .iter()
            .filter(|e| (e.key().0, e.key().1) == key && *e.value() > 0)
            .map(|e| (e.key().2, *e.value()))
            .collect();
        v.sort_unstable();
        v
    }

    /// A message now waits for its answer under `req_id`; the oldest waiting is forgotten when too many do.
    pub(crate) fn wait_for(&self, req_id: String, p: Pending) {
        let mut order = self.order.lock();
        while order.len() >= MAX_PENDING {
            let Some(old) = order.pop_front() else { break };
            self.forget(&old);
        }
        order.push_back(req_id.clone());
        self.pending.insert(req_id, p);
    }

    /// Forgets what waits under `req_id`, and what it held in flight.
    pub(crate) fn forget(&self, req_id: &str) {
        if let Some((_, p)) = self.pending.remove(req_id) {
            if !p.finished {
                self.end((p.corp, p.bot), p.user);
            }
        }
    }

    /// A reset: nothing waits, nothing is in flight, no upload is under way. Live connections stay.
    pub(crate) fn clear(&self) {
        self.pending.clear();
        self.order.lock().clear();
        self.awaited.clear();
        self.in_flight.clear();
        self.uploads.clear();
        self.chats.clear();
        self.files.clear();
    }
}
