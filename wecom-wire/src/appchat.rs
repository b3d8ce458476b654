//! Internal group chats of an app (`appchat/create|get|update|send`).

use serde::{Deserialize, Serialize};

use crate::errcode::{Errcode, WireError};
use crate::message::Msgtype;

pub const MIN_MEMBERS: usize = 2;
pub const MAX_MEMBERS: usize = 2000;
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_CHATID_CHARS: usize = 32;

/// What `appchat/send` carries; template cards, textcards beyond these and miniprogram notices are app-only.
pub const MSGTYPES: [Msgtype; 9] = [
    Msgtype::Text,
    Msgtype::Image,
    Msgtype::Voice,
    Msgtype::Video,
    Msgtype::File,
    Msgtype::Textcard,
    Msgtype::News,
    Msgtype::Mpnews,
    Msgtype::Markdown,
];

#[derive(Debug, Default, Deserialize)]
pub struct CreateRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub userlist: Vec<String>,
    #[serde(default)]
    pub chatid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UpdateRequest {
    #[serde(default)]
    pub chatid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub add_user_list: Vec<String>,
    #[serde(default)]
    pub del_user_list: Vec<String>,
}

/// The chat id of `appchat/send`; the message itself parses as a [`crate::message::SendRequest`].
#[derive(Debug, Default, Deserialize)]
pub struct SendTarget {
    #[serde(default)]
    pub chatid: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CreateResponse {
    pub chatid: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChatInfo {
    pub chatid: String,
    pub name: String,
    pub owner: String,
    pub userlist: Vec<String>,
    pub chat_type: i64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GetResponse {
    pub chat_info: ChatInfo,
}

/// A caller-chosen chat id: letters and digits, at most 32.
pub fn check_chatid(id: &str) -> Result<(), WireError> {
    if id.is_empty()
        || id.chars().count() > MAX_CHATID_CHARS
        || !id.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(WireError::new(Errcode::INVALID_CHATID));
    }
    Ok(())
}

/// The chat's name as WeCom keeps it: the doc says a name over 50 characters is cut ("超过将截断"), not refused.
pub fn chat_name(name: String) -> String {
    match name.char_indices().nth(MAX_NAME_CHARS) {
        Some((end, _)) => name[..end].to_owned(),
        None => name,
    }
}

pub fn check_member_count(n: usize) -> Result<(), WireError> {
    if !(MIN_MEMBERS..=MAX_MEMBERS).contains(&n) {
        return Err(WireError::new(Errcode::CHAT_MEMBER_COUNT));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatid_rules() {
        assert!(check_chatid("CHAT01").is_ok());
        assert!(check_chatid("").is_err());
        assert!(check_chatid("has space").is_err());
        assert!(check_chatid(&"a".repeat(33)).is_err());
    }

    #[test]
    fn member_count_rules() {
        assert!(check_member_count(1).is_err());
        assert!(check_member_count(2).is_ok());
        assert!(check_member_count(2001).is_err());
    }
}
