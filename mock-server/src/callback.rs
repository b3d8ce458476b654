//! Callback delivery: plaintext XML → WXBizMsgCrypt envelope → POST to the receiver's URL, as WeCom pushes.
//! Each receiver has its own queue and worker, so a slow bot slows only itself and never an API handler. A push
//! that gets no 200 within 5 s (the `callback_timeout_ms` setting), a connection error or another status is
//! retried, 3 retries in all; every attempt (`attempt`) is recorded with its outcome, what was pushed and what
//! the receiver answered (`log`). An AI bot in callback mode is a receiver too ([`aibot_receiver`]): its pushes
//! are JSON, sealed with receiveid `""`, and its passive replies go to `aibot::callback_mode`.

use dashmap::DashMap;
use std::sync::{Arc, Weak};
use std::time::Instant;
use tokio::sync::mpsc;

use wecom_wire::crypto::MsgCrypt;

use crate::events::{Event, EventKind, Now, Route};
use crate::state::State;

mod attempt;
mod log;
use attempt::{attempt, Answer};
use log::{kept_url, Kept};
pub use log::{Attempt, AttemptLog};

/// The first try and 3 retries.
pub const MAX_ATTEMPTS: u32 = 4;
/// Pushes waiting for one receiver; beyond, a push is recorded as failed at once rather than held.
const QUEUE_DEPTH: usize = 10_000;

/// Who a push goes to: one app of one corp, or the corp's contacts-sync receiver ([`CONTACT_SYNC`]).
pub type ReceiverId = (usize, i64);

/// The agentid standing for a corp's contacts-sync (通讯录同步) receiver, which has no app; agentids in a
/// fixture are positive.
pub const CONTACT_SYNC: i64 = 0;

/// The receiver of corp `corp`'s AI bot `bot`: agentids below zero stand for a corp's AI bots (-1 for its first),
/// so they share the apps' queues, URLs and attempt log.
pub fn aibot_receiver((corp, bot): (usize, usize)) -> ReceiverId {
    (corp, -1 - bot as i64)
}

/// The AI bot a receiver stands for, if it is one.
pub fn aibot_of((corp, agentid): ReceiverId) -> Option<(usize, usize)> {
    usize::try_from(-1 - agentid).ok().map(|bot| (corp, bot))
}

/// How events name a receiver that is not an AI bot.
pub fn receiver_name(agentid: i64) -> String {
    if agentid == CONTACT_SYNC {
        "contact_sync".to_owned()
    } else {
        format!("app:{agentid}")
    }
}

/// One message on its way to a receiver.
#[derive(Debug, Clone)]
pub struct Push {
    pub receiver: ReceiverId,
    /// The message's id as the receiver will see it (`MsgId`).
    pub msgid: String,
    pub plaintext: String,
    /// Where a passive reply goes: the member who wrote.
    pub reply_to: Option<crate::store::InboxId>,
    /// The customer the push is about, so events about it can be followed per customer.
    pub customer: Option<String>,
}

impl Push {
    /// An event of the callback route about this push.
    fn event(&self, st: &State, kind: EventKind) -> Event {
        let name = match aibot_of(self.receiver) {
            Some((corp, bot)) => format!("aibot:{}", st.world().corps[corp].aibots[bot].botid),
            None => receiver_name(self.receiver.1),
        };
        let e = Event::now(&st.clock, kind, Route::Callback, &self.msgid, name);
        match &self.customer {
            Some(c) => e.customer(c),
            None => e,
        }
    }
}

/// Outcomes after which the push was received: WeCom stops retrying.
fn delivered(outcome: &str) -> bool {
    matches!(outcome, "acknowledged" | "passive_reply")
}

/// Whether WeCom pushes again after this outcome. Any HTTP 200 counts as received, so a `bad_reply` (a 200 with
/// a passive reply that does not verify) is not retried unless the `retry_bad_reply` setting says so.
fn retried(st: &State, outcome: &str) -> bool {
    !delivered(outcome) && (outcome != "bad_reply" || st.settings.retry_bad_reply())
}

#[derive(Debug)]
pub struct Callbacks {
    client: reqwest::Client,
    queues: DashMap<ReceiverId, mpsc::Sender<Push>>,
    /// URLs set through the control API, over the fixture's.
    urls: DashMap<ReceiverId, String>,
    pub attempts: AttemptLog,
}

/// What one try came to.
struct Tried {
    /// 1 for the first try.
    n: u32,
    started: Instant,
    url: Option<Arc<str>>,
    answer: Answer,
}

