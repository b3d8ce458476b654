//! Interactive cards an app sent: by `response_code` (single use, 72 h) for `message/update_template_card`, and
//! by `task_id` for `message/update_taskcard`; and the updates made, for the fingerprint and the inboxes.

use dashmap::DashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCard {
    pub agentid: i64,
    pub msgid: String,
    /// The members it reached.
    pub recipients: Vec<usize>,
    pub task_id: Option<String>,
    /// The keys of its buttons (`button_list[].key`, `submit_button.key`).
    pub keys: Vec<String>,
    pub expires_ms: i64,
}

/// One member's task card changed by `update_taskcard`: (member, clicked key, replace name).
pub type TaskUpdate = (usize, String, String);

#[derive(Debug, Default)]
pub struct Cards {
    /// (corp, response_code) → the card; removed when used.
    pub by_code: DashMap<(usize, String), SentCard>,
    /// (corp, task_id) → the card that carries it (the last one sent with it).
    pub by_task: DashMap<(usize, String), SentCard>,
    /// (corp, task_id) → (member, clicked key, replace name) updates made with `update_taskcard`.
    pub task_updates: DashMap<(usize, String), Vec<TaskUpdate>>,
    /// Updates made with `update_template_card`: (corp, msgid, members updated).
    pub card_updates: DashMap<(usize, String), usize>,
}

impl Cards {
    /// Everything, sorted, for comparing two stores.
    pub fn snapshot(&self) -> String {
        fn sorted<K: std::fmt::Debug + Eq + std::hash::Hash, V: std::fmt::Debug>(
            m: &DashMap<K, V>,
        ) -> Vec<String> {
            let mut v: Vec<String> = m
                .iter()
                .map(|x| format!("{:?}{:?}", x.key(), x.value()))
                .collect();
            v.sort();
            v
        }
        format!(
            "{:?}{:?}{:?}{:?}",
            sorted(&self.by_code),
            sorted(&self.by_task),
            sorted(&self.task_updates),
            sorted(&self.card_updates)
        )
    }
}
