//! The JSON envelope every WeCom answer wears: `errcode` (a JSON number, present even on success) and `errmsg`,
//! then the endpoint's own fields; and the current errmsg format with its hint.

use serde::Serialize;

use crate::errcode::Errcode;

/// What WeCom puts before errmsg when a body is not quite JSON (a syntax error, a field of the wrong type):
/// it reads the fields up to the first it cannot and answers from those, success or not (document/path/90455;
/// answers seen: `ok. Warning: wrong json format. `, `Warning: wrong json format. user & party & tag all empty`).
pub const WRONG_JSON_WARNING: &str = "Warning: wrong json format. ";

/// errmsg as WeCom words it after a warning: the warning first, or after `ok. ` on a success.
pub fn with_wrong_json_warning(errmsg: &str) -> String {
    if errmsg == "ok" {
        format!("ok. {WRONG_JSON_WARNING}")
    } else {
        format!("{WRONG_JSON_WARNING}{errmsg}")
    }
}

/// What goes into a hint: WeCom's is a 25-digit request id, then the caller's address.
#[derive(Debug, Clone, Copy)]
pub struct Hint<'a> {
    pub unix_s: u64,
    /// A per-request sequence number; only its last 15 digits are shown.
    pub seq: u64,
    pub caller_ip: &'a str,
}

/// `<text>, hint: [<25 digits>], from ip: <ip>, more info at https://open.work.weixin.qq.com/devtool/query?e=<code>`
pub fn errmsg(code: Errcode, text: &str, hint: &Hint<'_>) -> String {
    if !code.has_hint() {
        return text.to_owned();
    }
    format!(
        "{text}, hint: [{:010}{:015}], from ip: {}, more info at https://open.work.weixin.qq.com/devtool/query?e={}",
        hint.unix_s % 10_000_000_000,
        hint.seq % 1_000_000_000_000_000,
        hint.caller_ip,
        code.0
    )
}

/// `{"errcode":0,"errmsg":"ok", ...body}`. `body` must serialize as a map (a struct); `()` adds nothing.
#[derive(Debug, Serialize)]
pub struct Envelope<'a, T: Serialize> {
    pub errcode: i64,
    pub errmsg: &'a str,
    #[serde(flatten)]
    pub body: T,
}

impl<'a, T: Serialize> Envelope<'a, T> {
    pub fn ok(body: T) -> Self {
        Envelope {
            errcode: 0,
            errmsg: "ok",
            body,
        }
    }
}

/// The unit body: an envelope with nothing else in it.
#[derive(Debug, Default, Serialize)]
pub struct Empty {}

/// Serializes an error answer. `defaults` carries the fields WeCom keeps even on error
/// (`"ip_list":[]`, `"external_userid":[]`).
pub fn error_body(
    code: Errcode,
    errmsg: &str,
    defaults: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Vec<u8> {
    let mut map = serde_json::Map::with_capacity(2 + defaults.map_or(0, |d| d.len()));
    map.insert("errcode".into(), code.0.into());
    map.insert("errmsg".into(), errmsg.into());
    if let Some(defaults) = defaults {
        for (k, v) in defaults {
            map.insert(k.clone(), v.clone());
        }
    }
    // A map of strings and numbers cannot fail to serialize.
    serde_json::to_vec(&map).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint() -> Hint<'static> {
        Hint {
            unix_s: 1_764_000_000,
            seq: 42,
            caller_ip: "127.0.0.1",
        }
    }

    #[test]
    fn errmsg_has_current_format() {
        let m = errmsg(Errcode::INVALID_CORPID, "invalid corpid", &hint());
        assert_eq!(
            m,
            "invalid corpid, hint: [1764000000000000000000042], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=40013"
        );
        let digits = m
            .split('[')
            .nth(1)
            .and_then(|s| s.split(']').next())
            .unwrap_or_default();
        assert_eq!(digits.len(), 25);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn invalid_token_has_no_hint() {
        assert_eq!(
            errmsg(Errcode::INVALID_TOKEN, "invalid access_token", &hint()),
            "invalid access_token"
        );
    }

    #[test]
    fn envelope_puts_errcode_first_as_number() {
        #[derive(Serialize)]
        struct B {
            msgid: &'static str,
        }
        let s = serde_json::to_string(&Envelope::ok(B { msgid: "m1" })).unwrap_or_default();
        assert_eq!(s, r#"{"errcode":0,"errmsg":"ok","msgid":"m1"}"#);
        let s = serde_json::to_string(&Envelope::ok(Empty {})).unwrap_or_default();
        assert_eq!(s, r#"{"errcode":0,"errmsg":"ok"}"#);
    }

    #[test]
    fn error_body_keeps_defaults() {
        let mut d = serde_json::Map::new();
        d.insert("ip_list".into(), serde_json::json!([]));
        let msg = errmsg(
            Errcode::INVALID_TOKEN,
            Errcode::INVALID_TOKEN.text(),
            &hint(),
        );
        let body = error_body(Errcode::INVALID_TOKEN, &msg, Some(&d));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(v["errcode"], 40014);
        assert_eq!(v["errmsg"], "invalid access_token");
        assert_eq!(v["ip_list"], serde_json::json!([]));
    }
}
