//! Updating what an app sent: `message/update_template_card` (by the card's single-use `response_code`, valid
//! 72 h; document/path/94888) and `message/update_taskcard` (by `task_id`; document/path/91579).

use serde::{Deserialize, Serialize};

use super::TemplateCard;
use crate::lenient;
use crate::{Errcode, WireError};

/// A `response_code` is good for 72 hours, once.
pub const RESPONSE_CODE_TTL_S: i64 = 72 * 3600;

#[derive(Debug, Default, Deserialize)]
pub struct ReplaceButton {
    pub replace_name: Option<String>,
}

/// `update_template_card` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateTemplateCard {
    #[serde(default)]
    pub userids: Vec<String>,
    #[serde(default)]
    pub partyids: Vec<Value64>,
    #[serde(default)]
    pub tagids: Vec<Value64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub atall: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub agentid: Option<i64>,
    pub response_code: Option<String>,
    pub button: Option<ReplaceButton>,
    pub template_card: Option<TemplateCard>,
}

/// An id that may come as a number or a string of digits.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct Value64(#[serde(deserialize_with = "lenient::int")] pub i64);

/// What an update does to the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardUpdate {
    /// Only the clicked button's text changes (`button.replace_name`).
    ReplaceName(String),
    /// The whole card is replaced; `interactive` as for `message/send`.
    Card,
}

/// Who an update is for: `atall`, or members, departments and tags (as `message/send` names them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub all: bool,
    pub users: Vec<String>,
    pub parties: Vec<String>,
    pub tags: Vec<String>,
}

impl UpdateTemplateCard {
    pub fn response_code(&self) -> Result<&str, WireError> {
        self.response_code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| WireError::missing("response_code"))
    }

    pub fn targets(&self) -> Result<Targets, WireError> {
        let t = Targets {
            all: self.atall == Some(1),
            users: self.userids.clone(),
            parties: self.partyids.iter().map(|p| p.0.to_string()).collect(),
            tags: self.tagids.iter().map(|p| p.0.to_string()).collect(),
        };
        if !t.all && t.users.is_empty() && t.parties.is_empty() && t.tags.is_empty() {
            return Err(WireError::new(Errcode::NO_RECIPIENT));
        }
        Ok(t)
    }

    /// `template_card` (checked as `message/send` checks it) or `button.replace_name`; one of them.
    pub fn update(&self) -> Result<CardUpdate, WireError> {
        if let Some(card) = &self.template_card {
            super::template_card(Some(card))?;
            return Ok(CardUpdate::Card);
        }
        let name = self.button.as_ref().and_then(|b| b.replace_name.clone());
        match name.filter(|n| !n.is_empty()) {
            Some(n) if n.len() > super::MAX_TITLE_BYTES => Err(WireError::too_long(
                "button.replace_name",
                super::MAX_TITLE_BYTES,
            )),
            Some(n) => Ok(CardUpdate::ReplaceName(n)),
            None => Err(WireError::missing("template_card")),
        }
    }
}

/// `update_taskcard` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateTaskcard {
    #[serde(default)]
    pub userids: Vec<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub agentid: Option<i64>,
    pub task_id: Option<String>,
    pub clicked_key: Option<String>,
    pub replace_name: Option<String>,
}

impl UpdateTaskcard {
    pub fn task_id(&self) -> Result<&str, WireError> {
        match self.task_id.as_deref() {
            None | Some("") => Err(WireError::missing("task_id")),
            Some(t) if t.len() > 128 => Err(Errcode::INVALID_TASK_ID.into()),
            Some(t) => Ok(t),
        }
    }

    /// The members named (1–1000) and the key clicked: without one WeCom answers 42017 `button key is not exist`
    /// (a captured answer), not 42019.
    pub fn check(&self) -> Result<&str, WireError> {
        if self.userids.is_empty() {
            return Err(WireError::new(Errcode::NO_RECIPIENT));
        }
        if self.userids.len() > super::MAX_TOUSER {
            return Err(WireError::too_long("userids", super::MAX_TOUSER));
        }
        self.clicked_key
            .as_deref()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| Errcode::BUTTON_KEY_NOT_FOUND.into())
    }
}

impl TemplateCard {
    /// The keys its buttons carry (`button_list[].key`, `submit_button.key`), which `update_taskcard`'s
    /// `clicked_key` must name.
    pub fn button_keys(&self) -> Vec<String> {
        self.button_list
            .iter()
            .chain(self.submit_button.iter())
            .filter_map(|b| b.get("key").and_then(|k| k.as_str()).map(str::to_owned))
            .collect()
    }
}

/// Both answer with the members named who did not get the card, as a list.
#[derive(Debug, Serialize)]
pub struct UpdateResponse {
    pub invaliduser: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_names_whom_and_what() {
        let u: UpdateTemplateCard = serde_json::from_value(
            json!({"userids": ["a"], "response_code": "c", "button": {"replace_name": "已处理"}}),
        )
        .unwrap_or_default();
        assert_eq!(u.update(), Ok(CardUpdate::ReplaceName("已处理".into())));
        assert_eq!(u.targets().map(|t| t.users), Ok(vec!["a".to_owned()]));
        let none: UpdateTemplateCard =
            serde_json::from_value(json!({"partyids": ["2"], "atall": 0})).unwrap_or_default();
        assert!(none.response_code().is_err());
        assert_eq!(none.targets().map(|t| t.parties), Ok(vec!["2".to_owned()]));
        assert!(none.update().is_err(), "neither a card nor a button");
        let nobody = UpdateTemplateCard::default();
        assert_eq!(
            nobody.targets().map_err(|e| e.code),
            Err(Errcode::NO_RECIPIENT)
        );
        let t = UpdateTaskcard {
            userids: vec!["a".into()],
            task_id: Some("t".into()),
            ..UpdateTaskcard::default()
        };
        assert_eq!(
            t.check().map_err(|e| e.code),
            Err(Errcode::BUTTON_KEY_NOT_FOUND)
        );
    }
}
