//! The customers' and servicers' side of 微信客服: a customer enters a session and writes to an account, a
//! servicer writes from the WeCom client, takes, transfers or ends a session, or changes their status; a
//! customer blocks the account. Each raises what WeCom would raise in `sync_msg`, and a callback.

use axum::extract::State;
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use wecom_wire::kf::{
    ServiceState, END_CODE_TTL_S, ORIGIN_CUSTOMER, ORIGIN_SERVICER, QUEUE_CODE_TTL_S,
    WELCOME_CODE_TTL_S,
};

use super::inbound::{Inbound, CUSTOMER_TYPES};
use super::{
    bad_request, body, corp_index, not_found, PathParams, QueryString, Refused, WithState,
};
use crate::kf_route::{customer_writes, deliver, log_and_notify, raise, Answer, Item};
use crate::state::{Sim, State as Shared};
use crate::store::kf::Code;

#[derive(Deserialize)]
pub struct CorpQuery {
    corpid: Option<String>,
}

/// The corp (by `?corpid=`, else the first) and an account of it.
fn account(sim: &Sim, q: &CorpQuery, open_kfid: &str) -> Result<usize, Refused> {
    let corp = corp_index(sim, q.corpid.as_deref())?;
    if !sim
        .store
        .kf
        .accounts
        .contains_key(&(corp, open_kfid.to_owned()))
    {
        return Err(not_found(format!("no kf account {open_kfid}")));
    }
    Ok(corp)
}

fn customer(sim: &Sim, corp: usize, id: Option<&str>) -> Result<usize, Refused> {
    let id = id.unwrap_or_default();
    sim.world.corps[corp]
        .customer_index(id)
        .ok_or_else(|| bad_request(format!("no customer {id:?}")))
}

/// A servicer of the account who is receiving.
fn receiving(sim: &Sim, corp: usize, open_kfid: &str, userid: &str) -> Result<String, Refused> {
    let a = sim.store.kf.accounts.get(&(corp, open_kfid.to_owned()));
    a.and_then(|a| {
        a.servicers
            .iter()
            .find(|(u, status)| u.eq_ignore_ascii_case(userid) && *status == 0)
            .map(|(u, _)| u.clone())
    })
    .ok_or_else(|| {
        bad_request(format!(
            "{userid:?} is not a receiving servicer of {open_kfid}"
        ))
    })
}

fn new_code(
    st: &Shared,
    sim: &Sim,
    corp: usize,
    open_kfid: &str,
    customer: usize,
    ttl_s: i64,
) -> String {
    let code = st.ids.response_code();
    let now_ms = st.clock.now_ms();
    let c = Code {
        corp,
        open_kfid: open_kfid.to_owned(),
        customer,
        expires_ms: now_ms + ttl_s * 1000,
    };
    sim.store.kf.add_code(code.clone(), c, now_ms);
    code
}

