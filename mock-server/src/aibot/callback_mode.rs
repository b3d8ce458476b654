//! 智能机器人 in callback (HTTP) mode: a bot with callback keys and a URL, and no live long connection, gets what
//! members do as encrypted JSON pushes through `callback` (retried and logged as an app's are). Its passive reply
//! is taken as the same answer on the long connection would be; while the stream it starts is unfinished, the
//! mock pushes a stream refresh every `aibot_stream_refresh_ms` until a reply finishes it or the stream goes
//! `aibot_stream_ttl_ms` (mock time) without an update.

use dashmap::DashMap;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

use wecom_wire::aibot::callback::{stream_refresh, STREAM};
use wecom_wire::aibot::{Frame, Stream, ENTER_CHAT, STREAM_EXPIRED, TEMPLATE_CARD_EVENT};
use wecom_wire::mock::events::{EventKind, Route};

use super::{streams, welcome, BotKey, EVENT_REQ_ID, MSG_REQ_ID};
use crate::callback::{aibot_receiver, Push};
use crate::events::{Event, Now};
use crate::state::State;

/// Streams refreshed at once, across bots; past it a stream is not refreshed (its answer `failed`).
pub(crate) const MAX_REFRESHING: usize = 10_000;

/// The unfinished streams being refreshed, by their message's `req_id`.
#[derive(Debug, Default)]
pub(crate) struct Refreshes {
    live: DashMap<String, Refresh>,
}

#[derive(Debug, Clone)]
struct Refresh {
    key: BotKey,
    /// Mock time of the stream's last update.
    last_ms: i64,
    /// The refresh push: its msgid (the message's) and plaintext.
    msgid: String,
    plaintext: String,
}

impl Refreshes {
    /// A reset: no stream is refreshed any more (a refresh already waiting finds nothing and stops).
    pub(crate) fn clear(&self) {
        self.live.clear();
    }
}

/// Whether bot `key` takes pushes: it has callback keys and a URL (the fixture's, or one set at run time).
pub(crate) fn reachable(st: &State, key: BotKey) -> bool {
    st.callbacks.url(st, aibot_receiver(key)).is_some()
}

/// Hands `frame` to bot `key`: on its long connection when it has one, else (in callback mode) its body is
/// pushed to the bot's URL. False when neither takes it.
pub(crate) fn hand(st: &Arc<State>, key: BotKey, frame: Frame) -> bool {
    if st.aibots.is_connected(key) || !reachable(st, key) {
        return st.aibots.send(key, frame);
    }
    push(st, key, frame.body.get("msgid"), frame.body.to_string());
    true
}

fn push(st: &Arc<State>, key: BotKey, msgid: Option<&Value>, plaintext: String) {
    let msgid = msgid.and_then(Value::as_str).unwrap_or_default().to_owned();
    let push = Push {
        receiver: aibot_receiver(key),
        msgid,
        plaintext,
        reply_to: None,
        customer: None,
    };
    st.callbacks.dispatch(st, push);
}

/// Push `push` to bot `key` has ended, with the bot's passive reply (decrypted) if it gave one: that is its
/// answer to what was pushed, handled as on the long connection.
pub(crate) fn answered(st: &Arc<State>, key: BotKey, push: &Push, passive: Option<&[u8]>) {
    let Ok(sent) = serde_json::from_str::<Value>(&push.plaintext) else {
        return;
    };
    let reply = match passive.map(serde_json::from_slice::<Value>) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => return failed(st, &sent, "the passive reply is not JSON", None),
    };
    let msgid = sent["msgid"].as_str().unwrap_or_default();
    if sent["msgtype"] != "event" {
        return streamed(st, key, &sent, reply.as_ref());
    }
    let req_id = format!("{EVENT_REQ_ID}{msgid}");
    let answer = match (sent["event"]["eventtype"].as_str(), &reply) {
        (Some(ENTER_CHAT), Some(r)) => welcome::welcome(st, key, &req_id, r),
        (Some(TEMPLATE_CARD_EVENT), Some(r)) => welcome::update(st, key, &req_id, r),
        _ => Ok(()),
    };
    if let Err((code, why)) = answer {
        failed(st, &sent, why, Some(code));
    }
}

