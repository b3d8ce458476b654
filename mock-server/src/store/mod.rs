//! What calls change in the simulated world: inboxes, uploaded media, app chats, sent messages (for recall),
//! the duplicate-check memory, the robots' rate windows and directory import jobs. A reset replaces the whole
//! store.

pub mod acquisition;
pub mod activity;
pub mod apps;
pub mod cards;
pub mod contacts;
pub mod groupmsgs;
pub mod groups;
pub mod inbox;
pub mod kf;
pub mod kfstats;
pub mod links;
pub mod moments;
pub mod templates;
pub mod transfers;

use bytes::Bytes;
use dashmap::DashMap;

use std::sync::Arc;

use wecom_wire::appchat::ChatInfo;
use wecom_wire::media::MediaType;

pub use inbox::{Delivery, Inbox, InboxId, Source};

use crate::limits::{Limit, Windows};
use crate::ring::Ring;

/// Who may use an upload: the corp's apps, or only the robot that uploaded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Corp(usize),
    Robot { corp: usize, robot: usize },
}

#[derive(Debug)]
pub struct Media {
    pub owner: Owner,
    pub kind: MediaType,
    pub data: Bytes,
    pub filename: String,
    pub created_s: i64,
}

#[derive(Debug)]
pub struct Chat {
    pub info: ChatInfo,
    /// The app that made the chat; only it may use the chat.
    pub agentid: i64,
    pub inbox: Inbox,
}

/// A sent app message, kept for `message/recall`.
#[derive(Debug, Clone)]
pub struct Sent {
    pub corp: usize,
    pub agentid: i64,
    pub delivery: Arc<Delivery>,
}

#[derive(Debug)]
pub struct Store {
    /// foldhash: this map is hit once per recipient of every message.
    pub inboxes: DashMap<InboxId, Inbox, foldhash::fast::RandomState>,
    pub inbox_capacity: usize,
    pub media: DashMap<String, Arc<Media>>,
    /// `media/uploadimg` pictures, served at `/wwpic/{id}`.
    pub images: DashMap<String, Bytes>,
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
}

/// How many sent messages stay recallable; older ones answer as unknown.
pub const SENT_CAPACITY: usize = 100_000;

impl Store {
    pub fn new(world: &crate::world::World, inbox_capacity: usize) -> Store {
        Store {
            inboxes: DashMap::default(),
            inbox_capacity,
            media: DashMap::new(),
            images: DashMap::new(),
            chats: DashMap::new(),
            sent: Ring::new(SENT_CAPACITY),
            recent: DashMap::new(),
            member_windows: DashMap::default(),
            robot_windows: DashMap::default(),
            api_windows: DashMap::default(),
            kf: kf::Kf::new(world),
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
        }
    }

    pub fn deliver(&self, to: InboxId, d: &Arc<Delivery>) {
        self.inboxes
            .entry(to)
            .or_insert_with(|| Inbox::new(self.inbox_capacity))
            .push(d.clone());
    }

    /// Drops expired duplicate-check entries now and then (every 1024th message once the map is big), so load
    /// with unique bodies cannot grow it without bound.
    pub fn prune_recent(&self, now_ms: i64, seq: u64) {
        if seq % 1024 == 0 && self.recent.len() > 1024 {
            self.recent
                .retain(|_, (expires_ms, _)| *expires_ms > now_ms);
        }
    }

    /// Drops media past its 3-day life (checked whenever the count reaches a multiple of 64).
    pub fn prune_media(&self, now_s: i64) {
        if self.media.len() % 64 == 0 {
            self.media
                .retain(|_, m| now_s < m.created_s + wecom_wire::media::MEDIA_TTL_S);
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
            InboxId::Robot { .. } | InboxId::Customer { .. } => true,
        };
        let mut inbox = self
            .inboxes
            .entry(to)
            .or_insert_with(|| Inbox::new(self.inbox_capacity));
        if admitted {
            inbox.push(d.clone());
        } else {
            inbox.n_dropped += 1;
        }
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
        ];
        for i in self.inboxes.iter() {
            let row = match i.key() {
                InboxId::User { .. } => &mut out[0],
                InboxId::Robot { .. } => &mut out[1],
                InboxId::Customer { .. } => &mut out[2],
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

    #[test]
    fn robots_have_their_own_windows() {
        let (world, _) = crate::world::World::demo().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::new(&world, 10);
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
