//! Customer continuity: members who resigned, and transfers of customers from one member to another (在职继承
//! while the member works, 离职继承 after they left). A transfer waits 24 h on the mock clock, then completes
//! (the relation moves to the taker), or fails because the customer refused (on the job only) or the taker has
//! too many customers. A customer is never left with nobody: until a transfer completes, the old relation stays.
//! A taker who has the customer already is no obstacle (WeCom's doc: then no add event is raised): the transfer
//! completes by dropping the old relation and leaving the taker's own as it was.

use parking_lot::Mutex;
use std::collections::{BTreeSet, HashMap};

use crate::store::contacts::{Contacts, Follow};

/// A transfer completes this long after it was asked for.
pub const WAIT_S: i64 = 24 * 3600;
/// transfer_result statuses.
pub const DONE: i64 = 1;
pub const WAITING: i64 = 2;
pub const REFUSED: i64 = 3;
pub const TAKER_FULL: i64 = 4;
/// No transfer on record: the answer for a customer never transferred between the pair, and what a transfer
/// reads once the relation it was moving ended (the customer deleted the member, or the member the customer)
/// before it completed [U: WeCom documents the status, not when it shows].
pub const NO_RECORD: i64 = 5;
/// `add_way` 202: assigned by the admin (an inherited customer) [U].
const ADD_WAY_ASSIGNED: i64 = 202;
/// 在职继承: within 90 natural days a customer may be transferred at most twice (WeCom's transfer_customer doc).
pub const ONJOB_WINDOW_DAYS: i64 = 90;
pub const ONJOB_MAX_IN_WINDOW: usize = 2;
/// Natural days are Beijing's (UTC+8), WeCom's time zone.
const BEIJING_OFFSET_S: i64 = 8 * 3600;

/// The natural day (Beijing time) a unix time falls on.
pub fn natural_day(t_s: i64) -> i64 {
    (t_s + BEIJING_OFFSET_S).div_euclid(86_400)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub customer: usize,
    pub handover: usize,
    pub takeover: usize,
    pub status: i64,
    /// When it completes (while waiting) or completed.
    pub takeover_time: i64,
    /// When it was asked for.
    pub started_s: i64,
    /// 离职继承: the customer cannot refuse.
    pub resigned: bool,
    pub refused: bool,
}

/// What settling a transfer came to, for the events it raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub transfer: Transfer,
}

#[derive(Debug, Default)]
struct Book {
    records: Vec<Transfer>,
    /// Waiting transfers by (due time, record index).
    pending: BTreeSet<(i64, usize)>,
    /// (handover member, customer) → index of the waiting transfer of that relation. Keyed by the relation,
    /// not the customer: a customer of two members who both leave is two relations, each transferable.
    waiting: HashMap<(usize, usize), usize>,
    /// customer → indexes of their on-the-job records, so the 90-day count reads only theirs.
    onjob: HashMap<usize, Vec<usize>>,
}

impl Book {
    /// On-the-job transfers of the customer asked for within the window of natural days ending today that
    /// moved them or still may (waiting or done; refused, failed and dropped ones did not transfer anybody).
    fn n_onjob_recent(&self, customer: usize, now_s: i64) -> usize {
        let today = natural_day(now_s);
        self.onjob
            .get(&customer)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|&i| self.records.get(i))
            .filter(|t| matches!(t.status, WAITING | DONE) && !t.refused)
            .filter(|t| today - natural_day(t.started_s) < ONJOB_WINDOW_DAYS)
            .count()
    }
}

/// Why one customer of a transfer request was refused; the others go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The handover member does not have the customer (40131).
    NotTheirs,
    /// The relation is in a transfer already (40129).
    Busy,
    /// The customer was transferred on the job twice in the last 90 natural days (40128).
    TooOften,
    /// Handover and takeover are one member (40130); the handler refuses the call before, this keeps the store
    /// from ever dropping a relation onto itself.
    SameMember,
}

#[derive(Debug)]
pub struct Transfers {
    /// (corp, member) → when they resigned (unix s).
    pub resigned: dashmap::DashMap<(usize, usize), i64>,
    books: Vec<Mutex<Book>>,
}

impl Transfers {
    pub fn new(n_corps: usize) -> Transfers {
        Transfers {
            resigned: dashmap::DashMap::new(),
            books: (0..n_corps).map(|_| Mutex::default()).collect(),
        }
    }

    pub fn is_resigned(&self, corp: usize, user: usize) -> bool {
        self.resigned.contains_key(&(corp, user))
    }

    /// Starts transfers of `customers`; each gets `Ok` or why not, and a refusal stops only that customer.
    pub fn start(
        &self,
        contacts: &Contacts,
        corp: usize,
        (handover, takeover): (usize, usize),
        customers: &[usize],
        resigned: bool,
        now_s: i64,
    ) -> Vec<Result<(), Refusal>> {
        let Some(book) = self.books.get(corp) else {
            return Vec::new();
        };
        let mut book = book.lock();
        customers
            .iter()
            .map(|&c| {
                if handover == takeover {
                    return Err(Refusal::SameMember);
                }
                if !contacts.follows(corp, c, handover) {
                    return Err(Refusal::NotTheirs);
                }
                if book.waiting.contains_key(&(handover, c)) {
                    return Err(Refusal::Busy);
                }
                if !resigned && book.n_onjob_recent(c, now_s) >= ONJOB_MAX_IN_WINDOW {
                    return Err(Refusal::TooOften);
                }
                let i = book.records.len();
                let due = now_s + WAIT_S;
                book.records.push(Transfer {
                    customer: c,
                    handover,
                    takeover,
                    status: WAITING,
                    takeover_time: due,
                    started_s: now_s,
                    resigned,
                    refused: false,
                });
                book.pending.insert((due, i));
                book.waiting.insert((handover, c), i);
                if !resigned {
                    book.onjob.entry(c).or_default().push(i);
                }
                Ok(())
            })
            .collect()
    }

