//! Who follows whom, live: the generated customers' seeded relations are derived from the world, and only what
//! calls change (and the declared customers' relations) is held, both by customer and by member.

use std::collections::BTreeSet;
use std::iter::Peekable;

use super::contacts::{Contacts, Follow};
use crate::world::{Generated, World};

/// When the fixture's relations are said to have begun: 2025-01-01, a minute apart per customer.
const SEEDED_SINCE_S: i64 = 1_735_689_600;
/// `add_way` 1: the customer scanned the member's QR code.
const ADD_WAY_QR: i64 = 1;

/// How one member's customers differ from the generated customers who follow them from the start.
#[derive(Debug, Default)]
pub struct Changes {
    /// Customers the member has beyond the seeded ones (declared customers' relations among them).
    added: BTreeSet<usize>,
    /// Seeded customers the member no longer has.
    removed: BTreeSet<usize>,
}

/// A corp's seeded relations: how its customers were generated, and its members' userids at load (each seeded
/// relation's `oper_userid`).
#[derive(Debug)]
pub struct Seeded {
    generated: Generated,
    userids: Vec<String>,
}

fn seeded_follow(user: usize, customer: usize, oper_userid: String) -> Follow {
    Follow {
        user,
        createtime: SEEDED_SINCE_S + 60 * customer as i64,
        add_way: ADD_WAY_QR,
        oper_userid,
        ..Follow::default()
    }
}

/// The declared customers' relations, and each corp's seeded ones, as the world starts.
pub(super) fn load(contacts: &mut Contacts, world: &World) {
    for (ci, c) in world.corps.iter().enumerate() {
        for (i, customer) in c.customers.declared().iter().enumerate() {
            if customer.follow.is_empty() {
                continue;
            }
            let list: Vec<Follow> = customer
                .follow
                .iter()
                .map(|&user| seeded_follow(user, i, c.member(user).userid.clone()))
                .collect();
            for f in &list {
                contacts
                    .by_user
                    .entry((ci, f.user))
                    .or_default()
                    .added
                    .insert(i);
            }
            contacts.follows.insert((ci, i), list);
        }
        contacts.seeded.push(Seeded {
            generated: *c.customers.generated(),
            userids: c.users.iter().map(|u| u.userid.clone()).collect(),
        });
    }
}

/// Two ascending sequences with nothing in common, as one.
fn merge<A, B>(mut a: Peekable<A>, mut b: Peekable<B>) -> impl Iterator<Item = usize>
where
    A: Iterator<Item = usize>,
    B: Iterator<Item = usize>,
{
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x < y => a.next(),
        (Some(_), Some(_)) | (None, _) => b.next(),
        (Some(_), None) => a.next(),
    })
}

impl Contacts {
    fn generated(&self, corp: usize) -> Option<&Generated> {
        self.seeded.get(corp).map(|s| &s.generated)
    }

    /// The relation a generated customer has from the start, if any.
    fn seeded(&self, corp: usize, customer: usize) -> Option<Follow> {
        let s = self.seeded.get(corp)?;
        let k = customer
            .checked_sub(s.generated.first)
            .filter(|&k| k < s.generated.n)?;
        let user = s.generated.follower(k)?;
        let oper = s.userids.get(user).cloned().unwrap_or_default();
        Some(seeded_follow(user, customer, oper))
    }

    /// The customer's relations, in the order the members added them.
    pub fn followers(&self, corp: usize, customer: usize) -> Vec<Follow> {
        match self.follows.get(&(corp, customer)) {
            Some(list) => list.clone(),
            None => self.seeded(corp, customer).into_iter().collect(),
        }
    }

    /// The member's relation with the customer, if they have one.
    pub fn follow(&self, corp: usize, customer: usize, user: usize) -> Option<Follow> {
        match self.follows.get(&(corp, customer)) {
            Some(list) => list.iter().find(|f| f.user == user).cloned(),
            None => self.seeded(corp, customer).filter(|f| f.user == user),
        }
    }

    /// Whether `user` has `customer` as an external contact.
    pub fn follows(&self, corp: usize, customer: usize, user: usize) -> bool {
        match self.follows.get(&(corp, customer)) {
            Some(list) => list.iter().any(|f| f.user == user),
            None => self
                .generated(corp)
                .is_some_and(|g| g.seeded(customer, user)),
        }
    }

