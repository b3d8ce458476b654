//! 微信客服 statistics (document/path/95489): `kf/get_corp_statistic` and `kf/get_servicer_statistic`, one entry a
//! day (Beijing time, `stat_time` the day's 00:00), from yesterday back 180 days, at most 31 days a call.

use serde::{Deserialize, Serialize};

use crate::lenient;
use crate::WireError;

/// Days start at 00:00 Beijing time (UTC+8).
pub const DAY_OFFSET_S: i64 = 8 * 3600;
pub const DAY_S: i64 = 86_400;
/// At most 31 days a call, no older than 180 days.
pub const MAX_DAYS: i64 = 31;
pub const MAX_AGE_DAYS: i64 = 180;

/// The 00:00 (Beijing) of the day `t_s` falls in.
pub fn day_start(t_s: i64) -> i64 {
    (t_s + DAY_OFFSET_S).div_euclid(DAY_S) * DAY_S - DAY_OFFSET_S
}

#[derive(Debug, Default, Deserialize)]
pub struct StatisticRequest {
    pub open_kfid: Option<String>,
    pub servicer_userid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub end_time: Option<i64>,
}

impl StatisticRequest {
    /// The days asked for, given now: each time taken to its day's 00:00, `end` no later than yesterday,
    /// `start` no earlier than 180 days ago, at most 31 days.
    pub fn days(&self, now_s: i64) -> Result<Vec<i64>, WireError> {
        let start = day_start(
            self.start_time
                .ok_or_else(|| WireError::missing("start_time"))?,
        );
        let end = day_start(
            self.end_time
                .ok_or_else(|| WireError::missing("end_time"))?,
        );
        let today = day_start(now_s);
        if end >= today || end < start {
            return Err(WireError::invalid_field("end_time"));
        }
        if start < today - MAX_AGE_DAYS * DAY_S || (end - start) / DAY_S >= MAX_DAYS {
            return Err(WireError::invalid_field("start_time"));
        }
        Ok((0..=(end - start) / DAY_S)
            .map(|d| start + d * DAY_S)
            .collect())
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CorpStatistic {
    pub session_cnt: u64,
    pub customer_cnt: u64,
    pub customer_msg_cnt: u64,
    pub upgrade_service_customer_cnt: u64,
    pub ai_session_reply_cnt: u64,
    pub ai_transfer_rate: f64,
    pub ai_knowledge_hit_rate: f64,
    pub msg_rejected_customer_cnt: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ServicerStatistic {
    pub session_cnt: u64,
    pub customer_cnt: u64,
    pub customer_msg_cnt: u64,
    pub reply_rate: f64,
    pub first_reply_average_sec: f64,
    pub satisfaction_investgate_cnt: u64,
    pub satisfaction_participation_rate: f64,
    pub satisfied_rate: f64,
    pub middling_rate: f64,
    pub dissatisfied_rate: f64,
    pub upgrade_service_customer_cnt: u64,
    pub upgrade_service_member_invite_cnt: u64,
    pub upgrade_service_member_customer_cnt: u64,
    pub upgrade_service_groupchat_invite_cnt: u64,
    pub upgrade_service_groupchat_customer_cnt: u64,
    pub msg_rejected_customer_cnt: u64,
}

#[derive(Debug, Serialize)]
pub struct DayStatistic<T> {
    pub stat_time: i64,
    pub statistic: T,
}

#[derive(Debug, Serialize)]
pub struct StatisticResponse<T> {
    pub statistic_list: Vec<DayStatistic<T>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_beijing_days_up_to_yesterday() {
        // 2026-01-02 01:00 Beijing = 2026-01-01 17:00 UTC.
        let now = 1_767_286_800;
        let today = day_start(now);
        assert_eq!((now - today) / 3600, 1);
        let req = |s: i64, e: i64| StatisticRequest {
            start_time: Some(s),
            end_time: Some(e),
            ..Default::default()
        };
        assert_eq!(
            req(today - DAY_S, today - 1).days(now).map(|d| d.len()),
            Ok(1)
        );
        assert!(
            req(today, today).days(now).is_err(),
            "today is not counted yet"
        );
        assert!(
            req(today - 32 * DAY_S, today - DAY_S).days(now).is_err(),
            "32 days"
        );
        assert_eq!(
            req(today - 31 * DAY_S, today - DAY_S)
                .days(now)
                .map(|d| d.len()),
            Ok(31)
        );
        assert_eq!(
            req(today - 31 * DAY_S, today - 2 * DAY_S)
                .days(now)
                .map(|d| d.len()),
            Ok(30)
        );
        assert!(
            req(today - 200 * DAY_S, today - 190 * DAY_S)
                .days(now)
                .is_err(),
            "older than 180 days"
        );
    }
}
