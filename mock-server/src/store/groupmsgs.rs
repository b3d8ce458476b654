//! Group sends (群发) as they progress: who must send to whom, which members have sent, what each customer got.
//! One list per corp, in the order the sends were made.

use parking_lot::Mutex;
use serde_json::Value;

use crate::world::World;

/// One recipient of a group send and the member who sends it to them.
#[derive(Debug, Clone)]
pub struct Target {
    /// A customer (single chats) …
    pub customer: Option<usize>,
    /// … or a customer group.
    pub chat_id: Option<String>,
    pub user: usize,
    pub status: i64,
    pub send_time: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct GroupMsg {
    pub msgid: String,
    /// The member named as sender, if any.
    pub creator: Option<usize>,
    pub create_time: i64,
    /// 0 made through the API.
    pub create_type: i64,
    pub to_groups: bool,
    pub text: Value,
    pub attachments: Vec<Value>,
    pub targets: Vec<Target>,
    /// Members who sent their part.
    pub sent: Vec<(usize, i64)>,
    pub cancelled: bool,
}

impl GroupMsg {
    /// The members with something to send, in the order they first appear.
    pub fn members(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for t in &self.targets {
            if !out.contains(&t.user) {
                out.push(t.user);
            }
        }
        out
    }
}

#[derive(Debug)]
pub struct GroupMsgs {
    pub corps: Vec<Mutex<Vec<GroupMsg>>>,
}

impl GroupMsgs {
    pub fn new(world: &World) -> GroupMsgs {
        GroupMsgs {
            corps: world.corps.iter().map(|_| Mutex::default()).collect(),
        }
    }
}
