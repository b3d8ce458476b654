//! 微信客服 升级服务 (document/path/94674): the members and customer groups a customer may be recommended to,
//! `upgrade_service` (type 1 a member, 2 a customer group) and `cancel_upgrade_service`.

use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::WireError;

/// `type` 1: a member (专员服务); 2: a customer group (客户群服务).
pub const UPGRADE_MEMBER: i64 = 1;
pub const UPGRADE_GROUPCHAT: i64 = 2;
/// `wording` (推荐语) at most 30 characters [U: the admin console's limit].
pub const MAX_WORDING_CHARS: usize = 30;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct MemberRange {
    pub userid_list: Vec<String>,
    pub department_id_list: Vec<i64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct GroupchatRange {
    pub chat_id_list: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct UpgradeConfigResponse {
    pub member_range: MemberRange,
    pub groupchat_range: GroupchatRange,
}

#[derive(Debug, Default, Deserialize)]
pub struct UpgradeMember {
    pub userid: Option<String>,
    pub wording: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UpgradeGroupchat {
    pub chat_id: Option<String>,
    pub wording: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UpgradeService {
    pub open_kfid: Option<String>,
    pub external_userid: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "lenient::opt_int")]
    pub kind: Option<i64>,
    pub member: Option<UpgradeMember>,
    pub groupchat: Option<UpgradeGroupchat>,
}

/// What the customer is recommended to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Member { userid: String, wording: String },
    Groupchat { chat_id: String, wording: String },
}

impl UpgradeService {
    /// The recommendation the body makes: the type names which object must be there, with its id.
    pub fn target(&self) -> Result<Target, WireError> {
        let wording = |w: &Option<String>, field: &str| -> Result<String, WireError> {
            let w = w.clone().unwrap_or_default();
            if w.chars().count() > MAX_WORDING_CHARS {
                return Err(WireError::too_long(field, MAX_WORDING_CHARS));
            }
            Ok(w)
        };
        match self.kind {
            Some(UPGRADE_MEMBER) => {
                let m = self
                    .member
                    .as_ref()
                    .ok_or_else(|| WireError::missing("member"))?;
                let userid = m.userid.clone().filter(|u| !u.is_empty());
                Ok(Target::Member {
                    userid: userid.ok_or_else(|| WireError::missing("member.userid"))?,
                    wording: wording(&m.wording, "member.wording")?,
                })
            }
            Some(UPGRADE_GROUPCHAT) => {
                let g = self
                    .groupchat
                    .as_ref()
                    .ok_or_else(|| WireError::missing("groupchat"))?;
                let chat_id = g.chat_id.clone().filter(|c| !c.is_empty());
                Ok(Target::Groupchat {
                    chat_id: chat_id.ok_or_else(|| WireError::missing("groupchat.chat_id"))?,
                    wording: wording(&g.wording, "groupchat.wording")?,
                })
            }
            _ => Err(WireError::invalid_field("type")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: serde_json::Value) -> Result<Target, WireError> {
        serde_json::from_value::<UpgradeService>(v)
            .map_err(|e| WireError::invalid_field(&e.to_string()))?
            .target()
    }

    #[test]
    fn the_type_names_the_object_that_must_be_there() {
        let m = parse(
            serde_json::json!({"type": 1, "member": {"userid": "zhangsan", "wording": "你好"}}),
        );
        assert_eq!(
            m,
            Ok(Target::Member {
                userid: "zhangsan".into(),
                wording: "你好".into()
            })
        );
        let g = parse(serde_json::json!({"type": "2", "groupchat": {"chat_id": "wr1"}}));
        assert!(matches!(g, Ok(Target::Groupchat { .. })));
        assert!(parse(serde_json::json!({"type": 1, "groupchat": {"chat_id": "wr1"}})).is_err());
        assert!(parse(serde_json::json!({"type": 3})).is_err());
        assert!(parse(
            serde_json::json!({"type": 1, "member": {"userid": "a", "wording": "长".repeat(31)}})
        )
        .is_err());
    }
}
