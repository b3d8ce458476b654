//! `/mock/aibots/…`: members talk to an AI bot (智能机器人) — a message becomes the bot's
//! `aibot_msg_callback` on its long connection, and its streamed answer lands in the member's inbox.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use wecom_wire::aibot::{Frame, ENTER_CHAT, EVENT_CALLBACK, MSG_CALLBACK};
use wecom_wire::mock::events::{EventKind, Route};

use super::extract::body;
use super::{bad_request, not_found, PathParams, Refused, WithState};
use crate::aibot::{Awaited, Pending};
use crate::events::{Event, Now};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Said {
    from: String,
    #[serde(default = "single")]
    chattype: String,
    #[serde(default)]
    chatid: Option<String>,
    #[serde(default = "text")]
    msgtype: String,
    #[serde(default)]
    content: String,
}

fn single() -> String {
    "single".into()
}

fn text() -> String {
    "text".into()
}

/// A member who may talk to the bot, and the bot, connected.
struct Talker {
    corp: usize,
    bot: usize,
    user: usize,
    userid: String,
}

/// The bot `botid` and member `from`, when the member may talk to it and it has a long connection.
fn talker(st: &crate::State, botid: &str, from: &str) -> Result<Talker, Refused> {
    let world = st.world();
    let (corp, bot) = world
        .aibot(botid)
        .ok_or_else(|| not_found(format!("no aibot {botid}")))?;
    let c = &world.corps[corp];
    let user = c
        .user_index(from)
        .ok_or_else(|| bad_request(format!("from: {from:?} is not a member")))?;
    if !c.aibots[bot]
        .members
        .as_ref()
        .is_none_or(|m| m.contains(&user))
    {
        return Err(bad_request(format!("{from} may not talk to aibot {botid}")));
    }
    // Callback mode is not built yet: the long connection is the only way to the bot.
    if !st.aibots.is_connected((corp, bot)) {
        return Err(Refused(
            StatusCode::CONFLICT,
            format!("aibot {botid} has no long connection"),
        ));
    }
    let userid = c.users[user].userid.clone();
    Ok(Talker {
        corp,
        bot,
        user,
        userid,
    })
}

/// `POST /mock/aibots/{botid}/messages {"from": userid, "chattype": "single"|"group", "chatid"?, "content"}`:
/// the member writes to the bot; answers `{"msgid"}`. 409 when the bot has no long connection.
pub(super) async fn message(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let s: Said = body(&bytes)?;
    let Talker {
        corp,
        bot,
        user,
        userid,
    } = talker(&st, &botid, &s.from)?;
    let chatid = match (s.chattype.as_str(), s.chatid) {
        ("single", None) => None,
        ("group", Some(id)) if !id.is_empty() => Some(id),
        ("single", Some(_)) => return Err(bad_request("chatid is for a group chat")),
        ("group", _) => return Err(bad_request("a group chat needs its chatid")),
        (other, _) => {
            return Err(bad_request(format!(
                "chattype must be single or group, not {other:?}"
            )))
        }
    };
    if s.msgtype != "text" || s.content.is_empty() {
        return Err(bad_request(
            "msgtype text with a content is what members send so far",
        ));
    }
    let msgid = st.ids.msgid(st.ids.next_seq());
    let req_id = format!("aibot_msg_{msgid}");
    let mut callback = json!({
        "msgid": msgid, "aibotid": botid, "chattype": s.chattype,
        "from": { "userid": userid }, "msgtype": "text", "text": { "content": s.content },
    });
    if let Some(id) = &chatid {
        callback["chatid"] = json!(id);
    }
    let pending = Pending {
        corp,
        bot,
        user,
        msgid: msgid.clone(),
        chatid,
        at_s: st.clock.now_ms() / 1000,
        stream: None,
    };
    if !st.aibots.wait_for(req_id.clone(), pending) {
        return Err(Refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many messages wait for an answer".into(),
        ));
    }
    let frame = Frame::command(MSG_CALLBACK, &req_id, callback);
    let detail = json!({ "from": userid, "chattype": s.chattype });
    hand_over(&st, (corp, bot), &botid, &msgid, frame, detail)
        .inspect_err(|_| st.aibots.forget(&req_id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entered {
    from: String,
}

/// `POST /mock/aibots/{botid}/enter {"from": userid}`: the member opens the single chat with the bot, which
/// gets `enter_chat` and may welcome them within 5 s; answers `{"msgid"}` (the event's).
pub(super) async fn enter(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let e: Entered = body(&bytes)?;
    let Talker {
        corp,
        bot,
        user,
        userid,
    } = talker(&st, &botid, &e.from)?;
    let msgid = st.ids.msgid(st.ids.next_seq());
    let req_id = format!("aibot_event_{msgid}");
    let now_ms = st.clock.now_ms();
    let event = json!({
        "msgid": msgid, "create_time": now_ms / 1000, "aibotid": botid, "chattype": "single",
        "from": { "userid": userid }, "msgtype": "event", "event": { "eventtype": ENTER_CHAT },
    });
    let awaited = Awaited {
        corp,
        bot,
        user,
        msgid: msgid.clone(),
        at_ms: now_ms,
    };
    if !st.aibots.await_welcome(req_id.clone(), awaited) {
        return Err(Refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many events wait for a welcome".into(),
        ));
    }
    let frame = Frame::command(EVENT_CALLBACK, &req_id, event);
    let detail = json!({ "from": userid, "event": ENTER_CHAT });
    hand_over(&st, (corp, bot), &botid, &msgid, frame, detail)
        .inspect_err(|_| st.aibots.forget_welcome(&req_id))
}

/// What a member did, to the bot: `accepted` on the event stream, the frame on its connection; answers
/// `{"msgid"}`, or 409 when the bot is not reading (the caller then forgets what waited for the answer).
fn hand_over(
    st: &crate::State,
    key: (usize, usize),
    botid: &str,
    msgid: &str,
    frame: Frame,
    detail: Value,
) -> Result<Json<Value>, Refused> {
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Accepted,
            Route::Aibot,
            msgid,
            format!("aibot:{botid}"),
        )
        .with(detail)
    });
    if !st.aibots.send(key, frame) {
        return Err(Refused(
            StatusCode::CONFLICT,
            format!("aibot {botid} is not reading its connection"),
        ));
    }
    Ok(Json(json!({ "msgid": msgid })))
}
