//! Contact ways (`add_contact_way`, `get_contact_way`, `update_contact_way`, `del_contact_way`,
//! `list_contact_way`) and `send_welcome_msg`, which answers the customer a way brought in.

use axum::extract::State;
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::externalcontact::ways::{
    AddWayResponse, ConfigId, ContactWay, GetWayResponse, ListWays, ListWaysResponse, WayId,
    WelcomeMsg, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, TEMP_DEFAULT_S,
};
use wecom_wire::{Errcode, WireError};

use super::{contacts_caller, member};
use crate::api::{json, ok, paging, ApiError, ApiResult, Caller, Params, RawBody};
use crate::events::{Event, EventKind, Now, Route};
use crate::state::{Sim, State as Shared};
use crate::store::contacts::WelcomeRefusal;
use crate::store::links::{Link, PIC_HOST};
use crate::store::{Delivery, InboxId, Source};

/// The members and departments a way names must exist.
fn check_people(sim: &Sim, who: Caller, way: &ContactWay) -> Result<(), ApiError> {
    let corp = &sim.world.corps[who.corp];
    for u in &way.user {
        member(corp, Some(u))?;
    }
    if let Some(p) = way.party.iter().find(|p| corp.department(**p).is_none()) {
        return Err(
            WireError::with_detail(Errcode::INVALID_PARTY, format!("invalid party {p}")).into(),
        );
    }
    Ok(())
}

fn unknown_way() -> ApiError {
    WireError::invalid_field("config_id").into()
}

pub async fn add(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let mut way: ContactWay = json(&body)?;
    way.check()?;
    let sim = st.sim();
    check_people(&sim, who, &way)?;
    if way.is_temp && way.expires_in == 0 {
        way.expires_in = TEMP_DEFAULT_S;
    }
    way.config_id = st.ids.config_id();
    // A QR code in WeCom's shape; `/mock/links/resolve` says which way it is, and the mock never fetches it.
    way.qr_code = if way.scene == 2 {
        format!("{PIC_HOST}{}", st.ids.picture_path(st.clock.now_s()))
    } else {
        String::new()
    };
    if !way.qr_code.is_empty() {
        let link = Link::ContactWay {
            corp: who.corp,
            config_id: way.config_id.clone(),
        };
        sim.store.links.add(&way.qr_code, link);
    }
    let response = AddWayResponse {
        config_id: way.config_id.clone(),
        qr_code: way.qr_code.clone(),
    };
    sim.store
        .contacts
        .ways
        .insert((who.corp, way.config_id.clone()), (way, st.clock.now_s()));
    ok(response)
}

pub async fn get(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: ConfigId = json(&body)?;
    let sim = st.sim();
    let key = (who.corp, req.config_id.unwrap_or_default());
    let way = sim.store.contacts.ways.get(&key).ok_or_else(unknown_way)?;
    ok(GetWayResponse {
        contact_way: way.0.clone(),
    })
}

/// Only the keys sent change; the result is checked as a whole before it replaces the way.
pub async fn update(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let patch: Value = json(&body)?;
    let config_id = patch
        .get("config_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let sim = st.sim();
    let key = (who.corp, config_id);
    let (old, created_s) = sim
        .store
        .contacts
        .ways
        .get(&key)
        .map(|w| w.clone())
        .ok_or_else(unknown_way)?;
    let mut merged = serde_json::to_value(&old).map_err(|_| Errcode::SYSTEM_BUSY)?;
    const CHANGEABLE: &[&str] = &[
        "remark",
        "skip_verify",
        "style",
        "state",
        "user",
        "party",
        "expires_in",
        "chat_expires_in",
        "unionid",
        "conclusions",
    ];
    for k in CHANGEABLE {
        if let Some(v) = patch.get(*k) {
            merged[*k] = v.clone();
        }
    }
    let way: ContactWay = serde_json::from_value(merged).map_err(|e| {
        WireError::with_detail(
            Errcode::INVALID_PARAMETER,
            format!("{e}. invalid Request Parameter"),
        )
    })?;
    way.check()?;
    check_people(&sim, who, &way)?;
    sim.store.contacts.ways.insert(key, (way, created_s));
    ok(Empty {})
}

pub async fn del(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: ConfigId = json(&body)?;
    let sim = st.sim();
    sim.store
        .contacts
        .ways
        .remove(&(who.corp, req.config_id.unwrap_or_default()))
        .ok_or_else(unknown_way)?;
    ok(Empty {})
}

pub async fn list(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: ListWays = json(&body)?;
    let (from, limit) = paging::page(
        &st,
        req.cursor.as_deref(),
        req.limit,
        (LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX),
    )?;
    let (start, end) = (
        req.start_time.unwrap_or(0),
        req.end_time.unwrap_or(i64::MAX),
    );
    // A window that ends before it starts is a mistake to report, not an empty list to answer.
    if start > end {
        return Err(WireError::invalid_field("start_time").into());
    }
    let sim = st.sim();
    let mut all: Vec<(i64, String)> = sim
        .store
        .contacts
        .ways
        .iter()
        .filter(|w| w.key().0 == who.corp && (start..=end).contains(&w.value().1))
        .map(|w| (w.value().1, w.key().1.clone()))
        .collect();
    all.sort();
    let page: Vec<WayId> = all
        .iter()
        .skip(from)
        .take(limit)
        .map(|(_, id)| WayId {
            config_id: id.clone(),
        })
        .collect();
    let next = from + page.len();
    let next_cursor = if next < all.len() {
        st.ids.cursor(next as u64)
    } else {
        String::new()
    };
    ok(ListWaysResponse {
        contact_way: page,
        next_cursor,
    })
}

pub async fn send_welcome_msg(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: WelcomeMsg = json(&body)?;
    req.check()?;
    let code = req
        .welcome_code
        .clone()
        .filter(|c| !c.is_empty())
        .ok_or(Errcode::WELCOME_CODE_MISSING)?;
    let sim = st.sim();
    let activity = &sim.store.activity;
    let w = sim
        .store
        .contacts
        .check_welcome(&code, who.corp, st.clock.now_ms(), |w| {
            activity.last_chat_ms(w.corp, w.user, w.customer)
        })
        .map_err(|r| match r {
            WelcomeRefusal::Invalid => Errcode::INVALID_WELCOME_CODE,
            WelcomeRefusal::Chatted => Errcode::ALREADY_CHATTED,
        })?;
    sim.store.contacts.spend_welcome(&code);
    let c = &sim.world.corps[who.corp];
    let userid = c.member(w.user).userid.clone();
    let message = serde_json::json!({
        "msgtype": "welcome",
        "welcome": { "text": req.text, "attachments": req.attachments },
    });
    let msgid = st.ids.msgid(st.ids.next_seq());
    let source = Source::Member { userid };
    let d = Delivery::new(
        msgid.clone(),
        source,
        "welcome",
        Bytes::from(message.to_string()),
        st.clock.now_s(),
    );
    sim.store.deliver(
        InboxId::Customer {
            corp: who.corp,
            customer: w.customer,
        },
        &d,
    );
    let external_userid = &c.customers.external_userid(w.customer);
    st.events.emit(|| {
        Event::now(
            &st.clock,
            EventKind::Delivered,
            Route::Contact,
            &msgid,
            format!("customer:{external_userid}"),
        )
        .customer(external_userid)
    });
    ok(Empty {})
}
