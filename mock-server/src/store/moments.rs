//! 客户朋友圈: moments the corp asked its members to publish (and their jobs), who published them to which
//! customers, and the customers' likes and comments.

use dashmap::DashMap;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use wecom_wire::externalcontact::moments::Content;

#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    /// None: made by the corp through the API (create_type 0).
    pub creator: Option<usize>,
    pub create_time: i64,
    pub content: Content,
    /// Members asked to publish it.
    pub senders: Vec<usize>,
    /// Customer tags its audience must have (any of them); empty: every customer.
    pub tags: Vec<String>,
    /// Member → the customers their publication reached.
    pub published: BTreeMap<usize, Vec<usize>>,
    /// `cancel_moment_task`: members can no longer publish it.
    pub cancelled: bool,
    /// (customer, member, time_s, content) and (customer, member, time_s).
    pub comments: Vec<(usize, usize, i64, String)>,
    pub likes: Vec<(usize, usize, i64)>,
    pub order: u64,
}

/// What `get_moment_task_result` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub moment_id: String,
    pub invalid_users: Vec<String>,
    pub invalid_departments: Vec<i64>,
    pub invalid_tags: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Moments {
    pub moments: DashMap<(usize, String), Moment>,
    pub jobs: DashMap<(usize, String), Job>,
    order: AtomicU64,
}

impl Moments {
    pub fn next_order(&self) -> u64 {
        self.order.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Everything, sorted, for comparing two stores.
    pub fn snapshot(&self) -> String {
        let mut m: Vec<String> = self
            .moments
            .iter()
            .map(|x| format!("{:?}{:?}", x.key(), x.value()))
            .collect();
        m.sort();
        let mut j: Vec<String> = self
            .jobs
            .iter()
            .map(|x| format!("{:?}{:?}", x.key(), x.value()))
            .collect();
        j.sort();
        format!("{m:?}{j:?}")
    }
}
