//! A corp's customers: the declared ones as written, then the generated ones, which are never stored: each is
//! derived from its number when asked for (id, name, unionid, whom it follows at load), so a world of ten
//! million costs what its declared customers cost.

use std::borrow::Cow;
use std::collections::HashMap;

use super::seeded_ids::{decode, encode};
use super::Customer;

/// Characters after `wm` in a generated external_userid, after `o` in its unionid.
const ID_CHARS: usize = 30;
const UNIONID_CHARS: usize = 27;
/// Keeps a generated unionid's numbering apart from the external_userid's.
const UNIONID_SALT: u64 = 0x0075_6e69_6f6e_6964;

/// How the generated customers are made: enough to derive any of them, and whom they follow at load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    /// From the seed and the corp's place: every id is derived under it.
    pub key: u64,
    /// Index of the first generated customer (the number of declared ones).
    pub first: usize,
    pub n: usize,
    /// Members when the world was built; generated customer `k` follows member `k % n_users`…
    pub n_users: usize,
    /// …except the first `n_focus` (`generate_customers_for`), who all follow this member.
    pub focus: Option<(usize, usize)>,
}

impl Generated {
    pub fn external_userid(&self, k: usize) -> String {
        format!("wm{}", encode(self.key, k as u64, ID_CHARS))
    }

    pub fn unionid(&self, k: usize) -> String {
        format!(
            "o{}",
            encode(self.key ^ UNIONID_SALT, k as u64, UNIONID_CHARS)
        )
    }

    /// The generated customer's index, if the id is one of them.
    pub fn index(&self, external_userid: &str) -> Option<usize> {
        let k = decode(self.key, external_userid.strip_prefix("wm")?, ID_CHARS)?;
        self.live(k)
    }

    pub fn index_by_unionid(&self, unionid: &str) -> Option<usize> {
        let k = decode(
            self.key ^ UNIONID_SALT,
            unionid.strip_prefix('o')?,
            UNIONID_CHARS,
        )?;
        self.live(k)
    }

    fn live(&self, k: u64) -> Option<usize> {
        let k = usize::try_from(k).ok().filter(|&k| k < self.n)?;
        Some(self.first + k)
    }

    /// The member generated customer `k` follows from the start, if there is one.
    pub fn follower(&self, k: usize) -> Option<usize> {
        match self.focus {
            Some((user, n_focus)) if k < n_focus => Some(user),
            _ => (self.n_users > 0).then(|| k % self.n_users),
        }
    }

    /// Whether customer `i` (an index among all) is generated and followed by `user` from the start.
    pub fn seeded(&self, i: usize, user: usize) -> bool {
        i.checked_sub(self.first)
            .filter(|&k| k < self.n)
            .is_some_and(|k| self.follower(k) == Some(user))
    }

    /// The generated customers `user` follows from the start, from index `from` on, in order of index.
    pub fn of_member(&self, user: usize, from: usize) -> impl Iterator<Item = usize> + '_ {
        let k0 = from.saturating_sub(self.first);
        let n_focus = self.focus.map_or(0, |(_, n)| n);
        let focused = match self.focus {
            Some((u, n)) if u == user => k0..n.min(self.n),
            _ => 0..0,
        };
        let shared = if self.n_users == 0 || user >= self.n_users {
            0..0
        } else {
            let lo = k0.max(n_focus);
            // The first k ≥ lo with k % n_users == user.
            let start = lo + (user + self.n_users - lo % self.n_users) % self.n_users;
            start..self.n.max(start)
        };
        let step = self.n_users.max(1);
        focused
            .chain(shared.step_by(step))
            .map(move |k| self.first + k)
    }

    /// How many generated customers `user` follows from the start.
    pub fn n_of_member(&self, user: usize) -> usize {
        let n_focus = match self.focus {
            Some((_, n)) => n.min(self.n),
            None => 0,
        };
        let focused = if self.focus.is_some_and(|(u, _)| u == user) {
            n_focus
        } else {
            0
        };
        if self.n_users == 0 || user >= self.n_users {
            return focused;
        }
        let start = n_focus + (user + self.n_users - n_focus % self.n_users) % self.n_users;
        focused + self.n.saturating_sub(start).div_ceil(self.n_users)
    }

    fn customer(&self, k: usize) -> Customer {
        Customer {
            external_userid: self.external_userid(k),
            name: format!("客户{:06}", k + 1),
            kind: 1,
            gender: (k % 3) as i64,
            avatar: String::new(),
            unionid: self.unionid(k),
            corp_name: String::new(),
            position: String::new(),
            follow: self.follower(k).into_iter().collect(),
        }
    }
}

