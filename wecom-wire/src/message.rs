//! Application messages (`message/send`, `message/recall`): the raw request as SDKs send it, the rules that turn
//! it into a valid message or a WeCom errcode, and the response.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errcode::{Errcode, WireError};
use crate::lenient;

/// Byte limits from the reference (section 2.1).
pub const MAX_TEXT_BYTES: usize = 2048;
pub const MAX_TITLE_BYTES: usize = 128;
pub const MAX_DESCRIPTION_BYTES: usize = 512;
pub const MAX_URL_BYTES: usize = 2048;
pub const MAX_ARTICLES: usize = 8;
pub const MAX_TOUSER: usize = 1000;
pub const MAX_TOPARTY: usize = 100;
pub const MAX_TOTAG: usize = 100;
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

/// A message body that passed every rule that needs no state. The server still checks `media_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidContent {
    pub msgtype: Msgtype,
    /// media ids the message refers to; each must be a live upload of the sender's corp.
    pub media_ids: Vec<String>,
    /// Interactive cards get a `response_code`.
    pub interactive: bool,
}

/// The recipients as named, split and lower-cased, before the directory says which exist.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recipients {
    pub all: bool,
    pub users: Vec<String>,
    pub parties: Vec<String>,
    pub tags: Vec<String>,
}

fn split_ids(s: Option<&str>) -> Vec<String> {
    s.map(|s| {
        s.split('|')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// touser/toparty/totag → [`Recipients`]. `@all` makes toparty and totag irrelevant, as WeCom ignores them then.
pub fn recipients(
    touser: Option<&str>,
    toparty: Option<&str>,
    totag: Option<&str>,
) -> Result<Recipients, WireError> {
    let users = split_ids(touser);
    if users.iter().any(|u| u == "@all") {
        return Ok(Recipients {
            all: true,
            ..Recipients::default()
        });
    }
    let parties = split_ids(toparty);
    let tags = split_ids(totag);
    if users.len() > MAX_TOUSER {
        return Err(WireError::too_long("touser", MAX_TOUSER));
    }
    if parties.len() > MAX_TOPARTY {
        return Err(WireError::too_long("toparty", MAX_TOPARTY));
    }
    if tags.len() > MAX_TOTAG {
        return Err(WireError::too_long("totag", MAX_TOTAG));
    }
    if users.is_empty() && parties.is_empty() && tags.is_empty() {
        return Err(WireError::new(Errcode::NO_RECIPIENT));
    }
    let users = users
        .into_iter()
        .map(|u| {
            if u.chars().any(char::is_uppercase) {
                u.to_lowercase()
            } else {
                u
            }
        })
        .collect();
    Ok(Recipients {
        all: false,
        users,
        parties,
        tags,
    })
}

fn check_len(field: &str, value: Option<&str>, max: usize) -> Result<(), WireError> {
    match value {
        Some(v) if v.len() > max => Err(WireError::too_long(field, max)),
        _ => Ok(()),
    }
}

fn required<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str, WireError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(WireError::with_detail(
            Errcode::INVALID_PARAMETER,
            format!("{field} missing. invalid Request Parameter"),
        )),
    }
}

fn media_id(field: &str, m: Option<&MediaRef>) -> Result<String, WireError> {
    match m.and_then(|m| m.media_id.as_deref()) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err(WireError::with_detail(
            Errcode::INVALID_MEDIA_ID,
            format!("{field}.media_id invalid"),
        )),
    }
}

fn text_content(field: &str, c: Option<&Content>) -> Result<(), WireError> {
    let content = c.and_then(|c| c.content.as_deref()).unwrap_or("");
    if content.is_empty() {
        return Err(WireError::new(Errcode::EMPTY_CONTENT));
    }
    if content.len() > MAX_TEXT_BYTES {
        return Err(WireError::with_detail(
            Errcode::CONTENT_TOO_LARGE,
            format!("{field}.content size out of limit {MAX_TEXT_BYTES}"),
        ));
    }
    Ok(())
}

