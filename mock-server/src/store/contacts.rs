//! 客户联系's live state: each customer's relations with members (remark, tags, how and when they were added),
//! indexed both ways so that paging one member's customers stays flat as the world grows, and each corp's
//! customer tag library.

use dashmap::DashMap;
use parking_lot::Mutex;
use std::collections::BTreeSet;

use wecom_wire::externalcontact::ways::ContactWay;
use wecom_wire::externalcontact::TagGroup;

use crate::world::World;

type Hasher = foldhash::fast::RandomState;

/// When the fixture's relations are said to have begun: 2025-01-01, a minute apart per customer.
const SEEDED_SINCE_S: i64 = 1_735_689_600;
/// `add_way` 1: the customer scanned the member's QR code.
const ADD_WAY_QR: i64 = 1;

/// One member's relation to one customer.
#[derive(Debug, Clone, Default)]
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
    /// (corp, customer) → the members who have the customer as an external contact, in the order they added them.
    pub follows: DashMap<(usize, usize), Vec<Follow>, Hasher>,
    /// (corp, member) → their customers, ordered by index so a cursor stays valid while others change.
    pub by_user: DashMap<(usize, usize), BTreeSet<usize>, Hasher>,
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
        let follows = DashMap::default();
        let by_user: DashMap<(usize, usize), BTreeSet<usize>, Hasher> = DashMap::default();
        for (ci, c) in world.corps.iter().enumerate() {
            for (i, customer) in c.customers.iter().enumerate() {
                if customer.follow.is_empty() {
                    continue;
                }
                let list: Vec<Follow> = customer
                    .follow
                    .iter()
                    .map(|&user| Follow {
                        user,
                        createtime: SEEDED_SINCE_S + 60 * i as i64,
                        add_way: ADD_WAY_QR,
                        oper_userid: c.member(user).userid.clone(),
                        ..Follow::default()
                    })
                    .collect();
                for f in &list {
                    by_user.entry((ci, f.user)).or_default().insert(i);
                }
                follows.insert((ci, i), list);
            }
        }
        Contacts {
            follows,
            by_user,
            tags: world
                .corps
                .iter()
                .map(|c| Mutex::new(c.customer_tags.clone()))
                .collect(),
            ways: DashMap::default(),
            welcome_codes: DashMap::default(),
        }
    }

    /// Starts a relation; false if the member already has the customer.
    pub fn add_follow(&self, corp: usize, customer: usize, follow: Follow) -> bool {
        let user = follow.user;
        {
            let mut list = self.follows.entry((corp, customer)).or_default();
            if list.iter().any(|f| f.user == user) {
                return false;
            }
            list.push(follow);
        }
        self.by_user
            .entry((corp, user))
            .or_default()
            .insert(customer);
        true
    }

    /// Ends a relation; false if there was none.
    pub fn remove_follow(&self, corp: usize, customer: usize, user: usize) -> bool {
        let removed = match self.follows.get_mut(&(corp, customer)) {
            Some(mut list) => {
                let before = list.len();
                list.retain(|f| f.user != user);
                list.len() < before
            }
            None => false,
        };
        if removed {
            if let Some(mut set) = self.by_user.get_mut(&(corp, user)) {
                set.remove(&customer);
            }
        }
        removed
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

    /// Whether `user` has `customer` as an external contact.
    pub fn follows(&self, corp: usize, customer: usize, user: usize) -> bool {
        self.follows
            .get(&(corp, customer))
            .is_some_and(|f| f.iter().any(|f| f.user == user))
    }

    /// Up to `limit` of a member's customers after `after` (exclusive), and whether more follow.
    pub fn page_of(
        &self,
        corp: usize,
        user: usize,
        after: Option<usize>,
        limit: usize,
    ) -> (Vec<usize>, bool) {
        let Some(set) = self.by_user.get(&(corp, user)) else {
            return (Vec::new(), false);
        };
        let mut it = match after {
            Some(a) => set.range(a + 1..),
            None => set.range(..),
        };
        let page: Vec<usize> = it.by_ref().take(limit).copied().collect();
        (page, it.next().is_some())
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
