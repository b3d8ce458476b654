//! What makes a kf call valid: account names, scenes and msgids, the bodies `send_msg` may carry, and the session
//! states with the changes `service_state/trans` allows.

use serde_json::Value;

use super::{Bodies, MAX_ACCOUNT_NAME_CHARS, MAX_MSGID_BYTES, MAX_SCENE_BYTES};
use crate::message::{MAX_DESCRIPTION_BYTES, MAX_TEXT_BYTES, MAX_TITLE_BYTES, MAX_URL_BYTES};
use crate::{Errcode, WireError};

/// Items in a `msgmenu` list [U: the documented examples show up to 10].
pub const MAX_MENU_ITEMS: usize = 10;

pub fn check_account_name(name: &str) -> Result<(), WireError> {
    match name.chars().count() {
        0 => Err(WireError::invalid_field("name")),
        n if n > MAX_ACCOUNT_NAME_CHARS => Err(WireError::too_long("name", MAX_ACCOUNT_NAME_CHARS)),
        _ => Ok(()),
    }
}

fn id_chars(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub fn check_scene(scene: &str) -> Result<(), WireError> {
    if scene.len() > MAX_SCENE_BYTES {
        return Err(WireError::too_long("scene", MAX_SCENE_BYTES));
    }
    if !id_chars(scene) {
        return Err(WireError::invalid_field("scene"));
    }
    Ok(())
}

/// A caller's own msgid; empty counts as absent.
pub fn check_msgid(msgid: &str) -> Result<(), WireError> {
    if msgid.len() > MAX_MSGID_BYTES {
        return Err(WireError::too_long("msgid", MAX_MSGID_BYTES));
    }
    if !id_chars(msgid) {
        return Err(WireError::invalid_field("msgid"));
    }
    Ok(())
}

/// A valid message body: its type, the body as sent, and the media it refers to (the caller checks they exist).
#[derive(Debug, Clone, PartialEq)]
pub struct Sendable {
    pub msgtype: &'static str,
    pub body: Value,
    pub media_ids: Vec<String>,
}

/// Every type `send_msg` takes.
pub const SEND_TYPES: &[&str] = &[
    "text",
    "image",
    "voice",
    "video",
    "file",
    "link",
    "miniprogram",
    "msgmenu",
    "location",
];

/// Checks the body `msgtype` names, among the types `allowed` (`send_msg` takes every type, `send_msg_on_event`
/// only text and msgmenu).
pub fn sendable(
    msgtype: Option<&str>,
    bodies: &Bodies,
    allowed: &[&str],
) -> Result<Sendable, WireError> {
    let msgtype = msgtype
        .and_then(|m| SEND_TYPES.iter().find(|t| **t == m))
        .filter(|m| allowed.contains(m))
        .ok_or(Errcode::INVALID_MSGTYPE)?;
    let body = bodies.get(msgtype);
    let mut media_ids = Vec::new();
    match *msgtype {
        "text" => text(body)?,
        "image" | "voice" | "video" | "file" => {
            media_ids.push(required(
                body,
                msgtype,
                "media_id",
                Errcode::INVALID_MEDIA_ID,
            )?);
        }
        "link" => media_ids.push(link(body)?),
        "miniprogram" => media_ids.push(miniprogram(body)?),
        "msgmenu" => menu(body)?,
        "location" => location(body)?,
        _ => return Err(Errcode::INVALID_MSGTYPE.into()),
    }
    Ok(Sendable {
        msgtype,
        body: body.cloned().unwrap_or(Value::Null),
        media_ids,
    })
}

fn text(body: Option<&Value>) -> Result<(), WireError> {
    let content = body.and_then(|b| str_field(b, "content")).unwrap_or("");
    if content.is_empty() {
        return Err(Errcode::EMPTY_CONTENT.into());
    }
    max_bytes(content, "text.content", MAX_TEXT_BYTES)
}

/// A link's title, url and desc; gives its thumb's media id.
fn link(body: Option<&Value>) -> Result<String, WireError> {
    let b = body.ok_or_else(|| WireError::invalid_field("link"))?;
    max_bytes(
        &required_str(b, "link.title")?,
        "link.title",
        MAX_TITLE_BYTES,
    )?;
    max_bytes(&required_str(b, "link.url")?, "link.url", MAX_URL_BYTES)?;
    max_bytes(
        str_field(b, "desc").unwrap_or(""),
        "link.desc",
        MAX_DESCRIPTION_BYTES,
    )?;
    required(body, "link", "thumb_media_id", Errcode::INVALID_MEDIA_ID)
}

/// A mini program card's appid, pagepath and title; gives its thumb's media id.
fn miniprogram(body: Option<&Value>) -> Result<String, WireError> {
    let b = body.ok_or_else(|| WireError::invalid_field("miniprogram"))?;
    required_str(b, "miniprogram.appid")?;
    required_str(b, "miniprogram.pagepath")?;
    max_bytes(
        str_field(b, "title").unwrap_or(""),
        "miniprogram.title",
        MAX_TITLE_BYTES,
    )?;
    required(
        body,
        "miniprogram",
        "thumb_media_id",
        Errcode::INVALID_MEDIA_ID,
    )
}

fn location(body: Option<&Value>) -> Result<(), WireError> {
    let b = body.ok_or_else(|| WireError::invalid_field("location"))?;
    for (key, bound) in [("latitude", 90.0), ("longitude", 180.0)] {
        let ok = b
            .get(key)
            .and_then(Value::as_f64)
            .is_some_and(|v| v.abs() <= bound);
        if !ok {
            return Err(WireError::invalid_field(&format!("location.{key}")));
        }
    }
    Ok(())
}

fn str_field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn max_bytes(s: &str, field: &str, max: usize) -> Result<(), WireError> {
    if s.len() > max {
        return Err(WireError::too_long(field, max));
    }
    Ok(())
}

/// `path` is `body.key`; a missing or empty value is an invalid parameter named by its path.
fn required_str(body: &Value, path: &str) -> Result<String, WireError> {
    let key = path.rsplit('.').next().unwrap_or(path);
    match str_field(body, key) {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(WireError::invalid_field(path)),
    }
}

fn required(
    body: Option<&Value>,
    msgtype: &str,
    key: &str,
    missing: Errcode,
) -> Result<String, WireError> {
    match body.and_then(|b| str_field(b, key)) {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(WireError::with_detail(
            missing,
            format!("{msgtype}.{key} missing. {}", missing.text()),
        )),
    }
}

fn menu(body: Option<&Value>) -> Result<(), WireError> {
    let b = body.ok_or_else(|| WireError::invalid_field("msgmenu"))?;
    for key in ["head_content", "tail_content"] {
        max_bytes(
            str_field(b, key).unwrap_or(""),
            &format!("msgmenu.{key}"),
            1024,
        )?;
    }
    let list = b.get("list").and_then(Value::as_array);
    let list = list.ok_or_else(|| WireError::invalid_field("msgmenu.list"))?;
    if list.len() > MAX_MENU_ITEMS {
        return Err(WireError::invalid_field("msgmenu.list"));
    }
    for item in list {
        let kind = str_field(item, "type").unwrap_or("");
        let inner = item
            .get(kind)
            .filter(|_| matches!(kind, "click" | "view" | "miniprogram" | "text"));
        let inner = inner.ok_or_else(|| WireError::invalid_field("msgmenu.list.type"))?;
        required_str(inner, &format!("msgmenu.list.{kind}.content"))?;
        match kind {
            "view" => drop(required_str(inner, "msgmenu.list.view.url")?),
            "miniprogram" => {
                required_str(inner, "msgmenu.list.miniprogram.appid")?;
                required_str(inner, "msgmenu.list.miniprogram.pagepath")?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A kf session's state: 0 new, 1 smart assistant (API), 2 queued, 3 a human servicer, 4 ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServiceState(pub i64);

impl ServiceState {
    pub const NEW: ServiceState = ServiceState(0);
    pub const ASSISTANT: ServiceState = ServiceState(1);
    pub const QUEUED: ServiceState = ServiceState(2);
    pub const SERVICER: ServiceState = ServiceState(3);
    pub const ENDED: ServiceState = ServiceState(4);

    /// Only new and assistant-handled sessions may be answered through `send_msg`.
    pub fn api_may_send(self) -> bool {
        matches!(self, Self::NEW | Self::ASSISTANT)
    }

    /// The changes `service_state/trans` allows (3 → 3 hands the session to another servicer; an ended session
    /// waits for the customer).
    pub fn may_become(self, to: ServiceState) -> bool {
        match self.0 {
            0 => matches!(to.0, 1..=4),
            1 => matches!(to.0, 2..=4),
            2 => matches!(to.0, 3 | 4),
            3 => matches!(to.0, 3 | 4),
            _ => false,
        }
    }
}
