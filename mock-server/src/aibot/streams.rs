//! `aibot_respond_msg`: the bot's answer to a member's message. A stream is updated chunk by chunk (each
//! carrying the whole text so far) until `finish`; its first chunk raises `first_chunk` and its end delivers the
//! answer. An answer of another type (a card, a media, markdown) is delivered at once, once.

use serde_json::{json, Value};

use wecom_wire::aibot::{
    refusal, Refusal, Stream, ALREADY_RESPONDED, INVALID_REQ_ID, MAX_STREAM_BYTES, REPLY_WINDOW_MS,
    STREAM_EXPIRED,
};
use wecom_wire::mock::events::{EventKind, Route};
use wecom_wire::Errcode;

use super::deliver::{self, To};
use super::{BotKey, Pending};
use crate::events::{Event, Now};
use crate::state::State;

/// What the answer does once the pending entry is let go.
enum Then {
    Nothing,
    FirstChunk(Value),
    Deliver {
        first: Option<Value>,
        msgtype: &'static str,
        body: Value,
        detail: Value,
    },
}

/// `aibot_respond_msg` from bot `key` for `req_id`. Refused with 846605 for a req_id that names no message of
/// the bot's (or one older than a day), 846608 for a stream past its time or already finished, 846606 for a
/// second answer that is not a stream, 45002 for content over 20480 bytes, 40008 for a type WeCom does not take.
pub(crate) fn respond(st: &State, key: BotKey, req_id: &str, body: &Value) -> Result<(), Refusal> {
    let now_ms = st.clock.now_ms();
    let ttl_ms = st.settings.aibot().stream_ttl_ms;
    let (then, corp, to, reply_id) = {
        let Some(mut p) = st
            .aibots
            .pending
            .get_mut(req_id)
            .filter(|p| (p.corp, p.bot) == key && now_ms - p.at_ms <= REPLY_WINDOW_MS)
        else {
            return Err(INVALID_REQ_ID);
        };
        let to = p.chat.map_or(To::User(p.user), To::Chat);
        let then = match body["msgtype"].as_str().unwrap_or_default() {
            "stream" | "stream_with_template_card" => stream(&mut p, body, now_ms, ttl_ms)?,
            other => {
                let msgtype = deliver::msgtype(other)
                    .ok_or(refusal(Errcode::INVALID_MSGTYPE, "invalid message type"))?;
                if p.answered {
                    return Err(ALREADY_RESPONDED);
                }
                deliver::check_content(st, key, msgtype, body)?;
                p.answered = true;
                Then::Deliver {
                    first: None,
                    msgtype,
                    body: body.clone(),
                    detail: detail(&p, None),
                }
            }
        };
        if matches!(then, Then::Deliver { .. }) && !p.finished {
            p.finished = true;
            st.aibots.end(key, p.user);
        }
        (then, p.corp, to, format!("re_{}", p.msgid))
    };
    match then {
        Then::Nothing => {}
        Then::FirstChunk(d) => first_chunk(st, corp, to, &reply_id, d),
        Then::Deliver {
            first,
            msgtype,
            body,
            detail,
        } => {
            if let Some(d) = first {
                first_chunk(st, corp, to, &reply_id, d);
            }
            deliver::deliver(st, key, to, &reply_id, (msgtype, body), detail);
        }
    }
    Ok(())
}

/// One chunk of a stream on the pending message `p`.
fn stream(p: &mut Pending, body: &Value, now_ms: i64, ttl_ms: i64) -> Result<Then, Refusal> {
    let s: Stream = serde_json::from_value(body["stream"].clone()).unwrap_or_default();
    if s.content.len() > MAX_STREAM_BYTES {
        return Err(refusal(
            Errcode::CONTENT_TOO_LARGE,
            "content size out of limit",
        ));
    }
    if let Some((id, last_ms, done)) = &p.stream {
        // The same stream takes updates while it is updated within the TTL and has not finished; another id
        // starts a new answer to the same message (WeCom takes several).
        if *id == s.id && (*done || now_ms - last_ms > ttl_ms) {
            return Err(STREAM_EXPIRED);
        }
    }
    p.stream = Some((s.id.clone(), now_ms, s.finish));
    let first = (!p.started).then(|| {
        p.started = true;
        detail(p, Some(&s.id))
    });
    if !s.finish {
        return Ok(first.map_or(Then::Nothing, Then::FirstChunk));
    }
    let text = json!({ "msgtype": "text", "text": { "content": s.content } });
    Ok(Then::Deliver {
        first,
        msgtype: "text",
        body: text,
        detail: detail(p, Some(&s.id)),
    })
}

fn detail(p: &Pending, stream_id: Option<&str>) -> Value {
    let mut d = json!({ "in_reply_to": p.msgid });
    if let Some(id) = stream_id {
        d["stream_id"] = json!(id);
    }
    d
}

fn first_chunk(st: &State, corp: usize, to: To, reply_id: &str, detail: Value) {
    let receiver = deliver::receiver(st, corp, to);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::FirstChunk,
            Route::Aibot,
            reply_id,
            receiver,
        )
        .with(detail)
    });
}
