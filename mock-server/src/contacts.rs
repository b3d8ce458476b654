//! The 客户联系 route: a change to a customer relation (added, edited, deleted either way) becomes a
//! `change_external_contact` callback to every app that may use 客户联系 and has callback keys, and an event on
//! the stream.

use std::sync::Arc;

use wecom_wire::externalcontact::ways::change_event_xml;

use crate::callback::Push;
use crate::events::{Event, EventKind, Now, Route};
use crate::state::{Sim, State};

/// One change to announce.
pub struct Change<'a> {
    pub corp: usize,
    pub change_type: &'a str,
    pub user: usize,
    pub customer: usize,
    /// The change's own fields: `State`, `WelcomeCode`, `Source`, …
    pub extra: &'a [(&'a str, &'a str)],
}

/// Completes or fails the corp's transfers that are due on the mock clock, and raises their events: the old
/// member gets `del_external_contact` (Source `DELETE_BY_TRANSFER`) when a customer moved, the taker
/// `transfer_fail` when it failed. Called before every 客户联系 call, so they see the world as of now.
pub fn settle(st: &Arc<State>, sim: &Sim, corp: usize) {
    use crate::store::transfers::{DONE, REFUSED, TAKER_FULL};
    let settled = sim.store.transfers.settle(
        &sim.store.contacts,
        corp,
        st.clock.now_s(),
        st.settings.max_customers_per_member(),
    );
    for s in settled {
        let t = s.transfer;
        let (change_type, user, extra): (&str, usize, &[(&str, &str)]) = match t.status {
            DONE => (
                "del_external_contact",
                t.handover,
                &[("Source", "DELETE_BY_TRANSFER")],
            ),
            REFUSED => (
                "transfer_fail",
                t.takeover,
                &[("FailReason", "customer_refused")],
            ),
            TAKER_FULL => (
                "transfer_fail",
                t.takeover,
                &[("FailReason", "customer_limit_exceed")],
            ),
            // Nothing else is announced: a dropped transfer has no relation left to speak of.
            _ => continue,
        };
        let change = Change {
            corp,
            change_type,
            user,
            customer: t.customer,
            extra,
        };
        notify(st, sim, change);
    }
}

/// Pushes the change to the corp's 客户联系 apps; returns the msgid the pushes and events carry.
pub fn notify(st: &Arc<State>, sim: &Sim, ch: Change<'_>) -> String {
    let c = &sim.world.corps[ch.corp];
    let userid = &c.member(ch.user).userid;
    let external_userid = &c.customers.external_userid(ch.customer);
    let msgid = st.ids.msgid(st.ids.next_seq());
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Accepted,
            Route::Contact,
            &msgid,
            format!("user:{userid}"),
        )
        .customer(external_userid)
        .with(serde_json::json!({ "change_type": ch.change_type }))
    });
    let xml = change_event_xml(
        &c.corpid,
        st.clock.now_s(),
        ch.change_type,
        userid,
        external_userid,
        ch.extra,
    );
    let receivers = c
        .apps
        .iter()
        .filter(|a| a.callback.is_some() && c.may_use_contacts(a.agentid));
    for app in receivers {
        let push = Push {
            receiver: (ch.corp, app.agentid),
            msgid: msgid.clone(),
            plaintext: xml.clone(),
            reply_to: None,
            customer: Some(external_userid.to_string()),
        };
        st.callbacks.dispatch(st, push);
    }
    msgid
}
