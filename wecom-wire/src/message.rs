//! Application messages (`message/send`, `message/recall`): the raw request as SDKs send it and the response.
//! The rules that turn a request into a valid message or a WeCom errcode are in [`rules`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lenient;

mod rules;
pub mod update;
pub use rules::{
    news_articles, recipients, template_card, truncate_utf8, validate_content, Recipients,
    ValidContent,
};

/// Byte limits from the reference (section 2.1).
pub const MAX_TEXT_BYTES: usize = 2048;
pub const MAX_TITLE_BYTES: usize = 128;
pub const MAX_DESCRIPTION_BYTES: usize = 512;
pub const MAX_URL_BYTES: usize = 2048;
pub const MAX_ARTICLES: usize = 8;
pub const MAX_TOUSER: usize = 1000;
pub const MAX_TOPARTY: usize = 100;
pub const MAX_TOTAG: usize = 100;
/// App messages from one app to one member: beyond these, WeCom drops them silently (no errcode).
pub const MEMBER_PER_MINUTE: usize = 30;
pub const MEMBER_PER_HOUR: usize = 1000;
/// `duplicate_check_interval`: default 1800 s, at most 4 h.
pub const DEFAULT_DUPLICATE_INTERVAL_S: i64 = 1800;
pub const MAX_DUPLICATE_INTERVAL_S: i64 = 4 * 3600;

/// `POST message/send` as sent. Every message body is optional here; [`validate`] checks that the one `msgtype`
/// names is present. Unknown keys are ignored, as WeCom ignores them.
#[derive(Debug, Default, Deserialize)]
pub struct SendRequest {
    #[serde(default)]
    pub touser: Option<String>,
    #[serde(default)]
    pub toparty: Option<String>,
    #[serde(default)]
    pub totag: Option<String>,
    #[serde(default)]
    pub msgtype: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub agentid: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub safe: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub enable_id_trans: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub enable_duplicate_check: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub duplicate_check_interval: Option<i64>,
    #[serde(default)]
    pub text: Option<Content>,
    #[serde(default)]
    pub markdown: Option<Content>,
    #[serde(default)]
    pub image: Option<MediaRef>,
    #[serde(default)]
    pub voice: Option<MediaRef>,
    #[serde(default)]
    pub file: Option<MediaRef>,
    #[serde(default)]
    pub video: Option<Video>,
    #[serde(default)]
    pub textcard: Option<TextCard>,
    #[serde(default)]
    pub news: Option<News>,
    #[serde(default)]
    pub mpnews: Option<MpNews>,
    #[serde(default)]
    pub miniprogram_notice: Option<MiniprogramNotice>,
    #[serde(default)]
    pub template_card: Option<TemplateCard>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Content {
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MediaRef {
    #[serde(default)]
    pub media_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Video {
    #[serde(default)]
    pub media_id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TextCard {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub btntxt: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct News {
    #[serde(default)]
    pub articles: Vec<Article>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Article {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub picurl: Option<String>,
    #[serde(default)]
    pub appid: Option<String>,
    #[serde(default)]
    pub pagepath: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MpNews {
    #[serde(default)]
    pub articles: Vec<MpArticle>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MpArticle {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub thumb_media_id: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub content_source_url: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MiniprogramNotice {
    #[serde(default)]
    pub appid: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub emphasis_first_item: Option<bool>,
    #[serde(default)]
    pub content_item: Vec<KeyValue>,
}

#[derive(Debug, Default, Deserialize)]
pub struct KeyValue {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

/// A template card, typed only as far as the rules below need; the rest travels as JSON.
#[derive(Debug, Default, Deserialize)]
pub struct TemplateCard {
    #[serde(default)]
    pub card_type: Option<String>,
    #[serde(default)]
    pub main_title: Option<Value>,
    #[serde(default)]
    pub sub_title_text: Option<String>,
    #[serde(default)]
    pub card_action: Option<Value>,
    #[serde(default)]
    pub task_id: Option<String>,
    #[serde(default)]
    pub horizontal_content_list: Vec<Value>,
    #[serde(default)]
    pub jump_list: Vec<Value>,
    #[serde(default)]
    pub vertical_content_list: Vec<Value>,
    #[serde(default)]
    pub button_list: Vec<Value>,
    #[serde(default)]
    pub checkbox: Option<Value>,
    #[serde(default)]
    pub select_list: Vec<Value>,
    #[serde(default)]
    pub submit_button: Option<Value>,
    #[serde(default)]
    pub action_menu: Option<Value>,
}

/// The message types `message/send` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Msgtype {
    Text,
    Image,
    Voice,
    Video,
    File,
    Textcard,
    News,
    Mpnews,
    Markdown,
    MiniprogramNotice,
    TemplateCard,
}

impl Msgtype {
    pub const ALL: [Msgtype; 11] = [
        Msgtype::Text,
        Msgtype::Image,
        Msgtype::Voice,
        Msgtype::Video,
        Msgtype::File,
        Msgtype::Textcard,
        Msgtype::News,
        Msgtype::Mpnews,
        Msgtype::Markdown,
        Msgtype::MiniprogramNotice,
        Msgtype::TemplateCard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Msgtype::Text => "text",
            Msgtype::Image => "image",
            Msgtype::Voice => "voice",
            Msgtype::Video => "video",
            Msgtype::File => "file",
            Msgtype::Textcard => "textcard",
            Msgtype::News => "news",
            Msgtype::Mpnews => "mpnews",
            Msgtype::Markdown => "markdown",
            Msgtype::MiniprogramNotice => "miniprogram_notice",
            Msgtype::TemplateCard => "template_card",
        }
    }

    pub fn parse(s: &str) -> Option<Msgtype> {
        Msgtype::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The `message/send` answer. Invalid recipients are pipe-joined strings, as WeCom sends them.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendResponse {
    pub invaliduser: String,
    pub invalidparty: String,
    pub invalidtag: String,
    pub unlicenseduser: String,
    pub msgid: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub response_code: String,
}

/// `POST message/recall`.
#[derive(Debug, Default, Deserialize)]
pub struct RecallRequest {
    #[serde(default)]
    pub msgid: Option<String>,
}

#[cfg(test)]
mod tests;
