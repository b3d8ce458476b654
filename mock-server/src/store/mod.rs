//! What calls change in the simulated world: inboxes, uploaded media, app chats, sent messages (for recall),
//! the duplicate-check memory, the robots' rate windows and directory import jobs. A reset replaces the whole
//! store.

pub mod acquisition;
pub mod activity;
pub mod aibot_codes;
pub mod apps;
pub mod cards;
pub mod contacts;
pub mod groupmsgs;
pub mod groups;
pub mod inbox;
pub mod kf;
pub mod kfstats;
pub mod links;
pub mod media;
pub mod moments;
mod relations;
pub mod templates;
pub mod transfers;

use dashmap::DashMap;

use std::sync::Arc;

use wecom_wire::appchat::ChatInfo;

pub use inbox::{Delivery, Inbox, InboxId, Source};
pub use media::{Image, Media, Owner};

use crate::budget::Budget;
use crate::limits::{Limit, Windows};
use crate::ring::Ring;

#[derive(Debug)]
pub struct Chat {
    pub info: ChatInfo,
    /// The app that made the chat; only it may use the chat.
    pub agentid: i64,
    pub inbox: Inbox,
}

/// A sent app message, kept for `message/recall`. It does not keep the message alive: once every inbox has
/// let go of it, only this record of it is left.
#[derive(Debug, Clone)]
pub struct Sent {
    pub corp: usize,
    pub agentid: i64,
    pub msgid: String,
    pub send_time_s: i64,
    pub delivery: std::sync::Weak<Delivery>,
}

/// What a new store may keep (from the settings at start or reset).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub inbox_capacity: usize,
    pub inbox_max_bytes: usize,
    pub media_max_bytes: usize,
    pub kf_log_max_bytes: usize,
}

#[derive(Debug)]
pub struct Store {
    /// foldhash: this map is hit once per recipient of every message.
    pub inboxes: DashMap<InboxId, Inbox, foldhash::fast::RandomState>,
    pub inbox_capacity: usize,
    /// Deliveries held by all inboxes and app chats together.
    pub inbox_budget: Budget,
    pub media: DashMap<String, Arc<Media>>,
    /// `media/uploadimg` pictures, served at `/wwpic/{id}`.
    pub images: DashMap<String, Image>,
    /// Media and images together.
    pub media_budget: Budget,
    pub chats: DashMap<(usize, String), Chat>,
    pub sent: Ring<Sent>,
    /// (corp, agentid, hash of the request body) → (expires at ms, msgid).
    pub recent: DashMap<(usize, i64, u64), (i64, String)>,
    /// App messages per (corp, agentid, member), under WeCom's 30 a minute and 1000 an hour.
    pub member_windows: DashMap<(usize, i64, usize), Windows, foldhash::fast::RandomState>,
    /// Calls per (corp, API path) under the base frequency limit, when the setting turns it on.
    pub api_windows: DashMap<(usize, &'static str), Windows, foldhash::fast::RandomState>,
    /// Messages per robot, under its 20 a minute.
    pub robot_windows: DashMap<(usize, usize), Windows, foldhash::fast::RandomState>,
    pub kf: kf::Kf,
    pub contacts: contacts::Contacts,
    pub transfers: transfers::Transfers,
    pub groups: groups::Groups,
    pub groupmsgs: groupmsgs::GroupMsgs,
    /// `batch/*` import jobs by (corp, jobid); they complete when submitted.
    pub jobs: DashMap<(usize, String), wecom_wire::directory::batch::JobResult>,
    pub activity: activity::Activity,
    pub templates: templates::Templates,
    /// Links handed out in WeCom's shape and what they stand for.
    pub links: links::Links,
    pub acquisition: acquisition::Acquisition,
    pub apps: apps::Apps,
    pub cards: cards::Cards,
    pub moments: moments::Moments,
    pub kfstats: kfstats::KfStats,
    /// AI bots' `response_url` codes.
    pub aibot_codes: aibot_codes::AibotCodes,
}

/// How many sent messages stay recallable; older ones answer as unknown.
pub const SENT_CAPACITY: usize = 100_000;

impl Store {
    /// A store for `world`; `epoch` tells it from the stores before it (cursors carry it).
    pub fn new(world: &crate::world::World, limits: Limits, epoch: u64) -> Store {
        Store {
            inboxes: DashMap::default(),
            inbox_capacity: limits.inbox_capacity,
            inbox_budget: Budget::new(limits.inbox_max_bytes),
            media: DashMap::new(),
            images: DashMap::new(),
            media_budget: Budget::new(limits.media_max_bytes),
            chats: DashMap::new(),
            sent: Ring::new(SENT_CAPACITY),
            recent: DashMap::new(),
            member_windows: DashMap::default(),
            robot_windows: DashMap::default(),
            api_windows: DashMap::default(),
            kf: kf::Kf::new(world, limits.kf_log_max_bytes, epoch),
            contacts: contacts::Contacts::new(world),
            transfers: transfers::Transfers::new(world.corps.len()),
            groups: groups::Groups::new(world),
            groupmsgs: groupmsgs::GroupMsgs::new(world),
            jobs: DashMap::new(),
            activity: activity::Activity::default(),
            templates: templates::Templates::default(),
            links: links::Links::default(),
            acquisition: acquisition::Acquisition::default(),
            apps: apps::Apps::default(),
            cards: cards::Cards::default(),
            moments: moments::Moments::default(),
            kfstats: kfstats::KfStats::default(),
            aibot_codes: aibot_codes::AibotCodes::default(),
        }
    }