/// A message's (or a refresh's) reply: the answer, and the refreshes its unfinished stream gets.
fn streamed(st: &Arc<State>, key: BotKey, sent: &Value, reply: Option<&Value>) {
    let msgid = sent["msgid"].as_str().unwrap_or_default();
    let req_id = format!("{MSG_REQ_ID}{msgid}");
    let Some(reply) = reply else {
        // No answer to a refresh: the stream waits for the next, unless its time is up by then. (A message
        // answered with nothing may be answered later through its response_url.)
        if sent["msgtype"] == STREAM {
            schedule(st, req_id);
        }
        return;
    };
    if let Err(refused) = streams::respond(st, key, &req_id, reply) {
        st.aibot_refreshes.live.remove(&req_id);
        let why = if refused == STREAM_EXPIRED {
            "stream expired"
        } else {
            refused.1
        };
        return failed(st, sent, why, Some(refused.0));
    }
    let s: Stream = serde_json::from_value(reply["stream"].clone()).unwrap_or_default();
    let is_stream = matches!(
        reply["msgtype"].as_str(),
        Some("stream" | "stream_with_template_card")
    );
    if !is_stream || s.finish {
        st.aibot_refreshes.live.remove(&req_id);
        return;
    }
    let refresh = Refresh {
        key,
        last_ms: st.clock.now_ms(),
        msgid: msgid.to_owned(),
        plaintext: stream_refresh(sent, &s.id).to_string(),
    };
    if let Err(why) = keep(st, &req_id, refresh) {
        return failed(st, sent, why, None);
    }
    schedule(st, req_id);
}

/// Refreshes `req_id`'s stream from now on; refused past [`MAX_REFRESHING`] (after letting expired ones go).
fn keep(st: &State, req_id: &str, r: Refresh) -> Result<(), &'static str> {
    let live = &st.aibot_refreshes.live;
    if !live.contains_key(req_id) && live.len() >= MAX_REFRESHING {
        let (now_ms, ttl_ms) = (st.clock.now_ms(), st.settings.aibot().stream_ttl_ms);
        live.retain(|_, r| now_ms - r.last_ms <= ttl_ms);
        if live.len() >= MAX_REFRESHING {
            return Err("too many streams refreshing");
        }
    }
    live.insert(req_id.to_owned(), r);
    Ok(())
}

/// The next refresh of `req_id`'s stream, `aibot_stream_refresh_ms` from now: pushed if the stream is still
/// refreshed and its time is not up, else (time up) its answer `failed` with "stream expired".
fn schedule(st: &Arc<State>, req_id: String) {
    let wait = Duration::from_millis(st.settings.aibot().stream_refresh_ms);
    let weak = Arc::downgrade(st);
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        let Some(st) = weak.upgrade() else { return };
        let Some(r) = st.aibot_refreshes.live.get(&req_id).map(|r| r.clone()) else {
            return;
        };
        if st.clock.now_ms() - r.last_ms > st.settings.aibot().stream_ttl_ms {
            st.aibot_refreshes.live.remove(&req_id);
            let sent: Value = serde_json::from_str(&r.plaintext).unwrap_or_default();
            return failed(&st, &sent, "stream expired", Some(STREAM_EXPIRED.0));
        }
        push(&st, r.key, Some(&json!(r.msgid)), r.plaintext);
    });
}

/// The answer to `sent` (a message, a refresh or an event as pushed) failed: `failed` on the event stream,
/// named as its `delivered` would have been.
fn failed(st: &State, sent: &Value, why: &str, errcode: Option<i64>) {
    let msgid = sent["msgid"].as_str().unwrap_or_default();
    let receiver = match sent["chatid"].as_str() {
        Some(chat) => format!("aibot_chat:{chat}"),
        None => format!(
            "user:{}",
            sent["from"]["userid"].as_str().unwrap_or_default()
        ),
    };
    let mut detail = json!({ "in_reply_to": msgid, "reason": why });
    if let Some(code) = errcode {
        detail["errcode"] = json!(code);
    }
    if let Some(id) = sent[STREAM]["id"].as_str() {
        detail["stream_id"] = json!(id);
    }
    let reply_id = format!("re_{msgid}");
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Failed,
            Route::Aibot,
            &reply_id,
            receiver,
        )
        .with(detail)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refresh(last_ms: i64) -> Refresh {
        Refresh {
            key: (0, 0),
            last_ms,
            msgid: "m".into(),
            plaintext: "{}".into(),
        }
    }

    #[test]
    fn refreshed_streams_are_capped_and_expired_ones_make_room() {
        let st = crate::State::demo(crate::Config::default()).unwrap_or_else(|e| panic!("{e}"));
        let now = st.clock.now_ms();
        for i in 0..MAX_REFRESHING {
            assert_eq!(keep(&st, &format!("r{i}"), refresh(now)), Ok(()));
        }
        assert_eq!(
            keep(&st, "r0", refresh(now)),
            Ok(()),
            "an update of one refreshed"
        );
        assert_eq!(
            keep(&st, "new", refresh(now)),
            Err("too many streams refreshing")
        );
        let ttl = st.settings.aibot().stream_ttl_ms;
        st.aibot_refreshes
            .live
            .insert("r1".into(), refresh(now - ttl - 1));
        assert_eq!(keep(&st, "new", refresh(now)), Ok(()), "r1's time was up");
        assert_eq!(st.aibot_refreshes.live.len(), MAX_REFRESHING);
        assert!(!st.aibot_refreshes.live.contains_key("r1"));
        st.aibot_refreshes.clear();
        assert_eq!(st.aibot_refreshes.live.len(), 0);
    }
}
