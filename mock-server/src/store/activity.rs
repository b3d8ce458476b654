//! What the simulated people did, day by day, for the statistics endpoints: members' single chats with their
//! customers (who wrote first, when the member first answered), customers added and lost, and the messages in
//! customer groups. Days are Beijing natural days; only the last [`KEPT_DAYS`] are kept, as WeCom keeps 180.

use dashmap::DashMap;
use std::collections::{BTreeMap, BTreeSet};

use crate::store::transfers::natural_day;
use crate::world::GroupMember;

type Hasher = foldhash::fast::RandomState;

/// WeCom keeps statistics for 180 days; older days are dropped as new ones are written.
pub const KEPT_DAYS: i64 = 180;

/// One member's day with their customers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberDay {
    /// Customers the member wrote to (`chat_cnt`: single chats in which the member sent something).
    pub wrote_to: BTreeSet<usize>,
    /// Messages the member sent in single chats (`message_cnt`).
    pub n_messages: u64,
    /// Chats the customer opened that day: customer → (their first message, the member's first answer).
    pub opened: BTreeMap<usize, (i64, Option<i64>)>,
    /// Customers who deleted the member (`negative_feedback_cnt`).
    pub n_lost: u64,
    /// Customers the member gained (`new_contact_cnt`).
    pub n_added: u64,
}

/// One customer group's day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupDay {
    pub n_messages: u64,
    pub speakers: BTreeSet<GroupMember>,
}

#[derive(Debug, Default)]
pub struct Activity {
    /// (corp, member) → day → what happened.
    members: DashMap<(usize, usize), BTreeMap<i64, MemberDay>, Hasher>,
    /// (corp, member, customer) → when either last wrote to the other (ms): a welcome code is spent once they chat.
    last_chat_ms: DashMap<(usize, usize, usize), i64, Hasher>,
    /// (corp, chat_id) → day → messages in the group.
    groups: DashMap<(usize, String), BTreeMap<i64, GroupDay>, Hasher>,
}

/// Drops days too old to be asked for.
fn prune<T>(days: &mut BTreeMap<i64, T>, today: i64) {
    let oldest = today - KEPT_DAYS;
    while days.first_key_value().is_some_and(|(d, _)| *d < oldest) {
        days.pop_first();
    }
}

impl Activity {
    fn with_day(&self, corp: usize, user: usize, now_s: i64, f: impl FnOnce(&mut MemberDay)) {
        let today = natural_day(now_s);
        let mut days = self.members.entry((corp, user)).or_default();
        f(days.entry(today).or_default());
        prune(&mut days, today);
    }

    /// A customer wrote to a member: the first message of a day in which the member had not written first opens
    /// a chat the member is to answer.
    pub fn customer_wrote(&self, corp: usize, user: usize, customer: usize, now_ms: i64) {
        let now_s = now_ms.div_euclid(1000);
        self.last_chat_ms.insert((corp, user, customer), now_ms);
        self.with_day(corp, user, now_s, |d| {
            if !d.wrote_to.contains(&customer) {
                d.opened.entry(customer).or_insert((now_s, None));
            }
        });
    }

    /// A member wrote to a customer in a single chat.
    pub fn member_wrote(&self, corp: usize, user: usize, customer: usize, now_ms: i64) {
        let now_s = now_ms.div_euclid(1000);
        self.last_chat_ms.insert((corp, user, customer), now_ms);
        self.with_day(corp, user, now_s, |d| {
            d.wrote_to.insert(customer);
            d.n_messages += 1;
            if let Some((_, reply @ None)) = d.opened.get_mut(&customer) {
                *reply = Some(now_s);
            }
        });
    }

    pub fn added(&self, corp: usize, user: usize, now_s: i64) {
        self.with_day(corp, user, now_s, |d| d.n_added += 1);
    }

    /// The customer deleted the member.
    pub fn lost(&self, corp: usize, user: usize, now_s: i64) {
        self.with_day(corp, user, now_s, |d| d.n_lost += 1);
    }

