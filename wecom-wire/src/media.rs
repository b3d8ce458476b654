//! Temporary media (`media/upload`, `media/get`, `media/uploadimg`) and the rules an upload must pass.

use serde::{Deserialize, Serialize};

use crate::errcode::{Errcode, WireError};

/// Uploads of 5 bytes or fewer are refused whatever their type.
pub const MIN_BYTES: usize = 6;
/// A media_id lives three days.
pub const MEDIA_TTL_S: i64 = 3 * 24 * 3600;
pub const MAX_UPLOADIMG_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Image,
    Voice,
    Video,
    File,
}

impl MediaType {
    pub fn parse(s: &str) -> Option<MediaType> {
        match s {
            "image" => Some(MediaType::Image),
            "voice" => Some(MediaType::Voice),
            "video" => Some(MediaType::Video),
            "file" => Some(MediaType::File),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Voice => "voice",
            MediaType::Video => "video",
            MediaType::File => "file",
        }
    }

    pub fn max_bytes(self) -> usize {
        match self {
            MediaType::Image | MediaType::Video => 10 * 1024 * 1024,
            MediaType::Voice => 2 * 1024 * 1024,
            MediaType::File => 20 * 1024 * 1024,
        }
    }

    /// The Content-Type `media/get` answers with.
    pub fn content_type(self, data: &[u8]) -> &'static str {
        match self {
            MediaType::Image if is_png(data) => "image/png",
            MediaType::Image => "image/jpeg",
            MediaType::Voice => "audio/amr",
            MediaType::Video => "video/mp4",
            MediaType::File => "application/octet-stream",
        }
    }
}

fn is_png(data: &[u8]) -> bool {
    data.starts_with(b"\x89PNG\r\n\x1a\n")
}

fn is_jpeg(data: &[u8]) -> bool {
    data.starts_with(b"\xff\xd8\xff")
}

pub fn is_image(data: &[u8]) -> bool {
    is_png(data) || is_jpeg(data)
}

/// AMR-NB or AMR-WB magic.
pub fn is_amr(data: &[u8]) -> bool {
    data.starts_with(b"#!AMR")
}

/// ISO base media (`ftyp` box at offset 4).
pub fn is_mp4(data: &[u8]) -> bool {
    data.get(4..8) == Some(b"ftyp")
}

/// Checks an upload the way WeCom does: empty first, then size, then format.
pub fn check_upload(kind: MediaType, data: &[u8]) -> Result<(), WireError> {
    if data.is_empty() {
        return Err(WireError::new(Errcode::EMPTY_MEDIA));
    }
    if data.len() < MIN_BYTES {
        return Err(WireError::new(Errcode::INVALID_FILE_SIZE));
    }
    if data.len() > kind.max_bytes() {
        return Err(WireError::new(match kind {
            MediaType::Image => Errcode::INVALID_IMAGE_SIZE,
            MediaType::Video => Errcode::INVALID_VIDEO_SIZE,
            MediaType::Voice | MediaType::File => Errcode::INVALID_FILE_SIZE,
        }));
    }
    let format_ok = match kind {
        MediaType::Image => is_image(data),
        MediaType::Voice => is_amr(data),
        MediaType::Video => is_mp4(data),
        MediaType::File => true,
    };
    if !format_ok {
        return Err(WireError::new(Errcode::INVALID_MEDIA_FILE));
    }
    Ok(())
}

/// `media/upload` and `webhook/upload_media`. `created_at` is a string: PowerWeChat fails on a number.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UploadResponse {
    #[serde(rename = "type")]
    pub kind: MediaType,
    pub media_id: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UploadImgResponse {
    pub url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000";

    fn code(r: Result<(), WireError>) -> i64 {
        r.map(|_| 0).unwrap_or_else(|e| e.code.0)
    }

    #[test]
    fn upload_rules_in_order() {
        assert_eq!(code(check_upload(MediaType::Image, b"")), 44001);
        assert_eq!(code(check_upload(MediaType::File, b"12345")), 40006);
        assert_eq!(code(check_upload(MediaType::File, b"123456")), 0);
        assert_eq!(code(check_upload(MediaType::Image, PNG)), 0);
        assert_eq!(code(check_upload(MediaType::Image, b"GIF89a...")), 40004);
        assert_eq!(code(check_upload(MediaType::Voice, b"#!AMR\n...")), 0);
        assert_eq!(code(check_upload(MediaType::Voice, b"RIFF....WAVE")), 40004);
        assert_eq!(
            code(check_upload(MediaType::Video, b"\0\0\0\x18ftypmp42")),
            0
        );
        let big = vec![0xffu8; MediaType::Image.max_bytes() + 1];
        assert_eq!(code(check_upload(MediaType::Image, &big)), 40009);
    }

    #[test]
    fn created_at_is_a_string() {
        let r = UploadResponse {
            kind: MediaType::Image,
            media_id: "m".into(),
            created_at: "1380000000".into(),
        };
        let s = serde_json::to_string(&r).unwrap_or_default();
        assert_eq!(
            s,
            r#"{"type":"image","media_id":"m","created_at":"1380000000"}"#
        );
    }
}
