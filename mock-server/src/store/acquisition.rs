//! 获客助手: the acquisition links apps made (each app sees only its own), who opened each and whom it brought.

use dashmap::DashMap;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use wecom_wire::externalcontact::acquisition::{PriorityOption, Range};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcqLink {
    /// The app that made it: only it may read, change or delete it.
    pub agentid: i64,
    pub name: String,
    pub url: String,
    pub create_time: i64,
    pub skip_verify: bool,
    pub range: Range,
    pub priority: PriorityOption,
    /// Links are listed in the order they were made.
    pub order: u64,
}

/// A customer a link brought: added to `user` with the link's `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    pub customer: usize,
    pub user: usize,
    pub state: String,
    pub time_s: i64,
}

#[derive(Debug, Default)]
pub struct Acquisition {
    /// (corp, link_id) → the link.
    pub links: DashMap<(usize, String), AcqLink>,
    /// (corp, link_id) → the customers it brought, in order.
    pub brought: DashMap<(usize, String), Vec<Acquired>>,
    /// (corp, link_id) → (customer, time_s) of every opening, for `statistic`.
    pub clicks: DashMap<(usize, String), Vec<(usize, i64)>>,
    order: AtomicU64,
    /// Serialises creations so the per-corp count cannot overshoot the quota.
    pub create_lock: Mutex<()>,
}

impl Acquisition {
    pub fn next_order(&self) -> u64 {
        self.order.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The links of one app, in the order they were made.
    pub fn ids_of(&self, corp: usize, agentid: i64) -> Vec<String> {
        let mut v: Vec<(u64, String)> = self
            .links
            .iter()
            .filter(|l| l.key().0 == corp && l.agentid == agentid)
            .map(|l| (l.order, l.key().1.clone()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    }

    pub fn n_links(&self, corp: usize) -> usize {
        self.links.iter().filter(|l| l.key().0 == corp).count()
    }

    /// Customers brought by any link of the corp (the quota counts them).
    pub fn n_brought(&self, corp: usize) -> usize {
        self.brought
            .iter()
            .filter(|b| b.key().0 == corp)
            .map(|b| b.len())
            .sum()
    }

    /// Everything, sorted, for comparing two stores.
    pub fn snapshot(&self) -> String {
        let mut links: Vec<String> = self
            .links
            .iter()
            .map(|l| format!("{:?}{:?}", l.key(), l.value()))
            .collect();
        links.sort();
        let mut brought: Vec<String> = self
            .brought
            .iter()
            .map(|b| format!("{:?}{:?}", b.key(), b.value()))
            .collect();
        brought.sort();
        let mut clicks: Vec<String> = self
            .clicks
            .iter()
            .map(|b| format!("{:?}{:?}", b.key(), b.value()))
            .collect();
        clicks.sort();
        format!("{links:?}{brought:?}{clicks:?}")
    }
}