    /// Changes the member's relation with the customer; false if there is none. A seeded relation is held from
    /// now on only if the change changed it, so a call that changes nothing leaves the store as it was.
    pub fn edit_follow(
        &self,
        corp: usize,
        customer: usize,
        user: usize,
        edit: impl FnOnce(&mut Follow),
    ) -> bool {
        use dashmap::mapref::entry::Entry;
        match self.follows.entry((corp, customer)) {
            Entry::Occupied(mut e) => match e.get_mut().iter_mut().find(|f| f.user == user) {
                Some(f) => {
                    edit(f);
                    true
                }
                None => false,
            },
            Entry::Vacant(e) => {
                let Some(before) = self.seeded(corp, customer).filter(|f| f.user == user) else {
                    return false;
                };
                let mut after = before.clone();
                edit(&mut after);
                if after != before {
                    e.insert(vec![after]);
                }
                true
            }
        }
    }

    /// Every relation a call has changed or the fixture declared (a seeded one nobody touched is not among
    /// them), to change in place: e.g. a deleted tag taken off.
    pub fn edit_held(&self, mut edit: impl FnMut(&mut Follow)) {
        for mut list in self.follows.iter_mut() {
            list.iter_mut().for_each(&mut edit);
        }
    }

    /// Starts a relation; false if the member already has the customer.
    pub fn add_follow(&self, corp: usize, customer: usize, follow: Follow) -> bool {
        let user = follow.user;
        {
            let mut list = self
                .follows
                .entry((corp, customer))
                .or_insert_with(|| self.seeded(corp, customer).into_iter().collect());
            if list.iter().any(|f| f.user == user) {
                return false;
            }
            list.push(follow);
        }
        let mut changes = self.by_user.entry((corp, user)).or_default();
        if self
            .generated(corp)
            .is_some_and(|g| g.seeded(customer, user))
        {
            changes.removed.remove(&customer);
        } else {
            changes.added.insert(customer);
        }
        true
    }

    /// Ends a relation; false if there was none.
    pub fn remove_follow(&self, corp: usize, customer: usize, user: usize) -> bool {
        use dashmap::mapref::entry::Entry;
        let removed = match self.follows.entry((corp, customer)) {
            Entry::Occupied(mut e) => {
                let before = e.get().len();
                e.get_mut().retain(|f| f.user != user);
                e.get().len() < before
            }
            Entry::Vacant(e) => {
                let seeded = self.seeded(corp, customer).is_some_and(|f| f.user == user);
                if seeded {
                    e.insert(Vec::new());
                }
                seeded
            }
        };
        if removed {
            let mut changes = self.by_user.entry((corp, user)).or_default();
            if self
                .generated(corp)
                .is_some_and(|g| g.seeded(customer, user))
            {
                changes.removed.insert(customer);
            } else {
                changes.added.remove(&customer);
            }
        }
        removed
    }

    /// Up to `limit` of a member's customers after `after` (exclusive), in order of index, and whether more
    /// follow.
    pub fn page_of(
        &self,
        corp: usize,
        user: usize,
        after: Option<usize>,
        limit: usize,
    ) -> (Vec<usize>, bool) {
        let from = after.map_or(0, |a| a + 1);
        let changes = self.by_user.get(&(corp, user));
        let empty = BTreeSet::new();
        let (added, removed) = changes
            .as_ref()
            .map_or((&empty, &empty), |c| (&c.added, &c.removed));
        let seeded = self
            .generated(corp)
            .into_iter()
            .flat_map(|g| g.of_member(user, from))
            .filter(|i| !removed.contains(i));
        let mut it = merge(seeded.peekable(), added.range(from..).copied().peekable());
        let page: Vec<usize> = it.by_ref().take(limit).collect();
        (page, it.next().is_some())
    }

    /// All of a member's customers, in order of index.
    pub fn customers_of(&self, corp: usize, user: usize) -> Vec<usize> {
        self.page_of(corp, user, None, usize::MAX).0
    }

    /// How many customers the member has.
    pub fn n_customers(&self, corp: usize, user: usize) -> usize {
        let n_seeded = self.generated(corp).map_or(0, |g| g.n_of_member(user));
        match self.by_user.get(&(corp, user)) {
            // `removed` holds seeded relations only.
            Some(c) => n_seeded.saturating_sub(c.removed.len()) + c.added.len(),
            None => n_seeded,
        }
    }

    /// Whether the member has any customer.
    pub fn has_customers(&self, corp: usize, user: usize) -> bool {
        !self.page_of(corp, user, None, 1).0.is_empty()
    }
}

#[cfg(test)]
mod tests;
