//! 统计管理: `get_user_behavior_data` (联系客户统计, per day over members) and `groupchat/statistic` /
//! `groupchat/statistic_group_by_day` (群聊数据统计, by owner or by day). Days are Beijing natural days; a time
//! that is not midnight is taken as its day.

use serde::{Deserialize, Serialize};

use crate::externalcontact::groupchat::OwnerFilter;
use crate::lenient;
use crate::{Errcode, WireError};

/// Widest query: 30 days (the doc's 最大查询跨度为30天, counted as 30 days after the first).
pub const MAX_SPAN_DAYS: i64 = 30;
/// Oldest day that may be asked for: 180 days back.
pub const MAX_AGE_DAYS: i64 = 180;
/// `userid` and `partyid` lists: at most 100 each; owner filters the same.
pub const MAX_IDS: usize = 100;
pub const STAT_LIMIT_DEFAULT: usize = 500;
pub const STAT_LIMIT_MAX: usize = 1000;
const BEIJING_OFFSET_S: i64 = 8 * 3600;

/// The natural day (Beijing) of a unix time.
pub fn day_of(t_s: i64) -> i64 {
    (t_s + BEIJING_OFFSET_S).div_euclid(86_400)
}

/// Midnight (Beijing) of a natural day, as a unix time: `stat_time`.
pub fn midnight_of(day: i64) -> i64 {
    day * 86_400 - BEIJING_OFFSET_S
}

/// The days a query covers, first to last, checked against today: `today_ok` is false where the doc says the
/// range is 昨天至前180天 (group statistics: today's data is not there yet). Out of range: 600018, the code a
/// community report shows WeCom answering for a bad range.
pub fn days(start_s: i64, end_s: i64, today: i64, today_ok: bool) -> Result<(i64, i64), WireError> {
    let (first, last) = (day_of(start_s), day_of(end_s));
    let newest = if today_ok { today } else { today - 1 };
    let ok = start_s > 0
        && first <= last
        && last - first < MAX_SPAN_DAYS
        && first >= today - MAX_AGE_DAYS
        && last <= newest;
    if !ok {
        return Err(Errcode::INVALID_TIME_RANGE.into());
    }
    Ok((first, last))
}

#[derive(Debug, Default, Deserialize)]
pub struct BehaviorRequest {
    #[serde(default)]
    pub userid: Vec<String>,
    #[serde(default)]
    pub partyid: Vec<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub end_time: Option<i64>,
}

impl BehaviorRequest {
    /// userid and partyid may not both be empty; each at most 100.
    pub fn check(&self) -> Result<(), WireError> {
        if self.userid.is_empty() && self.partyid.is_empty() {
            return Err(WireError::invalid_field("userid"));
        }
        if self.userid.len() > MAX_IDS {
            return Err(WireError::too_long("userid", MAX_IDS));
        }
        if self.partyid.len() > MAX_IDS {
            return Err(WireError::too_long("partyid", MAX_IDS));
        }
        Ok(())
    }
}

/// One day of 联系客户统计. The reply figures are there only when customers opened chats that day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BehaviorData {
    pub stat_time: i64,
    pub chat_cnt: u64,
    pub message_cnt: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_percentage: Option<f64>,
    /// Minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_reply_time: Option<u64>,
    pub negative_feedback_cnt: u64,
    pub new_apply_cnt: u64,
    pub new_contact_cnt: u64,
}

#[derive(Debug, Serialize)]
pub struct BehaviorResponse {
    pub behavior_data: Vec<BehaviorData>,
}

#[derive(Debug, Default, Deserialize)]
pub struct GroupStatRequest {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub day_begin_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub day_end_time: Option<i64>,
    #[serde(default)]
    pub owner_filter: Option<OwnerFilter>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub order_by: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub order_asc: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub offset: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
}

/// How `groupchat/statistic` sorts: 1 new chats (the default), 2 chats, 3 new members, 4 members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBy {
    NewChats,
    Chats,
    NewMembers,
    Members,
}

/// A checked `groupchat/statistic` page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub order_by: OrderBy,
    pub ascending: bool,
    pub offset: usize,
    pub limit: usize,
}

