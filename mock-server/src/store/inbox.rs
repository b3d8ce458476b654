//! Inboxes: where a delivered message lands, per recipient. Each keeps its newest messages up to a capacity,
//! all of them together up to a byte budget, and counts every message it ever got, so a load run cannot exhaust
//! memory and counts stay exact.

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::budget::Budget;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InboxId {
    /// A member, by index in the corp's users.
    User { corp: usize, user: usize },
    /// A robot's group, by index in the corp's robots.
    Robot { corp: usize, robot: usize },
    /// A WeChat customer, by index in the corp's customers.
    Customer { corp: usize, customer: usize },
    /// A group chat members talked to an AI bot in, by its number in `aibot::Chats`.
    AibotChat { corp: usize, chat: usize },
}

/// Where a message came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    App {
        agentid: i64,
    },
    Appchat {
        agentid: i64,
        chatid: String,
    },
    Robot {
        key: String,
    },
    /// A kf account: answered through the API, or by a servicer in the WeCom client.
    Kf {
        open_kfid: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        servicer_userid: Option<String>,
    },
    /// A customer writing to a member who has them as an external contact.
    Customer {
        external_userid: String,
    },
    /// A member writing to a customer (a welcome message, a group message).
    Member {
        userid: String,
    },
    /// An AI bot's answer (a finished stream, a card, a media) or a message of its own.
    Aibot {
        botid: String,
    },
}

#[derive(Debug)]
pub struct Delivery {
    pub msgid: String,
    pub source: Source,
    pub msgtype: &'static str,
    /// The request body as sent; the message's content is read out of it when someone looks.
    pub body: Bytes,
    pub send_time_s: i64,
    pub recalled: AtomicBool,
}

#[derive(Debug, Serialize)]
pub struct View<'a> {
    pub msgid: &'a str,
    pub from: &'a Source,
    pub msgtype: &'a str,
    pub send_time: i64,
    pub recalled: bool,
    pub content: Value,
}

impl Delivery {
    /// A new message, not recalled, ready to be pushed into inboxes.
    pub fn new(
        msgid: String,
        source: Source,
        msgtype: &'static str,
        body: Bytes,
        send_time_s: i64,
    ) -> Arc<Delivery> {
        let recalled = AtomicBool::new(false);
        Arc::new(Delivery {
            msgid,
            source,
            msgtype,
            body,
            send_time_s,
            recalled,
        })
    }

    /// What an inbox is charged for holding it (each inbox that holds it is charged: shared bodies count more
    /// than once, so the budget errs on the safe side).
    pub fn cost_bytes(&self) -> usize {
        let source = match &self.source {
            Source::App { .. } => 0,
            Source::Appchat { chatid: s, .. }
            | Source::Robot { key: s }
            | Source::Customer { external_userid: s }
            | Source::Member { userid: s }
            | Source::Aibot { botid: s } => s.len(),
            Source::Kf {
                open_kfid,
                servicer_userid,
            } => open_kfid.len() + servicer_userid.as_ref().map_or(0, String::len),
        };
        // The inbox's slot, the Arc's counts, and the allocator's overhead on each of the four allocations.
        let fixed = std::mem::size_of::<Delivery>() + 24 + 16 + 4 * 16;
        fixed + self.msgid.len() + self.body.len() + source
    }

    pub fn view(&self) -> View<'_> {
        let content = serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|mut v| v.get_mut(self.msgtype).map(Value::take))
            .unwrap_or(Value::Null);
        View {
            msgid: &self.msgid,
            from: &self.source,
            msgtype: self.msgtype,
            send_time: self.send_time_s,
            recalled: self.recalled.load(Ordering::Relaxed),
            content,
        }
    }
}

#[derive(Debug)]
pub struct Inbox {
    /// Oldest first, each with its stamp from the inbox budget.
    items: VecDeque<(u64, Arc<Delivery>)>,
    capacity: usize,
    pub n_total: u64,
    /// Messages accepted for this recipient but dropped by WeCom's per-member frequency limit.
    pub n_dropped: u64,
}

impl Inbox {
    pub fn new(capacity: usize) -> Inbox {
        Inbox {
            items: VecDeque::new(),
            capacity: capacity.max(1),
            n_total: 0,
            n_dropped: 0,
        }
    }

    pub fn push(&mut self, d: Arc<Delivery>, budget: &Budget) {
        if self.items.len() == self.capacity {
            if let Some((_, old)) = self.items.pop_front() {
                budget.release(old.cost_bytes());
            }
        }
        let seq = budget.charge(d.cost_bytes());
        self.items.push_back((seq, d));
        self.n_total += 1;
    }

    /// Lets go of the messages stamped below `seq` (a budget sweep).
    pub fn evict_below(&mut self, seq: u64, budget: &Budget) {
        while self.items.front().is_some_and(|(s, _)| *s < seq) {
            if let Some((_, old)) = self.items.pop_front() {
                budget.evicted(old.cost_bytes());
            }
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Newest first.
    pub fn newest(&self, limit: usize) -> impl Iterator<Item = &Arc<Delivery>> {
        self.items.iter().rev().take(limit).map(|(_, d)| d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u64) -> Arc<Delivery> {
        Arc::new(Delivery {
            msgid: n.to_string(),
            source: Source::App { agentid: 1 },
            msgtype: "text",
            body: Bytes::from_static(br#"{"msgtype":"text","text":{"content":"hi"}}"#),
            send_time_s: 0,
            recalled: AtomicBool::new(false),
        })
    }

    #[test]
    fn bounded_with_exact_count() {
        let budget = Budget::new(usize::MAX);
        let mut i = Inbox::new(2);
        (0..5).for_each(|n| i.push(d(n), &budget));
        assert_eq!(i.len(), 2);
        assert_eq!(i.n_total, 5);
        let ids: Vec<&str> = i.newest(10).map(|d| d.msgid.as_str()).collect();
        assert_eq!(ids, vec!["4", "3"]);
        assert_eq!(
            budget.kept_bytes(),
            2 * d(0).cost_bytes(),
            "what fell off is released"
        );
    }

    #[test]
    fn a_sweep_takes_the_oldest_and_keeps_the_count() {
        let budget = Budget::new(usize::MAX);
        let mut i = Inbox::new(10);
        (0..5).for_each(|n| i.push(d(n), &budget));
        i.evict_below(3, &budget);
        let ids: Vec<&str> = i.newest(10).map(|d| d.msgid.as_str()).collect();
        assert_eq!(ids, vec!["4", "3"]);
        assert_eq!(i.n_total, 5);
        assert_eq!(budget.n_evicted(), 3);
    }

    #[test]
    fn view_reads_content_of_its_msgtype() {
        let d = d(1);
        assert_eq!(d.view().content, serde_json::json!({"content": "hi"}));
    }
}
