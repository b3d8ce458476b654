//! Contact ways (联系我): `add_contact_way` and friends, their checks, and the `change_external_contact` events a
//! customer's adding, editing and deleting raise.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::callback::{message_xml, Value as X};
use crate::lenient;
use crate::{Errcode, WireError};

/// `remark` at most 30 characters, `state` at most 30.
pub const MAX_WAY_REMARK_CHARS: usize = 30;
pub const MAX_STATE_CHARS: usize = 30;
/// Members or departments on a multi-person way.
pub const MAX_WAY_MEMBERS: usize = 100;
/// A temporary way lives 7 days by default, 14 at most.
pub const TEMP_DEFAULT_S: i64 = 7 * 86_400;
pub const TEMP_MAX_S: i64 = 14 * 86_400;
/// `list_contact_way` `limit`: 100 by default, at most 1000 [U].
pub const LIST_LIMIT_DEFAULT: usize = 100;
pub const LIST_LIMIT_MAX: usize = 1000;
/// A welcome code is good for 20 s [U].
pub const WELCOME_CODE_TTL_S: i64 = 20;

/// `add_contact_way` and `update_contact_way` as sent; also what `get_contact_way` answers.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ContactWay {
    #[serde(default)]
    pub config_id: String,
    /// 1 one member, 2 several.
    #[serde(default, rename = "type", deserialize_with = "lenient::int")]
    pub kind: i64,
    /// 1 in a mini program, 2 a QR code.
    #[serde(default, deserialize_with = "lenient::int")]
    pub scene: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub style: i64,
    #[serde(default)]
    pub remark: String,
    #[serde(default = "yes")]
    pub skip_verify: bool,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub qr_code: String,
    #[serde(default)]
    pub user: Vec<String>,
    #[serde(default)]
    pub party: Vec<i64>,
    #[serde(default)]
    pub is_temp: bool,
    #[serde(default, deserialize_with = "lenient::int")]
    pub expires_in: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub chat_expires_in: i64,
    #[serde(default)]
    pub unionid: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub conclusions: Value,
}

fn yes() -> bool {
    true
}

impl ContactWay {
    /// The checks that need no world: type, scene, lengths, the temporary way's life.
    pub fn check(&self) -> Result<(), WireError> {
        if !matches!(self.kind, 1 | 2) {
            return Err(WireError::invalid_field("type"));
        }
        if !matches!(self.scene, 1 | 2) {
            return Err(WireError::invalid_field("scene"));
        }
        if self.remark.chars().count() > MAX_WAY_REMARK_CHARS {
            return Err(WireError::too_long("remark", MAX_WAY_REMARK_CHARS));
        }
        if self.state.chars().count() > MAX_STATE_CHARS {
            return Err(WireError::too_long("state", MAX_STATE_CHARS));
        }
        match (self.kind, self.user.len(), self.party.len()) {
            (1, 1, 0) => {}
            (1, _, _) => return Err(WireError::invalid_field("user")),
            (_, 0, 0) => return Err(WireError::invalid_field("user")),
            (_, u, p) if u > MAX_WAY_MEMBERS || p > MAX_WAY_MEMBERS => {
                return Err(WireError::invalid_field("user"))
            }
            _ => {}
        }
        if self.is_temp && !(0..=TEMP_MAX_S).contains(&self.expires_in) {
            return Err(WireError::invalid_field("expires_in"));
        }
        Ok(())
    }
}

#[derive(Debug, Serialize)]
pub struct AddWayResponse {
    pub config_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub qr_code: String,
}

