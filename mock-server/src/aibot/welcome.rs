//! `enter_chat` and its welcome: a member opens the single chat with the bot, the bot may answer with
//! `aibot_respond_welcome_msg` on the event's `req_id` within 5 s, and the welcome lands in the member's inbox.

use serde_json::{json, Value};

use super::{Hub, MAX_PENDING};
use crate::state::State;
use wecom_wire::aibot::{Refusal, INVALID_REQ_ID, WELCOME_WITHIN_MS};

/// An `enter_chat` the bot has not welcomed yet.
#[derive(Debug, Clone)]
pub(crate) struct Awaited {
    pub corp: usize,
    pub bot: usize,
    pub user: usize,
    /// The event's msgid, which the welcome's `delivered` names as `in_reply_to`.
    pub msgid: String,
    /// Mock time of the event.
    pub at_ms: i64,
}

impl Hub {
    /// The event `req_id` now waits for a welcome; false when too many already wait.
    pub(crate) fn await_welcome(&self, req_id: String, a: Awaited) -> bool {
        if self.welcomes.len() >= MAX_PENDING {
            return false;
        }
        self.welcomes.insert(req_id, a);
        true
    }

    pub(crate) fn forget_welcome(&self, req_id: &str) {
        self.welcomes.remove(req_id);
    }
}

/// `aibot_respond_welcome_msg` from bot `key`: within 5 s of its `enter_chat` (mock time), once, a text or a
/// card, delivered to the member's inbox. Late, twice, or for no such event: 846605.
pub(crate) fn welcome(
    st: &State,
    key: (usize, usize),
    req_id: &str,
    body: &Value,
) -> Result<(), Refusal> {
    let Some((_, a)) = st
        .aibots
        .welcomes
        .remove_if(req_id, |_, a| (a.corp, a.bot) == key)
    else {
        return Err(INVALID_REQ_ID);
    };
    if st.clock.now_ms() - a.at_ms > WELCOME_WITHIN_MS {
        return Err(INVALID_REQ_ID);
    }
    let msgtype = match body.get("msgtype").and_then(Value::as_str) {
        Some("template_card") => "template_card",
        _ => "text",
    };
    let reply_id = format!("re_{}", a.msgid);
    let detail = json!({ "in_reply_to": a.msgid, "welcome": true });
    super::deliver(st, key, a.user, &reply_id, (msgtype, body.clone()), detail);
    Ok(())
}
