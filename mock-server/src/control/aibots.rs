//! `/mock/aibots/…`: members talk to an AI bot (智能机器人) — a message becomes the bot's
//! `aibot_msg_callback` on its long connection, and its streamed answer lands in the member's inbox.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use wecom_wire::aibot::{Frame, MSG_CALLBACK};
use wecom_wire::mock::events::{EventKind, Route};

use super::extract::body;
use super::{bad_request, not_found, PathParams, Refused, WithState};
use crate::aibot::Pending;
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

/// `POST /mock/aibots/{botid}/messages {"from": userid, "chattype": "single"|"group", "chatid"?, "content"}`:
/// the member writes to the bot; answers `{"msgid"}`. 409 when the bot has no long connection.
pub(super) async fn message(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let s: Said = body(&bytes)?;
    let world = st.world();
    let (corp, bot) = world
        .aibot(&botid)
        .ok_or_else(|| not_found(format!("no aibot {botid}")))?;
    let c = &world.corps[corp];
    let user = c
        .user_index(&s.from)
        .ok_or_else(|| bad_request(format!("from: {:?} is not a member", s.from)))?;
    if !c.aibots[bot]
        .members
        .as_ref()
        .is_none_or(|m| m.contains(&user))
    {
        return Err(bad_request(format!(
            "{} may not talk to aibot {botid}",
            s.from
        )));
    }
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
    if !st.aibots.is_connected((corp, bot)) {
        return Err(Refused(
            StatusCode::CONFLICT,
            format!("aibot {botid} has no long connection"),
        ));
    }
    let msgid = st.ids.msgid(st.ids.next_seq());
    let req_id = format!("aibot_msg_{msgid}");
    let userid = c.users[user].userid.clone();
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
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Accepted,
            Route::Aibot,
            &msgid,
            format!("aibot:{botid}"),
        )
        .with(json!({ "from": userid, "chattype": s.chattype }))
    });
    if !st
        .aibots
        .send((corp, bot), Frame::command(MSG_CALLBACK, &req_id, callback))
    {
        st.aibots.forget(&req_id);
        return Err(Refused(
            StatusCode::CONFLICT,
            format!("aibot {botid} is not reading its connection"),
        ));
    }
    Ok(Json(json!({ "msgid": msgid })))
}
