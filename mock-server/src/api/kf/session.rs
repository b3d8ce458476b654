//! `kf/service_state/get|trans` (who has a customer's session), `kf/servicer/add|del|list` and
//! `kf/customer/batchget`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::kf::{
    CustomerBatchGet, CustomerBatchGetResponse, CustomerInfo, EnterSessionContext, ServiceState,
    ServiceStateRequest, ServiceStateResponse, ServiceTransResponse, ServicerInfo,
    ServicerListResponse, ServicerResult, ServicerResultResponse, Servicers, END_CODE_TTL_S,
    QUEUE_CODE_TTL_S,
};
use wecom_wire::{Errcode, WireError};

use super::{account, customer, kf_caller};
use crate::api::{json, ok, ApiResult, Params, RawBody};
use crate::state::State as Shared;
use crate::store::kf::Code;

/// Ids per `servicer/add|del` and `customer/batchget` call [U: believed 100].
const MAX_IDS_PER_CALL: usize = 100;

pub async fn state_get(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: ServiceStateRequest = json(&body)?;
    let sim = st.sim();
    let open_kfid = account(&sim, who, req.open_kfid.as_deref())?;
    let cust = customer(&sim, who, req.external_userid.as_deref())?;
    let key = (who.corp, open_kfid.to_owned(), cust);
    let (state, servicer) = sim
        .store
        .kf
        .sessions
        .get(&key)
        .map(|s| (s.state, s.servicer.clone()))
        .unwrap_or_default();
    ok(ServiceStateResponse {
        service_state: state.0,
        servicer_userid: servicer.filter(|_| state == ServiceState::SERVICER),
    })
}

pub async fn state_trans(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: ServiceStateRequest = json(&body)?;
    let sim = st.sim();
    let open_kfid = account(&sim, who, req.open_kfid.as_deref())?;
    let cust = customer(&sim, who, req.external_userid.as_deref())?;
    let to = req
        .service_state
        .filter(|s| (0..=4).contains(s))
        .map(ServiceState)
        .ok_or_else(|| WireError::invalid_field("service_state"))?;
    let servicer = if to == ServiceState::SERVICER {
        let userid = req.servicer_userid.unwrap_or_default();
        // Stored as the account lists it, whatever case the caller used.
        let found = sim
            .store
            .kf
            .accounts
            .get(&(who.corp, open_kfid.to_owned()))
            .and_then(|a| {
                a.servicers
                    .iter()
                    .find(|(u, _)| u.eq_ignore_ascii_case(&userid))
                    .cloned()
            });
        match found {
            None => return Err(Errcode::KF_INVALID_SERVICER.into()),
            Some((_, status)) if status != 0 => return Err(Errcode::KF_SERVICER_STOPPED.into()),
            Some((u, _)) => Some(u),
        }
    } else {
        None
    };
    let now_ms = st.clock.now_ms();
    let key = (who.corp, open_kfid.to_owned(), cust);
    // A refused change must not leave a session behind where there was none.
    let mut session = match sim.store.kf.sessions.get_mut(&key) {
        Some(s) => s,
        None if ServiceState::NEW.may_become(to) => sim.store.kf.sessions.entry(key).or_default(),
        None => return Err(Errcode::KF_INVALID_STATE_CHANGE.into()),
    };
    if !session.state.may_become(to) {
        return Err(Errcode::KF_INVALID_STATE_CHANGE.into());
    }
    // A code comes with the first move to the queue or to a servicer, and with the end of the session.
    let ttl_s = match to {
        ServiceState::QUEUED | ServiceState::SERVICER if !session.coded => Some(QUEUE_CODE_TTL_S),
        ServiceState::ENDED => Some(END_CODE_TTL_S),
        _ => None,
    };
    session.state = to;
    session.servicer = servicer;
    crate::kf_route::servicer_assigned(&st, &sim, (who.corp, open_kfid, cust), &mut session);
    if matches!(to, ServiceState::QUEUED | ServiceState::SERVICER) {
        session.coded = true;
    }
    if to == ServiceState::ENDED {
        session.unanswered.clear();
        session.last_customer_ms = None;
    }
    drop(session);
    let msg_code = ttl_s.map(|ttl_s| {
        let code = st.ids.response_code();
        let c = Code {
            corp: who.corp,
            open_kfid: open_kfid.to_owned(),
            customer: cust,
            expires_ms: now_ms + ttl_s * 1000,
        };
        sim.store.kf.add_code(code.clone(), c, now_ms);
        code
    });
    ok(ServiceTransResponse { msg_code })
}

