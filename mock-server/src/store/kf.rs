//! 微信客服's live state: the accounts (added, renamed, deleted, their servicers), the log `sync_msg` pages
//! through, the sessions with their reply windows, and the single-use codes and pull tokens callbacks hand out.

use dashmap::DashMap;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wecom_wire::kf::upgrade::Target;
use wecom_wire::kf::ServiceState;

use crate::budget::Budget;
use crate::world::World;

/// Messages and events kept per corp for `sync_msg` (WeCom keeps 3 days); older ones are gone for a late reader.
pub const LOG_CAPACITY: usize = 100_000;
/// Pull tokens live at once (WeCom's live 10 minutes; past this many the oldest lapse early).
pub const MAX_LIVE_TOKENS: usize = 100_000;
/// Unanswered messages remembered per session.
pub const UNANSWERED_CAPACITY: usize = 64;
/// A cursor's position takes the low bits; the store's epoch the high ones, so a cursor from before a reset is
/// known for what it is.
const EPOCH_SHIFT: u32 = 40;

type Hasher = foldhash::fast::RandomState;

#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub avatar: String,
    /// Accounts are listed in the order they were made.
    pub order: u64,
    /// (userid, status): 0 receiving, 1 stopped.
    pub servicers: Vec<(String, i64)>,
}

/// One customer's session with one account.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub state: ServiceState,
    pub servicer: Option<String>,
    /// When the customer last wrote (ms on the mock clock): the reply window runs from here.
    pub last_customer_ms: Option<i64>,
    pub n_replies: u32,
    /// The customer's messages not yet answered, oldest first, so an answer's delivery can name the one it
    /// answers (see [`Session::answered`]). Bounded: a customer who writes without end keeps only the newest.
    pub unanswered: VecDeque<Unanswered>,
    /// The customer refuses the account's messages: `send_msg` succeeds and `msg_send_fail` follows.
    pub rejects: bool,
    /// A `msg_code` has been handed out for state 2 or 3 in this session (only the first change gets one).
    pub coded: bool,
    /// When the servicer who holds it got it, until they first answer (for `first_reply_average_sec`).
    pub servicer_since_ms: Option<i64>,
}

/// A customer's message waiting for an answer.
#[derive(Debug, Clone)]
pub struct Unanswered {
    pub msgid: String,
    /// When the customer sent it (ms on the mock clock).
    pub sent_ms: i64,
}

impl Session {
    /// Remembers a customer's message as waiting for an answer.
    pub fn awaits(&mut self, msgid: String, sent_ms: i64) {
        if self.unanswered.len() == UNANSWERED_CAPACITY {
            self.unanswered.pop_front();
        }
        self.unanswered.push_back(Unanswered { msgid, sent_ms });
    }

    /// Which customer message an answer sent now answers. An answer whose own msgid is
    /// [`wecom_wire::kf::REPLY_MSGID_PREFIX`] + a customer msgid answers that message, whatever else waits. Any
    /// other answers the oldest waiting message, except that messages waiting longer than `window_ms` are passed
    /// over (and forgotten) while a younger one waits: a bot that restarted or skipped them will not answer them
    /// now, and crediting its answers to them would shift every later answer. With one message waiting, it is
    /// the one however long it waited.
    pub fn answered(
        &mut self,
        answer_msgid: Option<&str>,
        now_ms: i64,
        window_ms: i64,
    ) -> Option<String> {
        let named = answer_msgid.and_then(|m| m.strip_prefix(wecom_wire::kf::REPLY_MSGID_PREFIX));
        if let Some(m) = named.filter(|m| !m.is_empty()) {
            self.unanswered.retain(|u| u.msgid != m);
            return Some(m.to_owned());
        }
        while self.unanswered.len() > 1
            && self
                .unanswered
                .front()
                .is_some_and(|u| now_ms - u.sent_ms > window_ms)
        {
            self.unanswered.pop_front();
        }
        self.unanswered.pop_front().map(|u| u.msgid)
    }
}

