//! 客户联系 (external contacts): the requests SDKs send to `externalcontact/*`, the customer and follow-user
//! shapes the responses carry, and the corp tag library's.

use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::WireError;

pub mod acquisition;
pub mod groupchat;
pub mod groupmsg;
pub mod idconvert;
pub mod moments;
pub mod statistic;
pub mod templates;
pub mod transfer;
pub mod ways;

/// `batch/get_by_user` `limit`: 50 by default, at most 100.
pub const BATCH_LIMIT_DEFAULT: usize = 50;
pub const BATCH_LIMIT_MAX: usize = 100;
/// `get` pages the follow users past this many [U].
pub const FOLLOW_PAGE: usize = 500;
/// Members per `batch/get_by_user` call.
pub const MAX_USERIDS: usize = 100;
/// Tag and tag group names are at most 30 characters.
pub const MAX_TAG_NAME_CHARS: usize = 30;
/// Ids in one tag list (`mark_tag` `add_tag`/`remove_tag`, `add_corp_tag` `tag`, `del_corp_tag` `tag_id` and
/// `group_id`, each of `add_msg_template`'s `tag_filter.group_list[].tag_list`) and groups in one `tag_filter`
/// [U: the reference gives no number; 100 as for WeCom's other id lists].
pub const MAX_TAG_LIST: usize = 100;
/// A remark is at most 20 characters, a description 150 [U].
pub const MAX_REMARK_CHARS: usize = 20;
pub const MAX_DESCRIPTION_CHARS: usize = 150;

/// A customer as `get` and `batch/get_by_user` show them.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalContact {
    pub external_userid: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub position: String,
    pub avatar: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub corp_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub corp_full_name: String,
    #[serde(rename = "type")]
    pub kind: i64,
    pub gender: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unionid: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowTag {
    pub group_name: String,
    pub tag_name: String,
    pub tag_id: String,
    /// 1 a corp tag.
    #[serde(rename = "type")]
    pub kind: i64,
}

/// One member's relation to a customer, as `get` shows it (`follow_user[]`).
#[derive(Debug, Clone, Serialize)]
pub struct FollowUser {
    pub userid: String,
    pub remark: String,
    pub description: String,
    pub createtime: i64,
    pub tags: Vec<FollowTag>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub remark_corp_name: String,
    pub remark_mobiles: Vec<String>,
    pub oper_userid: String,
    pub add_way: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
}

/// The same relation as `batch/get_by_user` shows it (`follow_info`): tag ids only.
#[derive(Debug, Clone, Serialize)]
pub struct FollowInfo {
    pub userid: String,
    pub remark: String,
    pub description: String,
    pub createtime: i64,
    pub tag_id: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub remark_corp_name: String,
    pub remark_mobiles: Vec<String>,
    pub oper_userid: String,
    pub add_way: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
}