fn check_ids(ids: &[String], field: &str) -> Result<(), WireError> {
    if ids.is_empty() || ids.len() > MAX_IDS_PER_CALL {
        return Err(WireError::invalid_field(field));
    }
    Ok(())
}

async fn change_servicers(st: Arc<Shared>, q: Params, body: bytes::Bytes, add: bool) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: Servicers = json(&body)?;
    check_ids(&req.userid_list, "userid_list")?;
    let sim = st.sim();
    let open_kfid = account(&sim, who, req.open_kfid.as_deref())?;
    let corp = &sim.world.corps[who.corp];
    let mut result_list = Vec::with_capacity(req.userid_list.len());
    let mut a = sim
        .store
        .kf
        .accounts
        .get_mut(&(who.corp, open_kfid.to_owned()))
        .ok_or(Errcode::KF_OPEN_KFID_NOT_EXIST)?;
    for id in req.userid_list {
        let code = match corp.user(&id) {
            None => Errcode::USERID_NOT_FOUND,
            Some(u) => {
                let at = a.servicers.iter().position(|(s, _)| *s == u.userid);
                match (add, at) {
                    (true, None) => a.servicers.push((u.userid.clone(), 0)),
                    (false, Some(i)) => drop(a.servicers.remove(i)),
                    _ => {}
                }
                Errcode::OK
            }
        };
        result_list.push(ServicerResult {
            userid: id,
            errcode: code.0,
            errmsg: code.text().to_owned(),
        });
    }
    ok(ServicerResultResponse { result_list })
}

pub async fn servicer_add(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    change_servicers(st, q, body, true).await
}

pub async fn servicer_del(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    change_servicers(st, q, body, false).await
}

pub async fn servicer_list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let sim = st.sim();
    let open_kfid = q.get("open_kfid");
    let open_kfid = account(&sim, who, open_kfid.as_deref())?;
    let servicer_list = sim
        .store
        .kf
        .accounts
        .get(&(who.corp, open_kfid.to_owned()))
        .map(|a| {
            a.servicers
                .iter()
                .map(|(userid, status)| ServicerInfo {
                    userid: userid.clone(),
                    status: *status,
                })
                .collect()
        })
        .unwrap_or_default();
    ok(ServicerListResponse { servicer_list })
}

pub async fn customer_batchget(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: CustomerBatchGet = json(&body)?;
    check_ids(&req.external_userid_list, "external_userid_list")?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let with_context = req.need_enter_session_context == Some(1);
    let mut out = CustomerBatchGetResponse {
        customer_list: Vec::new(),
        invalid_external_userid: Vec::new(),
    };
    for id in req.external_userid_list {
        let Some(i) = corp.customer_index(&id) else {
            out.invalid_external_userid.push(id);
            continue;
        };
        let c = &corp.customers.at(i);
        let enter_session_context = with_context.then(|| {
            let scene = sim
                .store
                .kf
                .scenes
                .get(&(who.corp, i))
                .map(|s| s.clone())
                .unwrap_or_default();
            EnterSessionContext {
                scene: scene.0,
                scene_param: scene.1,
            }
        });
        out.customer_list.push(CustomerInfo {
            external_userid: c.external_userid.clone(),
            nickname: c.name.clone(),
            avatar: c.avatar.clone(),
            gender: c.gender,
            unionid: c.unionid.clone(),
            enter_session_context,
        });
    }
    ok(out)
}