impl GroupStatRequest {
    /// The owners named, at most 100 (none: every owner).
    pub fn owners(&self) -> Result<&[String], WireError> {
        let list = self
            .owner_filter
            .as_ref()
            .map_or(&[][..], |f| f.userid_list.as_slice());
        if list.len() > MAX_IDS {
            return Err(WireError::too_long("owner_filter.userid_list", MAX_IDS));
        }
        Ok(list)
    }

    pub fn page(&self) -> Result<Page, WireError> {
        let order_by = match self.order_by.unwrap_or(1) {
            1 => OrderBy::NewChats,
            2 => OrderBy::Chats,
            3 => OrderBy::NewMembers,
            4 => OrderBy::Members,
            _ => return Err(WireError::invalid_field("order_by")),
        };
        let ascending = match self.order_asc.unwrap_or(0) {
            0 => false,
            1 => true,
            _ => return Err(WireError::invalid_field("order_asc")),
        };
        let offset = usize::try_from(self.offset.unwrap_or(0))
            .map_err(|_| WireError::invalid_field("offset"))?;
        let limit = self.limit.unwrap_or(STAT_LIMIT_DEFAULT as i64);
        if !(1..=STAT_LIMIT_MAX as i64).contains(&limit) {
            return Err(WireError::invalid_field("limit"));
        }
        Ok(Page {
            order_by,
            ascending,
            offset,
            limit: limit as usize,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GroupStat {
    pub new_chat_cnt: u64,
    pub chat_total: u64,
    pub chat_has_msg: u64,
    pub new_member_cnt: u64,
    pub member_total: u64,
    pub member_has_msg: u64,
    pub msg_total: u64,
    pub migrate_trainee_chat_cnt: u64,
}

impl GroupStat {
    pub fn key(&self, by: OrderBy) -> u64 {
        match by {
            OrderBy::NewChats => self.new_chat_cnt,
            OrderBy::Chats => self.chat_total,
            OrderBy::NewMembers => self.new_member_cnt,
            OrderBy::Members => self.member_total,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct OwnerStat {
    pub owner: String,
    pub data: GroupStat,
}

#[derive(Debug, Serialize)]
pub struct ByOwnerResponse {
    pub total: usize,
    pub next_offset: usize,
    pub items: Vec<OwnerStat>,
}

#[derive(Debug, Serialize)]
pub struct DayStat {
    pub stat_time: i64,
    pub data: GroupStat,
}

#[derive(Debug, Serialize)]
pub struct ByDayResponse {
    pub items: Vec<DayStat>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-10 00:00 Beijing.
    const T: i64 = 1_773_072_000;

    #[test]
    fn days_round_down_to_beijing_midnight() {
        assert_eq!(midnight_of(day_of(T + 21 * 3600)), T);
        assert_eq!(midnight_of(day_of(T - 1)), T - 86_400);
    }

    #[test]
    fn a_range_is_at_most_30_days_within_180() {
        let today = day_of(T);
        let day = 86_400;
        assert_eq!(days(T - 29 * day, T, today, true), Ok((today - 29, today)));
        let refused = |r: Result<(i64, i64), WireError>| r.map_err(|e| e.code.0);
        assert_eq!(refused(days(T - 30 * day, T, today, true)), Err(600018));
        assert_eq!(
            refused(days(T - 181 * day, T - 170 * day, today, true)),
            Err(600018)
        );
        assert_eq!(refused(days(T, T - day, today, true)), Err(600018));
        assert_eq!(refused(days(T, T, today, false)), Err(600018), "not today");
        assert_eq!(refused(days(0, T, today, true)), Err(600018));
    }

    #[test]
    fn paging_has_the_doc_defaults() {
        let req = GroupStatRequest::default();
        assert_eq!(
            req.page(),
            Ok(Page {
                order_by: OrderBy::NewChats,
                ascending: false,
                offset: 0,
                limit: 500
            })
        );
        let bad = GroupStatRequest {
            order_by: Some(5),
            ..GroupStatRequest::default()
        };
        assert!(bad.page().is_err());
    }
}
