//! `batch/get_by_user`'s paging, beside it: every relation exactly once, however the pages are cut, and on past
//! relations that end mid-read. Here rather than in `tests/api`: the expected relations are read from the world,
//! and the second test breaks a relation halfway, as only a concurrent call can.

use axum::http::Method;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;

use crate::testing::{call, token};
use crate::{State, World};

/// One `batch/get_by_user` page.
async fn page(state: &Arc<State>, token: &str, body: Value) -> Value {
    let uri = format!("/cgi-bin/externalcontact/batch/get_by_user?access_token={token}");
    call(state, Method::POST, &uri, body.to_string()).await.1
}

/// Walks `batch/get_by_user` over every member and returns each (member, customer) seen.
fn walk(
    state: &Arc<State>,
    rt: &tokio::runtime::Runtime,
    token: &str,
    limit: usize,
) -> Result<Vec<(String, String)>, TestCaseError> {
    let users: Vec<String> = state.world().corps[0]
        .users
        .iter()
        .map(|u| u.userid.clone())
        .collect();
    let mut cursor = String::new();
    let mut seen = Vec::new();
    for _ in 0..100_000 {
        let body = json!({"userid_list": users, "cursor": cursor, "limit": limit});
        let v = rt.block_on(page(state, token, body));
        prop_assert_eq!(&v["errcode"], &json!(0), "{}", v);
        let page = v["external_contact_list"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        prop_assert!(page.len() <= limit);
        for c in page {
            seen.push((
                c["follow_info"]["userid"].as_str().unwrap_or("").to_owned(),
                c["external_contact"]["external_userid"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            ));
        }
        cursor = v["next_cursor"].as_str().unwrap_or("").to_owned();
        if cursor.is_empty() {
            return Ok(seen);
        }
    }
    Err(TestCaseError::fail("paging never ended"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn batch_paging_visits_every_relation_exactly_once(n in 0usize..700, limit in 1usize..=100) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (world, fixture) = World::demo_with_customers(n).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let state = State::new(world, &fixture, crate::Config::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let token = rt.block_on(token(&state));
        let seen = walk(&state, &rt, &token, limit)?;
        let unique: HashSet<_> = seen.iter().cloned().collect();
        prop_assert_eq!(unique.len(), seen.len(), "a relation came twice");
        let world = state.world();
        let c = &world.corps[0];
        let expected: HashSet<(String, String)> = c.customers.iter().flat_map(|x| x.follow.iter().map(|&u| (c.users[u].userid.clone(), x.external_userid.clone())).collect::<Vec<_>>()).collect();
        prop_assert_eq!(unique, expected);
    }
}

#[tokio::test]
async fn batch_paging_goes_on_past_relations_that_end_mid_read() {
    let (world, fixture) = World::demo_with_customers(60).unwrap_or_else(|e| panic!("world: {e}"));
    let state = State::new(world, &fixture, crate::Config::default())
        .unwrap_or_else(|e| panic!("state: {e}"));
    let t = token(&state).await;
    let sim = state.sim();
    let zhangsan = sim.world.corps[0]
        .user_index("zhangsan")
        .unwrap_or(usize::MAX);
    let theirs: Vec<usize> = sim.store.contacts.customers_of(0, zhangsan);
    assert!(
        theirs.len() > 8,
        "zhangsan has enough customers: {}",
        theirs.len()
    );
    // Two relations half-ended, as a concurrent `remove_follow` leaves them for an instant: gone from the
    // customer's side, still in zhangsan's index.
    for &i in &theirs[1..3] {
        let mut rest = sim.store.contacts.followers(0, i);
        rest.retain(|f| f.user != zhangsan);
        sim.store.contacts.follows.insert((0, i), rest);
    }
    let names = &sim.world.corps[0].customers;
    let want: Vec<String> = theirs
        .iter()
        .enumerate()
        .filter(|(n, _)| !(1..3).contains(n))
        .map(|(_, &i)| names.external_userid(i).into_owned())
        .collect();
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..100 {
        let v = page(
            &state,
            &t,
            json!({"userid_list": ["zhangsan"], "cursor": cursor, "limit": 4}),
        )
        .await;
        assert_eq!(v["errcode"], 0, "{v}");
        for c in v["external_contact_list"].as_array().into_iter().flatten() {
            seen.push(
                c["external_contact"]["external_userid"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            );
        }
        cursor = v["next_cursor"].as_str().unwrap_or("").to_owned();
        if cursor.is_empty() {
            break;
        }
    }
    assert_eq!(seen, want, "every intact relation, once, in order");
}

#[tokio::test]
async fn a_world_of_ten_million_answers_get_and_batch_get_by_user() {
    let (world, fixture) =
        World::demo_scaled(1000, 10_000_000).unwrap_or_else(|e| panic!("world: {e}"));
    let state = State::new(world, &fixture, crate::Config::default())
        .unwrap_or_else(|e| panic!("state: {e}"));
    let t = token(&state).await;
    let last = {
        let sim = state.sim();
        let c = &sim.world.corps[0];
        assert_eq!(c.customers.len(), 10_000_004);
        c.customers.external_userid(10_000_003).into_owned()
    };
    let uri = format!("/cgi-bin/externalcontact/get?access_token={t}&external_userid={last}");
    let v = call(&state, Method::GET, &uri, String::new()).await.1;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["external_contact"]["name"], "客户10000000");
    let follower = v["follow_user"][0]["userid"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(!follower.is_empty(), "{v}");

    let v = page(&state, &t, json!({"userid_list": [follower], "limit": 100})).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let list = v["external_contact_list"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(list.len(), 100);
    assert!(list
        .iter()
        .all(|c| c["follow_info"]["userid"] == follower.as_str()));
    let cursor = v["next_cursor"].as_str().unwrap_or("");
    assert!(
        !cursor.is_empty(),
        "a member of 10,000 customers has more than a page"
    );
    let next = page(
        &state,
        &t,
        json!({"userid_list": [follower], "limit": 100, "cursor": cursor}),
    )
    .await;
    assert_eq!(next["errcode"], 0, "{next}");
    assert_ne!(
        next["external_contact_list"][0]["external_contact"]["external_userid"],
        list[0]["external_contact"]["external_userid"]
    );
}