/// Checks the body `msgtype` names, for the types in `allowed`. The order of checks is WeCom's as far as we know
/// it: msgtype first, then the body.
pub fn validate_content(req: &SendRequest, allowed: &[Msgtype]) -> Result<ValidContent, WireError> {
    let msgtype = req
        .msgtype
        .as_deref()
        .and_then(Msgtype::parse)
        .filter(|m| allowed.contains(m))
        .ok_or_else(|| WireError::new(Errcode::INVALID_MSGTYPE))?;
    let mut media_ids = Vec::new();
    let mut interactive = false;
    match msgtype {
        Msgtype::Text => text_content("text", req.text.as_ref())?,
        Msgtype::Markdown => text_content("markdown", req.markdown.as_ref())?,
        Msgtype::Image => media_ids.push(media_id("image", req.image.as_ref())?),
        Msgtype::Voice => media_ids.push(media_id("voice", req.voice.as_ref())?),
        Msgtype::File => media_ids.push(media_id("file", req.file.as_ref())?),
        Msgtype::Video => {
            let v = req.video.as_ref();
            media_ids.push(media_id(
                "video",
                v.map(|v| MediaRef {
                    media_id: v.media_id.clone(),
                })
                .as_ref(),
            )?);
            check_len(
                "video.title",
                v.and_then(|v| v.title.as_deref()),
                MAX_TITLE_BYTES,
            )?;
            check_len(
                "video.description",
                v.and_then(|v| v.description.as_deref()),
                MAX_DESCRIPTION_BYTES,
            )?;
        }
        Msgtype::Textcard => {
            let c = req.textcard.as_ref();
            check_len(
                "textcard.title",
                Some(required(
                    "textcard.title",
                    c.and_then(|c| c.title.as_deref()),
                )?),
                MAX_TITLE_BYTES,
            )?;
            let desc = required(
                "textcard.description",
                c.and_then(|c| c.description.as_deref()),
            )?;
            check_len("textcard.description", Some(desc), MAX_DESCRIPTION_BYTES)?;
            check_len(
                "textcard.url",
                Some(required("textcard.url", c.and_then(|c| c.url.as_deref()))?),
                MAX_URL_BYTES,
            )?;
            check_len("textcard.btntxt", c.and_then(|c| c.btntxt.as_deref()), 12)?;
        }
        Msgtype::News => {
            let articles = req
                .news
                .as_ref()
                .map(|n| n.articles.as_slice())
                .unwrap_or_default();
            article_count("news.articles", articles.len())?;
            for a in articles {
                check_len(
                    "news.articles.title",
                    Some(required("news.articles.title", a.title.as_deref())?),
                    MAX_TITLE_BYTES,
                )?;
                check_len(
                    "news.articles.description",
                    a.description.as_deref(),
                    MAX_DESCRIPTION_BYTES,
                )?;
                check_len("news.articles.url", a.url.as_deref(), MAX_URL_BYTES)?;
                check_len("news.articles.picurl", a.picurl.as_deref(), MAX_URL_BYTES)?;
            }
        }
        Msgtype::Mpnews => {
            let articles = req
                .mpnews
                .as_ref()
                .map(|n| n.articles.as_slice())
                .unwrap_or_default();
            article_count("mpnews.articles", articles.len())?;
            for a in articles {
                check_len(
                    "mpnews.articles.title",
                    Some(required("mpnews.articles.title", a.title.as_deref())?),
                    MAX_TITLE_BYTES,
                )?;
                required("mpnews.articles.content", a.content.as_deref())?;
                check_len("mpnews.articles.content", a.content.as_deref(), 666 * 1024)?;
                check_len("mpnews.articles.author", a.author.as_deref(), 64)?;
                check_len(
                    "mpnews.articles.digest",
                    a.digest.as_deref(),
                    MAX_DESCRIPTION_BYTES,
                )?;
                media_ids.push(media_id(
                    "mpnews.articles.thumb",
                    Some(&MediaRef {
                        media_id: a.thumb_media_id.clone(),
                    }),
                )?);
            }
        }
        Msgtype::MiniprogramNotice => {
            let n = req.miniprogram_notice.as_ref();
            required(
                "miniprogram_notice.appid",
                n.and_then(|n| n.appid.as_deref()),
            )?;
            let title = required(
                "miniprogram_notice.title",
                n.and_then(|n| n.title.as_deref()),
            )?;
            check_len("miniprogram_notice.title", Some(title), 48)?;
            let items = n.map(|n| n.content_item.len()).unwrap_or(0);
            if items > 10 {
                return Err(WireError::too_long("miniprogram_notice.content_item", 10));
            }
        }
        Msgtype::TemplateCard => interactive = template_card(req.template_card.as_ref())?,
    }
    Ok(ValidContent {
        msgtype,
        media_ids,
        interactive,
    })
}

