//! What the simulated 微信客服 sessions did, per account, servicer and (Beijing) day, for
//! `kf/get_corp_statistic` and `kf/get_servicer_statistic`.

use dashmap::DashMap;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};

use wecom_wire::kf::stats::{day_start, MAX_AGE_DAYS};

/// One day of one account (servicer `""`: the account as a whole) or of one servicer on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Day {
    pub n_sessions: u64,
    pub customers: BTreeSet<usize>,
    pub n_customer_msgs: u64,
    pub upgraded: BTreeSet<usize>,
    pub rejected: BTreeSet<usize>,
    /// Servicers: the sessions they answered, the time to their first answers, the invitations they made.
    pub replied: BTreeSet<usize>,
    pub first_reply_total_s: i64,
    pub n_member_invites: u64,
    pub member_invited: BTreeSet<usize>,
    pub n_group_invites: u64,
    pub group_invited: BTreeSet<usize>,
}

/// (corp, open_kfid, servicer or "", day's 00:00).
pub type DayKey = (usize, String, String, i64);

#[derive(Debug, Default)]
pub struct KfStats {
    pub days: DashMap<DayKey, Day>,
    /// The newest day written: when a later one comes, days no request may ask for any more are dropped.
    newest_day: AtomicI64,
}

impl KfStats {
    /// Changes the day `now_s` falls in, for the account and, if one holds the session, the servicer.
    pub fn record(
        &self,
        (corp, open_kfid): (usize, &str),
        servicer: Option<&str>,
        now_s: i64,
        f: impl Fn(&mut Day),
    ) {
        let day = day_start(now_s);
        self.prune(day);
        f(&mut self
            .days
            .entry((corp, open_kfid.to_owned(), String::new(), day))
            .or_default());
        if let Some(s) = servicer {
            f(&mut self
                .days
                .entry((corp, open_kfid.to_owned(), s.to_owned(), day))
                .or_default());
        }
    }

    /// Only a servicer's own day.
    pub fn record_servicer(
        &self,
        (corp, open_kfid): (usize, &str),
        servicer: &str,
        now_s: i64,
        f: impl Fn(&mut Day),
    ) {
        let day = day_start(now_s);
        self.prune(day);
        f(&mut self
            .days
            .entry((corp, open_kfid.to_owned(), servicer.to_owned(), day))
            .or_default());
    }

    /// Once a day: the statistics answer at most [`MAX_AGE_DAYS`] back, so older days go.
    fn prune(&self, day: i64) {
        if self.newest_day.fetch_max(day, Ordering::Relaxed) >= day {
            return;
        }
        let oldest = day - MAX_AGE_DAYS * 86_400;
        self.days.retain(|(_, _, _, d), _| *d >= oldest);
    }

    /// Everything, sorted, for comparing two stores.
    pub fn snapshot(&self) -> String {
        let mut v: Vec<String> = self
            .days
            .iter()
            .map(|x| format!("{:?}{:?}", x.key(), x.value()))
            .collect();
        v.sort();
        format!("{v:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_no_request_can_ask_for_are_dropped() {
        let s = KfStats::default();
        let t0 = 1_764_000_000;
        s.record((0, "wk"), Some("wangwu"), t0, |d| d.n_customer_msgs += 1);
        s.record((0, "wk"), None, t0 + MAX_AGE_DAYS * 86_400, |d| {
            d.n_customer_msgs += 1
        });
        assert_eq!(
            s.days.len(),
            3,
            "180 days later the first day may still be asked for"
        );
        s.record((0, "wk"), None, t0 + (MAX_AGE_DAYS + 1) * 86_400, |d| {
            d.n_customer_msgs += 1
        });
        assert_eq!(
            s.days.len(),
            2,
            "the first day's account and servicer rows are gone"
        );
        assert!(s.days.iter().all(|d| d.key().3 > day_start(t0)));
    }
}
