//! The rules of `message/send`: which errcode a raw request earns, or the valid form it becomes. Shared with
//! `appchat/send` and (for template cards) group robots.

use serde_json::Value;

use super::{Article, Content, MediaRef, MiniprogramNotice, MpArticle, Msgtype, SendRequest};
use super::{TemplateCard, TextCard, Video};
use super::{
    MAX_ARTICLES, MAX_DESCRIPTION_BYTES, MAX_TEXT_BYTES, MAX_TITLE_BYTES, MAX_TOPARTY, MAX_TOTAG,
};
use super::{MAX_TOUSER, MAX_URL_BYTES};
use crate::errcode::{Errcode, WireError};

/// A message body that passed every rule that needs no state. The server still checks `media_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidContent {
    pub msgtype: Msgtype,
    /// media ids the message refers to; each must be a live upload of the sender's corp.
    pub media_ids: Vec<String>,
    /// Interactive cards get a `response_code`.
    pub interactive: bool,
    /// A text or markdown `content` over [`MAX_TEXT_BYTES`], cut as WeCom cuts it (the doc: "超过将截断"), at the
    /// last whole character within the limit. The message is sent, with this content.
    pub cut_content: Option<String>,
}

/// `text` cut to at most `max` bytes at a character boundary.
pub fn truncate_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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
            // Userids are matched without case. Most are ASCII; a title-case letter (ᾈ) is not `is_uppercase`
            // but still has a lower-case form, so anything else goes through `to_lowercase`.
            if u.is_ascii() {
                if u.bytes().any(|b| b.is_ascii_uppercase()) {
                    u.to_ascii_lowercase()
                } else {
                    u
                }
            } else {
                u.to_lowercase()
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

/// The content, and its cut form when it is over the limit.
fn text_content(c: Option<&Content>) -> Result<Option<String>, WireError> {
    let content = c.and_then(|c| c.content.as_deref()).unwrap_or("");
    if content.is_empty() {
        return Err(WireError::new(Errcode::EMPTY_CONTENT));
    }
    Ok((content.len() > MAX_TEXT_BYTES).then(|| truncate_utf8(content, MAX_TEXT_BYTES).to_owned()))
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
    let mut valid = ValidContent {
        msgtype,
        media_ids: Vec::new(),
        interactive: false,
        cut_content: None,
    };
    match msgtype {
        Msgtype::Text => valid.cut_content = text_content(req.text.as_ref())?,
        Msgtype::Markdown => valid.cut_content = text_content(req.markdown.as_ref())?,
        Msgtype::Image => valid.media_ids.push(media_id("image", req.image.as_ref())?),
        Msgtype::Voice => valid.media_ids.push(media_id("voice", req.voice.as_ref())?),
        Msgtype::File => valid.media_ids.push(media_id("file", req.file.as_ref())?),
        Msgtype::Video => valid.media_ids.push(video(req.video.as_ref())?),
        Msgtype::Textcard => textcard(req.textcard.as_ref())?,
        Msgtype::News => {
            let articles = req.news.as_ref().map(|n| n.articles.as_slice());
            news_articles(articles.unwrap_or_default(), false)?;
        }
        Msgtype::Mpnews => {
            let articles = req.mpnews.as_ref().map(|n| n.articles.as_slice());
            valid.media_ids = mpnews_articles(articles.unwrap_or_default())?;
        }
        Msgtype::MiniprogramNotice => miniprogram_notice(req.miniprogram_notice.as_ref())?,
        Msgtype::TemplateCard => valid.interactive = template_card(req.template_card.as_ref())?,
    }
    Ok(valid)
}

/// A video's media id, once its title and description are within their limits.
fn video(v: Option<&Video>) -> Result<String, WireError> {
    let id = media_id(
        "video",
        v.map(|v| MediaRef {
            media_id: v.media_id.clone(),
        })
        .as_ref(),
    )?;
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
    Ok(id)
}

fn textcard(c: Option<&TextCard>) -> Result<(), WireError> {
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
    check_len("textcard.btntxt", c.and_then(|c| c.btntxt.as_deref()), 12)
}

/// mpnews articles (1–8, each with a title and content); gives their thumbs' media ids.
fn mpnews_articles(articles: &[MpArticle]) -> Result<Vec<String>, WireError> {
    article_count("mpnews.articles", articles.len())?;
    let mut thumbs = Vec::with_capacity(articles.len());
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
        thumbs.push(media_id(
            "mpnews.articles.thumb",
            Some(&MediaRef {
                media_id: a.thumb_media_id.clone(),
            }),
        )?);
    }
    Ok(thumbs)
}

fn miniprogram_notice(n: Option<&MiniprogramNotice>) -> Result<(), WireError> {
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
    Ok(())
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

/// News articles, for app messages and robots alike: 1–8, each with a title; robots also insist on a url.
pub fn news_articles(articles: &[Article], url_required: bool) -> Result<(), WireError> {
    article_count("news.articles", articles.len())?;
    for a in articles {
        let title = required("news.articles.title", a.title.as_deref())?;
        check_len("news.articles.title", Some(title), MAX_TITLE_BYTES)?;
        check_len(
            "news.articles.description",
            a.description.as_deref(),
            MAX_DESCRIPTION_BYTES,
        )?;
        if url_required {
            required("news.articles.url", a.url.as_deref())?;
        }
        check_len("news.articles.url", a.url.as_deref(), MAX_URL_BYTES)?;
        check_len("news.articles.picurl", a.picurl.as_deref(), MAX_URL_BYTES)?;
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