impl Tried {
    /// A try that never reached the receiver.
    fn unsent(n: u32, started: Instant, outcome: &'static str) -> Tried {
        Tried {
            n,
            started,
            url: None,
            answer: Answer::none(outcome),
        }
    }
}

impl Callbacks {
    /// Keeps the last `n_attempts` attempts, about `max_bytes` of them, for `/mock/callbacks`.
    pub fn new(n_attempts: usize, max_bytes: usize) -> Self {
        // No proxy: callbacks go to the receiver's own address, which is the bot's, usually on loopback.
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_default();
        Callbacks {
            client,
            queues: DashMap::new(),
            urls: DashMap::new(),
            attempts: AttemptLog::new(n_attempts, max_bytes),
        }
    }

    /// Queues a push; the receiver's worker starts on its first push.
    pub fn dispatch(&self, st: &Arc<State>, push: Push) {
        st.events.emit(|| push.event(st, EventKind::Accepted));
        let tx = self
            .queues
            .entry(push.receiver)
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
                tokio::spawn(worker(Arc::downgrade(st), rx));
                tx
            })
            .clone();
        if let Err(e) = tx.try_send(push) {
            let push = match e {
                mpsc::error::TrySendError::Full(p) | mpsc::error::TrySendError::Closed(p) => p,
            };
            let plaintext = Kept::new(&push.plaintext);
            let tried = Tried::unsent(1, Instant::now(), "queue_full");
            self.record(st, &push, &plaintext, &tried);
        }
    }

    pub fn set_url(&self, receiver: ReceiverId, url: String) {
        self.urls.insert(receiver, url);
    }

    /// Forgets the URL set at run time for one receiver: its fixture's again. True if one was set.
    pub fn forget_url(&self, receiver: ReceiverId) -> bool {
        self.urls.remove(&receiver).is_some()
    }

    /// Back to the fixture's URLs (a reset does this).
    pub fn clear_urls(&self) {
        self.urls.clear();
    }

    /// The URL pushes go to now: one set at run time, else the fixture's.
    pub fn url(&self, st: &State, (corp, agentid): ReceiverId) -> Option<String> {
        if let Some(u) = self.urls.get(&(corp, agentid)) {
            return Some(u.clone());
        }
        callback_of(&st.world(), (corp, agentid))?.url
    }

    /// Logs an attempt, then tells the event stream: an observer told of it finds it in the log.
    fn record(&self, st: &State, push: &Push, plaintext: &Kept, tried: &Tried) {
        let duration_us = tried.started.elapsed().as_micros() as u64;
        let world = st.world();
        let corp = world.corps.get(push.receiver.0);
        let corpid = corp.map(|c| c.corpid.clone()).unwrap_or_default();
        let aibotid =
            aibot_of(push.receiver).and_then(|(_, bot)| Some(corp?.aibots.get(bot)?.botid.clone()));
        let Answer {
            status,
            outcome,
            reply,
            ..
        } = &tried.answer;
        self.attempts.record(Attempt {
            msgid: push.msgid.clone(),
            corpid,
            agentid: push.receiver.1,
            aibotid,
            n: tried.n,
            at_ms: st.clock.now_ms(),
            duration_us,
            status: *status,
            outcome,
            url: tried.url.clone(),
            plaintext: plaintext.text.clone(),
            plaintext_truncated: plaintext.truncated,
            reply: reply.as_ref().map(|r| r.text.clone()),
            reply_truncated: reply.as_ref().is_some_and(|r| r.truncated),
        });
        let n = tried.n;
        st.events.emit(|| {
            push.event(st, EventKind::Attempt).with(
                serde_json::json!({ "n": n, "status": status, "outcome": outcome, "duration_us": duration_us }),
            )
        });
    }
}

/// The receiver's callback settings as the fixture declares them.
fn callback_of(
    world: &crate::world::World,
    (corp, agentid): ReceiverId,
) -> Option<crate::world::Callback> {
    let c = world.corps.get(corp)?;
    let cb = if let Some((_, bot)) = aibot_of((corp, agentid)) {
        c.aibots.get(bot)?.callback.as_ref()
    } else if agentid == CONTACT_SYNC {
        c.contact_sync.as_ref()?.callback.as_ref()
    } else {
        c.app(agentid)?.callback.as_ref()
    };
    cb.cloned()
}

