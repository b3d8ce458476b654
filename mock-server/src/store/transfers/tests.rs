//! Continuity: whatever members resign, whatever is transferred, refused or left waiting while the clock moves,
//! no customer ends up with nobody unless an event deleted them, and a customer whose members all left is in the
//! unassigned list or on their way to someone.

use proptest::prelude::*;
use std::collections::HashSet;

use super::*;
use crate::world::World;

const N_CUSTOMERS: usize = 40;

#[derive(Debug, Clone)]
enum Op {
    Resign(usize),
    Transfer {
        from: usize,
        to: usize,
        customers: Vec<usize>,
        resigned: bool,
    },
    Refuse(usize),
    Advance(i64),
    /// A relation ends (either side deletes). `cancel`: the waiting transfer of it is dropped at once, as the
    /// control API does; without, `settle` must still not bring the relation back.
    Delete {
        customer: usize,
        user: usize,
        cancel: bool,
    },
}

fn op(n_users: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..n_users).prop_map(Op::Resign),
        (
            0..n_users,
            0..n_users,
            prop::collection::vec(0..N_CUSTOMERS + 4, 0..8),
            any::<bool>()
        )
            .prop_map(|(from, to, customers, resigned)| Op::Transfer {
                from,
                to,
                customers,
                resigned
            }),
        (0..N_CUSTOMERS).prop_map(Op::Refuse),
        prop_oneof![Just(3600i64), Just(WAIT_S), Just(WAIT_S + 1)].prop_map(Op::Advance),
        (0..N_CUSTOMERS, 0..n_users, any::<bool>()).prop_map(|(customer, user, cancel)| {
            Op::Delete {
                customer,
                user,
                cancel,
            }
        }),
    ]
}

proptest! {
    #[test]
    fn no_customer_is_ever_dropped(ops in prop::collection::vec(op(6), 1..60), max in 1usize..40) {
        let (world, _) = World::demo_with_customers(N_CUSTOMERS - 4).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let n_customers = world.corps[0].customers.len();
        let contacts = Contacts::new(&world);
        let transfers = Transfers::new(1);
        let mut now_s = 1_800_000_000;
        let mut deleted: HashSet<usize> = HashSet::new();
        let followed_at_start: HashSet<usize> =
            (0..n_customers).filter(|c| !contacts.followers(0, *c).is_empty()).collect();
        for op in ops {
            match op {
                Op::Resign(u) => { transfers.resigned.entry((0, u)).or_insert(now_s); }
                Op::Transfer { from, to, customers, resigned } => {
                    let customers: Vec<usize> = customers.into_iter().filter(|c| *c < n_customers).collect();
                    let outcome = transfers.start(&contacts, 0, (from, to), &customers, resigned, now_s);
                    prop_assert_eq!(outcome.len(), customers.len(), "one answer per customer");
                }
                Op::Refuse(c) => { transfers.refuse(0, c); }
                Op::Advance(s) => now_s += s,
                Op::Delete { customer, user, cancel } => {
                    if contacts.remove_follow(0, customer, user)
                        && contacts.followers(0, customer).is_empty()
                    {
                        deleted.insert(customer);
                    }
                    if cancel {
                        transfers.cancel(0, user, customer);
                    }
                }
            }
            let before: Vec<Vec<usize>> = (0..n_customers).map(|c| followers_of(&contacts, c)).collect();
            for s in transfers.settle(&contacts, 0, now_s, max) {
                let t = s.transfer;
                // An event for a relation that no longer exists would tell the bot of a customer it lost long ago.
                prop_assert!(before[t.customer].contains(&t.handover),
                    "transfer of {} from {} settled (status {}) after the relation ended", t.customer, t.handover, t.status);
            }
            for (c, was) in before.iter().enumerate() {
                // Nothing here adds customers, and a transfer only moves a relation: a customer who deleted a
                // member mid-transfer must not come back to the taker.
                let now = followers_of(&contacts, c);
                prop_assert!(now.len() <= was.len(), "customer {} gained a relation: {:?} → {:?}", c, was, now);
            }
            let unassigned_pairs: HashSet<(usize, usize)> = transfers.unassigned(&contacts, 0).into_iter().map(|(u, c, _)| (u, c)).collect();
            let unassigned: HashSet<usize> = unassigned_pairs.iter().map(|&(_, c)| c).collect();
            for &c in &followed_at_start {
                let followers: Vec<usize> = contacts.followers(0, c).iter().map(|f| f.user).collect();
                if followers.is_empty() {
                    prop_assert!(deleted.contains(&c), "customer {} was dropped without an event", c);
                    continue;
                }
                // Only a delete may take a customer's last relation, and then it is recorded above.
                deleted.remove(&c);
                let all_left = followers.iter().all(|u| transfers.is_resigned(0, *u));
                let on_the_way = transfers.books[0].lock().waiting.keys().any(|&(_, x)| x == c);
                if all_left {
                    prop_assert!(unassigned.contains(&c) || on_the_way, "customer {} of resigned members is nowhere", c);
                }
                // Per relation: each resigned member's share is listed or being transferred, whatever the other
                // members' shares are doing.
                for &u in followers.iter().filter(|u| transfers.is_resigned(0, **u)) {
                    let waiting = transfers.books[0].lock().waiting.contains_key(&(u, c));
                    prop_assert!(unassigned_pairs.contains(&(u, c)) || waiting, "relation {}–{} of a resigned member is nowhere", u, c);
                }
                let mut by_user_count = 0;
                for u in &followers {
                    prop_assert!(contacts.customers_of(0, *u).contains(&c), "indexes disagree");
                    by_user_count += 1;
                }
                prop_assert_eq!(by_user_count, followers.len());
            }
        }
    }
}