    pub fn deliver(&self, to: InboxId, d: &Arc<Delivery>) {
        self.inboxes
            .entry(to)
            .or_insert_with(|| Inbox::new(self.inbox_capacity))
            .push(d.clone(), &self.inbox_budget);
        self.keep_inboxes_in_budget();
    }

    /// Past the inbox budget, the oldest deliveries leave every inbox and chat. The caller holds no inbox.
    pub fn keep_inboxes_in_budget(&self) {
        while let Some(sweep) = self.inbox_budget.sweep() {
            for mut i in self.inboxes.iter_mut() {
                i.evict_below(sweep.below, &self.inbox_budget);
            }
            for mut c in self.chats.iter_mut() {
                c.inbox.evict_below(sweep.below, &self.inbox_budget);
            }
        }
    }

    /// Drops expired duplicate-check entries now and then (every 1024th message once the map is big), so load
    /// with unique bodies cannot grow it without bound.
    pub fn prune_recent(&self, now_ms: i64, seq: u64) {
        if seq % 1024 == 0 && self.recent.len() > 1024 {
            self.recent
                .retain(|_, (expires_ms, _)| *expires_ms > now_ms);
        }
    }

    /// Delivers an app message to a member unless the app has reached WeCom's per-member limits, in which case
    /// the message is dropped and counted, as WeCom drops it without an errcode. Returns whether it was delivered.
    pub fn deliver_app_message(
        &self,
        to: InboxId,
        agentid: i64,
        d: &Arc<Delivery>,
        now_ms: i64,
        limits: (usize, usize),
    ) -> bool {
        let admitted = match to {
            _ if limits == (0, 0) => true,
            InboxId::User { corp, user } => self
                .member_windows
                .entry((corp, agentid, user))
                .or_default()
                .admit(
                    now_ms,
                    Limit::per_minute(limits.0),
                    Limit::per_hour(limits.1),
                ),
            InboxId::Robot { .. } | InboxId::Customer { .. } | InboxId::AibotChat { .. } => true,
        };
        let mut inbox = self
            .inboxes
            .entry(to)
            .or_insert_with(|| Inbox::new(self.inbox_capacity));
        if admitted {
            inbox.push(d.clone(), &self.inbox_budget);
        } else {
            inbox.n_dropped += 1;
        }
        drop(inbox);
        self.keep_inboxes_in_budget();
        admitted
    }