/// What a `send_msg_on_event` code allows: one message to one customer from one account, until it expires.
#[derive(Debug, Clone)]
pub struct Code {
    pub corp: usize,
    pub open_kfid: String,
    pub customer: usize,
    pub expires_ms: i64,
}

/// A logged message or event, kept as the JSON text `sync_msg` returns.
#[derive(Debug)]
pub struct Entry {
    pub open_kfid: String,
    pub json: Box<str>,
}

impl Entry {
    fn cost_bytes(&self) -> usize {
        // The Arc's counts, the log's slot and the allocator's overhead on each of the three allocations.
        std::mem::size_of::<Entry>() + 16 + 8 + 3 * 16 + self.open_kfid.len() + self.json.len()
    }
}

#[derive(Debug, Default)]
struct Log {
    items: VecDeque<Arc<Entry>>,
    /// The position of `items[0]`; positions only grow, so a cursor stays meaningful as old items leave.
    first: u64,
}

/// One page of the log.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Arc<Entry>>,
    /// Where the next page starts.
    pub next: u64,
    pub has_more: bool,
}

pub type SessionKey = (usize, String, usize);

#[derive(Debug)]
pub struct Kf {
    pub accounts: DashMap<(usize, String), Account>,
    logs: Vec<Mutex<Log>>,
    pub sessions: DashMap<SessionKey, Session, Hasher>,
    /// Pull token → (corp, expires at ms).
    tokens: DashMap<String, (usize, i64), Hasher>,
    /// Tokens in the order they expire (all live 10 minutes and the clock only moves forward), so expired ones
    /// are dropped from the front without scanning the map.
    token_expiry: Mutex<VecDeque<(i64, String)>>,
    pub codes: DashMap<String, Code, Hasher>,
    /// How each customer last came in (`enter_session`: scene, scene_param), for `customer/batchget`.
    pub scenes: DashMap<(usize, usize), (String, String), Hasher>,
    /// 升级服务: the member or customer group each customer of an account is being recommended to.
    pub upgrades: DashMap<SessionKey, Target, Hasher>,
    order: AtomicU64,
    /// The log's bytes, all corps together.
    log_budget: Budget,
    /// Which store this is (one per start or reset), carried in cursors.
    epoch: u64,
}

impl Kf {
    pub fn new(world: &World, log_max_bytes: usize, epoch: u64) -> Kf {
        let accounts = DashMap::new();
        let mut order = 0;
        for (ci, c) in world.corps.iter().enumerate() {
            for a in c.kf.iter().flat_map(|k| &k.accounts) {
                order += 1;
                let account = Account {
                    name: a.name.clone(),
                    avatar: a.avatar.clone(),
                    order,
                    servicers: a.servicers.iter().map(|s| (s.clone(), 0)).collect(),
                };
                accounts.insert((ci, a.open_kfid.clone()), account);
            }
        }
        Kf {
            accounts,
            logs: world.corps.iter().map(|_| Mutex::default()).collect(),
            sessions: DashMap::default(),
            tokens: DashMap::default(),
            token_expiry: Mutex::default(),
            codes: DashMap::default(),
            scenes: DashMap::default(),
            upgrades: DashMap::default(),
            order: AtomicU64::new(order),
            log_budget: Budget::new(log_max_bytes),
            epoch: epoch & ((1 << (64 - EPOCH_SHIFT)) - 1),
        }
    }

    /// The number a cursor carries for position `pos` of this store's log.
    pub fn cursor_value(&self, pos: u64) -> u64 {
        (self.epoch << EPOCH_SHIFT) | (pos & ((1 << EPOCH_SHIFT) - 1))
    }

    /// The position a cursor's number stands for, if it is this store's and not past the end of the log.
    pub fn cursor_pos(&self, corp: usize, value: u64) -> Option<u64> {
        let pos = value & ((1 << EPOCH_SHIFT) - 1);
        (value >> EPOCH_SHIFT == self.epoch && pos <= self.end(corp)).then_some(pos)
    }