fn followers_of(contacts: &Contacts, c: usize) -> Vec<usize> {
    contacts.followers(0, c).iter().map(|f| f.user).collect()
}

#[test]
fn a_relation_deleted_mid_transfer_does_not_come_back() {
    let (world, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
    let (zhangsan, wangwu, xiaoming) = (0, 2, 0);
    for cancel in [true, false] {
        let contacts = Contacts::new(&world);
        let transfers = Transfers::new(1);
        transfers.resigned.insert((0, zhangsan), 0);
        let started = transfers.start(&contacts, 0, (zhangsan, wangwu), &[xiaoming], true, 0);
        assert_eq!(started, vec![Ok(())]);
        assert!(contacts.remove_follow(0, xiaoming, zhangsan));
        if cancel {
            assert!(transfers.cancel(0, zhangsan, xiaoming));
        }
        let settled = transfers.settle(&contacts, 0, WAIT_S, 100);
        assert!(settled.is_empty(), "cancel={cancel}: no event: {settled:?}");
        assert!(
            followers_of(&contacts, xiaoming).is_empty(),
            "cancel={cancel}: 小明 deleted zhangsan and belongs to nobody"
        );
        assert_eq!(
            transfers.results(0, zhangsan, wangwu)[0].status,
            NO_RECORD,
            "cancel={cancel}"
        );
    }
}

#[test]
fn each_relation_of_a_shared_customer_transfers_on_its_own() {
    let (world, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
    let contacts = Contacts::new(&world);
    let transfers = Transfers::new(1);
    let (zhangsan, lisi, wangwu, xiaohong) = (0, 1, 2, 1);
    transfers.resigned.insert((0, zhangsan), 5);
    transfers.resigned.insert((0, lisi), 5);
    let zhangsan_to_wangwu =
        transfers.start(&contacts, 0, (zhangsan, wangwu), &[xiaohong], true, 0);
    assert_eq!(zhangsan_to_wangwu, vec![Ok(())]);
    assert!(
        transfers
            .unassigned(&contacts, 0)
            .contains(&(lisi, xiaohong, 5)),
        "lisi's share of 小红 still waits for someone"
    );
    assert_eq!(
        transfers.start(&contacts, 0, (lisi, 3), &[xiaohong], true, 0),
        vec![Ok(())],
        "lisi's share is not busy because zhangsan's is"
    );
    assert_eq!(
        transfers.start(&contacts, 0, (zhangsan, 3), &[xiaohong], true, 0),
        vec![Err(Refusal::Busy)]
    );
    transfers.settle(&contacts, 0, WAIT_S, 100);
    let mut now = followers_of(&contacts, xiaohong);
    now.sort();
    assert_eq!(now, vec![wangwu, 3]);
}

#[test]
fn a_transfer_waits_24_hours_then_moves_the_relation_with_its_remark() {
    let (world, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
    let contacts = Contacts::new(&world);
    let transfers = Transfers::new(1);
    let (zhangsan, wangwu) = (0, 2);
    if let Some(mut f) = contacts.follows.get_mut(&(0, 0)) {
        f[0].remark = "老客户".into();
    }
    let outcome = transfers.start(&contacts, 0, (zhangsan, wangwu), &[0, 2], false, 1_000);
    assert_eq!(outcome, vec![Ok(()), Err(Refusal::NotTheirs)]);
    assert_eq!(
        transfers.start(&contacts, 0, (zhangsan, wangwu), &[0], false, 1_000),
        vec![Err(Refusal::Busy)]
    );
    assert!(
        transfers
            .settle(&contacts, 0, 1_000 + WAIT_S - 1, 100)
            .is_empty(),
        "not yet"
    );
    let settled = transfers.settle(&contacts, 0, 1_000 + WAIT_S, 100);
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].transfer.status, DONE);
    assert!(!contacts.follows(0, 0, zhangsan) && contacts.follows(0, 0, wangwu));
    let moved = contacts
        .follows
        .get(&(0, 0))
        .map(|f| f[0].clone())
        .unwrap_or_default();
    assert_eq!(
        (moved.remark.as_str(), moved.add_way),
        ("老客户", ADD_WAY_ASSIGNED)
    );
    assert_eq!(transfers.results(0, zhangsan, wangwu)[0].status, DONE);
}

#[test]
fn refusals_and_full_takers_keep_the_old_relation() {
    let (world, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
    let contacts = Contacts::new(&world);
    let transfers = Transfers::new(1);
    let (zhangsan, lisi, wangwu) = (0, 1, 2);
    transfers.start(&contacts, 0, (zhangsan, wangwu), &[0], false, 0);
    assert!(transfers.refuse(0, 0));
    transfers.start(&contacts, 0, (lisi, wangwu), &[3], true, 0);
    assert!(
        !transfers.refuse(0, 3),
        "a resigned member's customer cannot refuse"
    );
    let settled = transfers.settle(&contacts, 0, WAIT_S, 0);
    let statuses: Vec<i64> = settled.iter().map(|s| s.transfer.status).collect();
    assert_eq!(statuses, [REFUSED, TAKER_FULL]);
    assert!(contacts.follows(0, 0, zhangsan) && contacts.follows(0, 3, lisi));
    transfers.resigned.insert((0, lisi), 5);
    let unassigned = transfers.unassigned(&contacts, 0);
    assert_eq!(
        unassigned,
        vec![(lisi, 1, 5), (lisi, 3, 5)],
        "lisi's customers wait for someone"
    );
}
