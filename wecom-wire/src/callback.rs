//! Callback XML: the encrypted envelope WeCom POSTs to a receiver, the encrypted passive reply a receiver may
//! answer with, and the flat plaintext messages and events inside (`<xml><Field>…</Field>…</xml>`).

use quick_xml::events::Event;
use quick_xml::Reader;
use std::fmt::Write as _;

use crate::crypto::CryptoError;

/// The POST body of a push: `ToUserName`, `Encrypt`, `AgentID`, in the official sample's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEnvelope {
    pub to_user_name: String,
    pub encrypt: String,
    pub agent_id: String,
}

/// An encrypted passive reply (被动回复).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassiveReply {
    pub encrypt: String,
    pub msg_signature: String,
    pub timestamp: String,
    pub nonce: String,
}

/// A value in a plaintext message: text goes in CDATA, numbers bare (`<CreateTime>1409659813</CreateTime>`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Text(&'a str),
    Number(i64),
    /// Coordinates (`Location_X`, `Scale`): written as a bare number.
    Float(f64),
    /// A nested list (`<MemChangeList><Item>a</Item><Item>b</Item></MemChangeList>`), each item escaped.
    Items(&'a [&'a str]),
}

/// Whether XML 1.0 can carry `c` at all (its `Char` production). WeCom's parsers, and wechatpy's expat, reject
/// a document holding any other character, even inside CDATA and even as a character reference.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `text` that XML 1.0 cannot carry, with its byte offset.
pub fn first_non_xml_char(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|(_, c)| !is_xml_char(*c))
}

/// `text` without the characters XML 1.0 cannot carry: a push must parse, whatever a field was given.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if first_non_xml_char(text).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.chars().filter(|c| is_xml_char(*c)).collect())
}