    pub fn n_log_evicted(&self) -> u64 {
        self.log_budget.n_evicted()
    }

    /// Bytes the log holds now, and its budget.
    pub fn log_bytes(&self) -> (usize, usize) {
        (self.log_budget.kept_bytes(), self.log_budget.max_bytes())
    }

    /// The next order number for a new account.
    pub fn next_order(&self) -> u64 {
        self.order.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Appends to the corp's log; returns the entry's position.
    pub fn append(&self, corp: usize, entry: Entry) -> Option<u64> {
        let mut log = self.logs.get(corp)?.lock();
        if log.items.len() == LOG_CAPACITY {
            if let Some(old) = log.items.pop_front() {
                self.log_budget.release(old.cost_bytes());
            }
            log.first += 1;
        }
        self.log_budget.charge(entry.cost_bytes());
        log.items.push_back(Arc::new(entry));
        // Past the budget the writer's own corp lets go of its oldest, as WeCom forgets after 3 days.
        while self.log_budget.kept_bytes() > self.log_budget.max_bytes() && log.items.len() > 1 {
            if let Some(old) = log.items.pop_front() {
                self.log_budget.evicted(old.cost_bytes());
            }
            log.first += 1;
        }
        Some(log.first + log.items.len() as u64 - 1)
    }

    /// Up to `limit` entries from position `from` (or the oldest kept, if `from` is older), of one account or all.
    pub fn page(&self, corp: usize, from: u64, open_kfid: Option<&str>, limit: usize) -> Page {
        let Some(log) = self.logs.get(corp) else {
            return Page::default();
        };
        let log = log.lock();
        let end = log.first + log.items.len() as u64;
        let mut pos = from.max(log.first);
        let mut items = Vec::new();
        while pos < end && items.len() < limit {
            let e = &log.items[(pos - log.first) as usize];
            if open_kfid.is_none_or(|k| k == e.open_kfid) {
                items.push(e.clone());
            }
            pos += 1;
        }
        Page {
            items,
            next: pos,
            has_more: pos < end,
        }
    }

    /// The end of the corp's log: where a reader that has seen everything stands.
    pub fn end(&self, corp: usize) -> u64 {
        self.logs.get(corp).map_or(0, |l| {
            let l = l.lock();
            l.first + l.items.len() as u64
        })
    }

    pub fn add_token(&self, token: String, corp: usize, expires_ms: i64, now_ms: i64) {
        let mut queue = self.token_expiry.lock();
        // Every push hands out a token that lives 10 minutes: at 2,000 pushes a second that is over a million.
        // Past the cap the oldest lapse early; a bot pulls with the newest it got.
        while queue.front().is_some_and(|(e, _)| *e <= now_ms) || queue.len() >= MAX_LIVE_TOKENS {
            if let Some((_, t)) = queue.pop_front() {
                self.tokens.remove(&t);
            }
        }
        queue.push_back((expires_ms, token.clone()));
        self.tokens.insert(token, (corp, expires_ms));
    }

    /// A pull token is good for the corp it was issued to, until it expires.
    pub fn token_valid(&self, token: &str, corp: usize, now_ms: i64) -> bool {
        self.tokens
            .get(token)
            .is_some_and(|t| t.0 == corp && t.1 > now_ms)
    }

    /// Codes are few (one per session change), so an occasional sweep keeps them bounded.
    pub fn add_code(&self, code: String, c: Code, now_ms: i64) {
        if self.codes.len() > 1024 && self.codes.len() % 256 == 0 {
            self.codes.retain(|_, c| c.expires_ms > now_ms);
        }
        self.codes.insert(code, c);
    }

    /// Takes a code for use: gone afterwards whether or not it was still valid.
    pub fn take_code(&self, code: &str, corp: usize, now_ms: i64) -> Option<Code> {
        let (_, c) = self.codes.remove_if(code, |_, c| c.corp == corp)?;
        (c.expires_ms > now_ms).then_some(c)
    }
}

#[cfg(test)]
mod tests;
