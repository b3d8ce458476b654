//! 智能机器人 (AI bots), the long connection: every frame is one JSON text frame `{cmd?, headers: {req_id},
//! body?, errcode?, errmsg?}`; an ack has no `cmd` and carries its request's `req_id` unchanged. The commands
//! and WeCom's limits on what a bot streams back are here, once.

pub mod callback;
pub mod upload;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The bot's first frame: `{bot_id, secret}`.
pub const SUBSCRIBE: &str = "aibot_subscribe";
/// The bot's heartbeat (every 30 s in the SDKs; two missed acks and they reconnect).
pub const PING: &str = "ping";
/// WeCom → bot: a member's message. Its `req_id` is WeCom's, and the bot's replies carry it.
pub const MSG_CALLBACK: &str = "aibot_msg_callback";
/// WeCom → bot: an event (`enter_chat`, a card click, feedback, `disconnected_event`).
pub const EVENT_CALLBACK: &str = "aibot_event_callback";
/// Bot → WeCom: a reply to a message, most often a stream chunk.
pub const RESPOND_MSG: &str = "aibot_respond_msg";
/// Bot → WeCom: the welcome for an `enter_chat`, with that event's `req_id`.
pub const RESPOND_WELCOME: &str = "aibot_respond_welcome_msg";
/// Bot → WeCom: a template card's update after a click.
pub const RESPOND_UPDATE: &str = "aibot_respond_update_msg";
/// Bot → WeCom: a message of the bot's own (not a reply), to a chat that has written to it.
pub const SEND_MSG: &str = "aibot_send_msg";
/// Bot → WeCom: a temporary upload in chunks (init, chunks from index 0 in any order, finish), for a media_id
/// the bot then sends.
pub const UPLOAD_INIT: &str = "aibot_upload_media_init";
pub const UPLOAD_CHUNK: &str = "aibot_upload_media_chunk";
pub const UPLOAD_FINISH: &str = "aibot_upload_media_finish";

/// A member opened the single chat with the bot (the first time that day): the bot may welcome them.
pub const ENTER_CHAT: &str = "enter_chat";
/// A member clicked a button of a template card the bot sent: the bot may update the card within 5 s.
pub const TEMPLATE_CARD_EVENT: &str = "template_card_event";
/// A member liked (type 1) or disliked (type 2) an answer that carried a `feedback.id`.
pub const FEEDBACK_EVENT: &str = "feedback_event";
/// The event that tells an older connection a newer one took over the bot.
pub const DISCONNECTED_EVENT: &str = "disconnected_event";

/// A stream's content (and a markdown `aibot_send_msg`'s), in bytes of UTF-8 (WeCom's doc).
pub const MAX_STREAM_BYTES: usize = 20480;
/// How long a stream may go without an update before it can no longer be updated. WeCom's doc says 6 minutes
/// from the first send; streams updated every 4 minutes were seen alive past 8, so the mock counts from the
/// last update.
pub const STREAM_TTL_MS: i64 = 6 * 60 * 1000;
/// How long a message's req_id takes answers (several streams, several finishes: WeCom accepted them).
pub const REPLY_WINDOW_MS: i64 = 24 * 3600 * 1000;
/// How long after `enter_chat` a welcome is taken, and after a card click its update.
pub const WELCOME_WITHIN_MS: i64 = 5_000;
/// Messages of one member a bot may have unanswered at once.
pub const MAX_IN_FLIGHT_PER_MEMBER: usize = 3;
/// A heartbeat every 30 s is what WeCom advises; a connection silent much longer is dropped. WeCom's own limit
/// is not published: three missed heartbeats is the mock's.
pub const IDLE_TIMEOUT_MS: u64 = 90_000;

