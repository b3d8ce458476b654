//! `/mock/aibots/…`: members talk to an AI bot (智能机器人) — a message becomes the bot's
//! `aibot_msg_callback` on its long connection, an entered chat, a card click or a feedback its
//! `aibot_event_callback` — and the bot's state as tests and the console see it.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use wecom_wire::aibot::{
    Frame, ENTER_CHAT, EVENT_CALLBACK, FEEDBACK_EVENT, MSG_CALLBACK, TEMPLATE_CARD_EVENT,
};
use wecom_wire::mock::events::{EventKind, Route};

use super::extract::body;
use super::{bad_request, not_found, PathParams, Refused, WithState};
use crate::aibot::{Awaited, Awaits, BotKey, Pending, EVENT_REQ_ID, MSG_REQ_ID};
use crate::events::{Event, Now};

mod said;

/// A member who may talk to the bot, and the bot, connected.
pub(super) struct Talker {
    key: BotKey,
    user: usize,
    userid: String,
}

/// The bot `botid` and member `from`, when the member may talk to it and it has a long connection.
fn talker(st: &crate::State, botid: &str, from: &str) -> Result<Talker, Refused> {
    let world = st.world();
    let key = world
        .aibot(botid)
        .ok_or_else(|| not_found(format!("no aibot {botid}")))?;
    let c = &world.corps[key.0];
    let user = c
        .user_index(from)
        .ok_or_else(|| bad_request(format!("from: {from:?} is not a member")))?;
    if !c.aibots[key.1]
        .members
        .as_ref()
        .is_none_or(|m| m.contains(&user))
    {
        return Err(bad_request(format!("{from} may not talk to aibot {botid}")));
    }
    if !st.aibots.is_connected(key) && !crate::aibot::callback_mode::reachable(st, key) {
        return Err(Refused(
            StatusCode::CONFLICT,
            format!("aibot {botid} has no long connection and no callback URL"),
        ));
    }
    let userid = c.users[user].userid.clone();
    Ok(Talker { key, user, userid })
}

/// `POST /mock/aibots/{botid}/messages {"from": userid, "chattype": "single"|"group", "chatid"?, "msgtype",
/// "content"}`: the member writes to the bot; answers `{"msgid"}`. 409 when the bot has no long connection; 429
/// (with the refused message's msgid, and a `dropped` event) when the member already waits for as many answers
/// as `aibot_max_in_flight`.
pub(super) async fn message(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
    headers: HeaderMap,
    bytes: bytes::Bytes,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}");
    match message_or_refusal(&st, &botid, &base, &bytes) {
        Ok(r) => r.into_response(),
        Err(r) => r.into_response(),
    }
}

fn message_or_refusal(
    st: &std::sync::Arc<crate::State>,
    botid: &str,
    base: &str,
    bytes: &[u8],
) -> Result<Json<Value>, NotTaken> {
    let refused = NotTaken::Refused;
    let s: said::Said = body(bytes).map_err(refused)?;
    let t = talker(st, botid, &s.from).map_err(refused)?;
    let chat = s.chat(st, t.key.0).map_err(refused)?;
    let offer = |kind| crate::aibot::offer(st, base, kind);
    let content = s.content(&offer).map_err(refused)?;
    let msgid = st.ids.msgid(st.ids.next_seq());
    let max = st.settings.aibot().max_in_flight;
    if let Err(n) = st.aibots.begin(t.key, t.user, max) {
        return Err(too_many(st, botid, &t.userid, &msgid, n));
    }
    let req_id = format!("{MSG_REQ_ID}{msgid}");
    let mut callback = json!({
        "msgid": msgid, "create_time": st.clock.now_ms() / 1000, "aibotid": botid,
        "chattype": s.chattype, "from": { "userid": t.userid }, "msgtype": s.msgtype,
    });
    callback[s.msgtype.as_str()] = content;
    callback["response_url"] = json!(crate::aibot::response::response_url(
        st,
        t.key,
        (t.user, chat.as_ref().map(|c| c.1)),
        &msgid,
        &req_id
    ));
    if let Some((chatid, n)) = &chat {
        callback["chatid"] = json!(chatid);
        st.aibots.chats.wrote(t.key, *n);
    }
    let pending = Pending {
        corp: t.key.0,
        bot: t.key.1,
        user: t.user,
        msgid: msgid.clone(),
        chat: chat.map(|(_, n)| n),
        at_ms: st.clock.now_ms(),
        stream: None,
        started: false,
        finished: false,
        answered: false,
    };
    st.aibots.wait_for(req_id.clone(), pending);
    let frame = Frame::command(MSG_CALLBACK, &req_id, callback);
    let detail = json!({ "from": t.userid, "chattype": s.chattype, "msgtype": s.msgtype });
    hand_over(st, t.key, botid, &msgid, frame, detail)
        .inspect_err(|_| st.aibots.forget(&req_id))
        .map_err(refused)
}

/// Why a member's message was not taken.
enum NotTaken {
    Refused(Refused),
    /// Past `aibot_max_in_flight`: the answer's body.
    TooMany(Value),
}

