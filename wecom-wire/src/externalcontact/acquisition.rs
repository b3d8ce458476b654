//! 获客助手 (customer acquisition links): `customer_acquisition/{list_link,get,create_link,update_link,
//! delete_link,customer,statistic}` and `customer_acquisition_quota` (document/path/97297, 97375), their checks.

use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::{Errcode, WireError};

/// `list_link` `limit`: at most 100 (the doc); `customer` `limit`: at most 1000.
pub const LIST_LINK_LIMIT_MAX: i64 = 100;
pub const CUSTOMER_LIMIT_MAX: i64 = 1000;
/// `link_name` at most 30 characters [U: the admin console's limit].
pub const MAX_LINK_NAME_CHARS: usize = 30;
/// `customer_channel` appended to a link becomes the customer's `state`, cut at 64 bytes (the doc).
pub const MAX_CHANNEL_BYTES: usize = 64;
/// `statistic`: `end_time - start_time` at most 30 days [U: as WeCom's other statistics].
pub const MAX_STAT_SPAN_S: i64 = 30 * 86_400;
/// `add_way` of a customer added through a 获客助手 link (16, 通过获客链接添加).
pub const ADD_WAY_ACQUISITION: i64 = 16;
/// Links per corp (41095 beyond) [U: the quota WeCom sells varies; the mock's default].
pub const MAX_LINKS: usize = 10_000;

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Range {
    #[serde(default)]
    pub user_list: Vec<String>,
    #[serde(default)]
    pub department_list: Vec<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct PriorityOption {
    #[serde(default, deserialize_with = "lenient::int")]
    pub priority_type: i64,
    #[serde(default)]
    pub priority_userid_list: Vec<String>,
}

/// `create_link` and `update_link` as sent (only the keys sent change on update).
#[derive(Debug, Default, Deserialize)]
pub struct LinkRequest {
    pub link_id: Option<String>,
    pub link_name: Option<String>,
    pub range: Option<Range>,
    pub skip_verify: Option<bool>,
    pub priority_option: Option<PriorityOption>,
}

impl LinkRequest {
    /// The name (required on create) and the range (at least one member or department when given).
    pub fn check(&self, creating: bool) -> Result<(), WireError> {
        match self.link_name.as_deref() {
            None | Some("") if creating => return Err(WireError::missing("link_name")),
            Some(n) if n.chars().count() > MAX_LINK_NAME_CHARS => {
                return Err(WireError::too_long("link_name", MAX_LINK_NAME_CHARS))
            }
            _ => {}
        }
        match &self.range {
            None if creating => Err(WireError::missing("range")),
            Some(r) if r.user_list.is_empty() && r.department_list.is_empty() => {
                Err(WireError::invalid_field("range"))
            }
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkId {
    pub link_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Page {
    pub link_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct StatisticRequest {
    pub link_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub end_time: Option<i64>,
}

impl StatisticRequest {
    pub fn window(&self) -> Result<(i64, i64), WireError> {
        super::time_window(self.start_time, self.end_time, MAX_STAT_SPAN_S)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LinkInfo {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub link_id: String,
    pub link_name: String,
    pub url: String,
    pub create_time: i64,
    pub skip_verify: bool,
}

#[derive(Debug, Serialize)]
pub struct LinkResponse {
    pub link: LinkInfo,
}

#[derive(Debug, Serialize)]
pub struct GetResponse {
    pub link: LinkInfo,
    pub range: Range,
    pub priority_option: PriorityOption,
}

#[derive(Debug, Serialize)]
pub struct ListResponse {
    pub link_id_list: Vec<String>,
    pub next_cursor: String,
}

#[derive(Debug, Serialize)]
pub struct AcquiredCustomer {
    pub external_userid: String,
    pub userid: String,
    /// 0 the customer has not written, 1 has.
    pub chat_status: i64,
    pub state: String,
}

#[derive(Debug, Serialize)]
pub struct CustomerResponse {
    pub customer_list: Vec<AcquiredCustomer>,
    pub next_cursor: String,
}

#[derive(Debug, Serialize)]
pub struct QuotaItem {
    pub expire_date: i64,
    pub balance: i64,
}

#[derive(Debug, Serialize)]
pub struct QuotaResponse {
    pub total: i64,
    pub balance: i64,
    pub quota_list: Vec<QuotaItem>,
}

#[derive(Debug, Serialize)]
pub struct StatisticResponse {
    pub click_link_customer_cnt: i64,
    pub new_customer_cnt: i64,
}

/// An unknown or deleted `link_id` [U: the doc names no code; the generic invalid parameter].
pub fn unknown_link() -> WireError {
    WireError::invalid_field("link_id")
}

/// Over the corp's link quota.
pub fn too_many_links() -> WireError {
    WireError::new(Errcode::ACQUISITION_LINK_LIMIT)
}

/// `customer_channel` as the state: cut at 64 bytes on a character boundary.
pub fn channel_state(channel: &str) -> String {
    let mut end = channel.len().min(MAX_CHANNEL_BYTES);
    while !channel.is_char_boundary(end) {
        end -= 1;
    }
    channel[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_needs_a_name_and_someone() {
        let req = |name: Option<&str>, range: Option<Range>| LinkRequest {
            link_name: name.map(str::to_owned),
            range,
            ..LinkRequest::default()
        };
        let someone = Range {
            user_list: vec!["zhangsan".into()],
            department_list: vec![],
        };
        assert!(req(Some("a"), Some(someone.clone())).check(true).is_ok());
        assert!(req(None, Some(someone.clone())).check(true).is_err());
        assert!(
            req(None, None).check(false).is_ok(),
            "update changes only what it names"
        );
        assert!(req(Some("a"), Some(Range::default())).check(true).is_err());
        assert!(req(Some(&"名".repeat(31)), Some(someone))
            .check(true)
            .is_err());
    }

    #[test]
    fn channels_are_cut_at_64_bytes() {
        assert_eq!(channel_state(&"a".repeat(70)).len(), 64);
        assert_eq!(channel_state(&"获".repeat(30)).len(), 63);
    }
}
