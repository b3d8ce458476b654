//! `transfer_customer` (在职继承) and `resigned/transfer_customer` (离职继承), their `transfer_result`s, and
//! `get_unassigned_list`. A transfer refused for one customer does not stop the others: each gets its errcode.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::externalcontact::transfer::{
    CustomerErrcode, CustomerStatus, LegacyTransferRequest, ResultResponse, TransferRequest,
    TransferResponse, Unassigned, UnassignedRequest, UnassignedResponse, MAX_PER_TRANSFER,
    RESULT_PAGE, UNASSIGNED_PAGE_MAX,
};
use wecom_wire::{Errcode, WireError};

use super::{contacts_caller, member};
use crate::api::{json, ok, paging, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::transfers::{Refusal, Transfer, NO_RECORD};

/// Handover and takeover members: both must exist, differ (40130), and the taker must still work here. A
/// resigned transfer needs a handover who resigned (40097); an on-the-job one, one who did not.
fn members(
    sim: &Sim,
    who: Caller,
    req: &TransferRequest,
    resigned: bool,
) -> Result<(usize, usize), ApiError> {
    let corp = &sim.world.corps[who.corp];
    let from = member(corp, req.handover_userid.as_deref())?;
    let to = member(corp, req.takeover_userid.as_deref())?;
    let gone = |u| sim.store.transfers.is_resigned(who.corp, u);
    if from == to {
        return Err(Errcode::SAME_HANDOVER_TAKEOVER.into());
    }
    if gone(to) {
        return Err(WireError::invalid_field("takeover_userid").into());
    }
    if resigned && !gone(from) {
        return Err(Errcode::MEMBER_NOT_RESIGNED.into());
    }
    // [U] WeCom's answer for an on-the-job transfer from a member who left is not documented.
    if !resigned && gone(from) {
        return Err(WireError::invalid_field("handover_userid").into());
    }
    Ok((from, to))
}

async fn transfer(st: Arc<Shared>, q: Params, body: bytes::Bytes, resigned: bool) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TransferRequest = json(&body)?;
    let customer = start(&st, who, req, resigned)?;
    ok(TransferResponse { customer })
}

/// Checks a transfer request and starts what it may: each customer with its errcode.
fn start(
    st: &Shared,
    who: Caller,
    req: TransferRequest,
    resigned: bool,
) -> Result<Vec<CustomerErrcode>, ApiError> {
    if req.external_userid.is_empty() || req.external_userid.len() > MAX_PER_TRANSFER {
        return Err(WireError::invalid_field("external_userid").into());
    }
    if req
        .transfer_success_msg
        .as_ref()
        .is_some_and(|m| m.chars().count() > 200)
    {
        return Err(WireError::too_long("transfer_success_msg", 200).into());
    }
    let sim = st.sim();
    let (from, to) = members(&sim, who, &req, resigned)?;
    let corp = &sim.world.corps[who.corp];
    // Unknown ids are answered 40096 without starting anything for them.
    let known: Vec<usize> = req
        .external_userid
        .iter()
        .filter_map(|e| corp.customer_index(e))
        .collect();
    let mut outcomes = sim
        .store
        .transfers
        .start(
            &sim.store.contacts,
            who.corp,
            (from, to),
            &known,
            resigned,
            st.clock.now_s(),
        )
        .into_iter();
    let customer = req
        .external_userid
        .into_iter()
        .map(|external_userid| {
            let errcode = match corp.customer_index(&external_userid) {
                None => Errcode::INVALID_EXTERNAL_USERID,
                Some(_) => match outcomes.next() {
                    Some(Ok(())) => Errcode::OK,
                    Some(Err(Refusal::NotTheirs)) | None => Errcode::NOT_FOLLOWER,
                    Some(Err(Refusal::Busy)) => Errcode::CUSTOMER_IN_TRANSFER,
                    Some(Err(Refusal::TooOften)) => Errcode::TRANSFER_TOO_OFTEN,
                    Some(Err(Refusal::SameMember)) => Errcode::SAME_HANDOVER_TAKEOVER,
                },
            };
            CustomerErrcode {
                external_userid,
                errcode: errcode.0,
            }
        })
        .collect();
    Ok(customer)
}

