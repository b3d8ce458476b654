//! The 微信客服 route: what a customer sends (or an event the mock raises) is logged for `kf/sync_msg` and
//! announced to the kf app by a `kf_msg_or_event` callback carrying a pull token; answers land in the
//! customer's inbox. Shared by the `kf/*` API and the control API's simulated customers and servicers.

use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;

use wecom_wire::kf::{
    callback_xml, ServiceState, SyncItem, ORIGIN_CUSTOMER, ORIGIN_EVENT, SYNC_TOKEN_TTL_S,
};

use crate::callback::Push;
use crate::events::{Event, EventKind, Now, Route};
use crate::state::{Sim, State};
use crate::store::kf::{Entry, SessionKey};
use crate::store::{Delivery, InboxId, Source};

/// One item for the log, before it has an id.
pub struct Item<'a> {
    pub corp: usize,
    pub open_kfid: &'a str,
    /// None for events about no one customer (`servicer_status_change`).
    pub customer: Option<usize>,
    pub origin: i64,
    pub servicer_userid: Option<&'a str>,
    pub msgtype: &'a str,
    pub body: &'a Value,
}

/// Logs the item and pushes `kf_msg_or_event` to the kf app; returns the item's msgid.
pub fn log_and_notify(st: &Arc<State>, sim: &Sim, item: Item<'_>) -> String {
    let c = &sim.world.corps[item.corp];
    let external_userid = item.customer.map(|i| c.customers.external_userid(i));
    let external_userid = external_userid.as_deref().unwrap_or("");
    let msgid = st.ids.msgid(st.ids.next_seq());
    let now_ms = st.clock.now_ms();
    let json = SyncItem {
        msgid: &msgid,
        open_kfid: item.open_kfid,
        external_userid,
        send_time: now_ms / 1000,
        origin: item.origin,
        servicer_userid: item.servicer_userid,
        msgtype: item.msgtype,
        body: item.body,
    }
    .to_json();
    let entry = Entry {
        open_kfid: item.open_kfid.to_owned(),
        json: json.into(),
    };
    sim.store.kf.append(item.corp, entry);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Accepted,
            Route::Kf,
            &msgid,
            format!("kf:{}", item.open_kfid),
        )
        .customer(external_userid)
        .with(serde_json::json!({ "origin": item.origin, "msgtype": item.msgtype }))
    });
    let Some(kf) = &c.kf else { return msgid };
    let token = st.ids.kf_token();
    sim.store.kf.add_token(
        token.clone(),
        item.corp,
        now_ms + SYNC_TOKEN_TTL_S * 1000,
        now_ms,
    );
    let push = Push {
        receiver: (item.corp, kf.agentid),
        msgid: msgid.clone(),
        plaintext: callback_xml(&c.corpid, now_ms / 1000, &token, item.open_kfid),
        reply_to: None,
        customer: (!external_userid.is_empty()).then(|| external_userid.to_owned()),
    };
    st.callbacks.dispatch(st, push);
    msgid
}

/// A customer's message: it (re)opens the session and the reply window (5 messages in 48 h), then is logged.
pub fn customer_writes(st: &Arc<State>, sim: &Sim, item: Item<'_>) -> String {
    debug_assert_eq!(item.origin, ORIGIN_CUSTOMER);
    let Some(customer) = item.customer else {
        return log_and_notify(st, sim, item);
    };
    let key: SessionKey = (item.corp, item.open_kfid.to_owned(), customer);
    // The session entry is held while logging, so the window and the unanswered msgid match the log's order.
    let mut s = sim.store.kf.sessions.entry(key).or_default();
    if s.state == ServiceState::ENDED {
        let rejects = s.rejects;
        *s = Default::default();
        s.rejects = rejects;
    }
    let new_session = s.last_customer_ms.is_none() && s.state == ServiceState::NEW;
    let (corp, open_kfid) = (item.corp, item.open_kfid.to_owned());
    let msgid = log_and_notify(st, sim, item);
    let holder = s
        .servicer
        .clone()
        .filter(|_| s.state == ServiceState::SERVICER);
    sim.store.kfstats.record(
        (corp, &open_kfid),
        holder.as_deref(),
        st.clock.now_s(),
        |d| {
            d.n_customer_msgs += 1;
            d.customers.insert(customer);
            d.n_sessions += u64::from(new_session);
        },
    );
    s.last_customer_ms = Some(st.clock.now_ms());
    s.n_replies = 0;
    s.awaits(msgid.clone(), st.clock.now_ms());
    msgid
}

