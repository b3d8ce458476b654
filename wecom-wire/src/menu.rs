//! Application menus (`menu/create|get|delete`, document/path/90231) with WeCom's button rules and errcodes, and
//! the app settings `agent/set` changes (document/path/90228).

use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::{Errcode, WireError};

/// 1–3 buttons, each with at most 5 sub-buttons.
pub const MAX_BUTTONS: usize = 3;
pub const MAX_SUB_BUTTONS: usize = 5;
/// A button's name: at most 16 bytes (4 Chinese characters); a sub-button's at most 40 bytes.
pub const MAX_NAME_BYTES: usize = 16;
pub const MAX_SUB_NAME_BYTES: usize = 40;
pub const MAX_KEY_BYTES: usize = 128;
pub const MAX_URL_BYTES: usize = 1024;
/// Types that answer with a click event and need a `key`.
const KEYED: &[&str] = &[
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
];

/// A button as sent: every field optional, so the errcode comes from a rule.
#[derive(Debug, Default, Deserialize)]
pub struct RawButton {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub name: Option<String>,
    pub key: Option<String>,
    pub url: Option<String>,
    pub pagepath: Option<String>,
    pub appid: Option<String>,
    pub sub_button: Option<Vec<RawButton>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawMenu {
    pub button: Option<Vec<RawButton>>,
}

/// A checked button, as `menu/get` gives it back.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Button {
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pagepath: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub appid: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sub_button: Vec<Button>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Menu {
    pub button: Vec<Button>,
}

/// The codes one level of the menu answers with: top-level buttons and sub-buttons have their own.
struct Level {
    count: Errcode,
    kind: Errcode,
    name: Errcode,
    key: Errcode,
    url: Errcode,
    domain: Errcode,
    max_name: usize,
}

const TOP: Level = Level {
    count: Errcode::MENU_BUTTON_COUNT,
    kind: Errcode::MENU_BUTTON_TYPE,
    name: Errcode::MENU_BUTTON_NAME,
    key: Errcode::MENU_BUTTON_KEY,
    url: Errcode::MENU_BUTTON_URL,
    domain: Errcode::MENU_URL_DOMAIN,
    max_name: MAX_NAME_BYTES,
};

const SUB: Level = Level {
    count: Errcode::MENU_SUB_COUNT,
    kind: Errcode::MENU_SUB_TYPE,
    name: Errcode::MENU_SUB_NAME,
    key: Errcode::MENU_SUB_KEY,
    url: Errcode::MENU_SUB_URL,
    domain: Errcode::MENU_SUB_URL_DOMAIN,
    max_name: MAX_SUB_NAME_BYTES,
};

fn check_url(url: &str, l: &Level) -> Result<(), WireError> {
    if url.is_empty() || url.len() > MAX_URL_BYTES {
        return Err(l.url.into());
    }
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    if host.is_none_or(str::is_empty) {
        return Err(l.domain.into());
    }
    Ok(())
}

fn check_button(b: RawButton, l: &Level, depth: usize) -> Result<Button, WireError> {
    let name = b.name.unwrap_or_default();
    if name.is_empty() {
        return Err(Errcode::MENU_NAME_MISSING.into());
    }
    if name.len() > l.max_name {
        return Err(l.name.into());
    }
    if let Some(subs) = b.sub_button.filter(|s| !s.is_empty() || b.kind.is_none()) {
        // A sub-button cannot have its own: menus are two levels deep.
        if depth > 0 {
            return Err(Errcode::MENU_SUB_LEVEL.into());
        }
        if subs.is_empty() || subs.len() > MAX_SUB_BUTTONS {
            return Err(SUB.count.into());
        }
        let sub_button = subs
            .into_iter()
            .map(|s| check_button(s, &SUB, depth + 1))
            .collect::<Result<_, _>>()?;
        return Ok(Button {
            name,
            sub_button,
            ..Button::default()
        });
    }
    let kind = b.kind.unwrap_or_default();
    let mut out = Button {
        kind: kind.clone(),
        name,
        ..Button::default()
    };
    match kind.as_str() {
        k if KEYED.contains(&k) => {
            let key = b.key.unwrap_or_default();
            if key.is_empty() || key.len() > MAX_KEY_BYTES {
                return Err(l.key.into());
            }
            out.key = key;
        }
        "view" => {
            let url = b.url.unwrap_or_default();
            check_url(&url, l)?;
            out.url = url;
        }
        "view_miniprogram" => {
            out.pagepath = b
                .pagepath
                .filter(|p| !p.is_empty())
                .ok_or_else(|| WireError::missing("pagepath"))?;
            out.appid = b
                .appid
                .filter(|a| !a.is_empty())
                .ok_or_else(|| WireError::missing("appid"))?;
        }
        _ => return Err(l.kind.into()),
    }
    Ok(out)
}

impl RawMenu {
    /// WeCom's rules, top-level buttons first, each button's fields in the order the codes are numbered.
    pub fn check(self) -> Result<Menu, WireError> {
        let buttons = self.button.unwrap_or_default();
        if buttons.is_empty() || buttons.len() > MAX_BUTTONS {
            return Err(TOP.count.into());
        }
        let button = buttons
            .into_iter()
            .map(|b| check_button(b, &TOP, 0))
            .collect::<Result<_, _>>()?;
        Ok(Menu { button })
    }
}

/// `agent/set` name: at most 32 characters; description 4–120 characters (the doc).
pub const MAX_AGENT_NAME_CHARS: usize = 32;
pub const AGENT_DESCRIPTION_CHARS: std::ops::RangeInclusive<usize> = 4..=120;

/// `agent/set` as sent: only the keys sent change.
#[derive(Debug, Default, Deserialize)]
pub struct AgentSet {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub agentid: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub redirect_domain: Option<String>,
    pub logo_mediaid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub report_location_flag: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub isreportenter: Option<i64>,
    pub home_url: Option<String>,
}

impl AgentSet {
    pub fn check(&self) -> Result<(), WireError> {
        if let Some(n) = &self.name {
            if n.is_empty() || n.chars().count() > MAX_AGENT_NAME_CHARS {
                return Err(Errcode::AGENT_NAME_SIZE.into());
            }
        }
        if let Some(d) = &self.description {
            if !AGENT_DESCRIPTION_CHARS.contains(&d.chars().count()) {
                return Err(Errcode::AGENT_DESCRIPTION_SIZE.into());
            }
        }
        for (field, v) in [
            ("report_location_flag", self.report_location_flag),
            ("isreportenter", self.isreportenter),
        ] {
            if v.is_some_and(|v| !(0..=1).contains(&v)) {
                return Err(WireError::invalid_field(field));
            }
        }
        if let Some(u) = self.home_url.as_deref().filter(|u| !u.is_empty()) {
            if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() > MAX_URL_BYTES {
                return Err(WireError::invalid_field("home_url"));
            }
        }
        Ok(())
    }
}

/// One row of `agent/list`.
#[derive(Debug, Serialize)]
pub struct AgentBrief {
    pub agentid: i64,
    pub name: String,
    pub square_logo_url: String,
}

#[derive(Debug, Serialize)]
pub struct AgentList {
    pub agentlist: Vec<AgentBrief>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: serde_json::Value) -> Result<Menu, Errcode> {
        serde_json::from_value::<RawMenu>(v)
            .map_err(|_| Errcode::INVALID_PARAMETER)?
            .check()
            .map_err(|e| e.code)
    }