/// An ack's refusal: its errcode and errmsg. These codes are not in WeCom's global errcode table; each is one the
/// AI-bot server was seen to send (its doc names 846605 and 846608; 853000 was measured on the live server).
pub type Refusal = (i64, &'static str);

/// `aibot_subscribe` with an unknown bot_id or a wrong secret. The server keeps the socket open.
pub const INVALID_CREDENTIALS: Refusal = (853_000, "invalid bot_id or secret");
/// A reply whose req_id names no message waiting for one (unknown, already finished, or expired).
pub const INVALID_REQ_ID: Refusal = (846_605, "invalid req_id");
/// A stream updated after its time (see [`STREAM_TTL_MS`]).
pub const STREAM_EXPIRED: Refusal = (846_608, "stream message update expired");
/// A second answer that is not a stream (a card, a media, a welcome) to one req_id.
pub const ALREADY_RESPONDED: Refusal = (846_606, "request already responded, cannot respond again");

/// A refusal made of a code of WeCom's global table, with its own errmsg.
pub const fn refusal(code: crate::Errcode, errmsg: &'static str) -> Refusal {
    (code.0, errmsg)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headers {
    #[serde(default)]
    pub req_id: String,
}

/// One frame of the long connection, either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<String>,
    #[serde(default)]
    pub headers: Headers,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub body: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errmsg: Option<String>,
}

impl Frame {
    /// A command with its `req_id` and body.
    pub fn command(cmd: &str, req_id: &str, body: Value) -> Frame {
        Frame {
            cmd: Some(cmd.to_owned()),
            headers: Headers {
                req_id: req_id.to_owned(),
            },
            body,
            errcode: None,
            errmsg: None,
        }
    }

    /// The ack of the request `req_id` with a body (an upload's `upload_id`, its `media_id`).
    pub fn ack_with(req_id: &str, body: Value) -> Frame {
        Frame {
            body,
            ..Frame::ack(req_id, 0, "ok")
        }
    }

    /// The ack of the request `req_id`: errcode 0 and "ok", or a refusal.
    pub fn ack(req_id: &str, errcode: i64, errmsg: &str) -> Frame {
        Frame {
            cmd: None,
            headers: Headers {
                req_id: req_id.to_owned(),
            },
            body: Value::Null,
            errcode: Some(errcode),
            errmsg: Some(errmsg.to_owned()),
        }
    }
}

/// `aibot_subscribe`'s body.
#[derive(Debug, Clone, Deserialize)]
pub struct Subscribe {
    #[serde(default)]
    pub bot_id: String,
    #[serde(default)]
    pub secret: String,
}

/// A stream chunk in `aibot_respond_msg`: the whole content so far (each chunk replaces the last), and whether
/// it is the last.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Stream {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub finish: bool,
    #[serde(default)]
    pub content: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        /// A file sent to a bot decrypts under its key to what was encrypted, padded to 32 as the SDKs expect.
        #[test]
        fn a_bots_file_round_trips(key in any::<[u8; 32]>(), data in prop::collection::vec(any::<u8>(), 0..200)) {
            let sealed = crate::crypto::encrypt_file(&key, &data);
            prop_assert_eq!(sealed.len() % 32, 0);
            prop_assert!(sealed.len() > data.len());
            prop_assert_eq!(crate::crypto::decrypt_file(&key, &sealed), Some(data));
        }
    }

    /// The frames the official Node SDK was seen to exchange on loopback, read and written back as they were.
    #[test]
    fn captured_frames_read_and_write_back_the_same() {
        for text in [
            r#"{"cmd":"aibot_subscribe","headers":{"req_id":"aibot_subscribe_1796109218847_96db234b"},"body":{"bot_id":"mock-bot-id","secret":"mock-secret"}}"#,
            r#"{"headers":{"req_id":"aibot_subscribe_1796109218847_96db234b"},"errcode":0,"errmsg":"ok"}"#,
            r#"{"cmd":"ping","headers":{"req_id":"ping_1796109219852_771fefeb"}}"#,
            r#"{"cmd":"aibot_respond_msg","headers":{"req_id":"mock_req_0001"},"body":{"msgtype":"stream","stream":{"id":"stream_1796109218853_24162279","finish":false,"content":"正在思考中..."}}}"#,
        ] {
            let f: Frame = serde_json::from_str(text).unwrap();
            let back: Value = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
            assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
        }
        let ack = serde_json::to_value(Frame::ack("ping_1", 0, "ok")).unwrap();
        assert_eq!(
            ack,
            json!({"headers": {"req_id": "ping_1"}, "errcode": 0, "errmsg": "ok"})
        );
    }
}