/// The top-level fields of a flat callback XML, in document order. Nested elements (`<MemChangeList><Item>`)
/// are kept as their concatenated text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn push_cdata(out: &mut String, text: &str) {
    // "]]>" cannot appear inside CDATA: close the section around it.
    out.push_str("<![CDATA[");
    out.push_str(&xml_safe(text).replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

fn push_escaped(out: &mut String, text: &str) {
    for c in xml_safe(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
}

/// A flat plaintext message or event.
pub fn message_xml(fields: &[(&str, Value<'_>)]) -> String {
    let mut out = String::with_capacity(64 + fields.len() * 48);
    out.push_str("<xml>");
    for (name, value) in fields {
        let _ = write!(out, "<{name}>");
        match value {
            Value::Text(t) => push_cdata(&mut out, t),
            Value::Number(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Float(x) => {
                let _ = write!(out, "{x}");
            }
            Value::Items(items) => {
                for item in *items {
                    out.push_str("<Item>");
                    push_escaped(&mut out, item);
                    out.push_str("</Item>");
                }
            }
        }
        let _ = write!(out, "</{name}>");
    }
    out.push_str("</xml>");
    out
}

pub fn push_envelope_xml(to_user_name: &str, encrypt: &str, agent_id: &str) -> String {
    let mut out = String::with_capacity(96 + encrypt.len());
    out.push_str("<xml><ToUserName>");
    push_cdata(&mut out, to_user_name);
    out.push_str("</ToUserName><Encrypt>");
    push_cdata(&mut out, encrypt);
    out.push_str("</Encrypt><AgentID>");
    push_cdata(&mut out, agent_id);
    out.push_str("</AgentID></xml>");
    out
}

/// The layout of the official sample and wechatpy, newlines included.
pub fn passive_reply_xml(reply: &PassiveReply) -> String {
    format!(
        "<xml>\n<Encrypt><![CDATA[{}]]></Encrypt>\n<MsgSignature><![CDATA[{}]]></MsgSignature>\n<TimeStamp>{}</TimeStamp>\n<Nonce><![CDATA[{}]]></Nonce>\n</xml>",
        reply.encrypt, reply.msg_signature, reply.timestamp, reply.nonce
    )
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = name.strip_prefix("#x").map(|h| u32::from_str_radix(h, 16));
            let code = code.or_else(|| name.strip_prefix('#').map(str::parse::<u32>))?;
            code.ok().and_then(char::from_u32)
        }
    }
}

/// Reads the top-level fields of `<xml>…</xml>`. Anything that is not well-formed XML is -40002.
pub fn parse_fields(xml: &str) -> Result<Fields, CryptoError> {
    let mut reader = Reader::from_str(xml);
    let mut fields = Fields::default();
    let mut depth = 0usize;
    let mut current: Option<(String, String)> = None;
    let mut saw_root = false;
    loop {
        match reader.read_event().map_err(|_| CryptoError::ParseXml)? {
            Event::Start(e) => {
                depth += 1;
                if depth == 1 {
                    saw_root = true;
                } else if depth == 2 {
                    let name = e.name().as_ref().to_owned();
                    current = Some((name, String::new()));
                }
            }
            Event::Empty(e) if depth == 1 => {
                fields.0.push((e.name().as_ref().to_owned(), String::new()));
            }
            Event::End(_) => {
                if depth == 2 {
                    fields.0.extend(current.take());
                }
                depth = depth.checked_sub(1).ok_or(CryptoError::ParseXml)?;
            }
            Event::Text(t) if depth >= 2 => {
                if let Some((_, v)) = current.as_mut() {
                    v.push_str(&t.into_inner());
                }
            }
            Event::CData(c) if depth >= 2 => {
                if let Some((_, v)) = current.as_mut() {
                    v.push_str(&c.into_inner());
                }
            }
            Event::GeneralRef(r) if depth >= 2 => {
                let c = entity(&r.into_inner()).ok_or(CryptoError::ParseXml)?;
                if let Some((_, v)) = current.as_mut() {
                    v.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root || depth != 0 {
        return Err(CryptoError::ParseXml);
    }
    Ok(fields)
}

fn required(f: &Fields, name: &str) -> Result<String, CryptoError> {
    f.get(name).map(str::to_owned).ok_or(CryptoError::ParseXml)
}

pub fn parse_push_envelope(xml: &str) -> Result<PushEnvelope, CryptoError> {
    let f = parse_fields(xml)?;
    Ok(PushEnvelope {
        to_user_name: required(&f, "ToUserName")?,
        encrypt: required(&f, "Encrypt")?,
        agent_id: f.get("AgentID").unwrap_or_default().to_owned(),
    })
}

pub fn parse_passive_reply(xml: &str) -> Result<PassiveReply, CryptoError> {
    let f = parse_fields(xml)?;
    Ok(PassiveReply {
        encrypt: required(&f, "Encrypt")?,
        msg_signature: required(&f, "MsgSignature")?,
        timestamp: required(&f, "TimeStamp")?,
        nonce: required(&f, "Nonce")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::vectors::*;
    use proptest::prelude::*;

    #[test]
    fn official_post_body_parses() {
        let body = format!(
            "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[{C_POST_ENCRYPT}]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
        );
        let env = parse_push_envelope(&body);
        assert_eq!(
            env,
            Ok(PushEnvelope {
                to_user_name: "ww1436e0e65a779aee".into(),
                encrypt: C_POST_ENCRYPT.into(),
                agent_id: "1000002".into()
            })
        );
        let ours = push_envelope_xml("ww1436e0e65a779aee", C_POST_ENCRYPT, "1000002");
        assert_eq!(parse_push_envelope(&ours), env);
    }

    #[test]
    fn decrypted_messages_parse_both_with_and_without_cdata() {
        let f = parse_fields(C_POST_MSG).unwrap_or_default();
        assert_eq!(f.get("Content"), Some("你好"));
        assert_eq!(f.get("MsgId"), Some("1456453720"));
        let f = parse_fields(A_MSG).unwrap_or_default();
        assert_eq!(f.get("FromUserName"), Some("mycreate"));
        assert_eq!(f.get("AgentID"), Some("218"));
    }

    #[test]
    fn passive_reply_round_trips_in_wechatpy_layout() {
        let r = PassiveReply {
            encrypt: D_ENC_ENCRYPT.into(),
            msg_signature: D_ENC_SIGNATURE.into(),
            timestamp: D_ENC_TIMESTAMP.into(),
            nonce: D_ENC_NONCE.into(),
        };
        let xml = passive_reply_xml(&r);
        assert!(
            xml.starts_with("<xml>\n<Encrypt><![CDATA[") && xml.ends_with("]]></Nonce>\n</xml>")
        );
        assert_eq!(parse_passive_reply(&xml), Ok(r));
    }

    #[test]
    fn entities_and_bad_xml() {
        let f =
            parse_fields("<xml><A>a &amp; b &#x4e2d;&#25991;</A><B/></xml>").unwrap_or_default();
        assert_eq!(f.get("A"), Some("a & b 中文"));
        assert_eq!(f.get("B"), Some(""));
        for bad in [
            "",
            "<xml><A>x</B></xml>",
            "<xml><A>x</A>",
            "plain text",
            "<xml><A>&bogus;</A></xml>",
        ] {
            assert_eq!(parse_fields(bad), Err(CryptoError::ParseXml), "{bad}");
        }
        assert_eq!(
            parse_passive_reply("<xml><Encrypt>x</Encrypt></xml>"),
            Err(CryptoError::ParseXml)
        );
    }

    #[test]
    fn control_characters_never_reach_a_push() {
        let xml = message_xml(&[("Content", Value::Text("a\u{1}b\u{FFFE}c\td"))]);
        assert_eq!(xml, "<xml><Content><![CDATA[abc\td]]></Content></xml>");
        assert_eq!(first_non_xml_char("ok\u{1}"), Some((2, '\u{1}')));
        assert_eq!(first_non_xml_char("中文\r\n"), None);
    }

    proptest! {
        #[test]
        fn message_xml_round_trips(content in "[^\u{0}-\u{8}\u{B}\u{C}\u{E}-\u{1F}\u{FFFE}\u{FFFF}]{0,80}", n in any::<i64>()) {
            let xml = message_xml(&[("Content", Value::Text(&content)), ("CreateTime", Value::Number(n))]);
            let f = parse_fields(&xml).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let created = n.to_string();
            prop_assert_eq!(f.get("Content"), Some(content.as_str()));
            prop_assert_eq!(f.get("CreateTime"), Some(created.as_str()));
        }

        /// Whatever text a field is given, the push is well-formed XML 1.0 to a strict parser (expat, which
        /// wechatpy uses, refuses what roxmltree refuses), and keeps every character XML can carry.
        #[test]
        fn every_push_is_xml_whatever_its_text(
            texts in prop::collection::vec(any::<String>(), 1..6),
            items in prop::collection::vec(any::<String>(), 0..4),
        ) {
            let mut fields: Vec<(&str, Value<'_>)> = texts.iter().map(|t| ("Content", Value::Text(t))).collect();
            let items: Vec<&str> = items.iter().map(String::as_str).collect();
            fields.push(("MemChangeList", Value::Items(&items)));
            let xml = message_xml(&fields);
            let doc = roxmltree::Document::parse(&xml).map_err(|e| TestCaseError::fail(format!("{e}: {xml:?}")))?;
            let got: Vec<String> = doc.root_element().children().filter(|n| n.has_tag_name("Content"))
                .map(|n| n.text().unwrap_or("").to_owned()).collect();
            // XML parsers read every line end as "\n", inside CDATA too.
            let as_read = |t: &str| xml_safe(t).replace("\r\n", "\n").replace('\r', "\n");
            let want: Vec<String> = texts.iter().map(|t| as_read(t)).collect();
            prop_assert_eq!(got, want);
            let list = doc.root_element().children().find(|n| n.has_tag_name("MemChangeList"));
            let got: Vec<String> = list.into_iter().flat_map(|l| l.children()).map(|n| n.text().unwrap_or("").to_owned()).collect();
            let want: Vec<String> = items.iter().map(|t| as_read(t)).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn parsing_never_panics(s in ".{0,200}") {
            let _ = parse_fields(&s);
            let _ = parse_passive_reply(&format!("<xml>{s}</xml>"));
        }
    }
}
