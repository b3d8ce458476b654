//! What a member says to an AI bot, as the control API takes it — text, voice (as its transcript), an image, a
//! file, a video, or a mix of text and images — checked, and rendered as the callback's content with the
//! files offered at URLs of the mock's own (`aibot::media`).

use serde::Deserialize;
use serde_json::{json, Value};

use super::super::{bad_request, Refused};
use crate::aibot::chats::MAX_CHATID_BYTES;

/// Bytes of what a member says in one message (WeCom's own limit for a member is not published; this keeps
/// each frame well under the SDKs' 1 MiB).
const MAX_CONTENT_BYTES: usize = 16 * 1024;
/// Items of a mixed message.
const MAX_ITEMS: usize = 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Said {
    pub from: String,
    #[serde(default = "single")]
    pub chattype: String,
    #[serde(default)]
    pub chatid: Option<String>,
    #[serde(default = "text")]
    pub msgtype: String,
    #[serde(default)]
    pub content: String,
    /// A mixed message's parts: `{"msgtype": "text", "content"}` or `{"msgtype": "image"}`.
    #[serde(default)]
    pub items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Item {
    msgtype: String,
    #[serde(default)]
    content: String,
}

fn single() -> String {
    "single".into()
}

fn text() -> String {
    "text".into()
}

/// Where the files of a message are offered: the mock's own base URL, as the caller reached it.
pub(super) type Offer<'a> = &'a dyn Fn(&'static str) -> Option<(String, String)>;

impl Said {
    /// The group chat said in (its chatid and number), or none for the single chat.
    pub fn chat(&self, st: &crate::State, corp: usize) -> Result<Option<(String, usize)>, Refused> {
        match (self.chattype.as_str(), &self.chatid) {
            ("single", None) => Ok(None),
            ("single", Some(_)) => Err(bad_request("chatid is for a group chat")),
            ("group", Some(id)) if !id.is_empty() => {
                if !matches!(self.msgtype.as_str(), "text" | "mixed") {
                    return Err(bad_request("in a group chat members send text or mixed"));
                }
                let n = st.aibots.chats.intern(corp, id).ok_or_else(|| {
                    bad_request(format!(
                        "chatid must be 1-{MAX_CHATID_BYTES} bytes, and the mock keeps at most {} group chats",
                        crate::aibot::chats::MAX_CHATS
                    ))
                })?;
                Ok(Some((id.clone(), n)))
            }
            ("group", _) => Err(bad_request("a group chat needs its chatid")),
            (other, _) => Err(bad_request(format!(
                "chattype must be single or group, not {other:?}"
            ))),
        }
    }

    /// The callback's `<msgtype>` object.
    pub fn content(&self, offer: Offer<'_>) -> Result<Value, Refused> {
        if self.content.len() > MAX_CONTENT_BYTES {
            return Err(bad_request(format!(
                "content is over {MAX_CONTENT_BYTES} bytes"
            )));
        }
        let needs_content = matches!(self.msgtype.as_str(), "text" | "voice");
        if needs_content == self.content.is_empty() {
            return Err(bad_request(
                "content is what text and voice carry, and only they",
            ));
        }
        if (self.msgtype == "mixed") == self.items.is_empty() {
            return Err(bad_request("items are what mixed carries, and only it"));
        }
        match self.msgtype.as_str() {
            "text" | "voice" => Ok(json!({ "content": self.content })),
            "image" => file(offer, "image"),
            "file" => file(offer, "file"),
            "video" => file(offer, "video"),
            "mixed" => self.mixed(offer),
            other => Err(bad_request(format!(
                "msgtype must be text, voice, image, file, video or mixed, not {other:?}"
            ))),
        }
    }

    fn mixed(&self, offer: Offer<'_>) -> Result<Value, Refused> {
        if self.items.len() > MAX_ITEMS {
            return Err(bad_request(format!("at most {MAX_ITEMS} items")));
        }
        let mut out = Vec::with_capacity(self.items.len());
        for it in &self.items {
            let item = match (it.msgtype.as_str(), it.content.is_empty()) {
                ("text", false) if it.content.len() <= MAX_CONTENT_BYTES => {
                    json!({ "msgtype": "text", "text": { "content": it.content } })
                }
                ("image", true) => json!({ "msgtype": "image", "image": file(offer, "image")? }),
                _ => {
                    return Err(bad_request(
                        "a mixed item is text with a content, or an image",
                    ))
                }
            };
            out.push(item);
        }
        Ok(json!({ "msg_item": out }))
    }
}

fn file(offer: Offer<'_>, kind: &'static str) -> Result<Value, Refused> {
    let (url, aeskey) = offer(kind).ok_or_else(|| {
        Refused(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "too many files offered at once".into(),
        )
    })?;
    Ok(json!({ "url": url, "aeskey": aeskey }))
}