    /// Counts a robot's message; false when its per-minute limit refuses it (and blocks it for a minute).
    pub fn robot_attempt(&self, corp: usize, robot: usize, now_ms: i64, per_minute: usize) -> bool {
        // The entry's guard is the window's lock.
        self.robot_windows.entry((corp, robot)).or_default().admit(
            now_ms,
            Limit::per_minute(per_minute),
            Limit::per_hour(0),
        )
    }

    /// Total messages ever delivered and those still held, by inbox kind.
    pub fn inbox_totals(&self) -> Vec<(&'static str, u64, usize)> {
        let mut out = vec![
            ("user", 0u64, 0usize),
            ("robot", 0, 0),
            ("customer", 0, 0),
            ("appchat", 0, 0),
            ("aibot_chat", 0, 0),
        ];
        for i in self.inboxes.iter() {
            let row = match i.key() {
                InboxId::User { .. } => &mut out[0],
                InboxId::Robot { .. } => &mut out[1],
                InboxId::Customer { .. } => &mut out[2],
                InboxId::AibotChat { .. } => &mut out[4],
            };
            row.1 += i.n_total;
            row.2 += i.len();
        }
        for c in self.chats.iter() {
            out[3].1 += c.inbox.n_total;
            out[3].2 += c.inbox.len();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    pub(super) fn limits(inbox_capacity: usize, max_bytes: usize) -> Limits {
        Limits {
            inbox_capacity,
            inbox_max_bytes: max_bytes,
            media_max_bytes: max_bytes,
            kf_log_max_bytes: max_bytes,
        }
    }

    fn text(n: u64) -> Arc<Delivery> {
        let body = Bytes::from(format!(
            r#"{{"msgtype":"text","text":{{"content":"{n:0>1000}"}}}}"#
        ));
        Delivery::new(n.to_string(), Source::App { agentid: 1 }, "text", body, 0)
    }

    #[test]
    fn inboxes_together_stay_under_their_budget_and_count_exactly() {
        let (world, _) = crate::world::World::demo().unwrap_or_else(|e| panic!("{e}"));
        let max = 200 * 1024;
        let s = Store::new(&world, limits(1000, max), 0);
        let n_users = world.corps[0].users.len().min(5);
        for n in 0..5_000u64 {
            let user = n as usize % n_users;
            s.deliver(InboxId::User { corp: 0, user }, &text(n));
        }
        assert!(s.inbox_budget.kept_bytes() <= max);
        let held: usize = s
            .inboxes
            .iter()
            .map(|i| i.newest(usize::MAX).map(|d| d.cost_bytes()).sum::<usize>())
            .sum();
        assert_eq!(
            held,
            s.inbox_budget.kept_bytes(),
            "the budget counts what is held"
        );
        let totals = s.inbox_totals();
        assert_eq!(totals[0].1, 5_000, "every delivery counted");
        assert!(
            totals[0].2 > 50 && totals[0].2 < 5_000,
            "{} held",
            totals[0].2
        );
        let newest = s.inboxes.get(&InboxId::User {
            corp: 0,
            user: 4999 % n_users,
        });
        let newest = newest
            .as_ref()
            .and_then(|i| i.newest(1).next().map(|d| d.msgid.clone()));
        assert_eq!(newest.as_deref(), Some("4999"), "the newest stays");
    }

    #[test]
    fn robots_have_their_own_windows() {
        let (world, _) = crate::world::World::demo().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::new(&world, limits(10, usize::MAX), 0);
        assert!((0..20).all(|i| s.robot_attempt(0, 0, i * 1000, 20)));
        assert!(!s.robot_attempt(0, 0, 30_000, 20));
        assert!(s.robot_attempt(0, 1, 30_000, 20), "another robot");
        assert!(
            !s.robot_attempt(0, 0, 60_001, 20),
            "blocked 60 s from the refusal"
        );
        assert!(s.robot_attempt(0, 0, 90_000, 20));
    }
}
