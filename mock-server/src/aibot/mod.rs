//! 智能机器人 over the long connection: the live connection of each bot (a newer one takes over and the older
//! is told so), and the members' messages waiting for their streamed answers. The WebSocket itself is [`ws`];
//! what members send comes through the control API (`control::aibots`).

mod welcome;
mod ws;

use dashmap::DashMap;
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

use wecom_wire::aibot::{Frame, Refusal, Stream, INVALID_REQ_ID, STREAM_EXPIRED, STREAM_TTL_S};
use wecom_wire::mock::events::{EventKind, Route};

use crate::events::{Event, Now};
use crate::state::State;
use crate::store::{Delivery, InboxId, Source};

pub(crate) use welcome::{welcome, Awaited};
pub(crate) use ws::upgrade;

/// Frames waiting to go out on one connection; past this the bot is not reading and frames are dropped.
const OUTBOX_FRAMES: usize = 1024;

/// Messages waiting for an answer, across bots; past this new ones are refused (the bots are not answering, and
/// memory stays bounded).
pub(super) const MAX_PENDING: usize = 100_000;

/// A bot's live connection: where to send it frames.
struct Conn {
    id: u64,
    tx: mpsc::Sender<Frame>,
}

/// A member's message the bot has not finished answering.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub corp: usize,
    pub bot: usize,
    pub user: usize,
    pub msgid: String,
    pub chatid: Option<String>,
    /// Mock time it arrived, for the stream's 6 minutes.
    pub at_s: i64,
    /// The stream's id once its first chunk came.
    pub stream: Option<String>,
}

#[derive(Default)]
pub(crate) struct Hub {
    conns: DashMap<(usize, usize), Conn>,
    /// By the message's `req_id`.
    pending: DashMap<String, Pending>,
    /// `enter_chat` events waiting for their welcome, by the event's `req_id`.
    welcomes: DashMap<String, welcome::Awaited>,
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
    /// Makes `tx` the bot's connection; the older one, if any, gets `disconnected_event` and is dropped.
    fn take_over(&self, key: (usize, usize), tx: mpsc::Sender<Frame>, botid: &str) -> u64 {
        let _one = self.takeover.lock();
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        if let Some(old) = self.conns.insert(key, Conn { id, tx }) {
            let body = json!({
                "msgtype": "event",
                "aibotid": botid,
                "event": { "eventtype": wecom_wire::aibot::DISCONNECTED_EVENT },
            });
            let req_id = format!("disconnected_{id}");
            let _ = old.tx.try_send(Frame::command(
                wecom_wire::aibot::EVENT_CALLBACK,
                &req_id,
                body,
            ));
        }
        id
    }

    /// Forgets connection `id` of the bot, unless a newer one has taken its place.
    fn left(&self, key: (usize, usize), id: u64) {
        self.conns.remove_if(&key, |_, c| c.id == id);
    }

    pub(crate) fn is_connected(&self, key: (usize, usize)) -> bool {
        self.conns.contains_key(&key)
    }

    /// Sends `frame` to the bot; false when it has no connection or is not reading.
    pub(crate) fn send(&self, key: (usize, usize), frame: Frame) -> bool {
        self.conns
            .get(&key)
            .is_some_and(|c| c.tx.try_send(frame).is_ok())
    }

    /// A message now waits for its answer under `req_id`; false when too many already wait.
    pub(crate) fn wait_for(&self, req_id: String, p: Pending) -> bool {
        if self.pending.len() >= MAX_PENDING {
            return false;
        }
        self.pending.insert(req_id, p);
        true
    }

    pub(crate) fn forget(&self, req_id: &str) {
        self.pending.remove(req_id);
    }

    pub(crate) fn clear(&self) {
        self.pending.clear();
        self.welcomes.clear();
    }
}

/// `aibot_respond_msg` from bot `key` for `req_id`: a stream chunk (the first one raises `first_chunk`, the
/// last delivers the answer to the member's inbox), or another reply kind, accepted as is.
pub(crate) fn respond(
    st: &State,
    key: (usize, usize),
    req_id: &str,
    body: &Value,
) -> Result<(), Refusal> {
    let Some(mut p) = st
        .aibots
        .pending
        .get_mut(req_id)
        .filter(|p| (p.corp, p.bot) == key)
    else {
        return Err(INVALID_REQ_ID);
    };
    if st.clock.now_ms() / 1000 - p.at_s > STREAM_TTL_S {
        drop(p);
        st.aibots.forget(req_id);
        return Err(STREAM_EXPIRED);
    }
    if body.get("msgtype").and_then(Value::as_str) != Some("stream") {
        return Ok(());
    }
    let stream: Stream = body
        .get("stream")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .unwrap_or_default();
    let reply_id = format!("re_{}", p.msgid);
    let mut detail = json!({ "in_reply_to": p.msgid, "stream_id": stream.id });
    if let Some(chatid) = &p.chatid {
        detail["chatid"] = json!(chatid);
    }
    let (corp, user) = (p.corp, p.user);
    let sim = st.sim();
    let userid = sim.world.corps[corp].member(user).userid.clone();
    if p.stream.is_none() {
        p.stream = Some(stream.id.clone());
        st.events.emit(|| {
            Event::now(
                &st.clock,
                EventKind::FirstChunk,
                Route::Aibot,
                &reply_id,
                format!("user:{userid}"),
            )
            .with(detail.clone())
        });
    }
    if !stream.finish {
        return Ok(());
    }
    drop(p);
    st.aibots.forget(req_id);
    let text = json!({ "msgtype": "text", "text": { "content": stream.content } });
    deliver(st, (corp, key.1), user, &reply_id, ("text", text), detail);
    Ok(())
}

/// The bot's answer `reply_id` (`msgtype` and the body it is read from) into member `user`'s inbox, and its
/// `delivered` event with `detail`.
pub(super) fn deliver(
    st: &State,
    (corp, bot): (usize, usize),
    user: usize,
    reply_id: &str,
    (msgtype, body): (&'static str, Value),
    detail: Value,
) {
    let sim = st.sim();
    let c = &sim.world.corps[corp];
    let d = Delivery::new(
        reply_id.to_owned(),
        Source::Aibot {
            botid: c.aibots[bot].botid.clone(),
        },
        msgtype,
        bytes::Bytes::from(body.to_string()),
        st.clock.now_ms() / 1000,
    );
    sim.store.deliver(InboxId::User { corp, user }, &d);
    let userid = &c.member(user).userid;
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Delivered,
            Route::Aibot,
            reply_id,
            format!("user:{userid}"),
        )
        .with(detail)
    });
}
