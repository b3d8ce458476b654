//! Group robots (`webhook/send?key=`, `webhook/upload_media`): the message types a robot takes and their limits.

use base64::Engine as _;
use md5::{Digest, Md5};
use serde::Deserialize;

use crate::errcode::{Errcode, WireError};
use crate::message::{self, TemplateCard};

pub const MAX_TEXT_BYTES: usize = 2048;
pub const MAX_MARKDOWN_BYTES: usize = 4096;
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Messages a robot takes in a minute, counted whether or not they succeed.
pub const PER_MINUTE: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct SendRequest {
    #[serde(default)]
    pub msgtype: Option<String>,
    #[serde(default)]
    pub text: Option<Text>,
    #[serde(default)]
    pub markdown: Option<message::Content>,
    #[serde(default)]
    pub markdown_v2: Option<message::Content>,
    #[serde(default)]
    pub image: Option<Image>,
    #[serde(default)]
    pub news: Option<message::News>,
    #[serde(default)]
    pub file: Option<message::MediaRef>,
    #[serde(default)]
    pub voice: Option<message::MediaRef>,
    #[serde(default)]
    pub template_card: Option<TemplateCard>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Text {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub mentioned_list: Vec<String>,
    #[serde(default)]
    pub mentioned_mobile_list: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Image {
    #[serde(default)]
    pub base64: Option<String>,
    #[serde(default)]
    pub md5: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msgtype {
    Text,
    Markdown,
    MarkdownV2,
    Image,
    News,
    File,
    Voice,
    TemplateCard,
}

impl Msgtype {
    pub fn parse(s: &str) -> Option<Msgtype> {
        Some(match s {
            "text" => Msgtype::Text,
            "markdown" => Msgtype::Markdown,
            "markdown_v2" => Msgtype::MarkdownV2,
            "image" => Msgtype::Image,
            "news" => Msgtype::News,
            "file" => Msgtype::File,
            "voice" => Msgtype::Voice,
            "template_card" => Msgtype::TemplateCard,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Msgtype::Text => "text",
            Msgtype::Markdown => "markdown",
            Msgtype::MarkdownV2 => "markdown_v2",
            Msgtype::Image => "image",
            Msgtype::News => "news",
            Msgtype::File => "file",
            Msgtype::Voice => "voice",
            Msgtype::TemplateCard => "template_card",
        }
    }
}

/// A robot message that passed the rules; `media_id` (file, voice) must still be one of this robot's uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSend {
    pub msgtype: Msgtype,
    pub media_id: Option<String>,
}

fn content<'a>(field: &str, c: Option<&'a str>, max: usize) -> Result<&'a str, WireError> {
    let c = c.unwrap_or("");
    if c.is_empty() {
        return Err(WireError::new(Errcode::EMPTY_CONTENT));
    }
    if c.len() > max {
        return Err(WireError::too_long(field, max));
    }
    Ok(c)
}

/// Checks a robot message. The image's md5 is the hex digest of the raw bytes before base64.
pub fn validate(req: &SendRequest) -> Result<ValidSend, WireError> {
    let msgtype = req
        .msgtype
        .as_deref()
        .and_then(Msgtype::parse)
        .ok_or_else(|| WireError::new(Errcode::INVALID_MSGTYPE))?;
    let mut media_id = None;
    match msgtype {
        Msgtype::Text => {
            content(
                "text.content",
                req.text.as_ref().and_then(|t| t.content.as_deref()),
                MAX_TEXT_BYTES,
            )?;
        }
        Msgtype::Markdown => {
            content(
                "markdown.content",
                req.markdown.as_ref().and_then(|t| t.content.as_deref()),
                MAX_MARKDOWN_BYTES,
            )?;
        }
        Msgtype::MarkdownV2 => {
            let c = req.markdown_v2.as_ref().and_then(|t| t.content.as_deref());
            content("markdown_v2.content", c, MAX_MARKDOWN_BYTES)?;
        }
        Msgtype::Image => image(req.image.as_ref())?,
        Msgtype::News => {
            let articles = req.news.as_ref().map(|n| n.articles.as_slice());
            message::news_articles(articles.unwrap_or_default(), true)?;
        }
        Msgtype::File | Msgtype::Voice => {
            let m = if msgtype == Msgtype::File {
                &req.file
            } else {
                &req.voice
            };
            match m.as_ref().and_then(|m| m.media_id.as_deref()) {
                Some(id) if !id.is_empty() => media_id = Some(id.to_owned()),
                _ => return Err(WireError::new(Errcode::INVALID_MEDIA_ID)),
            }
        }
        Msgtype::TemplateCard => {
            let card_type = req
                .template_card
                .as_ref()
                .and_then(|c| c.card_type.as_deref());
            if !matches!(card_type, Some("text_notice" | "news_notice")) {
                return Err(WireError::invalid_field("template_card.card_type"));
            }
            message::template_card(req.template_card.as_ref())?;
        }
    }
    Ok(ValidSend { msgtype, media_id })
}

fn image(img: Option<&Image>) -> Result<(), WireError> {
    let b64 = img.and_then(|i| i.base64.as_deref()).unwrap_or("");
    if b64.is_empty() {
        return Err(WireError::new(Errcode::EMPTY_MEDIA));
    }
    if b64.len() > MAX_IMAGE_BYTES / 3 * 4 + 4 {
        return Err(WireError::new(Errcode::INVALID_IMAGE_SIZE));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| WireError::invalid_field("image.base64"))?;
    if raw.len() > MAX_IMAGE_BYTES {
        return Err(WireError::new(Errcode::INVALID_IMAGE_SIZE));
    }
    let want = img.and_then(|i| i.md5.as_deref()).unwrap_or("");
    let got = hex::encode(Md5::digest(&raw));
    if !got.eq_ignore_ascii_case(want) {
        return Err(WireError::with_detail(
            Errcode::INVALID_PARAMETER,
            "image.md5 not match. invalid Request Parameter",
        ));
    }
    if !crate::media::is_image(&raw) {
        return Err(WireError::new(Errcode::INVALID_MEDIA_FILE));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(json: &str) -> i64 {
        let req: SendRequest = serde_json::from_str(json).unwrap_or_default();
        validate(&req).map(|_| 0).unwrap_or_else(|e| e.code.0)
    }

    #[test]
    fn text_and_markdown_limits() {
        assert_eq!(
            code(r#"{"msgtype":"text","text":{"content":"hi","mentioned_list":["@all"]}}"#),
            0
        );
        assert_eq!(code(r#"{"msgtype":"text","text":{"content":""}}"#), 44004);
        let md = format!(
            r#"{{"msgtype":"markdown","markdown":{{"content":"{}"}}}}"#,
            "x".repeat(4097)
        );
        assert_eq!(code(&md), 40058);
        let req: SendRequest = serde_json::from_str(&md).unwrap_or_default();
        assert_eq!(
            validate(&req)
                .err()
                .map(|e| e.text().to_owned())
                .unwrap_or_default(),
            "markdown.content exceed max length 4096. invalid Request Parameter"
        );
        assert_eq!(
            code(r#"{"msgtype":"markdown_v2","markdown_v2":{"content":"| a |"}}"#),
            0
        );
        assert_eq!(code(r#"{"msgtype":"link"}"#), 40008);
    }

    #[test]
    fn image_md5_is_checked() {
        let raw = b"\x89PNG\r\n\x1a\nrest-of-image";
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        let md5 = hex::encode(Md5::digest(raw));
        assert_eq!(
            code(&format!(
                r#"{{"msgtype":"image","image":{{"base64":"{b64}","md5":"{md5}"}}}}"#
            )),
            0
        );
        let wrong = format!(
            r#"{{"msgtype":"image","image":{{"base64":"{b64}","md5":"00000000000000000000000000000000"}}}}"#
        );
        assert_eq!(code(&wrong), 40058);
        assert_eq!(
            code(r#"{"msgtype":"image","image":{"base64":"!!!","md5":"x"}}"#),
            40058
        );
    }

    #[test]
    fn file_needs_media_id_and_cards_are_notices() {
        let req: SendRequest =
            serde_json::from_str(r#"{"msgtype":"file","file":{"media_id":"M"}}"#)
                .unwrap_or_default();
        assert_eq!(
            validate(&req).ok().and_then(|v| v.media_id),
            Some("M".to_owned())
        );
        assert_eq!(code(r#"{"msgtype":"voice","voice":{}}"#), 40007);
        assert_eq!(
            code(
                r#"{"msgtype":"template_card","template_card":{"card_type":"button_interaction","task_id":"t","button_list":[{}]}}"#
            ),
            40058
        );
        assert_eq!(
            code(
                r#"{"msgtype":"template_card","template_card":{"card_type":"text_notice","main_title":{"title":"t"},"card_action":{"type":1,"url":"u"}}}"#
            ),
            0
        );
    }
}