/// The receiver's keys, with the corpid as receiveid (none for an AI bot).
pub fn crypt_for(st: &State, (corp, agentid): ReceiverId) -> Option<MsgCrypt> {
    let world = st.world();
    let c = world.corps.get(corp)?;
    let cb = callback_of(&world, (corp, agentid))?;
    if aibot_of((corp, agentid)).is_some() {
        return wecom_wire::aibot::callback::crypt(&cb.token, &cb.encoding_aes_key).ok();
    }
    MsgCrypt::new(&cb.token, &cb.encoding_aes_key, &c.corpid).ok()
}

async fn worker(st: Weak<State>, mut rx: mpsc::Receiver<Push>) {
    while let Some(push) = rx.recv().await {
        let Some(st) = st.upgrade() else { return };
        deliver(&st, &push).await;
    }
}

/// Delivers a push; then a passive reply goes where it is an answer to, and the event says how it ended.
async fn deliver(st: &Arc<State>, push: &Push) {
    let (kind, n, passive) = tries(st, push).await;
    if let Some(bot) = aibot_of(push.receiver) {
        crate::aibot::callback_mode::answered(st, bot, push, passive.as_deref());
    } else if let (Some(reply), Some(to)) = (&passive, push.reply_to) {
        deliver_reply(st, push, to, reply);
    }
    st.events.emit(|| {
        push.event(st, kind)
            .with(serde_json::json!({ "n_attempts": n }))
    });
}

/// Tries a push up to [`MAX_ATTEMPTS`] times, recording each attempt: how it ended, after how many, and the
/// decrypted passive reply if there was one.
async fn tries(st: &State, push: &Push) -> (EventKind, u32, Option<Vec<u8>>) {
    let cb = &st.callbacks;
    let plaintext = Kept::new(&push.plaintext);
    for n in 1..=MAX_ATTEMPTS {
        let started = Instant::now();
        let Some(url) = cb.url(st, push.receiver) else {
            cb.record(st, push, &plaintext, &Tried::unsent(n, started, "no_url"));
            return (EventKind::Failed, n, None);
        };
        let Some(crypt) = crypt_for(st, push.receiver) else {
            cb.record(st, push, &plaintext, &Tried::unsent(n, started, "bad_keys"));
            return (EventKind::Failed, n, None);
        };
        let answer = attempt(st, cb, &crypt, &url, push).await;
        let tried = Tried {
            n,
            started,
            url: Some(kept_url(&url)),
            answer,
        };
        cb.record(st, push, &plaintext, &tried);
        let outcome = tried.answer.outcome;
        if delivered(outcome) {
            return (EventKind::Acknowledged, n, tried.answer.passive);
        }
        if !retried(st, outcome) {
            // Received, but what the receiver answered was lost: not an acknowledgement the bot meant.
            return (EventKind::Failed, n, None);
        }
    }
    (EventKind::Failed, MAX_ATTEMPTS, None)
}

/// A passive reply is a message from the app to the member who wrote, as if sent with `message/send`.
fn deliver_reply(st: &State, push: &Push, to: crate::store::InboxId, reply: &[u8]) {
    let agentid = push.receiver.1;
    let fields =
        wecom_wire::callback::parse_fields(&String::from_utf8_lossy(reply)).unwrap_or_default();
    let msgtype = fields
        .get("MsgType")
        .and_then(wecom_wire::message::Msgtype::parse)
        .map_or("text", |m| m.as_str());
    let content = match msgtype {
        "text" | "markdown" => {
            serde_json::json!({ "content": fields.get("Content").unwrap_or_default() })
        }
        _ => serde_json::Value::Object(fields.0.into_iter().map(|(k, v)| (k, v.into())).collect()),
    };
    let body = serde_json::json!({ "msgtype": msgtype, msgtype: content }).to_string();
    let msgid = st.ids.msgid(st.ids.next_seq());
    let source = crate::store::Source::App { agentid };
    let d = crate::store::Delivery::new(msgid, source, msgtype, body.into(), st.clock.now_s());
    let sim = st.sim();
    sim.store.deliver(to, &d);
    if let crate::store::InboxId::User { corp, user } = to {
        let receiver = || format!("user:{}", sim.world.corps[corp].member(user).userid);
        st.events.emit(|| {
            Event::now(
                &st.clock,
                EventKind::Delivered,
                Route::AppMessage,
                &d.msgid,
                receiver(),
            )
            .with(serde_json::json!({ "in_reply_to": push.msgid }))
        });
    }
}

#[cfg(test)]
mod flaky;