/// `POST /mock/kf/{open_kfid}/messages`: `{"from": external_userid, …}` a customer writes (origin 3), or
/// `{"servicer": userid, "to": external_userid, …}` a servicer writes from the WeCom client (origin 5).
pub async fn message(
    State(st): WithState,
    PathParams(open_kfid): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let m: Inbound = body(&bytes)?;
    let sim = st.sim();
    let corp = account(&sim, &q, &open_kfid)?;
    // Who sends is checked before the message, which may upload placeholder media.
    if let Some(servicer) = &m.servicer {
        let servicer = receiving(&sim, corp, &open_kfid, servicer)?;
        let cust = customer(&sim, corp, m.to.as_deref())?;
        let message = m.message(&st, &sim, corp, CUSTOMER_TYPES)?;
        let item = Item {
            corp,
            open_kfid: &open_kfid,
            customer: Some(cust),
            origin: ORIGIN_SERVICER,
            servicer_userid: Some(&servicer),
            msgtype: message.msgtype,
            body: &message.body,
        };
        let msgid = log_and_notify(&st, &sim, item);
        let answer = Answer {
            corp,
            open_kfid: &open_kfid,
            customer: cust,
            msgid: msgid.clone(),
            msgtype: message.msgtype,
            body: json!({ "msgtype": message.msgtype, message.msgtype: message.body })
                .to_string()
                .into(),
            servicer_userid: Some(&servicer),
            in_reply_to: None,
        };
        deliver(&st, &sim, answer);
        crate::kf_route::servicer_answers(&st, &sim, (corp, &open_kfid, cust), &servicer);
        return Ok(Json(json!({ "msgid": msgid })));
    }
    let cust = customer(&sim, corp, m.from.as_deref())?;
    let message = m.message(&st, &sim, corp, CUSTOMER_TYPES)?;
    let item = Item {
        corp,
        open_kfid: &open_kfid,
        customer: Some(cust),
        origin: ORIGIN_CUSTOMER,
        servicer_userid: None,
        msgtype: message.msgtype,
        body: &message.body,
    };
    let msgid = customer_writes(&st, &sim, item);
    Ok(Json(json!({ "msgid": msgid })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Enter {
    from: String,
    #[serde(default)]
    scene: String,
    #[serde(default)]
    scene_param: String,
}

/// `POST /mock/kf/{open_kfid}/enter {"from", "scene", "scene_param"}`: the customer opens the chat (from a contact
/// link). A customer with no open session gets a new one and the event carries a `welcome_code` (20 s).
pub async fn enter(
    State(st): WithState,
    PathParams(open_kfid): PathParams<String>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let e: Enter = body(&bytes)?;
    let sim = st.sim();
    let corp = account(&sim, &q, &open_kfid)?;
    let cust = customer(&sim, corp, Some(&e.from))?;
    Ok(Json(enter_session(
        &st,
        &sim,
        (corp, &open_kfid, cust),
        &e.scene,
        &e.scene_param,
    )))
}

/// The customer `(corp, account, customer)` enters the session (by `/enter` or by opening a kf link): a customer
/// with no open session gets a new one and the `enter_session` event a `welcome_code`.
pub(super) fn enter_session(
    st: &std::sync::Arc<Shared>,
    sim: &Sim,
    (corp, open_kfid, cust): (usize, &str, usize),
    scene: &str,
    scene_param: &str,
) -> Value {
    let fresh = {
        let mut s = sim
            .store
            .kf
            .sessions
            .entry((corp, open_kfid.to_owned(), cust))
            .or_default();
        let fresh = s.state == ServiceState::ENDED || s.last_customer_ms.is_none();
        if s.state == ServiceState::ENDED {
            let rejects = s.rejects;
            *s = Default::default();
            s.rejects = rejects;
        }
        fresh
    };
    sim.store
        .kf
        .scenes
        .insert((corp, cust), (scene.to_owned(), scene_param.to_owned()));
    let welcome_code = fresh.then(|| new_code(st, sim, corp, open_kfid, cust, WELCOME_CODE_TTL_S));
    let event = json!({
        "event_type": "enter_session",
        "open_kfid": open_kfid,
        "external_userid": sim.world.corps[corp].customers.external_userid(cust),
        "scene": scene,
        "scene_param": scene_param,
        "welcome_code": welcome_code.clone().unwrap_or_default(),
    });
    let msgid = raise(st, sim, corp, open_kfid, Some(cust), &event);
    json!({ "msgid": msgid, "welcome_code": welcome_code })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionAction {
    action: String,
    #[serde(default)]
    servicer: Option<String>,
}

/// `POST /mock/kf/{open_kfid}/sessions/{external_userid} {"action": …}`: in the WeCom client a servicer
/// `take`s a queued session, `transfer`s it to another `servicer`, or `end`s it (each raises
/// `session_status_change` with a `msg_code`); the customer `block`s or `unblock`s the account (its messages then
/// fail with `msg_send_fail`).
pub async fn session(
    State(st): WithState,
    PathParams((open_kfid, external_userid)): PathParams<(String, String)>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let a: SessionAction = body(&bytes)?;
    let sim = st.sim();
    let corp = account(&sim, &q, &open_kfid)?;
    let cust = customer(&sim, corp, Some(&external_userid))?;
    let new_servicer = match (&a.action[..], &a.servicer) {
        ("take" | "transfer", Some(s)) => Some(receiving(&sim, corp, &open_kfid, s)?),
        ("take" | "transfer", None) => return Err(bad_request("servicer is required")),
        _ => None,
    };
    let key = (corp, open_kfid.clone(), cust);
    let (change_type, old, ttl_s) = {
        // Only blocking may start a session's record: a refused take, transfer or end leaves none behind.
        let mut s = match (&a.action[..], sim.store.kf.sessions.get_mut(&key)) {
            (_, Some(s)) => s,
            ("block" | "unblock", None) => sim.store.kf.sessions.entry(key).or_default(),
            (_, None) => {
                return Err(bad_request(format!(
                    "{external_userid} has no session with {open_kfid}"
                )))
            }
        };
        let old = s.servicer.clone().unwrap_or_default();
        let (change_type, to, ttl_s) = match &a.action[..] {
            "block" | "unblock" => {
                s.rejects = a.action == "block";
                return Ok(Json(json!({ "rejects": s.rejects })));
            }
            "take" if s.state == ServiceState::QUEUED => {
                (1, ServiceState::SERVICER, QUEUE_CODE_TTL_S)
            }
            "transfer" if s.state == ServiceState::SERVICER => {
                (2, ServiceState::SERVICER, QUEUE_CODE_TTL_S)
            }
            "end" if s.state != ServiceState::ENDED => (3, ServiceState::ENDED, END_CODE_TTL_S),
            "take" | "transfer" | "end" => {
                return Err(bad_request(format!(
                    "cannot {} a session in state {}",
                    a.action, s.state.0
                )))
            }
            other => {
                return Err(bad_request(format!(
                    "action must be take, transfer, end, block or unblock, not {other:?}"
                )))
            }
        };
        s.state = to;
        s.servicer = new_servicer
            .clone()
            .filter(|_| to == ServiceState::SERVICER);
        crate::kf_route::servicer_assigned(&st, &sim, (corp, &open_kfid, cust), &mut s);
        if to == ServiceState::ENDED {
            s.unanswered.clear();
            s.last_customer_ms = None;
        }
        (change_type, old, ttl_s)
    };
    let msg_code = new_code(&st, &sim, corp, &open_kfid, cust, ttl_s);
    let event = json!({
        "event_type": "session_status_change",
        "open_kfid": open_kfid,
        "external_userid": external_userid,
        "change_type": change_type,
        "old_servicer_userid": old,
        "new_servicer_userid": new_servicer.unwrap_or_default(),
        "msg_code": msg_code,
    });
    let msgid = raise(&st, &sim, corp, &open_kfid, Some(cust), &event);
    Ok(Json(json!({ "msgid": msgid, "msg_code": msg_code })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Status {
    status: i64,
}

/// `POST /mock/kf/{open_kfid}/servicers/{userid} {"status": 1|2}`: a servicer starts (1) or stops (2) receiving.
pub async fn servicer_status(
    State(st): WithState,
    PathParams((open_kfid, userid)): PathParams<(String, String)>,
    QueryString(q): QueryString<CorpQuery>,
    bytes: Bytes,
) -> Result<Json<Value>, Refused> {
    let Status { status } = body(&bytes)?;
    if !matches!(status, 1 | 2) {
        return Err(bad_request("status must be 1 (receiving) or 2 (stopped)"));
    }
    let sim = st.sim();
    let corp = account(&sim, &q, &open_kfid)?;
    let servicer = {
        let mut a = sim
            .store
            .kf
            .accounts
            .get_mut(&(corp, open_kfid.clone()))
            .ok_or_else(|| not_found(format!("no kf account {open_kfid}")))?;
        let s = a
            .servicers
            .iter_mut()
            .find(|(u, _)| u.eq_ignore_ascii_case(&userid))
            .ok_or_else(|| bad_request(format!("{userid:?} is not a servicer of {open_kfid}")))?;
        s.1 = status - 1;
        s.0.clone()
    };
    let event = json!({
        "event_type": "servicer_status_change",
        "servicer_userid": servicer,
        "open_kfid": open_kfid,
        "status": status,
    });
    let msgid = raise(&st, &sim, corp, &open_kfid, None, &event);
    Ok(Json(json!({ "msgid": msgid })))
}

/// `GET /mock/kf/{open_kfid}/upgrades/{external_userid}`: what `kf/customer/upgrade_service` recommends to the
/// customer now (`{"upgrade": null}` when nothing, or after `cancel_upgrade_service`).
pub async fn upgrade(
    State(st): WithState,
    PathParams((open_kfid, external_userid)): PathParams<(String, String)>,
    QueryString(q): QueryString<CorpQuery>,
) -> Result<Json<Value>, Refused> {
    use wecom_wire::kf::upgrade::{Target, UPGRADE_GROUPCHAT, UPGRADE_MEMBER};
    let sim = st.sim();
    let corp = account(&sim, &q, &open_kfid)?;
    let cust = customer(&sim, corp, Some(&external_userid))?;
    let now = sim
        .store
        .kf
        .upgrades
        .get(&(corp, open_kfid, cust))
        .map(|t| t.clone());
    let upgrade = match now {
        None => Value::Null,
        Some(Target::Member { userid, wording }) => {
            json!({"type": UPGRADE_MEMBER, "member": {"userid": userid, "wording": wording}})
        }
        Some(Target::Groupchat { chat_id, wording }) => {
            json!({"type": UPGRADE_GROUPCHAT, "groupchat": {"chat_id": chat_id, "wording": wording}})
        }
    };
    Ok(Json(json!({ "upgrade": upgrade })))
}