    #[test]
    fn menus_follow_wecoms_rules_and_codes() {
        let click = |n: &str| json!({"type": "click", "name": n, "key": "K"});
        assert!(check(json!({"button": [click("a"), {"name": "更多", "sub_button": [{"type": "view", "name": "官网", "url": "https://example.com/x"}]}]})).is_ok());
        assert_eq!(check(json!({"button": []})), Err(Errcode(40016)));
        assert_eq!(
            check(json!({"button": [click("a"), click("b"), click("c"), click("d")]})),
            Err(Errcode(40016))
        );
        assert_eq!(
            check(json!({"button": [{"type": "bogus", "name": "a", "key": "k"}]})),
            Err(Errcode(40017))
        );
        assert_eq!(
            check(json!({"button": [click("一二三四五六")]})),
            Err(Errcode(40018))
        );
        assert_eq!(
            check(json!({"button": [{"type": "click", "name": "a", "key": ""}]})),
            Err(Errcode(40019))
        );
        assert_eq!(
            check(json!({"button": [{"type": "view", "name": "a", "url": ""}]})),
            Err(Errcode(40020))
        );
        assert_eq!(
            check(json!({"button": [{"type": "view", "name": "a", "url": "ftp://x"}]})),
            Err(Errcode(40055))
        );
        let nested = json!({"button": [{"name": "m", "sub_button": [{"name": "n", "sub_button": [click("x")]}]}]});
        assert_eq!(check(nested), Err(Errcode(40022)));
        let six: Vec<_> = (0..6).map(|i| click(&i.to_string())).collect();
        assert_eq!(
            check(json!({"button": [{"name": "m", "sub_button": six}]})),
            Err(Errcode(40023))
        );
        assert_eq!(
            check(json!({"button": [{"name": "m", "sub_button": [{"type": "x", "name": "a"}]}]})),
            Err(Errcode(40024))
        );
        assert_eq!(
            check(json!({"button": [{"name": "m", "sub_button": [click(&"长".repeat(14))]}]})),
            Err(Errcode(40025))
        );
        assert_eq!(
            check(
                json!({"button": [{"name": "m", "sub_button": [{"type": "click", "name": "a", "key": "k".repeat(129)}]}]})
            ),
            Err(Errcode(40026))
        );
        assert_eq!(
            check(
                json!({"button": [{"name": "m", "sub_button": [{"type": "view", "name": "a", "url": "u".repeat(1025)}]}]})
            ),
            Err(Errcode(40027))
        );
        assert_eq!(
            check(
                json!({"button": [{"name": "m", "sub_button": [{"type": "view", "name": "a", "url": "nohost"}]}]})
            ),
            Err(Errcode(40054))
        );
        assert_eq!(
            check(json!({"button": [{"type": "click", "key": "k"}]})),
            Err(Errcode(41102))
        );
    }

    #[test]
    fn agent_settings_are_checked() {
        let set = |v: serde_json::Value| {
            serde_json::from_value::<AgentSet>(v).map(|a| a.check().map_err(|e| e.code))
        };
        assert!(matches!(
            set(json!({"name": "机器人", "description": "回答客户的问题"})),
            Ok(Ok(()))
        ));
        assert!(matches!(
            set(json!({"name": "n".repeat(33)})),
            Ok(Err(Errcode(45022)))
        ));
        assert!(matches!(
            set(json!({"description": "短"})),
            Ok(Err(Errcode(45004)))
        ));
        assert!(matches!(
            set(json!({"home_url": "javascript:x"})),
            Ok(Err(Errcode(40058)))
        ));
    }
}
