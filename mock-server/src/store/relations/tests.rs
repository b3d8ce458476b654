//! The overlay over seeded relations: what a call changes is read back, and nothing else is held.

use super::super::contacts::{Contacts, Follow};
use crate::world::World;

/// The demo (4 declared customers) with `n` generated ones, and the first generated one's index and member.
fn world(n: usize) -> (World, usize, usize) {
    let (w, _) = World::demo_with_customers(n).unwrap_or_else(|e| panic!("{e}"));
    let g = *w.corps[0].customers.generated();
    let user = g.follower(0).unwrap_or(usize::MAX);
    (w, g.first, user)
}

#[test]
fn a_remark_on_a_generated_customer_is_read_back_and_held_alone() {
    let (w, first, user) = world(50);
    let contacts = Contacts::new(&w);
    let held = contacts.follows.len();
    assert!(contacts.follows(0, first, user));
    assert!(contacts.edit_follow(0, first, user, |f| f.remark = "老客户".into()));
    assert_eq!(
        contacts.follow(0, first, user).map(|f| f.remark),
        Some("老客户".into())
    );
    assert_eq!(
        contacts.follows.len(),
        held + 1,
        "only the changed customer is held"
    );
    // The untouched neighbour still reads as seeded.
    let next = contacts.followers(0, first + 1);
    assert_eq!(next.len(), 1);
    assert!(next[0].remark.is_empty() && next[0].createtime > 0 && !next[0].oper_userid.is_empty());
}

#[test]
fn an_edit_that_changes_nothing_holds_nothing() {
    let (w, first, user) = world(50);
    let contacts = Contacts::new(&w);
    let held = contacts.follows.len();
    assert!(contacts.edit_follow(0, first, user, |_| {}));
    assert!(!contacts.edit_follow(0, first, user + 1, |f| f.remark = "x".into()));
    assert!(!contacts.remove_follow(0, first, user + 1));
    assert_eq!(contacts.follows.len(), held);
}

#[test]
fn a_deleted_relation_is_gone_from_both_sides_and_can_come_back() {
    let (w, first, user) = world(50);
    let contacts = Contacts::new(&w);
    let before = contacts.n_customers(0, user);
    assert!(contacts.customers_of(0, user).contains(&first));
    assert!(contacts.remove_follow(0, first, user));
    assert!(!contacts.follows(0, first, user));
    assert!(contacts.followers(0, first).is_empty());
    assert!(!contacts.customers_of(0, user).contains(&first));
    assert_eq!(contacts.n_customers(0, user), before - 1);
    assert!(!contacts.remove_follow(0, first, user), "once");
    let again = Follow {
        user,
        createtime: 7,
        ..Follow::default()
    };
    assert!(contacts.add_follow(0, first, again));
    assert_eq!(
        contacts.follow(0, first, user).map(|f| f.createtime),
        Some(7)
    );
    let theirs = contacts.customers_of(0, user);
    assert_eq!(theirs.iter().filter(|&&i| i == first).count(), 1);
    assert_eq!(contacts.n_customers(0, user), before);
}

#[test]
fn a_member_added_to_a_generated_customer_follows_beside_the_seeded_one() {
    let (w, first, user) = world(50);
    let contacts = Contacts::new(&w);
    let other = (user + 1) % w.corps[0].users.len();
    let n_other = contacts.n_customers(0, other);
    let follow = Follow {
        user: other,
        ..Follow::default()
    };
    assert!(contacts.add_follow(0, first, follow.clone()));
    assert!(!contacts.add_follow(0, first, follow), "already theirs");
    let users: Vec<usize> = contacts
        .followers(0, first)
        .iter()
        .map(|f| f.user)
        .collect();
    assert_eq!(users, vec![user, other], "in the order they added them");
    let theirs = contacts.customers_of(0, other);
    assert!(theirs.windows(2).all(|p| p[0] < p[1]), "in order of index");
    assert!(theirs.contains(&first));
    assert_eq!(contacts.n_customers(0, other), n_other + 1);
    let (page, more) = contacts.page_of(0, other, None, 1);
    assert_eq!((page.len(), more), (1, theirs.len() > 1));
}