/// An event for `sync_msg` (origin 4), such as `enter_session` or `msg_send_fail`.
pub fn raise(
    st: &Arc<State>,
    sim: &Sim,
    corp: usize,
    open_kfid: &str,
    customer: Option<usize>,
    event: &Value,
) -> String {
    let item = Item {
        corp,
        open_kfid,
        customer,
        origin: ORIGIN_EVENT,
        servicer_userid: None,
        msgtype: "event",
        body: event,
    };
    log_and_notify(st, sim, item)
}

/// A message from the account (through the API or a servicer) into the customer's inbox. `in_reply_to` names
/// the customer message it answers, so an observer can time the round trip.
pub struct Answer<'a> {
    pub corp: usize,
    pub open_kfid: &'a str,
    pub customer: usize,
    pub msgid: String,
    pub msgtype: &'static str,
    /// A JSON object with the body under the `msgtype` key.
    pub body: Bytes,
    pub servicer_userid: Option<&'a str>,
    pub in_reply_to: Option<String>,
}

pub fn deliver(st: &State, sim: &Sim, a: Answer<'_>) {
    let source = Source::Kf {
        open_kfid: a.open_kfid.to_owned(),
        servicer_userid: a.servicer_userid.map(str::to_owned),
    };
    let d = Delivery::new(a.msgid, source, a.msgtype, a.body, st.clock.now_s());
    let to = InboxId::Customer {
        corp: a.corp,
        customer: a.customer,
    };
    sim.store.deliver(to, &d);
    let external_userid = &sim.world.corps[a.corp]
        .customers
        .external_userid(a.customer);
    st.events.emit(|| {
        let e = Event::now(
            &st.clock,
            EventKind::Delivered,
            Route::Kf,
            &d.msgid,
            format!("customer:{external_userid}"),
        )
        .customer(external_userid);
        match &a.in_reply_to {
            Some(m) => e.with(serde_json::json!({ "open_kfid": a.open_kfid, "in_reply_to": m })),
            None => e.with(serde_json::json!({ "open_kfid": a.open_kfid })),
        }
    });
}

/// A servicer gets the session `(corp, account, customer)`: one of their sessions that day, and the clock for
/// their first answer starts.
pub fn servicer_assigned(
    st: &State,
    sim: &Sim,
    (corp, open_kfid, customer): (usize, &str, usize),
    s: &mut crate::store::kf::Session,
) {
    let Some(servicer) = s.servicer.clone() else {
        return;
    };
    s.servicer_since_ms = Some(st.clock.now_ms());
    sim.store
        .kfstats
        .record_servicer((corp, open_kfid), &servicer, st.clock.now_s(), |d| {
            d.n_sessions += 1;
            d.customers.insert(customer);
        });
}

/// A servicer writes to the customer: their first answer in the session is timed.
pub fn servicer_answers(
    st: &State,
    sim: &Sim,
    (corp, open_kfid, customer): (usize, &str, usize),
    servicer: &str,
) {
    let key: SessionKey = (corp, open_kfid.to_owned(), customer);
    let Some(mut s) = sim.store.kf.sessions.get_mut(&key) else {
        return;
    };
    if s.servicer.as_deref() != Some(servicer) {
        return;
    }
    let Some(since_ms) = s.servicer_since_ms.take() else {
        return;
    };
    let waited_s = (st.clock.now_ms() - since_ms) / 1000;
    sim.store
        .kfstats
        .record_servicer((corp, open_kfid), servicer, st.clock.now_s(), |d| {
            d.replied.insert(customer);
            d.first_reply_total_s += waited_s;
        });
}