/// Declared customers (indexes `0..first`), then generated ones.
#[derive(Debug, Clone, Default)]
pub struct Customers {
    declared: Vec<Customer>,
    by_id: HashMap<String, usize>,
    generated: Generated,
}

impl Customers {
    /// `declared` must have unique ids, none of them a generated one's (the builder checks both).
    pub fn new(
        declared: Vec<Customer>,
        by_id: HashMap<String, usize>,
        generated: Generated,
    ) -> Self {
        Customers {
            declared,
            by_id,
            generated,
        }
    }

    pub fn len(&self) -> usize {
        self.declared.len() + self.generated.n
    }

    pub fn declared(&self) -> &[Customer] {
        &self.declared
    }

    pub fn generated(&self) -> &Generated {
        &self.generated
    }

    /// Customer `i`; a generated one is made up now. Callers hold indexes this world gave out.
    pub fn at(&self, i: usize) -> Cow<'_, Customer> {
        match self.declared.get(i) {
            Some(c) => Cow::Borrowed(c),
            None => Cow::Owned(self.generated.customer(i - self.declared.len())),
        }
    }

    pub fn external_userid(&self, i: usize) -> Cow<'_, str> {
        match self.declared.get(i) {
            Some(c) => Cow::Borrowed(c.external_userid.as_str()),
            None => Cow::Owned(self.generated.external_userid(i - self.declared.len())),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, Customer>> + '_ {
        (0..self.len()).map(|i| self.at(i))
    }

    pub fn index(&self, external_userid: &str) -> Option<usize> {
        self.by_id
            .get(external_userid)
            .copied()
            .or_else(|| self.generated.index(external_userid))
    }

    /// The first customer with this unionid.
    pub fn index_by_unionid(&self, unionid: &str) -> Option<usize> {
        self.declared
            .iter()
            .position(|c| c.unionid == unionid)
            .or_else(|| self.generated.index_by_unionid(unionid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gen(n: usize, n_users: usize, focus: Option<(usize, usize)>) -> Generated {
        Generated {
            key: 77,
            first: 4,
            n,
            n_users,
            focus,
        }
    }

    proptest! {
        #[test]
        fn an_index_round_trips_through_its_ids(k in 0usize..10_000_000) {
            let g = gen(10_000_000, 1000, None);
            prop_assert_eq!(g.index(&g.external_userid(k)), Some(4 + k));
            prop_assert_eq!(g.index_by_unionid(&g.unionid(k)), Some(4 + k));
            prop_assert_eq!(g.external_userid(k).len(), 32);
            prop_assert_eq!(g.unionid(k).len(), 28);
        }

        #[test]
        fn ids_past_the_count_or_made_up_are_no_customer(k in 1000usize..u32::MAX as usize, s in "wm[A-Za-z0-9]{30}") {
            let g = gen(1000, 10, None);
            prop_assert_eq!(g.index(&g.external_userid(k)), None);
            prop_assert_eq!(g.index(&s), None);
            prop_assert_eq!(g.index_by_unionid(&g.external_userid(3)), None);
        }

        #[test]
        fn a_members_customers_are_those_who_follow_them(
            n in 0usize..400, n_users in 0usize..9, focus_n in 0usize..50, from in 0usize..500, user in 0usize..10,
        ) {
            let focus = (n_users > 0 && focus_n > 0).then(|| (n_users - 1, focus_n.min(n)));
            let g = gen(n, n_users, focus);
            let listed: Vec<usize> = g.of_member(user, from).collect();
            let expected: Vec<usize> = (from.max(4)..4 + n).filter(|&i| g.seeded(i, user)).collect();
            prop_assert_eq!(g.n_of_member(user), g.of_member(user, 0).count());
            prop_assert_eq!(listed, expected);
        }
    }
}
