//! The customers' side of 客户联系: a WeChat user scans a contact way and is added (`add_external_contact`, with
//! the way's `State` and a `WelcomeCode`), edits the relation, deletes the member, or is deleted by them. Each is a
//! `change_external_contact` callback to the 客户联系 apps.

use axum::extract::State;
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use wecom_wire::externalcontact::ways::WELCOME_CODE_TTL_S;

use super::{
    bad_request, body, corp_index, not_found, PathParams, QueryString, Refused, WithState,
};
use crate::contacts::{notify, settle, Change};
use crate::store::contacts::{Follow, Welcome};

#[derive(Deserialize)]
pub struct CorpQuery {
    corpid: Option<String>,
}

/// `add_way` 1: scanned a QR code; 0 for a way shown in a mini program.
fn add_way(scene: i64) -> i64 {
    if scene == 2 {
        1
    } else {
        0
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scan {
    customer: String,
}

/// `POST /mock/contact_ways/{config_id}/scan {"customer": external_userid}`: the customer adds a member of the
/// way (the way's only member, or for a multi-person way one of its members and departments' members, picked by
/// the customer so the same customer always meets the same member).
pub async fn scan(
    State(st): WithState,
    PathParams(config_id): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let Scan { customer } = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let i = sim.world.corps[corp]
        .customer_index(&customer)
        .ok_or_else(|| bad_request(format!("no customer {customer:?}")))?;
    scan_way(&st, &sim, corp, &config_id, i)
}

/// The customer `(corp, i)` scans the way (by `scan` or by opening its QR code's link).
pub(super) fn scan_way(
    st: &std::sync::Arc<crate::state::State>,
    sim: &crate::state::Sim,
    corp: usize,
    config_id: &str,
    i: usize,
) -> Result<Json<Value>, Refused> {
    let c = &sim.world.corps[corp];
    let (way, _) = sim
        .store
        .contacts
        .ways
        .get(&(corp, config_id.to_owned()))
        .map(|w| w.clone())
        .ok_or_else(|| not_found(format!("no contact way {config_id}")))?;
    let mut members: Vec<usize> = way.user.iter().filter_map(|u| c.user_index(u)).collect();
    for p in &way.party {
        members.extend(c.department_members(*p));
    }
    let mut seen = std::collections::HashSet::new();
    members.retain(|u| seen.insert(*u));
    add_to_one_of(st, sim, (corp, i), &members, add_way(way.scene), &way.state)
}

/// The customer `(corp, customer)` adds one of `members` who does not have them yet (picked by the customer, so
/// the same customer always meets the same member): the relation with `add_way` and `state`, a welcome code, and
/// `add_external_contact` to the 客户联系 apps. Shared by contact ways and 获客助手 links.
pub(super) fn add_to_one_of(
    st: &std::sync::Arc<crate::state::State>,
    sim: &crate::state::Sim,
    (corp, i): (usize, usize),
    members: &[usize],
    add_way: i64,
    state: &str,
) -> Result<Json<Value>, Refused> {
    let c = &sim.world.corps[corp];
    let customer = c.customers.external_userid(i).into_owned();
    let free: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&u| !sim.store.contacts.follows(corp, i, u))
        .collect();
    let Some(&user) = free.get(i % free.len().max(1)) else {
        return Err(bad_request(format!(
            "{customer} is already a contact of every member of the way"
        )));
    };
    let now_ms = st.clock.now_ms();
    let follow = Follow {
        user,
        createtime: now_ms / 1000,
        add_way,
        state: state.to_owned(),
        oper_userid: customer.clone(),
        ..Follow::default()
    };
    if !sim.store.contacts.add_follow(corp, i, follow) {
        return Err(bad_request(format!("{customer} is already a contact")));
    }
    let code = st.ids.response_code();
    let welcome = Welcome {
        corp,
        customer: i,
        user,
        issued_ms: now_ms,
        expires_ms: now_ms + WELCOME_CODE_TTL_S * 1000,
        used: false,
    };
    sim.store.contacts.issue_welcome(code.clone(), welcome);
    sim.store.activity.added(corp, user, now_ms / 1000);
    let extra = [("State", state), ("WelcomeCode", code.as_str())];
    let change = Change {
        corp,
        change_type: "add_external_contact",
        user,
        customer: i,
        extra: &extra,
    };
    let msgid = notify(st, sim, change);
    Ok(Json(
        json!({ "msgid": msgid, "userid": c.member(user).userid, "welcome_code": code }),
    ))
}

/// `POST /mock/members/{userid}/resign`: the member leaves. Their customers stay theirs until a resigned
/// transfer completes; meanwhile `get_unassigned_list` lists them.
pub async fn resign(
    State(st): WithState,
    PathParams(userid): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
) -> Result<Json<Value>, Refused> {
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let user = sim.world.corps[corp]
        .user_index(&userid)
        .ok_or_else(|| not_found(format!("no member {userid}")))?;
    let now_s = st.clock.now_s();
    let since = *sim
        .store
        .transfers
        .resigned
        .entry((corp, user))
        .or_insert(now_s);
    let n_customers = sim.store.contacts.n_customers(corp, user);
    Ok(Json(
        json!({ "userid": userid, "dimission_time": since, "n_customers": n_customers }),
    ))
}

/// `POST /mock/customers/{external_userid}/refuse_transfer`: the customer refuses the member they are being
/// handed to (on-the-job transfers only); when the 24 h are up the transfer fails with `transfer_fail`.
pub async fn refuse_transfer(
    State(st): WithState,
    PathParams(external_userid): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
) -> Result<Json<Value>, Refused> {
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let i = sim.world.corps[corp]
        .customer_index(&external_userid)
        .ok_or_else(|| not_found(format!("no customer {external_userid}")))?;
    // Too late to refuse a transfer whose 24 h are up.
    settle(&st, &sim, corp);
    if !sim.store.transfers.refuse(corp, i) {
        return Err(bad_request(format!(
            "{external_userid} is in no on-the-job transfer to refuse"
        )));
    }
    Ok(Json(json!({ "refused": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Action {
    action: String,
}

/// `POST /mock/customers/{external_userid}/contacts/{userid} {"action": …}`: `edit` (the customer changed
/// something: `edit_external_contact`), `remove` (the customer deleted the member: `del_follow_user`) or
/// `deleted_by_member` (`del_external_contact`). The last two end the relation.
pub async fn change(
    State(st): WithState,
    PathParams((external_userid, userid)): PathParams<(String, String)>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let Action { action } = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    // A transfer that is due has happened in mock time: the relation is the taker's by now.
    settle(&st, &sim, corp);
    let c = &sim.world.corps[corp];
    let i = c
        .customer_index(&external_userid)
        .ok_or_else(|| not_found(format!("no customer {external_userid}")))?;
    let user = c
        .user_index(&userid)
        .ok_or_else(|| not_found(format!("no member {userid}")))?;
    if !sim.store.contacts.follows(corp, i, user) {
        return Err(bad_request(format!(
            "{external_userid} is not an external contact of {userid}"
        )));
    }
    let (change_type, extra): (&str, &[(&str, &str)]) = match action.as_str() {
        "edit" => ("edit_external_contact", &[]),
        "remove" => ("del_follow_user", &[]),
        "deleted_by_member" => ("del_external_contact", &[("Source", "")]),
        other => {
            return Err(bad_request(format!(
                "action must be edit, remove or deleted_by_member, not {other:?}"
            )))
        }
    };
    if change_type == "del_follow_user" {
        sim.store.activity.lost(corp, user, st.clock.now_s());
    }
    if change_type != "edit_external_contact" {
        sim.store.contacts.remove_follow(corp, i, user);
        // The relation a waiting transfer would move is gone: the transfer goes with it, silently (status 5
        // in transfer_result), so the taker does not get a customer who deleted the member.
        sim.store.transfers.cancel(corp, user, i);
    }
    let ch = Change {
        corp,
        change_type,
        user,
        customer: i,
        extra,
    };
    let msgid = notify(&st, &sim, ch);
    Ok(Json(json!({ "msgid": msgid })))
}