    /// The customer refuses their waiting on-the-job transfers (every one, if two members are handing them on);
    /// false if there is none to refuse.
    pub fn refuse(&self, corp: usize, customer: usize) -> bool {
        let Some(book) = self.books.get(corp) else {
            return false;
        };
        let mut book = book.lock();
        let mine: Vec<usize> = book
            .waiting
            .iter()
            .filter(|((_, c), _)| *c == customer)
            .map(|(_, &i)| i)
            .collect();
        let mut any = false;
        for i in mine {
            let t = &mut book.records[i];
            if !t.resigned {
                t.refused = true;
                any = true;
            }
        }
        any
    }

    /// The relation (`handover`, `customer`) ended while a transfer of it was waiting: the transfer is dropped
    /// (status [`NO_RECORD`]) and will raise nothing, since there is no relation left to move. Returns whether
    /// one was waiting.
    pub fn cancel(&self, corp: usize, handover: usize, customer: usize) -> bool {
        let Some(book) = self.books.get(corp) else {
            return false;
        };
        let mut book = book.lock();
        let Some(i) = book.waiting.remove(&(handover, customer)) else {
            return false;
        };
        let due = book.records[i].takeover_time;
        book.pending.remove(&(due, i));
        book.records[i].status = NO_RECORD;
        true
    }

    /// Completes or fails every transfer due by `now_s`, moving relations; returns what was settled.
    pub fn settle(
        &self,
        contacts: &Contacts,
        corp: usize,
        now_s: i64,
        max_customers: usize,
    ) -> Vec<Settled> {
        let Some(book) = self.books.get(corp) else {
            return Vec::new();
        };
        let mut book = book.lock();
        let mut out = Vec::new();
        while let Some(&(due, i)) = book.pending.first() {
            if due > now_s {
                break;
            }
            book.pending.remove(&(due, i));
            let t = book.records[i].clone();
            book.waiting.remove(&(t.handover, t.customer));
            let n_taken = contacts.n_customers(corp, t.takeover);
            let old = contacts.follow(corp, t.customer, t.handover);
            let status = match old {
                // The relation ended while waiting (normally `cancel` saw to it already): nothing to move, no
                // event, and above all no relation conjured back for a customer who deleted the member.
                None => NO_RECORD,
                Some(_) if t.refused => REFUSED,
                Some(_) if n_taken >= max_customers => TAKER_FULL,
                Some(old) => {
                    // The relation moves with what the old member knew: remark, description, tags.
                    let moved = Follow {
                        user: t.takeover,
                        createtime: due,
                        add_way: ADD_WAY_ASSIGNED,
                        oper_userid: String::new(),
                        ..old
                    };
                    // false if the customer added the taker meanwhile; they keep that relation.
                    contacts.add_follow(corp, t.customer, moved);
                    contacts.remove_follow(corp, t.customer, t.handover);
                    DONE
                }
            };
            book.records[i].status = status;
            if status != NO_RECORD {
                out.push(Settled {
                    transfer: book.records[i].clone(),
                });
            }
        }
        out
    }

    /// Everything (resignations, records, what is waiting), in a stable order, for tests that check a refused
    /// call changed nothing.
    pub fn fingerprint(&self) -> String {
        let mut resigned: Vec<((usize, usize), i64)> = self
            .resigned
            .iter()
            .map(|r| (*r.key(), *r.value()))
            .collect();
        resigned.sort();
        let books: Vec<String> = self
            .books
            .iter()
            .map(|b| {
                let b = b.lock();
                let mut waiting: Vec<_> = b.waiting.iter().collect();
                waiting.sort();
                format!("{:?}{:?}{:?}", b.records, b.pending, waiting)
            })
            .collect();
        format!("{resigned:?}{books:?}")
    }

    /// Every transfer from `handover` to `takeover`, oldest first.
    pub fn results(&self, corp: usize, handover: usize, takeover: usize) -> Vec<Transfer> {
        self.books.get(corp).map_or(Vec::new(), |b| {
            b.lock()
                .records
                .iter()
                .filter(|t| t.handover == handover && t.takeover == takeover)
                .cloned()
                .collect()
        })
    }

    /// Customers of resigned members that no transfer is taking: (member, customer, dimission time), by member.
    pub fn unassigned(&self, contacts: &Contacts, corp: usize) -> Vec<(usize, usize, i64)> {
        let mut members: Vec<(usize, i64)> = self
            .resigned
            .iter()
            .filter(|r| r.key().0 == corp)
            .map(|r| (r.key().1, *r.value()))
            .collect();
        members.sort();
        let waiting: std::collections::HashSet<(usize, usize)> =
            self.books.get(corp).map_or_else(Default::default, |b| {
                b.lock().waiting.keys().copied().collect()
            });
        let mut out = Vec::new();
        for (user, since) in members {
            out.extend(
                contacts
                    .customers_of(corp, user)
                    .into_iter()
                    .filter(|&c| !waiting.contains(&(user, c)))
                    .map(|c| (user, c, since)),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests;
