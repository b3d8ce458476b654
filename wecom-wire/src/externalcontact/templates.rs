//! 入群欢迎语素材 (group welcome templates): `group_welcome_template/{add,edit,get,del}`. A template is a text
//! and/or one other part (image, link, mini program, file or video); at most 100 per corp.

use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::{Errcode, WireError};

/// Templates per corp (41055 past it).
pub const MAX_TEMPLATES: usize = 100;
pub const MAX_TEXT_BYTES: usize = 3000;
pub const MAX_LINK_TITLE_BYTES: usize = 128;
pub const MAX_LINK_DESC_BYTES: usize = 512;
pub const MAX_MINIPROGRAM_TITLE_BYTES: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Text {
    #[serde(default)]
    pub content: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Image {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Link {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub picurl: String,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct MiniProgram {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub pic_media_id: String,
    #[serde(default)]
    pub appid: String,
    #[serde(default)]
    pub page: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct MediaRef {
    #[serde(default)]
    pub media_id: String,
}

/// The parts of a template, as sent and as `get` answers them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct GroupWelcome {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram: Option<MiniProgram>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<MediaRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<MediaRef>,
}

/// `add` and `edit` (which names `template_id`).
#[derive(Debug, Default, Deserialize)]
pub struct TemplateRequest {
    #[serde(flatten)]
    pub welcome: GroupWelcome,
    #[serde(default)]
    pub template_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub agentid: Option<i64>,
    /// 1 (the default) tells the members to use it in their groups.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub notify: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct AddResponse {
    pub template_id: String,
}

/// Media a template refers to, for the caller to check against its uploads: (field, media id, expected type).
pub type MediaUse<'a> = (&'static str, &'a str, crate::media::MediaType);

fn bytes_within(s: &str, field: &str, max: usize) -> Result<(), WireError> {
    if s.len() > max {
        return Err(WireError::too_long(field, max));
    }
    Ok(())
}

fn required(s: &str, field: &str) -> Result<(), WireError> {
    if s.is_empty() {
        return Err(WireError::invalid_field(field));
    }
    Ok(())
}

impl GroupWelcome {
    /// Replaces the parts `patch` names (an edit), keeping the others.
    pub fn patched(&self, patch: GroupWelcome) -> GroupWelcome {
        GroupWelcome {
            text: patch.text.or_else(|| self.text.clone()),
            image: patch.image.or_else(|| self.image.clone()),
            link: patch.link.or_else(|| self.link.clone()),
            miniprogram: patch.miniprogram.or_else(|| self.miniprogram.clone()),
            file: patch.file.or_else(|| self.file.clone()),
            video: patch.video.or_else(|| self.video.clone()),
        }
    }

    /// The doc's rules: not all empty (44004 [U]); text within 3000 bytes; each part with its required fields
    /// and limits. Returns the media ids the parts use, for the caller to check.
    pub fn check(&self) -> Result<Vec<MediaUse<'_>>, WireError> {
        use crate::media::MediaType;
        let text = self.text.as_ref().map_or("", |t| t.content.as_str());
        let others = [
            self.image.is_some(),
            self.link.is_some(),
            self.miniprogram.is_some(),
            self.file.is_some(),
            self.video.is_some(),
        ];
        if text.is_empty() && !others.contains(&true) {
            return Err(Errcode::EMPTY_CONTENT.into());
        }
        bytes_within(text, "text.content", MAX_TEXT_BYTES)?;
        let mut media = Vec::new();
        if let Some(i) = &self.image {
            match (i.media_id.as_deref(), i.pic_url.as_deref()) {
                (Some(m), _) if !m.is_empty() => {
                    media.push(("image.media_id", m, MediaType::Image))
                }
                (_, Some(u)) if !u.is_empty() => {}
                _ => return Err(WireError::invalid_field("image.media_id")),
            }
        }
        if let Some(l) = &self.link {
            required(&l.title, "link.title")?;
            required(&l.url, "link.url")?;
            bytes_within(&l.title, "link.title", MAX_LINK_TITLE_BYTES)?;
            bytes_within(&l.desc, "link.desc", MAX_LINK_DESC_BYTES)?;
        }
        if let Some(m) = &self.miniprogram {
            required(&m.title, "miniprogram.title")?;
            bytes_within(&m.title, "miniprogram.title", MAX_MINIPROGRAM_TITLE_BYTES)?;
            required(&m.pic_media_id, "miniprogram.pic_media_id")?;
            required(&m.appid, "miniprogram.appid")?;
            required(&m.page, "miniprogram.page")?;
            media.push((
                "miniprogram.pic_media_id",
                &m.pic_media_id,
                MediaType::Image,
            ));
        }
        for (field, part, kind) in [
            ("file.media_id", &self.file, MediaType::File),
            ("video.media_id", &self.video, MediaType::Video),
        ] {
            if let Some(p) = part {
                required(&p.media_id, field)?;
                media.push((field, &p.media_id, kind));
            }
        }
        Ok(media)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: serde_json::Value) -> GroupWelcome {
        serde_json::from_value::<TemplateRequest>(v)
            .unwrap_or_default()
            .welcome
    }

    #[test]
    fn a_template_needs_something_and_each_part_its_fields() {
        let code = |v| parse(v).check().map(|_| ()).map_err(|e| e.code.0);
        assert_eq!(code(serde_json::json!({})), Err(44004));
        assert_eq!(
            code(serde_json::json!({"text": {"content": "hi %NICKNAME%"}})),
            Ok(())
        );
        assert_eq!(
            code(serde_json::json!({"text": {"content": "x".repeat(3001)}})),
            Err(40058)
        );
        assert_eq!(
            code(serde_json::json!({"link": {"title": "t"}})),
            Err(40058)
        );
        assert_eq!(
            code(serde_json::json!({"link": {"title": "t", "url": "https://example.com"}})),
            Ok(())
        );
        assert_eq!(
            code(
                serde_json::json!({"miniprogram": {"title": "x".repeat(65), "pic_media_id": "m", "appid": "a", "page": "p"}})
            ),
            Err(40058)
        );
        assert_eq!(code(serde_json::json!({"image": {}})), Err(40058));
    }

    #[test]
    fn media_ids_are_listed_for_the_caller() {
        let w = parse(serde_json::json!({"image": {"media_id": "m1"}, "file": {"media_id": "f1"}}));
        let media = w.check().unwrap_or_default();
        let ids: Vec<&str> = media.iter().map(|m| m.1).collect();
        assert_eq!(ids, ["m1", "f1"]);
    }

    #[test]
    fn an_edit_keeps_the_parts_it_does_not_name() {
        let old = parse(serde_json::json!({"text": {"content": "a"}, "file": {"media_id": "f"}}));
        let new = old.patched(parse(serde_json::json!({"text": {"content": "b"}})));
        assert_eq!(new.text.map(|t| t.content).as_deref(), Some("b"));
        assert_eq!(new.file.map(|f| f.media_id).as_deref(), Some("f"));
    }
}