#[derive(Debug, Serialize)]
pub struct FollowUserListResponse {
    pub follow_user: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ListResponse {
    pub external_userid: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct GetResponse {
    pub external_contact: ExternalContact,
    pub follow_user: Vec<FollowUser>,
    pub next_cursor: String,
}

#[derive(Debug, Serialize)]
pub struct ContactWithFollow {
    pub external_contact: ExternalContact,
    pub follow_info: FollowInfo,
}

#[derive(Debug, Serialize)]
pub struct BatchResponse {
    pub external_contact_list: Vec<ContactWithFollow>,
    pub next_cursor: String,
}

/// `batch/get_by_user`: `userid_list`, or the older single `userid` wechatpy still sends.
#[derive(Debug, Default, Deserialize)]
pub struct BatchGetByUser {
    #[serde(default)]
    pub userid_list: Vec<String>,
    #[serde(default)]
    pub userid: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
}

impl BatchGetByUser {
    /// The page size: over the maximum, the maximum is used (the doc: 最大值100); zero or less is 40058 [U].
    pub fn limit(&self) -> Result<usize, WireError> {
        let limit = self
            .limit
            .unwrap_or(BATCH_LIMIT_DEFAULT as i64)
            .min(BATCH_LIMIT_MAX as i64);
        if limit < 1 {
            return Err(WireError::invalid_field("limit"));
        }
        Ok(limit as usize)
    }

    /// The members asked for, in order: `userid_list`, else `userid`.
    pub fn userids(&self) -> Vec<String> {
        if self.userid_list.is_empty() {
            self.userid
                .iter()
                .filter(|u| !u.is_empty())
                .cloned()
                .collect()
        } else {
            self.userid_list.clone()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Remark {
    #[serde(default)]
    pub userid: Option<String>,
    #[serde(default)]
    pub external_userid: Option<String>,
    #[serde(default)]
    pub remark: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub remark_company: Option<String>,
    #[serde(default)]
    pub remark_mobiles: Option<Vec<String>>,
    #[serde(default)]
    pub remark_pic_mediaid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MarkTag {
    #[serde(default)]
    pub userid: Option<String>,
    #[serde(default)]
    pub external_userid: Option<String>,
    #[serde(default)]
    pub add_tag: Vec<String>,
    #[serde(default)]
    pub remove_tag: Vec<String>,
}

/// `get_corp_tag_list` and `del_corp_tag`.
#[derive(Debug, Default, Deserialize)]
pub struct TagIds {
    #[serde(default)]
    pub tag_id: Vec<String>,
    #[serde(default)]
    pub group_id: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewTag {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub order: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AddCorpTag {
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub group_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub order: Option<i64>,
    #[serde(default)]
    pub tag: Vec<NewTag>,
}

#[derive(Debug, Default, Deserialize)]
pub struct EditCorpTag {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub order: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub create_time: i64,
    pub order: i64,
    pub deleted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TagGroup {
    pub group_id: String,
    pub group_name: String,
    pub create_time: i64,
    pub order: i64,
    pub deleted: bool,
    pub tag: Vec<Tag>,
}

#[derive(Debug, Serialize)]
pub struct TagListResponse {
    pub tag_group: Vec<TagGroup>,
}

#[derive(Debug, Serialize)]
pub struct AddCorpTagResponse {
    pub tag_group: TagGroup,
}

/// A tag or group name: 1–30 characters.
pub fn check_tag_name(field: &str, name: &str) -> Result<(), WireError> {
    match name.chars().count() {
        0 => Err(WireError::invalid_field(field)),
        n if n > MAX_TAG_NAME_CHARS => Err(WireError::too_long(field, MAX_TAG_NAME_CHARS)),
        _ => Ok(()),
    }
}

/// Remark fields within their lengths.
/// A tag list within [`MAX_TAG_LIST`]; 40058 past it, as WeCom answers any over-long parameter.
pub fn check_tag_list<T>(field: &str, list: &[T]) -> Result<(), WireError> {
    if list.len() > MAX_TAG_LIST {
        return Err(WireError::too_long(field, MAX_TAG_LIST));
    }
    Ok(())
}

pub fn check_remark(r: &Remark) -> Result<(), WireError> {
    let within = |v: &Option<String>, field: &str, max: usize| match v {
        Some(s) if s.chars().count() > max => Err(WireError::too_long(field, max)),
        _ => Ok(()),
    };
    within(&r.remark, "remark", MAX_REMARK_CHARS)?;
    within(&r.description, "description", MAX_DESCRIPTION_CHARS)?;
    within(&r.remark_company, "remark_company", MAX_REMARK_CHARS)?;
    if r.remark_mobiles.as_ref().is_some_and(|m| m.len() > 5) {
        return Err(WireError::invalid_field("remark_mobiles"));
    }
    Ok(())
}

/// `start_time`…`end_time` (unix seconds), both required, in order, at most `max_span_s` apart.
pub fn time_window(
    start_time: Option<i64>,
    end_time: Option<i64>,
    max_span_s: i64,
) -> Result<(i64, i64), WireError> {
    let start = start_time.ok_or_else(|| WireError::missing("start_time"))?;
    let end = end_time.ok_or_else(|| WireError::missing("end_time"))?;
    if end < start || end - start > max_span_s {
        return Err(WireError::invalid_field("end_time"));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_takes_the_list_or_the_single_userid() {
        let old: BatchGetByUser =
            serde_json::from_str(r#"{"userid":"zhangsan","cursor":"","limit":"10"}"#)
                .unwrap_or_default();
        assert_eq!(old.userids(), ["zhangsan"]);
        assert_eq!(old.limit, Some(10));
        let new: BatchGetByUser =
            serde_json::from_str(r#"{"userid_list":["a","b"],"userid":"c"}"#).unwrap_or_default();
        assert_eq!(new.userids(), ["a", "b"]);
    }

    #[test]
    fn names_and_remarks_have_limits() {
        assert!(check_tag_name("name", "VIP").is_ok());
        assert!(check_tag_name("name", "").is_err());
        assert!(check_tag_name("name", &"标".repeat(31)).is_err());
        let long = Remark {
            remark: Some("备".repeat(21)),
            ..Remark::default()
        };
        assert!(check_remark(&long).is_err());
        assert!(check_remark(&Remark::default()).is_ok());
    }

    #[test]
    fn empty_optional_fields_are_left_out() {
        let c = ExternalContact {
            external_userid: "wm1".into(),
            name: "n".into(),
            position: String::new(),
            avatar: String::new(),
            corp_name: String::new(),
            corp_full_name: String::new(),
            kind: 1,
            gender: 0,
            unionid: String::new(),
        };
        let v = serde_json::to_value(&c).unwrap_or_default();
        assert_eq!(v["type"], 1);
        assert!(v.get("corp_name").is_none() && v.get("unionid").is_none());
    }
}