/// The legacy `externalcontact/transfer` (wechatpy's `external_contact.transfer`): WeCom's doc says it is no
/// longer maintained, not that it is gone, and SDK maintainers report it still answering. A handover who left
/// makes it a resigned transfer, one who works here an on-the-job one (the doc: an on-the-job member with the
/// same userid wins, which in the mock is the only member of that userid); the one customer's outcome is the
/// call's errcode.
pub async fn legacy_transfer(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: LegacyTransferRequest = json(&body)?;
    if req
        .external_userid
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        return Err(WireError::invalid_field("external_userid").into());
    }
    let resigned = {
        let sim = st.sim();
        let corp = &sim.world.corps[who.corp];
        let from = member(corp, req.handover_userid.as_deref())?;
        sim.store.transfers.is_resigned(who.corp, from)
    };
    let outcome = start(&st, who, req.into(), resigned)?;
    match outcome.first().map(|c| Errcode(c.errcode)) {
        Some(code) if !code.is_ok() => Err(code.into()),
        _ => ok(wecom_wire::envelope::Empty {}),
    }
}

pub async fn transfer_customer(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    transfer(st, q, body, false).await
}

pub async fn resigned_transfer_customer(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    transfer(st, q, body, true).await
}

/// Both result endpoints answer from the same records; a pair with none gets an empty list. With
/// `external_userid` (the older per-customer form), each named customer gets their latest record for the pair,
/// or status 5 (no record) with `takeover_time` 0.
pub async fn transfer_result(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TransferRequest = json(&body)?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let from = member(corp, req.handover_userid.as_deref())?;
    let to = member(corp, req.takeover_userid.as_deref())?;
    let start = paging::start(&st, req.cursor.as_deref())?;
    let mut records = sim.store.transfers.results(who.corp, from, to);
    if !req.external_userid.is_empty() {
        records = named(corp, &records, &req.external_userid, (from, to))?;
    }
    let end = start.saturating_add(RESULT_PAGE).min(records.len());
    let customer = records
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|t| CustomerStatus {
            external_userid: corp.customers.external_userid(t.customer).into_owned(),
            status: t.status,
            takeover_time: t.takeover_time,
        })
        .collect();
    let next_cursor = if end < records.len() {
        st.ids.cursor(end as u64)
    } else {
        String::new()
    };
    ok(ResultResponse {
        customer,
        next_cursor,
    })
}

/// The latest record of each named customer, or a [`NO_RECORD`] stand-in; an unknown id refuses the call.
fn named(
    corp: &crate::world::Corp,
    records: &[Transfer],
    ids: &[String],
    (handover, takeover): (usize, usize),
) -> Result<Vec<Transfer>, ApiError> {
    if ids.len() > MAX_PER_TRANSFER {
        return Err(WireError::invalid_field("external_userid").into());
    }
    ids.iter()
        .map(|e| {
            let customer = corp
                .customer_index(e)
                .ok_or_else(|| WireError::new(Errcode::INVALID_EXTERNAL_USERID))?;
            Ok(records
                .iter()
                .rev()
                .find(|t| t.customer == customer)
                .cloned()
                .unwrap_or(Transfer {
                    customer,
                    handover,
                    takeover,
                    status: NO_RECORD,
                    takeover_time: 0,
                    started_s: 0,
                    resigned: false,
                    refused: false,
                }))
        })
        .collect()
}

pub async fn unassigned_list(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: UnassignedRequest = json(&body)?;
    let size = paging::size(
        req.page_size,
        (UNASSIGNED_PAGE_MAX, UNASSIGNED_PAGE_MAX),
        "page_size",
    )?;
    let start = match req.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => st
            .ids
            .cursor_pos(c)
            .ok_or_else(|| WireError::invalid_field("cursor"))? as usize,
        // The legacy page_id counts pages of page_size; one so large that the offset overflows is refused
        // rather than wrapped.
        None => usize::try_from(req.page_id.unwrap_or(0).max(0))
            .ok()
            .and_then(|p| p.checked_mul(size))
            .ok_or_else(|| WireError::invalid_field("page_id"))?,
    };
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let all = sim
        .store
        .transfers
        .unassigned(&sim.store.contacts, who.corp);
    let end = start.saturating_add(size).min(all.len());
    let info = all
        .get(start.min(all.len())..end)
        .unwrap_or_default()
        .iter()
        .map(|&(user, customer, since)| Unassigned {
            handover_userid: corp.member(user).userid.clone(),
            external_userid: corp.customers.external_userid(customer).into_owned(),
            dimission_time: since,
        })
        .collect();
    let is_last = end >= all.len();
    let next_cursor = if is_last {
        String::new()
    } else {
        st.ids.cursor(end as u64)
    };
    ok(UnassignedResponse {
        info,
        is_last,
        next_cursor,
    })
}
