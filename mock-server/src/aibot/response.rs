//! `response_url`: every message (and card event) a bot gets carries one, in WeCom's shape on its API host; a
//! bot POSTs one plain JSON answer there (markdown or a card) within the hour, once, and it lands where the
//! message came from as the bot's answer. The codes live in the store (`store::aibot_codes`).

use serde_json::{json, Value};

use wecom_wire::aibot::callback::RESPONSE_URL_TTL_MS;
use wecom_wire::{Errcode, WireError};

use super::deliver::{self, To};
use super::BotKey;
use crate::state::State;
use crate::store::aibot_codes::Code;

/// A new `response_url` for the message `msgid` (waiting under `req_id`) that member `user` sent bot `key`,
/// in the group chat `chat` or the single chat.
pub(crate) fn response_url(
    st: &State,
    key: BotKey,
    (user, chat): (usize, Option<usize>),
    msgid: &str,
    req_id: &str,
) -> String {
    let code = st.ids.response_code();
    let now_ms = st.clock.now_ms();
    let c = Code::new(
        key,
        (user, chat),
        (msgid.to_owned(), req_id.to_owned()),
        now_ms + RESPONSE_URL_TTL_MS,
    );
    st.sim().store.aibot_codes.keep(code.clone(), c, now_ms);
    wecom_wire::aibot::callback::response_url(&code)
}

/// `POST …/aibot/response?response_code=` with `body`: checked whole, then the code is used and the answer
/// delivered. A code unknown, used or past its hour: 60140; a body of another type: 40008; a markdown empty or
/// over 20480 bytes: 44004 / 45002.
pub(crate) fn answer(st: &State, code: &str, body: &Value) -> Result<(), WireError> {
    let now_ms = st.clock.now_ms();
    let store = st.sim().store.clone();
    let used = || WireError::with_detail(Errcode::INVALID_RESPONSE_CODE, "invalid response_code");
    let c = store.aibot_codes.peek(code, now_ms).ok_or_else(used)?;
    let key = (c.corp, c.bot);
    let msgtype = match body["msgtype"].as_str() {
        Some("markdown") => "markdown",
        Some("template_card") if body["template_card"].is_object() => "template_card",
        _ => {
            return Err(WireError::with_detail(
                Errcode::INVALID_MSGTYPE,
                "msgtype must be markdown or template_card (with its object)",
            ))
        }
    };
    deliver::check_content(st, key, msgtype, body)
        .map_err(|(code, why)| WireError::with_detail(Errcode(code), why))?;
    // Two answers racing: the one that takes the code delivers.
    let c = store.aibot_codes.take(code, now_ms).ok_or_else(used)?;
    finish(st, &c.req_id);
    let to = c.chat.map_or(To::User(c.user), To::Chat);
    let reply_id = st.ids.msgid(st.ids.next_seq());
    let detail = json!({ "in_reply_to": c.msgid, "response_url": true });
    deliver::deliver(st, key, to, &reply_id, (msgtype, body.clone()), detail);
    Ok(())
}

/// The message under `req_id` is answered: no longer in flight for its member.
fn finish(st: &State, req_id: &str) {
    let Some(mut p) = st.aibots.pending.get_mut(req_id) else {
        return;
    };
    if !p.finished {
        p.finished = true;
        st.aibots.end((p.corp, p.bot), p.user);
    }
}
