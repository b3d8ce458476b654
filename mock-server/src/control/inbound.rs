//! What a simulated customer or member sends, as the control API takes it: one JSON shape for every message type
//! (`{"msgtype": "image", "image": {…}}`, or `{"content": …}` for text), checked, with placeholder media made for
//! pictures, voice, video and files so the bot can fetch them with `media/get`. Rendered as a kf `sync_msg` body
//! or as an app callback's XML fields.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use wecom_wire::callback::Value as X;
use wecom_wire::media::MediaType;

use super::{bad_request, Refused};
use crate::state::{Sim, State};
use crate::store::{Media, Owner};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inbound {
    /// The customer's external_userid, or the member's userid.
    #[serde(default)]
    pub from: Option<String>,
    /// The member a customer writes to; the customer a kf servicer writes to.
    #[serde(default)]
    pub to: Option<String>,
    /// A kf servicer writing from the WeCom client (origin 5).
    #[serde(default)]
    pub servicer: Option<String>,
    #[serde(default)]
    pub msgtype: Option<String>,
    /// Shorthand for `{"msgtype": "text", "text": {"content": …}}`.
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub text: Option<Value>,
    #[serde(default)]
    pub image: Option<Value>,
    #[serde(default)]
    pub voice: Option<Value>,
    #[serde(default)]
    pub video: Option<Value>,
    #[serde(default)]
    pub file: Option<Value>,
    #[serde(default)]
    pub location: Option<Value>,
    #[serde(default)]
    pub link: Option<Value>,
    #[serde(default)]
    pub miniprogram: Option<Value>,
    #[serde(default)]
    pub business_card: Option<Value>,
    /// An app event: `{"event": "click", "event_key": "…"}` (a menu click), `view`, `enter_agent`, …
    #[serde(default)]
    pub event: Option<Value>,
}

/// A checked message: its type and its body in the kf `sync_msg` form.
#[derive(Debug, Clone)]
pub struct Message {
    pub msgtype: &'static str,
    pub body: Value,
}

/// Simulated people write at most what WeCom lets an app write.
const MAX_TEXT_BYTES: usize = wecom_wire::message::MAX_TEXT_BYTES;

/// What a WeChat customer (or a kf servicer) can send.
pub const CUSTOMER_TYPES: &[&str] = &[
    "text",
    "image",
    "voice",
    "video",
    "file",
    "location",
    "link",
    "miniprogram",
    "business_card",
];

fn s<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn need(v: &Value, msgtype: &str, key: &str) -> Result<(), Refused> {
    if s(v, key).is_empty() {
        return Err(bad_request(format!("{msgtype}.{key} is required")));
    }
    Ok(())
}

/// A text WeChat would never send: a character XML 1.0 cannot carry (U+0001, …). App callbacks are XML, and
/// wechatpy's parser rejects a whole push that holds one, so the message is refused here with its position.
fn refuse_non_xml(v: &Value, at: &str) -> Result<(), Refused> {
    match v {
        Value::String(text) => match wecom_wire::callback::first_non_xml_char(text) {
            Some((i, c)) => Err(bad_request(format!(
                "{at} holds U+{:04X} at byte {i}, which XML 1.0 cannot carry and WeChat does not send",
                u32::from(c)
            ))),
            None => Ok(()),
        },
        Value::Array(items) => items.iter().try_for_each(|x| refuse_non_xml(x, at)),
        Value::Object(fields) => fields
            .iter()
            .try_for_each(|(k, x)| refuse_non_xml(x, &format!("{at}.{k}"))),
        _ => Ok(()),
    }
}