impl IntoResponse for NotTaken {
    fn into_response(self) -> Response {
        match self {
            NotTaken::Refused(r) => r.into_response(),
            NotTaken::TooMany(body) => (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response(),
        }
    }
}

/// The 429 of a message past the member's limit, and its `dropped` event.
fn too_many(st: &crate::State, botid: &str, userid: &str, msgid: &str, n: usize) -> NotTaken {
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Dropped,
            Route::Aibot,
            msgid,
            format!("aibot:{botid}"),
        )
        .with(json!({ "from": userid, "reason": "in_flight", "n_in_flight": n }))
    });
    let error =
        format!("{userid} waits for {n} answers of aibot {botid} already (aibot_max_in_flight)");
    NotTaken::TooMany(json!({ "error": error, "msgid": msgid }))
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
    let t = talker(&st, &botid, &e.from)?;
    event(
        &st,
        &botid,
        t,
        json!({ "eventtype": ENTER_CHAT }),
        Some(Awaits::Welcome),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Clicked {
    from: String,
    task_id: String,
    event_key: String,
    #[serde(default = "button")]
    card_type: String,
    #[serde(default)]
    selected_items: Option<Value>,
}

fn button() -> String {
    "button_interaction".into()
}

/// `POST /mock/aibots/{botid}/cards/click {"from", "task_id", "event_key", "card_type"?, "selected_items"?}`:
/// the member clicks a button of the bot's card `task_id`; the bot may update the card within 5 s.
pub(super) async fn click(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let c: Clicked = body(&bytes)?;
    if c.task_id.is_empty() || c.event_key.is_empty() {
        return Err(bad_request("task_id and event_key are required"));
    }
    let t = talker(&st, &botid, &c.from)?;
    let mut clicked =
        json!({ "card_type": c.card_type, "event_key": c.event_key, "task_id": c.task_id });
    if let Some(items) = c.selected_items {
        clicked["selected_items"] = items;
    }
    let ev = json!({ "eventtype": TEMPLATE_CARD_EVENT, TEMPLATE_CARD_EVENT: clicked });
    let awaits = Awaits::Update { task_id: c.task_id };
    event(&st, &botid, t, ev, Some(awaits))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Feedback {
    from: String,
    /// The `feedback.id` the bot put on its answer.
    id: String,
    /// 1: liked; 2: disliked; 3: the dislike withdrawn.
    #[serde(rename = "type")]
    kind: u8,
}

/// `POST /mock/aibots/{botid}/feedback {"from", "id", "type"}`: the member likes or dislikes an answer; the bot
/// gets `feedback_event` and answers nothing.
pub(super) async fn feedback(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let f: Feedback = body(&bytes)?;
    if f.id.is_empty() || !(1..=3).contains(&f.kind) {
        return Err(bad_request("id is required and type is 1, 2 or 3"));
    }
    let t = talker(&st, &botid, &f.from)?;
    let ev = json!({ "eventtype": FEEDBACK_EVENT, FEEDBACK_EVENT: { "id": f.id, "type": f.kind } });
    event(&st, &botid, t, ev, None)
}

/// The event `ev` from member `t` to the bot, waiting for the answer `awaits` (if any).
fn event(
    st: &std::sync::Arc<crate::State>,
    botid: &str,
    t: Talker,
    ev: Value,
    awaits: Option<Awaits>,
) -> Result<Json<Value>, Refused> {
    let msgid = st.ids.msgid(st.ids.next_seq());
    let req_id = format!("{EVENT_REQ_ID}{msgid}");
    let now_ms = st.clock.now_ms();
    let eventtype = ev["eventtype"].clone();
    let mut body = json!({
        "msgid": msgid, "create_time": now_ms / 1000, "aibotid": botid, "chattype": "single",
        "from": { "userid": t.userid }, "msgtype": "event", "event": ev,
    });
    if eventtype == TEMPLATE_CARD_EVENT {
        body["response_url"] = json!(crate::aibot::response::response_url(
            st,
            t.key,
            (t.user, None),
            &msgid,
            &req_id
        ));
    }
    if let Some(awaits) = awaits {
        let awaited = Awaited {
            corp: t.key.0,
            bot: t.key.1,
            user: t.user,
            awaits,
            msgid: msgid.clone(),
            at_ms: now_ms,
        };
        let window_ms = st.settings.aibot().welcome_window_ms;
        if !st.aibots.await_answer(req_id.clone(), awaited, window_ms) {
            return Err(Refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many events wait for an answer".into(),
            ));
        }
    }
    let frame = Frame::command(EVENT_CALLBACK, &req_id, body);
    let detail = json!({ "from": t.userid, "event": eventtype });
    hand_over(st, t.key, botid, &msgid, frame, detail)
        .inspect_err(|_| st.aibots.forget_awaited(&req_id))
}

/// What a member did, to the bot: `accepted` on the event stream, the frame on its connection; answers
/// `{"msgid"}`, or 409 when the bot is not reading (the caller then forgets what waited for the answer).
fn hand_over(
    st: &std::sync::Arc<crate::State>,
    key: BotKey,
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
    if !crate::aibot::callback_mode::hand(st, key, frame) {
        return Err(Refused(
            StatusCode::CONFLICT,
            format!("aibot {botid} is not reading its connection"),
        ));
    }
    Ok(Json(json!({ "msgid": msgid })))
}

/// `GET /mock/aibots/{botid}`: whether it is connected, how many connections it has made and had taken over,
/// and what each member waits for.
pub(super) async fn status(
    State(st): WithState,
    PathParams(botid): PathParams<String>,
) -> Result<Json<Value>, Refused> {
    let world = st.world();
    let key = world
        .aibot(&botid)
        .ok_or_else(|| not_found(format!("no aibot {botid}")))?;
    let counts = st.aibots.counts(key);
    let c = &world.corps[key.0];
    let in_flight: serde_json::Map<String, Value> = st
        .aibots
        .in_flight(key)
        .into_iter()
        .map(|(u, n)| (c.member(u).userid.clone(), json!(n)))
        .collect();
    Ok(Json(json!({
        "botid": botid,
        "connected": st.aibots.is_connected(key),
        "n_connections": counts.n_connections,
        "n_kicked": counts.n_kicked,
        "in_flight": in_flight,
    })))
}
