//! 客户联系's live state: each customer's relations with members (remark, tags, how and when they were added),
//! indexed both ways so that paging one member's customers stays flat as the world grows (the reads and writes
//! in [`super::relations`]), and each corp's customer tag library, contact ways and welcome codes.

use dashmap::DashMap;
use parking_lot::Mutex;

use wecom_wire::externalcontact::ways::ContactWay;
use wecom_wire::externalcontact::TagGroup;

use super::relations::{Changes, Seeded};
use crate::world::World;

type Hasher = foldhash::fast::RandomState;

/// One member's relation to one customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Follow {
    pub user: usize,
    pub remark: String,
    pub description: String,
    pub remark_corp_name: String,
    pub remark_mobiles: Vec<String>,
    /// Corp tag ids.
    pub tags: Vec<String>,
    pub createtime: i64,
    pub add_way: i64,
    pub state: String,
    pub oper_userid: String,
}

#[derive(Debug)]
pub struct Contacts {
    /// (corp, customer) → the members who have the customer as an external contact, in the order they added
    /// them, for the declared customers and any generated one a call changed; one not here has its seeded
    /// relation ([`super::relations`]).
    pub(crate) follows: DashMap<(usize, usize), Vec<Follow>, Hasher>,
    /// (corp, member) → how their customers differ from the seeded ones; a member's customers are listed by
    /// index so a cursor stays valid while others change.
    pub(super) by_user: DashMap<(usize, usize), Changes, Hasher>,
    /// Per corp: how its generated customers follow members from the start.
    pub(super) seeded: Vec<Seeded>,
    /// Per corp: the customer tag library.
    pub tags: Vec<Mutex<Vec<TagGroup>>>,
    /// (corp, config_id) → a contact way and when it was made.
    pub ways: DashMap<(usize, String), (ContactWay, i64), Hasher>,
    /// Welcome codes handed out with `add_external_contact`, single use.
    pub welcome_codes: DashMap<String, Welcome, Hasher>,
}

/// What a welcome code allows: one welcome message from the member to the customer who just added them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    pub corp: usize,
    pub customer: usize,
    pub user: usize,
    pub issued_ms: i64,
    pub expires_ms: i64,
    /// A welcome was sent with it: later calls are told the two have started chatting (41051).
    pub used: bool,
}

/// Why a welcome code does not allow a welcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WelcomeRefusal {
    /// Unknown, another corp's, or past its 20 s (41050).
    Invalid,
    /// Spent, or the member and customer have written to each other since (41051).
    Chatted,
}

impl Contacts {
    pub fn new(world: &World) -> Contacts {
        let mut contacts = Contacts {
            follows: DashMap::default(),
            by_user: DashMap::default(),
            seeded: Vec::with_capacity(world.corps.len()),
            tags: world
                .corps
                .iter()
                .map(|c| Mutex::new(c.customer_tags.clone()))
                .collect(),
            ways: DashMap::default(),
            welcome_codes: DashMap::default(),
        };
        super::relations::load(&mut contacts, world);
        contacts
    }

    /// The welcome a code allows, if it does; `chatted_ms` is when the two last wrote to each other. Nothing
    /// changes: [`Contacts::spend_welcome`] marks it used once the welcome is sent.
    pub fn check_welcome(
        &self,
        code: &str,
        corp: usize,
        now_ms: i64,
        chatted_ms: impl FnOnce(&Welcome) -> Option<i64>,
    ) -> Result<Welcome, WelcomeRefusal> {
        let w = self
            .welcome_codes
            .get(code)
            .filter(|w| w.corp == corp && w.expires_ms > now_ms)
            .map(|w| w.clone())
            .ok_or(WelcomeRefusal::Invalid)?;
        if w.used || chatted_ms(&w).is_some_and(|t| t >= w.issued_ms) {
            return Err(WelcomeRefusal::Chatted);
        }
        Ok(w)
    }

    pub fn spend_welcome(&self, code: &str) {
        if let Some(mut w) = self.welcome_codes.get_mut(code) {
            w.used = true;
        }
    }

    /// Hands out a welcome code; codes past their life are dropped now and then (every 64th), so the map stays
    /// as small as the last 20 s of adds.
    pub fn issue_welcome(&self, code: String, w: Welcome) {
        if self.welcome_codes.len() % 64 == 63 {
            let now_ms = w.issued_ms;
            self.welcome_codes.retain(|_, x| x.expires_ms > now_ms);
        }
        self.welcome_codes.insert(code, w);
    }

    /// The tag's group name and tag name, if the tag exists.
    pub fn tag_names(&self, corp: usize, tag_id: &str) -> Option<(String, String)> {
        let groups = self.tags.get(corp)?.lock();
        groups.iter().find_map(|g| {
            g.tag
                .iter()
                .find(|t| t.id == tag_id)
                .map(|t| (g.group_name.clone(), t.name.clone()))
        })
    }
}
