//! 微信客服 (kf): the requests SDKs send to `kf/*`, the responses, the `sync_msg` items and the
//! `kf_msg_or_event` callback. The rules for what `send_msg` may carry are in [`rules`]; a page and an item
//! as a client reads them in [`Received`] and [`SyncPage`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::callback::{message_xml, Value as X};
use crate::lenient;

mod received;
mod rules;
pub mod stats;
pub mod upgrade;
pub use received::{Received, SyncPage};
pub use rules::{
    check_account_name, check_msgid, check_scene, sendable, Sendable, ServiceState, SEND_TYPES,
};

/// An account name is at most 16 characters.
pub const MAX_ACCOUNT_NAME_CHARS: usize = 16;
/// `scene` of `add_contact_way`: at most 32 bytes of `[0-9a-zA-Z_-]`.
pub const MAX_SCENE_BYTES: usize = 32;
/// A caller's own `msgid`: at most 32 bytes of `[0-9a-zA-Z_-]`.
pub const MAX_MSGID_BYTES: usize = 32;
/// Not WeCom's but this project's convention, within WeCom's rules for a caller's `msgid`: an answer whose
/// msgid is this prefix and the customer's msgid says which message it answers (the mock then credits it
/// exactly; WeCom ignores the meaning). It also makes a retried answer idempotent.
pub const REPLY_MSGID_PREFIX: &str = "re_";

/// The msgid an answer to customer message `msgid` gives itself, when it fits WeCom's rules.
pub fn reply_msgid(msgid: &str) -> Option<String> {
    let m = format!("{REPLY_MSGID_PREFIX}{msgid}");
    check_msgid(&m).is_ok().then_some(m)
}
/// `sync_msg` `limit`: the default and the most.
pub const SYNC_LIMIT_MAX: usize = 1000;
/// `account/list` `limit`: 1–100 [U].
pub const ACCOUNT_LIST_LIMIT_MAX: usize = 100;
/// A customer's message opens a window of 48 h for 5 messages.
pub const REPLY_WINDOW_S: i64 = 48 * 3600;
pub const REPLIES_PER_MESSAGE: u32 = 5;
/// The `Token` of a `kf_msg_or_event` callback is good for 10 minutes of `sync_msg`.
pub const SYNC_TOKEN_TTL_S: i64 = 600;
/// `send_msg_on_event` codes: the welcome and end-of-session codes last 20 s, the queue prompt 48 h.
pub const WELCOME_CODE_TTL_S: i64 = 20;
pub const END_CODE_TTL_S: i64 = 20;
pub const QUEUE_CODE_TTL_S: i64 = 48 * 3600;

/// Who a `sync_msg` item comes from.
pub const ORIGIN_CUSTOMER: i64 = 3;
pub const ORIGIN_EVENT: i64 = 4;
pub const ORIGIN_SERVICER: i64 = 5;

