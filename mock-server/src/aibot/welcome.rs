//! The answers to events, each taken once within 5 s of mock time on the event's `req_id`: the welcome for
//! `enter_chat` (`aibot_respond_welcome_msg`) and a card's update after a click (`aibot_respond_update_msg`).

use serde_json::{json, Value};

use super::deliver::{self, To};
use super::{BotKey, Hub, MAX_PENDING};
use crate::state::State;
use wecom_wire::aibot::{refusal, Refusal, INVALID_REQ_ID};
use wecom_wire::Errcode;

/// What an event waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Awaits {
    Welcome,
    /// The update of the card `task_id` that was clicked.
    Update {
        task_id: String,
    },
}

/// An event the bot has not answered yet.
#[derive(Debug, Clone)]
pub(crate) struct Awaited {
    pub corp: usize,
    pub bot: usize,
    pub user: usize,
    pub awaits: Awaits,
    /// The event's msgid, which the answer's `delivered` names as `in_reply_to`.
    pub msgid: String,
    /// Mock time of the event.
    pub at_ms: i64,
}

impl Hub {
    /// The event `req_id` now waits for its answer; false when too many still may be answered (those past
    /// `window_ms` are swept first: they can only be refused).
    pub(crate) fn await_answer(&self, req_id: String, a: Awaited, window_ms: i64) -> bool {
        if self.awaited.len() >= MAX_PENDING {
            let now_ms = a.at_ms;
            self.awaited.retain(|_, w| now_ms - w.at_ms <= window_ms);
            if self.awaited.len() >= MAX_PENDING {
                return false;
            }
        }
        self.awaited.insert(req_id, a);
        true
    }

    pub(crate) fn forget_awaited(&self, req_id: &str) {
        self.awaited.remove(req_id);
    }
}

/// `aibot_respond_welcome_msg` or `aibot_respond_update_msg` (as `awaits` says) from bot `key`: within the
/// window of its event (mock time), once, delivered to the member's inbox. Late, twice, for no such event or
/// for an event of the other kind: 846605.
pub(crate) fn welcome(st: &State, key: BotKey, req_id: &str, body: &Value) -> Result<(), Refusal> {
    answer(st, key, req_id, body, &Awaits::Welcome)
}

pub(super) fn update(st: &State, key: BotKey, req_id: &str, body: &Value) -> Result<(), Refusal> {
    let task_id = body["template_card"]["task_id"]
        .as_str()
        .unwrap_or_default();
    if body["response_type"] != "update_template_card" || task_id.is_empty() {
        return Err(refusal(
            Errcode::INVALID_PARAMETER,
            "response_type update_template_card with a template_card.task_id is required",
        ));
    }
    let awaits = Awaits::Update {
        task_id: task_id.to_owned(),
    };
    answer(st, key, req_id, body, &awaits)
}

fn answer(
    st: &State,
    key: BotKey,
    req_id: &str,
    body: &Value,
    awaits: &Awaits,
) -> Result<(), Refusal> {
    let (msgtype, detail) = match awaits {
        Awaits::Welcome => match body["msgtype"].as_str() {
            Some("text") => ("text", json!({ "welcome": true })),
            Some("template_card") => ("template_card", json!({ "welcome": true })),
            _ => {
                return Err(refusal(
                    Errcode::INVALID_MSGTYPE,
                    "a welcome is text or template_card",
                ))
            }
        },
        Awaits::Update { task_id } => ("template_card", json!({ "update": task_id })),
    };
    let window_ms = st.settings.aibot().welcome_window_ms;
    let Some((_, a)) = st
        .aibots
        .awaited
        .remove_if(req_id, |_, a| (a.corp, a.bot) == key && a.awaits == *awaits)
    else {
        return Err(INVALID_REQ_ID);
    };
    if st.clock.now_ms() - a.at_ms > window_ms {
        return Err(INVALID_REQ_ID);
    }
    let mut detail = detail;
    detail["in_reply_to"] = json!(a.msgid);
    let reply_id = format!("re_{}", a.msgid);
    let to = To::User(a.user);
    deliver::deliver(st, key, to, &reply_id, (msgtype, body.clone()), detail);
    Ok(())
}
