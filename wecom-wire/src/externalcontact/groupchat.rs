//! Customer groups (客户群): `groupchat/list`, `groupchat/get`, the two owner transfers, and the
//! `change_external_chat` event.

use serde::{Deserialize, Serialize};

use crate::callback::{message_xml, Value as X};
use crate::lenient;
use crate::WireError;

/// `groupchat/list` `limit`: 1–1000.
pub const LIST_LIMIT_MAX: usize = 1000;
/// Chats per transfer call [U: believed 100].
pub const MAX_PER_TRANSFER: usize = 100;

/// `status` of a group in `groupchat/list`: 0 normal, 1 the owner resigned and nobody took it, 2 being taken
/// over, 3 taken over.
pub const NORMAL: i64 = 0;
pub const OWNER_RESIGNED: i64 = 1;
pub const INHERITING: i64 = 2;
pub const INHERITED: i64 = 3;

#[derive(Debug, Default, Deserialize)]
pub struct OwnerFilter {
    #[serde(default)]
    pub userid_list: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListRequest {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub status_filter: Option<i64>,
    #[serde(default)]
    pub owner_filter: Option<OwnerFilter>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct ChatStatus {
    pub chat_id: String,
    pub status: i64,
}

#[derive(Debug, Serialize)]
pub struct ListResponse {
    pub group_chat_list: Vec<ChatStatus>,
    pub next_cursor: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct GetRequest {
    #[serde(default)]
    pub chat_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub need_name: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Invitor {
    pub userid: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub userid: String,
    /// 1 a member of the corp, 2 an external contact.
    #[serde(rename = "type")]
    pub kind: i64,
    pub join_time: i64,
    /// 1 invited directly, 2 by link, 3 by QR code.
    pub join_scene: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitor: Option<Invitor>,
    pub group_nickname: String,
    /// Only with `need_name: 1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unionid: String,
    /// The `state` of the join way the member came in by; absent otherwise (the doc's appendix shows it only
    /// on such members).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Admin {
    pub userid: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupChat {
    pub chat_id: String,
    pub name: String,
    pub owner: String,
    pub create_time: i64,
    pub notice: String,
    pub member_list: Vec<Member>,
    pub admin_list: Vec<Admin>,
    pub member_version: String,
}

#[derive(Debug, Serialize)]
pub struct GetResponse {
    pub group_chat: GroupChat,
}

#[derive(Debug, Default, Deserialize)]
pub struct TransferRequest {
    #[serde(default)]
    pub chat_id_list: Vec<String>,
    #[serde(default)]
    pub new_owner: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FailedChat {
    pub chat_id: String,
    pub errcode: i64,
    pub errmsg: String,
}

#[derive(Debug, Serialize)]
pub struct TransferResponse {
    pub failed_chat_list: Vec<FailedChat>,
}

/// 「加入群聊」 ways: chats per way, and the doc's text limits.
pub const MAX_JOIN_WAY_CHATS: usize = 5;
/// A remark past 30 characters is cut, not refused (the doc: 超过30个字符将被截断).
pub const MAX_JOIN_WAY_REMARK_CHARS: usize = 30;
pub const MAX_ROOM_BASE_NAME_CHARS: usize = 40;
pub const MAX_JOIN_WAY_STATE_CHARS: usize = 30;

/// A 「加入群聊」 way as sent to `add_join_way` / `update_join_way` and as `get_join_way` answers it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct JoinWay {
    #[serde(default)]
    pub config_id: String,
    /// 1 a mini program button, 2 a QR code.
    #[serde(default, deserialize_with = "lenient::int")]
    pub scene: i64,
    #[serde(default)]
    pub remark: String,
    /// Open a new group when the chats are full: 1 (the default) or 0.
    #[serde(default = "one", deserialize_with = "lenient::int")]
    pub auto_create_room: i64,
    #[serde(default)]
    pub room_base_name: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub room_base_id: i64,
    #[serde(default)]
    pub chat_id_list: Vec<String>,
    #[serde(default)]
    pub qr_code: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub mark_source: bool,
}

fn one() -> i64 {
    1
}

impl JoinWay {
    /// Scene 1 or 2, 1–5 chats, state and room name within their limits; an over-long remark is cut.
    pub fn check(&mut self) -> Result<(), WireError> {
        if !matches!(self.scene, 1 | 2) {
            return Err(WireError::invalid_field("scene"));
        }
        if !matches!(self.auto_create_room, 0 | 1) {
            return Err(WireError::invalid_field("auto_create_room"));
        }
        if self.chat_id_list.is_empty() || self.chat_id_list.len() > MAX_JOIN_WAY_CHATS {
            return Err(WireError::invalid_field("chat_id_list"));
        }
        if self.state.chars().count() > MAX_JOIN_WAY_STATE_CHARS {
            return Err(WireError::too_long("state", MAX_JOIN_WAY_STATE_CHARS));
        }
        if self.room_base_name.chars().count() > MAX_ROOM_BASE_NAME_CHARS {
            return Err(WireError::too_long(
                "room_base_name",
                MAX_ROOM_BASE_NAME_CHARS,
            ));
        }
        if self.remark.chars().count() > MAX_JOIN_WAY_REMARK_CHARS {
            self.remark = self
                .remark
                .chars()
                .take(MAX_JOIN_WAY_REMARK_CHARS)
                .collect();
        }
        Ok(())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct JoinWayId {
    #[serde(default)]
    pub config_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AddJoinWayResponse {
    pub config_id: String,
}

#[derive(Debug, Serialize)]
pub struct GetJoinWayResponse {
    pub join_way: JoinWay,
}

/// A `change_external_chat` update: members joined or left.
pub fn change_chat_xml(
    corpid: &str,
    create_time: i64,
    chat_id: &str,
    update_detail: &str,
    scene: (&str, i64),
    changed: &[&str],
    (last_version, current_version): (&str, &str),
) -> String {
    let fields = [
        ("ToUserName", X::Text(corpid)),
        ("FromUserName", X::Text("sys")),
        ("CreateTime", X::Number(create_time)),
        ("MsgType", X::Text("event")),
        ("Event", X::Text("change_external_chat")),
        ("ChatId", X::Text(chat_id)),
        ("ChangeType", X::Text("update")),
        ("UpdateDetail", X::Text(update_detail)),
        (scene.0, X::Number(scene.1)),
        ("MemChangeCnt", X::Number(changed.len() as i64)),
        ("LastMemVer", X::Text(last_version)),
        ("CurMemVer", X::Text(current_version)),
        ("MemChangeList", X::Items(changed)),
    ];
    message_xml(&fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_way_names_one_to_five_chats_and_cuts_its_remark() {
        let mut w: JoinWay = serde_json::from_value(serde_json::json!({
            "scene": 2, "chat_id_list": ["wr1"], "remark": "r".repeat(31)
        }))
        .unwrap_or_default();
        assert_eq!(w.auto_create_room, 1, "the default");
        assert!(w.check().is_ok());
        assert_eq!(w.remark.chars().count(), 30);
        w.chat_id_list = (0..6).map(|i| format!("wr{i}")).collect();
        assert!(w.check().is_err());
        w.chat_id_list.truncate(5);
        w.scene = 3;
        assert!(w.check().is_err());
    }

    #[test]
    fn the_chat_event_lists_who_changed() {
        let xml = change_chat_xml(
            "ww1",
            1,
            "wr1",
            "add_member",
            ("JoinScene", 1),
            &["wm1", "lisi"],
            ("v1", "v2"),
        );
        assert!(
            xml.contains("<MemChangeList><Item>wm1</Item><Item>lisi</Item></MemChangeList>"),
            "{xml}"
        );
        let f = crate::callback::parse_fields(&xml).unwrap_or_default();
        assert_eq!(f.get("Event"), Some("change_external_chat"));
        assert_eq!(f.get("UpdateDetail"), Some("add_member"));
        assert_eq!(f.get("MemChangeCnt"), Some("2"));
        assert_eq!(f.get("JoinScene"), Some("1"));
    }
}