fn article_count(field: &str, n: usize) -> Result<(), WireError> {
    if n == 0 {
        return Err(WireError::with_detail(
            Errcode::INVALID_PARAMETER,
            format!("{field} missing. invalid Request Parameter"),
        ));
    }
    if n > MAX_ARTICLES {
        return Err(WireError::too_long(field, MAX_ARTICLES));
    }
    Ok(())
}

/// Template card rules; returns whether the card is interactive (and so gets a `response_code`).
pub fn template_card(card: Option<&TemplateCard>) -> Result<bool, WireError> {
    let card = card.ok_or_else(|| WireError::invalid_field("template_card"))?;
    let card_type = card.card_type.as_deref().unwrap_or("");
    let max = |field: &str, n: usize, max: usize| {
        if n > max {
            Err(WireError::too_long(field, max))
        } else {
            Ok(())
        }
    };
    max(
        "template_card.horizontal_content_list",
        card.horizontal_content_list.len(),
        6,
    )?;
    max("template_card.jump_list", card.jump_list.len(), 3)?;
    max(
        "template_card.vertical_content_list",
        card.vertical_content_list.len(),
        4,
    )?;
    let task_id = || {
        required("template_card.task_id", card.task_id.as_deref())
            .and_then(|t| check_len("template_card.task_id", Some(t), 128))
    };
    let present = |field: &str, v: &Option<Value>| {
        if v.as_ref().is_some_and(|v| !v.is_null()) {
            Ok(())
        } else {
            Err(WireError::with_detail(
                Errcode::INVALID_PARAMETER,
                format!("{field} missing. invalid Request Parameter"),
            ))
        }
    };
    match card_type {
        "text_notice" | "news_notice" => {
            present("template_card.card_action", &card.card_action)?;
            if card_type == "text_notice"
                && card.main_title.is_none()
                && card.sub_title_text.is_none()
            {
                return Err(WireError::with_detail(
                    Errcode::INVALID_PARAMETER,
                    "template_card.main_title missing. invalid Request Parameter",
                ));
            }
            if card_type == "news_notice" {
                present("template_card.main_title", &card.main_title)?;
            }
            Ok(card.action_menu.is_some())
        }
        "button_interaction" => {
            task_id()?;
            if card.button_list.is_empty() {
                return Err(WireError::invalid_field("template_card.button_list"));
            }
            max("template_card.button_list", card.button_list.len(), 6)?;
            Ok(true)
        }
        "vote_interaction" => {
            task_id()?;
            present("template_card.checkbox", &card.checkbox)?;
            present("template_card.submit_button", &card.submit_button)?;
            Ok(true)
        }
        "multiple_interaction" => {
            task_id()?;
            if card.select_list.is_empty() {
                return Err(WireError::invalid_field("template_card.select_list"));
            }
            max("template_card.select_list", card.select_list.len(), 3)?;
            present("template_card.submit_button", &card.submit_button)?;
            Ok(true)
        }
        _ => Err(WireError::invalid_field("template_card.card_type")),
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
