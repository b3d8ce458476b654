//! A WeChat customer and a member who has them as an external contact writing to each other. WeCom pushes no callback for
//! this (the conversation is between two people; only 会话存档 would see it), so it lands in the member's inbox
//! and on the event stream, nothing more.

use axum::extract::State;
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::inbound::{Inbound, CUSTOMER_TYPES};
use super::{bad_request, body, corp_index, not_found, Fail, St, P, Q};
use crate::events::Event;
use crate::store::{Delivery, InboxId, Source};

#[derive(Deserialize)]
pub struct CorpQuery {
    corpid: Option<String>,
}

/// `POST /mock/customers/{external_userid}/messages {"to": userid, …}`.
pub async fn message(
    State(st): St,
    P(external_userid): P<String>,
    Q(q): Q<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Fail> {
    let m: Inbound = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let customer = c
        .customer(&external_userid)
        .ok_or_else(|| not_found(format!("no customer {external_userid}")))?;
    let to = m.to.as_deref().unwrap_or_default();
    let user = c
        .user_index(to)
        .ok_or_else(|| bad_request(format!("no member {to:?}")))?;
    if !customer.follow.contains(&user) {
        return Err(bad_request(format!(
            "{external_userid} is not an external contact of {to}"
        )));
    }
    let message = m.message(&st, &sim, corp, CUSTOMER_TYPES)?;
    let msgid = st.ids.msgid(st.ids.next_seq());
    let body = json!({ "msgtype": message.msgtype, message.msgtype: message.body }).to_string();
    let source = Source::Customer {
        external_userid: external_userid.clone(),
    };
    let d = Delivery::new(
        msgid.clone(),
        source,
        message.msgtype,
        body.into(),
        st.clock.now_s(),
    );
    sim.store.deliver(InboxId::User { corp, user }, &d);
    let receiver = || format!("user:{}", c.users[user].userid);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            "delivered",
            "customer_message",
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
    State(st): St,
    P(userid): P<String>,
    Q(q): Q<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Fail> {
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
    if !sim.store.contacts.follows(corp, customer, user) {
        return Err(bad_request(format!(
            "{to} is not an external contact of {userid}"
        )));
    }
    let message = m.message(&st, &sim, corp, CUSTOMER_TYPES)?;
    let msgid = st.ids.msgid(st.ids.next_seq());
    let body = json!({ "msgtype": message.msgtype, message.msgtype: message.body }).to_string();
    let source = Source::Member {
        userid: c.users[user].userid.clone(),
    };
    let d = Delivery::new(
        msgid.clone(),
        source,
        message.msgtype,
        body.into(),
        st.clock.now_s(),
    );
    sim.store.deliver(InboxId::Customer { corp, customer }, &d);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            "delivered",
            "customer_message",
            &msgid,
            format!("customer:{to}"),
        )
        .customer(to)
    });
    Ok(Json(json!({ "msgid": msgid })))
}
