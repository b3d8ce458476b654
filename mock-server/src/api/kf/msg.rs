//! `kf/sync_msg` (the bot pulls what customers sent), `kf/send_msg` (it answers, within the reply window) and
//! `kf/send_msg_on_event` (a single-use code from an event allows one message).

use axum::extract::State;
use bytes::Bytes;
use std::sync::Arc;

use wecom_wire::kf::{
    check_msgid, sendable, SendMsg, SendMsgResponse, SyncMsg, REPLIES_PER_MESSAGE, REPLY_WINDOW_S,
    SEND_TYPES, SYNC_LIMIT_MAX,
};
use wecom_wire::{Errcode, WireError};

use super::{account, customer, kf_caller};
use crate::api::message::check_media;
use crate::api::{json, ok, ok_json_bytes, paging, ApiError, ApiResult, Params, RawBody};
use crate::kf_route::{deliver, raise, Answer};
use crate::state::State as Shared;

const EVENT_SEND_TYPES: &[&str] = &["text", "msgmenu"];

/// `fail_type` 10 of `msg_send_fail`: the customer refused the message.
const FAIL_REJECTED: i64 = 10;

pub async fn sync_msg(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: SyncMsg = json(&body)?;
    let limit = paging::size(req.limit, (SYNC_LIMIT_MAX, SYNC_LIMIT_MAX), "limit")?;
    if req.voice_format.is_some_and(|v| !(0..=1).contains(&v)) {
        return Err(WireError::invalid_field("voice_format").into());
    }
    let sim = st.sim();
    // Without a token WeCom allows the call but limits it hard; the mock allows it and does not limit it.
    if let Some(t) = req.token.as_deref().filter(|t| !t.is_empty()) {
        if !sim.store.kf.token_valid(t, who.corp, st.clock.now_ms()) {
            return Err(Errcode::KF_INVALID_MSG_TOKEN.into());
        }
    }
    let open_kfid = match req.open_kfid.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(account(&sim, who, Some(k))?),
        None => None,
    };
    // A cursor from before a reset, or past the log's end, is as invalid as a made-up one: answering it with an
    // empty page would leave its reader waiting for ever.
    let from = match req.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => st
            .ids
            .cursor_pos(c)
            .and_then(|v| sim.store.kf.cursor_pos(who.corp, v))
            .ok_or_else(|| ApiError::from(WireError::invalid_field("cursor")))?,
        None => 0,
    };
    let page = sim.store.kf.page(who.corp, from, open_kfid, limit);
    let cursor = st.ids.cursor(sim.store.kf.cursor_value(page.next));
    let size: usize = page.items.iter().map(|e| e.json.len() + 1).sum();
    let mut out = Vec::with_capacity(96 + size);
    out.extend_from_slice(br#"{"errcode":0,"errmsg":"ok","next_cursor":""#);
    out.extend_from_slice(cursor.as_bytes());
    out.extend_from_slice(br#"","has_more":"#);
    out.push(if page.has_more { b'1' } else { b'0' });
    out.extend_from_slice(br#","msg_list":["#);
    for (i, e) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(e.json.as_bytes());
    }
    out.extend_from_slice(b"]}");
    ok_json_bytes(out)
}

/// The caller's msgid if it gave a valid one, else a new one.
fn msgid(st: &Shared, given: Option<String>) -> Result<String, ApiError> {
    match given.filter(|m| !m.is_empty()) {
        Some(m) => {
            check_msgid(&m)?;
            Ok(m)
        }
        None => Ok(st.ids.msgid(st.ids.next_seq())),
    }
}

pub async fn send_msg(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: SendMsg = json(&body)?;
    let sim = st.sim();
    let open_kfid = account(&sim, who, req.open_kfid.as_deref())?;
    let cust = customer(&sim, who, req.touser.as_deref())?;
    let s = sendable(req.msgtype.as_deref(), &req.bodies, SEND_TYPES)?;
    check_media(&sim, &st, who.corp, &s.media_ids)?;
    let given = req.msgid.clone();
    let msgid = msgid(&st, req.msgid)?;
    let now_ms = st.clock.now_ms();
    let window_ms = st.settings.reply_match_window_ms();
    let (in_reply_to, rejects) = {
        let key = (who.corp, open_kfid.to_owned(), cust);
        // A customer who never wrote has opened no window: the time limit, as for a window that closed.
        let mut session = sim
            .store
            .kf
            .sessions
            .get_mut(&key)
            .ok_or(Errcode::KF_REPLY_TIME_LIMIT)?;
        if !session.state.api_may_send() {
            return Err(Errcode::KF_SESSION_STATE.into());
        }
        let open = session
            .last_customer_ms
            .is_some_and(|t| now_ms - t < REPLY_WINDOW_S * 1000);
        if !open {
            return Err(Errcode::KF_REPLY_TIME_LIMIT.into());
        }
        if session.n_replies >= REPLIES_PER_MESSAGE {
            return Err(Errcode::KF_REPLY_LIMIT.into());
        }
        session.n_replies += 1;
        let answers = session.answered(given.as_deref(), now_ms, window_ms);
        (answers, session.rejects)
    };
    if rejects {
        sim.store
            .kfstats
            .record((who.corp, open_kfid), None, st.clock.now_s(), |d| {
                d.rejected.insert(cust);
            });
        let external_userid = &sim.world.corps[who.corp].customers.external_userid(cust);
        let event = serde_json::json!({
            "event_type": "msg_send_fail",
            "open_kfid": open_kfid,
            "external_userid": external_userid,
            "fail_msgid": msgid,
            "fail_type": FAIL_REJECTED,
        });
        raise(&st, &sim, who.corp, open_kfid, Some(cust), &event);
    } else {
        let answer = Answer {
            corp: who.corp,
            open_kfid,
            customer: cust,
            msgid: msgid.clone(),
            msgtype: s.msgtype,
            body: Bytes::clone(&body),
            servicer_userid: None,
            in_reply_to,
        };
        deliver(&st, &sim, answer);
    }
    ok(SendMsgResponse { msgid })
}

/// WeCom's send_msg_on_event page names no code for a bad `code`, and its table has no kf code for it (40029
/// means an OAuth code): the generic invalid parameter, naming the field.
fn bad_code() -> WireError {
    WireError::invalid_field("code")
}

pub async fn send_msg_on_event(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: SendMsg = json(&body)?;
    let code = req.code.filter(|c| !c.is_empty()).ok_or_else(bad_code)?;
    let s = sendable(req.msgtype.as_deref(), &req.bodies, EVENT_SEND_TYPES)?;
    let msgid = msgid(&st, req.msgid)?;
    let sim = st.sim();
    // Taken only once the message is valid: a refused call leaves the code usable.
    let c = sim
        .store
        .kf
        .take_code(&code, who.corp, st.clock.now_ms())
        .ok_or_else(bad_code)?;
    // A code outlives nothing: the account it was issued for must still exist.
    account(&sim, who, Some(&c.open_kfid))?;
    let answer = Answer {
        corp: who.corp,
        open_kfid: &c.open_kfid,
        customer: c.customer,
        msgid: msgid.clone(),
        msgtype: s.msgtype,
        body: Bytes::clone(&body),
        servicer_userid: None,
        in_reply_to: None,
    };
    deliver(&st, &sim, answer);
    ok(SendMsgResponse { msgid })
}