impl Inbound {
    /// Checks the message against the `allowed` types and makes placeholder media where none was named.
    pub fn message(
        &self,
        st: &State,
        sim: &Sim,
        corp: usize,
        allowed: &'static [&'static str],
    ) -> Result<Message, Refused> {
        let msgtype = match (&self.msgtype, &self.content) {
            (Some(m), _) => m.as_str(),
            (None, Some(_)) => "text",
            (None, None) => return Err(bad_request("msgtype (or content, for text) is required")),
        };
        let msgtype = allowed
            .iter()
            .copied()
            .find(|t| *t == msgtype)
            .ok_or_else(|| bad_request(format!("msgtype must be one of {}", allowed.join(", "))))?;
        let given = match msgtype {
            "text" => self
                .text
                .clone()
                .or_else(|| self.content.as_ref().map(|c| json!({ "content": c }))),
            "image" => self.image.clone(),
            "voice" => self.voice.clone(),
            "video" => self.video.clone(),
            "file" => self.file.clone(),
            "location" => self.location.clone(),
            "link" => self.link.clone(),
            "miniprogram" => self.miniprogram.clone(),
            "business_card" => self.business_card.clone(),
            _ => self.event.clone(),
        };
        let mut body = given.unwrap_or_else(|| json!({}));
        if !body.is_object() {
            return Err(bad_request(format!("{msgtype} must be an object")));
        }
        refuse_non_xml(&body, msgtype)?;
        match msgtype {
            "text" => {
                need(&body, msgtype, "content")?;
                if s(&body, "content").len() > MAX_TEXT_BYTES {
                    return Err(bad_request(format!(
                        "text.content is over {MAX_TEXT_BYTES} bytes"
                    )));
                }
            }
            "image" | "voice" | "video" | "file" => {
                if s(&body, "media_id").is_empty() {
                    body["media_id"] = placeholder(st, sim, corp, msgtype).into();
                }
            }
            "location" => {
                for key in ["latitude", "longitude"] {
                    if body.get(key).and_then(Value::as_f64).is_none() {
                        return Err(bad_request(format!("location.{key} must be a number")));
                    }
                }
            }
            "link" => {
                need(&body, msgtype, "title")?;
                need(&body, msgtype, "url")?;
            }
            "miniprogram" => {
                need(&body, msgtype, "appid")?;
                need(&body, msgtype, "pagepath")?;
            }
            "business_card" => need(&body, msgtype, "userid")?,
            _ => need(&body, msgtype, "event")?,
        }
        Ok(Message { msgtype, body })
    }
}

/// Uploads a small file of the right kind, as if the sender's picture (voice, video, file) had reached WeCom.
/// The bytes a placeholder of `msgtype` holds: enough of the format's header for a client to recognise it.
pub(crate) fn placeholder_bytes(msgtype: &str) -> (MediaType, &'static [u8], &'static str) {
    match msgtype {
        "image" => (
            MediaType::Image,
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-placeholder",
            "image.png",
        ),
        "voice" => (MediaType::Voice, b"#!AMR\n\x3c\x48\xf5\x1f", "voice.amr"),
        "video" => (
            MediaType::Video,
            b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom",
            "video.mp4",
        ),
        _ => (MediaType::File, b"a file a customer sent\n", "file.txt"),
    }
}

fn placeholder(st: &State, sim: &Sim, corp: usize, msgtype: &str) -> String {
    let (kind, data, filename) = placeholder_bytes(msgtype);
    sim.store.prune_media(st.clock.now_s());
    let id = st.ids.media_id();
    let media = Media {
        owner: Owner::Corp(corp),
        kind,
        data: Bytes::from_static(data),
        filename: filename.into(),
        created_s: st.clock.now_s(),
        seq: 0,
    };
    sim.store.add_media(id.clone(), media);
    id
}

impl Message {
    /// The XML an app gets when a member sends this: the common header, then WeCom's fields for the type
    /// (`PicUrl`, `Location_X`, `Event`/`EventKey`, …).
    pub fn app_xml(
        &self,
        corpid: &str,
        from: &str,
        create_time: i64,
        msgid: i64,
        agentid: i64,
    ) -> String {
        let b = &self.body;
        let t = |k| X::Text(s(b, k));
        let f = |k| X::Float(b.get(k).and_then(Value::as_f64).unwrap_or(0.0));
        let mut fields = vec![
            ("ToUserName", X::Text(corpid)),
            ("FromUserName", X::Text(from)),
            ("CreateTime", X::Number(create_time)),
            ("MsgType", X::Text(self.msgtype)),
        ];
        fields.extend(match self.msgtype {
            "text" => vec![("Content", t("content"))],
            "image" => vec![("PicUrl", t("pic_url")), ("MediaId", t("media_id"))],
            "voice" => vec![("MediaId", t("media_id")), ("Format", X::Text("amr"))],
            "video" => vec![
                ("MediaId", t("media_id")),
                ("ThumbMediaId", t("thumb_media_id")),
            ],
            "location" => vec![
                ("Location_X", f("latitude")),
                ("Location_Y", f("longitude")),
                (
                    "Scale",
                    X::Number(b.get("scale").and_then(Value::as_i64).unwrap_or(15)),
                ),
                ("Label", t("name")),
            ],
            "link" => vec![
                ("Title", t("title")),
                ("Description", t("desc")),
                ("Url", t("url")),
                ("PicUrl", t("pic_url")),
            ],
            _ => vec![("Event", t("event")), ("EventKey", t("event_key"))],
        });
        // Events carry no MsgId.
        if self.msgtype != "event" {
            fields.push(("MsgId", X::Number(msgid)));
        }
        fields.push(("AgentID", X::Number(agentid)));
        wecom_wire::callback::message_xml(&fields)
    }
}