#[derive(Debug, Default, Deserialize)]
pub struct AccountAdd {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub media_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountUpdate {
    #[serde(default)]
    pub open_kfid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub media_id: Option<String>,
}

/// `account/list` by POST (WxJava); wechatpy sends GET with no body.
#[derive(Debug, Default, Deserialize)]
pub struct AccountList {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub offset: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AddContactWay {
    #[serde(default)]
    pub open_kfid: Option<String>,
    #[serde(default)]
    pub scene: Option<String>,
}

/// `servicer/add` and `servicer/del`.
#[derive(Debug, Default, Deserialize)]
pub struct Servicers {
    #[serde(default)]
    pub open_kfid: Option<String>,
    #[serde(default)]
    pub userid_list: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CustomerBatchGet {
    #[serde(default)]
    pub external_userid_list: Vec<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub need_enter_session_context: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SyncMsg {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub voice_format: Option<i64>,
    #[serde(default)]
    pub open_kfid: Option<String>,
}

/// `send_msg` and `send_msg_on_event`: the addressing, and every body a message may carry (the one `msgtype`
/// names is checked by [`sendable`]).
#[derive(Debug, Default, Deserialize)]
pub struct SendMsg {
    #[serde(default)]
    pub touser: Option<String>,
    #[serde(default)]
    pub open_kfid: Option<String>,
    /// `send_msg_on_event` only.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub msgid: Option<String>,
    #[serde(default)]
    pub msgtype: Option<String>,
    #[serde(flatten)]
    pub bodies: Bodies,
}

#[derive(Debug, Default, Deserialize)]
pub struct Bodies {
    #[serde(default)]
    pub text: Option<Value>,
    #[serde(default)]
    pub image: Option<Value>,
    #[serde(default)]
    pub voice: Option<Value>,
    #[serde(default)]
    pub video: Option<Value>,
    #[serde(default)]
    pub file: Option<Value>,
    #[serde(default)]
    pub link: Option<Value>,
    #[serde(default)]
    pub miniprogram: Option<Value>,
    #[serde(default)]
    pub msgmenu: Option<Value>,
    #[serde(default)]
    pub location: Option<Value>,
}

impl Bodies {
    pub fn get(&self, msgtype: &str) -> Option<&Value> {
        match msgtype {
            "text" => self.text.as_ref(),
            "image" => self.image.as_ref(),
            "voice" => self.voice.as_ref(),
            "video" => self.video.as_ref(),
            "file" => self.file.as_ref(),
            "link" => self.link.as_ref(),
            "miniprogram" => self.miniprogram.as_ref(),
            "msgmenu" => self.msgmenu.as_ref(),
            "location" => self.location.as_ref(),
            _ => None,
        }
    }
}

/// `service_state/get` and `service_state/trans`.
#[derive(Debug, Default, Deserialize)]
pub struct ServiceStateRequest {
    #[serde(default)]
    pub open_kfid: Option<String>,
    #[serde(default)]
    pub external_userid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub service_state: Option<i64>,
    #[serde(default)]
    pub servicer_userid: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AccountAddResponse {
    pub open_kfid: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountInfo {
    pub open_kfid: String,
    pub name: String,
    pub avatar: String,
    pub manage_privilege: bool,
}

#[derive(Debug, Serialize)]
pub struct AccountListResponse {
    pub account_list: Vec<AccountInfo>,
}

#[derive(Debug, Serialize)]
pub struct ContactWayResponse {
    pub url: String,
}

/// One member's outcome in `servicer/add|del` [U shape].
#[derive(Debug, Serialize)]
pub struct ServicerResult {
    pub userid: String,
    pub errcode: i64,
    pub errmsg: String,
}

#[derive(Debug, Serialize)]
pub struct ServicerResultResponse {
    pub result_list: Vec<ServicerResult>,
}

/// `status`: 0 receiving, 1 stopped [U shape].
#[derive(Debug, Clone, Serialize)]
pub struct ServicerInfo {
    pub userid: String,
    pub status: i64,
}

#[derive(Debug, Serialize)]
pub struct ServicerListResponse {
    pub servicer_list: Vec<ServicerInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnterSessionContext {
    pub scene: String,
    pub scene_param: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerInfo {
    pub external_userid: String,
    pub nickname: String,
    pub avatar: String,
    pub gender: i64,
    pub unionid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enter_session_context: Option<EnterSessionContext>,
}

#[derive(Debug, Serialize)]
pub struct CustomerBatchGetResponse {
    pub customer_list: Vec<CustomerInfo>,
    pub invalid_external_userid: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SendMsgResponse {
    pub msgid: String,
}

#[derive(Debug, Serialize)]
pub struct ServiceStateResponse {
    pub service_state: i64,
    /// Only while a servicer has the session (state 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub servicer_userid: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ServiceTransResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg_code: Option<String>,
}

/// One `sync_msg` item.
#[derive(Debug, Clone, Copy)]
pub struct SyncItem<'a> {
    pub msgid: &'a str,
    pub open_kfid: &'a str,
    pub external_userid: &'a str,
    pub send_time: i64,
    pub origin: i64,
    pub servicer_userid: Option<&'a str>,
    pub msgtype: &'a str,
    pub body: &'a Value,
}

impl SyncItem<'_> {
    /// The item as JSON text: the common fields, then the body under the `msgtype` key. Events carry their ids
    /// inside `event`, so `open_kfid` and `external_userid` are left out for them.
    pub fn to_json(&self) -> String {
        let mut item = serde_json::Map::with_capacity(8);
        item.insert("msgid".into(), self.msgid.into());
        if self.msgtype != "event" {
            item.insert("open_kfid".into(), self.open_kfid.into());
            item.insert("external_userid".into(), self.external_userid.into());
        }
        item.insert("send_time".into(), self.send_time.into());
        item.insert("origin".into(), self.origin.into());
        if let Some(s) = self.servicer_userid {
            item.insert("servicer_userid".into(), s.into());
        }
        item.insert("msgtype".into(), self.msgtype.into());
        item.insert(self.msgtype.into(), self.body.clone());
        Value::Object(item).to_string()
    }
}

/// The `kf_msg_or_event` callback: no content, only the token to pull it with and the account.
pub fn callback_xml(corpid: &str, create_time: i64, token: &str, open_kfid: &str) -> String {
    message_xml(&[
        ("ToUserName", X::Text(corpid)),
        ("CreateTime", X::Number(create_time)),
        ("MsgType", X::Text("event")),
        ("Event", X::Text("kf_msg_or_event")),
        ("Token", X::Text(token)),
        ("OpenKfId", X::Text(open_kfid)),
    ])
}

#[cfg(test)]
mod tests;
