//! What calls change in the simulated world: inboxes, uploaded media, app chats, sent messages (for recall),
//! the duplicate-check memory and the robots' rate windows. A reset replaces the whole store.

pub mod acquisition;
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
pub mod transfers;

use bytes::Bytes;
use dashmap::DashMap;
use std::collections::VecDeque;
use std::sync::Arc;

use wecom_wire::appchat::ChatInfo;
use wecom_wire::media::MediaType;

pub use inbox::{Delivery, Inbox, InboxId, Source};

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
    /// App messages per (corp, agentid, member): (minute, count in it, hour, count in it).
    pub member_windows: DashMap<(usize, i64, usize), MemberWindow, foldhash::fast::RandomState>,
    /// Attempt times (ms) per robot within the last minute.
    pub robot_windows: DashMap<(usize, usize), VecDeque<i64>, foldhash::fast::RandomState>,
    pub kf: kf::Kf,
    pub contacts: contacts::Contacts,
    pub transfers: transfers::Transfers,
    pub groups: groups::Groups,
    pub groupmsgs: groupmsgs::GroupMsgs,
    /// Links handed out in WeCom's shape and what they stand for.
    pub links: links::Links,
    pub acquisition: acquisition::Acquisition,
    pub apps: apps::Apps,
    pub cards: cards::Cards,
    pub moments: moments::Moments,
    pub kfstats: kfstats::KfStats,
}

/// Fixed minute and hour windows on the mock clock (WeCom's exact windowing is not documented).
#[derive(Debug, Default)]
pub struct MemberWindow {
    minute: i64,
    n_minute: usize,
    hour: i64,
    n_hour: usize,
}

impl MemberWindow {
    fn admit(&mut self, now_ms: i64, (per_minute, per_hour): (usize, usize)) -> bool {
        let (minute, hour) = (now_ms.div_euclid(60_000), now_ms.div_euclid(3_600_000));
        if minute != self.minute {
            (self.minute, self.n_minute) = (minute, 0);
        }
        if hour != self.hour {
            (self.hour, self.n_hour) = (hour, 0);
        }
        let over = (per_minute > 0 && self.n_minute >= per_minute)
            || (per_hour > 0 && self.n_hour >= per_hour);
        if !over {
            self.n_minute += 1;
            self.n_hour += 1;
        }
        !over
    }
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
            kf: kf::Kf::new(world),
            contacts: contacts::Contacts::new(world),
            transfers: transfers::Transfers::new(world.corps.len()),
            groups: groups::Groups::new(world),
            groupmsgs: groupmsgs::GroupMsgs::new(world),
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
                .admit(now_ms, limits),
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

    /// Counts an attempt in the robot's one-minute window; false when the window is full.
    pub fn robot_attempt(&self, corp: usize, robot: usize, now_ms: i64, per_minute: usize) -> bool {
        // The entry's guard is the window's lock.
        let mut w = self.robot_windows.entry((corp, robot)).or_default();
        while w.front().is_some_and(|t| *t <= now_ms - 60_000) {
            w.pop_front();
        }
        if w.len() >= per_minute {
            return false;
        }
        w.push_back(now_ms);
        true
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
    fn member_windows_drop_the_excess_and_reopen() {
        let mut w = MemberWindow::default();
        let limits = (30, 1000);
        assert_eq!((0..31).filter(|_| w.admit(1_000, limits)).count(), 30);
        assert!(w.admit(60_000, limits), "a new minute");
        let mut h = MemberWindow::default();
        let admitted = (0..1800).filter(|i| h.admit(i * 2_000, limits)).count();
        assert_eq!(
            admitted, 1000,
            "the hour caps it even when every minute is under 30"
        );
        let mut off = MemberWindow::default();
        assert!((0..5000).all(|_| off.admit(0, (0, 0))));
    }

    #[test]
    fn robot_window_slides() {
        let (world, _) = crate::world::World::demo().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::new(&world, 10);
        assert!((0..20).all(|i| s.robot_attempt(0, 0, i * 1000, 20)));
        assert!(!s.robot_attempt(0, 0, 30_000, 20));
        assert!(
            s.robot_attempt(0, 1, 30_000, 20),
            "robots have their own windows"
        );
        assert!(
            s.robot_attempt(0, 0, 60_001, 20),
            "the first attempt left the window"
        );
        assert!(!s.robot_attempt(0, 0, 60_002, 20));
    }
}
