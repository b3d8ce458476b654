//! Where an AI bot's messages land: a member's inbox (the single chat) or the group chat's, each with its
//! `delivered` event; and `aibot_send_msg`, the bot writing first to a chat that has written to it.

use serde_json::{json, Value};

use wecom_wire::aibot::{refusal, Refusal, MAX_STREAM_BYTES};
use wecom_wire::media::{MediaType, MEDIA_TTL_S};
use wecom_wire::mock::events::{EventKind, Route};
use wecom_wire::Errcode;

use super::BotKey;
use crate::events::{Event, Now};
use crate::state::State;
use crate::store::{Delivery, InboxId, Owner, Source};

/// Where a bot's message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum To {
    User(usize),
    /// A group chat, by its number in `Chats`.
    Chat(usize),
}

/// The message types a bot's answer (or its own message) is kept as.
const MSGTYPES: [&str; 7] = [
    "text",
    "markdown",
    "template_card",
    "file",
    "image",
    "voice",
    "video",
];

/// `msgtype` as one of [`MSGTYPES`].
pub(super) fn msgtype(s: &str) -> Option<&'static str> {
    MSGTYPES.iter().copied().find(|t| *t == s)
}

/// The event stream's name for `to`: `user:<userid>` or `aibot_chat:<chatid>`.
pub(super) fn receiver(st: &State, corp: usize, to: To) -> String {
    match to {
        To::User(user) => format!("user:{}", st.world().corps[corp].member(user).userid),
        To::Chat(chat) => format!("aibot_chat:{}", st.aibots.chats.name(chat)),
    }
}

/// Bot `key`'s message `reply_id` (its `msgtype` and the body it is read from) into `to`'s inbox, and its
/// `delivered` event with `detail`.
pub(crate) fn deliver(
    st: &State,
    (corp, bot): BotKey,
    to: To,
    reply_id: &str,
    (msgtype, body): (&'static str, Value),
    detail: Value,
) {
    let sim = st.sim();
    let d = Delivery::new(
        reply_id.to_owned(),
        Source::Aibot {
            botid: sim.world.corps[corp].aibots[bot].botid.clone(),
        },
        msgtype,
        bytes::Bytes::from(body.to_string()),
        st.clock.now_ms() / 1000,
    );
    let inbox = match to {
        To::User(user) => InboxId::User { corp, user },
        To::Chat(chat) => InboxId::AibotChat { corp, chat },
    };
    sim.store.deliver(inbox, &d);
    let receiver = receiver(st, corp, to);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Delivered,
            Route::Aibot,
            reply_id,
            receiver,
        )
        .with(detail)
    });
}

/// A markdown's content or a media's `media_id`, checked as WeCom checks a bot's message of that type.
pub(super) fn check_content(
    st: &State,
    key: BotKey,
    msgtype: &str,
    body: &Value,
) -> Result<(), Refusal> {
    if let Some(kind) = MediaType::parse(msgtype) {
        let id = body[msgtype]["media_id"].as_str().unwrap_or_default();
        let now_s = st.clock.now_ms() / 1000;
        let owner = Owner::Aibot {
            corp: key.0,
            bot: key.1,
        };
        let ok = st.sim().store.media.get(id).is_some_and(|m| {
            m.owner == owner && m.kind == kind && now_s < m.created_s + MEDIA_TTL_S
        });
        return if ok {
            Ok(())
        } else {
            Err(refusal(Errcode::INVALID_MEDIA_ID, "invalid media_id"))
        };
    }
    if msgtype == "markdown" || msgtype == "text" {
        let content = body[msgtype]["content"].as_str().unwrap_or_default();
        if content.is_empty() {
            return Err(refusal(Errcode::EMPTY_CONTENT, "empty content"));
        }
        if content.len() > MAX_STREAM_BYTES {
            return Err(refusal(
                Errcode::CONTENT_TOO_LARGE,
                "content size out of limit",
            ));
        }
    }
    Ok(())
}

/// `aibot_send_msg {chatid, chat_type?, msgtype, …}`: the bot writes to a member's single chat (chatid = their
/// userid) or a group chat, either of which must have written to it first.
pub(super) fn send_msg(st: &State, key: BotKey, body: &Value) -> Result<(), Refusal> {
    let chatid = body["chatid"].as_str().unwrap_or_default();
    if chatid.is_empty() {
        return Err(refusal(Errcode::INVALID_PARAMETER, "chatid missing"));
    }
    let user = st.world().corps[key.0].user_index(chatid);
    let to = match (body["chat_type"].as_i64().unwrap_or(0), user) {
        (0 | 1, Some(u)) if st.aibots.has_written(key, u) => To::User(u),
        (0 | 2, _) => match st.aibots.chats.find(key.0, chatid) {
            Some(c) if st.aibots.chats.has_written(key, c) => To::Chat(c),
            _ => return Err(not_talked()),
        },
        _ => return Err(not_talked()),
    };
    let name = body["msgtype"].as_str().unwrap_or_default();
    let kind = match msgtype(name) {
        Some("text") | None => {
            return Err(refusal(Errcode::INVALID_MSGTYPE, "invalid message type"))
        }
        Some("template_card") if matches!(to, To::Chat(_)) => {
            return Err(refusal(
                Errcode::INVALID_MSGTYPE,
                "template_card is for a single chat",
            ))
        }
        Some(k) => k,
    };
    check_content(st, key, kind, body)?;
    let msgid = st.ids.msgid(st.ids.next_seq());
    let detail = json!({ "send_msg": true, "chatid": chatid });
    deliver(st, key, to, &msgid, (kind, body.clone()), detail);
    Ok(())
}

fn not_talked() -> Refusal {
    refusal(
        Errcode::INVALID_PARAMETER,
        "chatid has not talked to the bot",
    )
}
