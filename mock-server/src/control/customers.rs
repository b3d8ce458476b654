//! A WeChat customer and a member who has them as an external contact writing to each other. WeCom pushes no callback for
//! this (the conversation is between two people; only 会话存档 would see it), so it lands in the member's inbox
//! and on the event stream, nothing more.

use axum::extract::State;
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::inbound::{Inbound, CUSTOMER_TYPES};
use super::{
    bad_request, body, corp_index, not_found, PathParams, QueryString, Refused, WithState,
};
use crate::events::{Event, EventKind, Now, Route};
use crate::state::{Sim, State as Shared};
use crate::store::{Delivery, InboxId, Source};
use std::sync::Arc;
use wecom_wire::mock::control::CustomerPage;

#[derive(Deserialize)]
pub struct CorpQuery {
    corpid: Option<String>,
}

/// The most ids one `GET /mock/customers` page holds; a load generator walks a million customers in 100 pages.
const MAX_LIST: usize = 10_000;
const DEFAULT_LIST: usize = 1000;

#[derive(Deserialize)]
pub struct ListQuery {
    corpid: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

/// `GET /mock/customers?corpid=&offset=&limit=`: every customer's id in world order (declared, then generated),
/// so a load generator can pick real ones without `/mock/world`'s first-100 summary.
pub async fn list(
    State(st): WithState,
    QueryString(q): QueryString<ListQuery>,
) -> Result<Json<CustomerPage>, Refused> {
    let limit = q.limit.unwrap_or(DEFAULT_LIST);
    if !(1..=MAX_LIST).contains(&limit) {
        return Err(bad_request(format!("limit must be 1..={MAX_LIST}")));
    }
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let customers = &sim.world.corps[corp].customers;
    let from = q.offset.unwrap_or(0).min(customers.len());
    let page = (from..customers.len().min(from.saturating_add(limit)))
        .map(|i| customers.external_userid(i).into_owned())
        .collect();
    Ok(Json(CustomerPage {
        customers: page,
        n_customers: customers.len(),
    }))
}

/// `GET /mock/customers/{external_userid}`: the customer and their relations as they are now (remarks, tags,
/// how and when each member added them), in `externalcontact/get`'s shape without the envelope; for a person
/// looking (the console), where `/mock/world` has only the fixture's first customers and whom they followed then.
pub async fn one(
    State(st): WithState,
    PathParams(external_userid): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
) -> Result<Json<Value>, Refused> {
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let ci = c
        .customer_index(&external_userid)
        .ok_or_else(|| not_found(format!("no customer {external_userid}")))?;
    let follow_user: Vec<_> = sim
        .store
        .contacts
        .followers(corp, ci)
        .iter()
        .map(|f| crate::api::externalcontact::follow_user(&sim, corp, f))
        .collect();
    Ok(Json(json!({
        "external_contact": crate::api::externalcontact::contact(c.customers.at(ci)),
        "follow_user": follow_user,
    })))
}

/// `POST /mock/customers/{external_userid}/messages {"to": userid, …}`.
pub async fn message(
    State(st): WithState,
    PathParams(external_userid): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let m: Inbound = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let customer = c
        .customer_index(&external_userid)
        .ok_or_else(|| not_found(format!("no customer {external_userid}")))?;
    let to = m.to.as_deref().unwrap_or_default();
    let user = c
        .user_index(to)
        .ok_or_else(|| bad_request(format!("no member {to:?}")))?;
    let pair = Pair {
        corp,
        customer,
        user,
        external_userid: &external_userid,
        userid: to,
    };
    let source = Source::Customer {
        external_userid: external_userid.clone(),
    };
    let msgid = write(&st, &sim, &pair, &m, source, InboxId::User { corp, user })?;
    sim.store
        .activity
        .customer_wrote(corp, user, customer, st.clock.now_ms());
    let receiver = || format!("user:{}", c.member(user).userid);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Delivered,
            Route::CustomerMessage,
            &msgid,
            receiver(),
        )
        .customer(&external_userid)
    });
    Ok(Json(json!({ "msgid": msgid })))
}

/// `POST /mock/members/{userid}/messages {"to": external_userid, …}`: a member writes to one of their customers
/// from the WeCom client; it lands in the customer's inbox. No callback either way, as in WeCom.
pub async fn from_member(
    State(st): WithState,
    PathParams(userid): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let m: Inbound = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let user = c
        .user_index(&userid)
        .ok_or_else(|| not_found(format!("no member {userid}")))?;
    let to = m.to.as_deref().unwrap_or_default();
    let customer = c
        .customer_index(to)
        .ok_or_else(|| bad_request(format!("no customer {to:?}")))?;
    let pair = Pair {
        corp,
        customer,
        user,
        external_userid: to,
        userid: &userid,
    };
    let source = Source::Member {
        userid: c.member(user).userid.clone(),
    };
    let msgid = write(
        &st,
        &sim,
        &pair,
        &m,
        source,
        InboxId::Customer { corp, customer },
    )?;
    sim.store
        .activity
        .member_wrote(corp, user, customer, st.clock.now_ms());
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Delivered,
            Route::CustomerMessage,
            &msgid,
            format!("customer:{to}"),
        )
        .customer(to)
    });
    Ok(Json(json!({ "msgid": msgid })))
}

/// A customer and a member of one corp, as indexes and as the ids the caller named.
struct Pair<'a> {
    corp: usize,
    customer: usize,
    user: usize,
    external_userid: &'a str,
    userid: &'a str,
}

/// One of the pair writes to the other: the relation checked, the message delivered into `inbox`; its msgid.
fn write(
    st: &Arc<Shared>,
    sim: &Sim,
    pair: &Pair,
    m: &Inbound,
    source: Source,
    inbox: InboxId,
) -> Result<String, Refused> {
    // The live relations, not the fixture's: a customer who scanned a way since may write, one who deleted the
    // member may not, and a transfer that is due has moved the customer on.
    crate::contacts::settle(st, sim, pair.corp);
    if !sim
        .store
        .contacts
        .follows(pair.corp, pair.customer, pair.user)
    {
        return Err(bad_request(format!(
            "{} is not an external contact of {}",
            pair.external_userid, pair.userid
        )));
    }
    let message = m.message(st, sim, pair.corp, CUSTOMER_TYPES)?;
    let msgid = st.ids.msgid(st.ids.next_seq());
    let body = json!({ "msgtype": message.msgtype, message.msgtype: message.body }).to_string();
    let d = Delivery::new(
        msgid.clone(),
        source,
        message.msgtype,
        body.into(),
        st.clock.now_s(),
    );
    sim.store.deliver(inbox, &d);
    Ok(msgid)
}