    /// When the member and the customer last wrote to each other, if ever (ms).
    pub fn last_chat_ms(&self, corp: usize, user: usize, customer: usize) -> Option<i64> {
        self.last_chat_ms.get(&(corp, user, customer)).map(|t| *t)
    }

    /// The member's record of a day, if anything happened.
    #[cfg(test)]
    pub fn member_day(&self, corp: usize, user: usize, day: i64) -> Option<MemberDay> {
        self.members.get(&(corp, user))?.get(&day).cloned()
    }

    /// Calls `f` with each day from `first` to `last` on which something happened to the member, in order,
    /// without copying the days.
    pub fn each_member_day(
        &self,
        corp: usize,
        user: usize,
        (first, last): (i64, i64),
        mut f: impl FnMut(i64, &MemberDay),
    ) {
        if let Some(days) = self.members.get(&(corp, user)) {
            for (day, d) in days.range(first..=last) {
                f(*day, d);
            }
        }
    }

    /// Someone in a customer group wrote in it.
    pub fn group_message(&self, corp: usize, chat_id: &str, who: GroupMember, now_s: i64) {
        let today = natural_day(now_s);
        let mut days = self.groups.entry((corp, chat_id.to_owned())).or_default();
        let d = days.entry(today).or_default();
        d.n_messages += 1;
        d.speakers.insert(who);
        prune(&mut days, today);
    }

    pub fn group_day(&self, corp: usize, chat_id: &str, day: i64) -> Option<GroupDay> {
        self.groups
            .get(&(corp, chat_id.to_owned()))?
            .get(&day)
            .cloned()
    }

    /// Everything, in a stable order, for tests that check a refused call changed nothing.
    pub fn fingerprint(&self) -> String {
        let mut rows: Vec<String> = self
            .members
            .iter()
            .map(|e| format!("{:?}{:?}", e.key(), e.value()))
            .chain(
                self.last_chat_ms
                    .iter()
                    .map(|e| format!("{:?}{}", e.key(), e.value())),
            )
            .chain(
                self.groups
                    .iter()
                    .map(|e| format!("{:?}{:?}", e.key(), e.value())),
            )
            .collect();
        rows.sort();
        rows.join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 86_400_000;
    /// 2026-01-01 00:00 Beijing.
    const T0_MS: i64 = 1_767_196_800_000;

    #[test]
    fn a_chat_the_customer_opens_is_answered_once() {
        let a = Activity::default();
        a.customer_wrote(0, 1, 7, T0_MS + 60_000);
        a.customer_wrote(0, 1, 7, T0_MS + 120_000);
        a.member_wrote(0, 1, 7, T0_MS + 360_000);
        a.member_wrote(0, 1, 7, T0_MS + 420_000);
        let d = a
            .member_day(0, 1, natural_day(T0_MS / 1000))
            .unwrap_or_default();
        assert_eq!(d.n_messages, 2);
        assert_eq!(d.wrote_to.len(), 1);
        let (first, reply) = d.opened[&7];
        assert_eq!(
            reply.map(|r| r - first),
            Some(300),
            "the first answer counts"
        );
        assert_eq!(a.last_chat_ms(0, 1, 7), Some(T0_MS + 420_000));
    }

    #[test]
    fn a_customer_answering_the_member_opens_nothing() {
        let a = Activity::default();
        a.member_wrote(0, 1, 7, T0_MS);
        a.customer_wrote(0, 1, 7, T0_MS + 1000);
        let d = a
            .member_day(0, 1, natural_day(T0_MS / 1000))
            .unwrap_or_default();
        assert!(d.opened.is_empty());
    }

    #[test]
    fn days_older_than_kept_are_dropped() {
        let a = Activity::default();
        a.added(0, 1, T0_MS / 1000);
        a.added(0, 1, (T0_MS + (KEPT_DAYS + 1) * DAY_MS) / 1000);
        assert!(a.member_day(0, 1, natural_day(T0_MS / 1000)).is_none());
        assert_eq!(
            a.member_day(0, 1, natural_day(T0_MS / 1000) + KEPT_DAYS + 1)
                .map(|d| d.n_added),
            Some(1)
        );
    }
}
