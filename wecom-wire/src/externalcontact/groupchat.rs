//! Customer groups (客户群): `groupchat/list`, `groupchat/get`, the two owner transfers, and the
//! `change_external_chat` event.

use serde::{Deserialize, Serialize};

use crate::callback::{message_xml, Value as X};
use crate::lenient;

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