#[derive(Debug, Serialize)]
pub struct GetWayResponse {
    /// An object, as current WeCom answers (older docs showed an array).
    pub contact_way: ContactWay,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfigId {
    #[serde(default)]
    pub config_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListWays {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct WayId {
    pub config_id: String,
}

#[derive(Debug, Serialize)]
pub struct ListWaysResponse {
    pub contact_way: Vec<WayId>,
    pub next_cursor: String,
}

/// `send_welcome_msg`: a text and/or up to 9 attachments.
#[derive(Debug, Default, Deserialize)]
pub struct WelcomeMsg {
    #[serde(default)]
    pub welcome_code: Option<String>,
    #[serde(default)]
    pub text: Option<Value>,
    #[serde(default)]
    pub attachments: Vec<Value>,
}

/// Attachments per welcome or group message.
pub const MAX_ATTACHMENTS: usize = 9;
/// Welcome and group-message texts are at most 4000 bytes [U].
pub const MAX_WELCOME_TEXT_BYTES: usize = 4000;

impl WelcomeMsg {
    pub fn check(&self) -> Result<(), WireError> {
        let text = self
            .text
            .as_ref()
            .and_then(|t| t.get("content"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if text.is_empty() && self.attachments.is_empty() {
            return Err(Errcode::EMPTY_CONTENT.into());
        }
        if text.len() > MAX_WELCOME_TEXT_BYTES {
            return Err(WireError::too_long("text.content", MAX_WELCOME_TEXT_BYTES));
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Err(WireError::invalid_field("attachments"));
        }
        for a in &self.attachments {
            let t = a.get("msgtype").and_then(Value::as_str).unwrap_or("");
            if !matches!(t, "image" | "link" | "miniprogram" | "video" | "file")
                || a.get(t).is_none()
            {
                return Err(WireError::invalid_field("attachments.msgtype"));
            }
        }
        Ok(())
    }
}

/// A `change_external_contact` event: the header, then the change's own fields (`State`, `WelcomeCode`, …).
pub fn change_event_xml(
    corpid: &str,
    create_time: i64,
    change_type: &str,
    userid: &str,
    external_userid: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut fields = vec![
        ("ToUserName", X::Text(corpid)),
        ("FromUserName", X::Text("sys")),
        ("CreateTime", X::Number(create_time)),
        ("MsgType", X::Text("event")),
        ("Event", X::Text("change_external_contact")),
        ("ChangeType", X::Text(change_type)),
        ("UserID", X::Text(userid)),
        ("ExternalUserID", X::Text(external_userid)),
    ];
    fields.extend(extra.iter().map(|(k, v)| (*k, X::Text(v))));
    message_xml(&fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn way(v: Value) -> ContactWay {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn ways_are_checked() {
        assert!(
            way(serde_json::json!({"type": 1, "scene": 2, "user": ["a"]}))
                .check()
                .is_ok()
        );
        assert!(
            way(serde_json::json!({"type": 2, "scene": 2, "party": [2]}))
                .check()
                .is_ok()
        );
        for bad in [
            serde_json::json!({"type": 3, "scene": 2, "user": ["a"]}),
            serde_json::json!({"type": 1, "scene": 3, "user": ["a"]}),
            serde_json::json!({"type": 1, "scene": 2, "user": ["a", "b"]}),
            serde_json::json!({"type": 2, "scene": 2}),
            serde_json::json!({"type": 1, "scene": 2, "user": ["a"], "state": "s".repeat(31)}),
            serde_json::json!({"type": 1, "scene": 2, "user": ["a"], "is_temp": true, "expires_in": TEMP_MAX_S + 1}),
        ] {
            assert!(way(bad.clone()).check().is_err(), "{bad}");
        }
        assert!(
            way(serde_json::json!({})).skip_verify,
            "skip_verify defaults to true"
        );
    }

    #[test]
    fn the_add_event_carries_state_and_welcome_code() {
        let xml = change_event_xml(
            "ww1",
            1,
            "add_external_contact",
            "zhangsan",
            "wm1",
            &[("State", "fair"), ("WelcomeCode", "W")],
        );
        let f = crate::callback::parse_fields(&xml).unwrap_or_default();
        assert_eq!(f.get("Event"), Some("change_external_contact"));
        assert_eq!(f.get("ChangeType"), Some("add_external_contact"));
        assert_eq!(f.get("FromUserName"), Some("sys"));
        assert_eq!(f.get("State"), Some("fair"));
        assert_eq!(f.get("WelcomeCode"), Some("W"));
    }

    #[test]
    fn welcome_messages_need_something_to_say() {
        let empty = WelcomeMsg::default();
        assert_eq!(
            empty.check().map_err(|e| e.code),
            Err(Errcode::EMPTY_CONTENT)
        );
        let text = WelcomeMsg {
            text: Some(serde_json::json!({"content": "hi"})),
            ..WelcomeMsg::default()
        };
        assert!(text.check().is_ok());
        let bad = WelcomeMsg {
            attachments: vec![serde_json::json!({"msgtype": "news"})],
            ..WelcomeMsg::default()
        };
        assert!(bad.check().is_err());
    }
}
