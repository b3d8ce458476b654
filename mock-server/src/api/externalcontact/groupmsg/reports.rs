//! What follows a group send: the lists and tasks, each member's send results, reminders and cancelling.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::externalcontact::groupmsg::{
    GroupMsgInfo, ListV2Request, ListV2Response, MsgidRequest, OldResultResponse, SendInfo,
    SendResultResponse, TaskInfo, TaskResponse, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, RESULT_PENDING,
    TASK_LIMIT_DEFAULT, TASK_LIMIT_MAX, TASK_PENDING, TASK_SENT,
};
use wecom_wire::WireError;

use super::super::{contacts_caller, member};
use crate::api::{json, ok, paging, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::groupmsgs::{GroupMsg, Target};
use crate::world::Corp;

pub async fn list_v2(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: ListV2Request = json(&body)?;
    let (Some(start_time), Some(end_time)) = (req.start_time, req.end_time) else {
        return Err(WireError::invalid_field("start_time").into());
    };
    let to_groups = match req.chat_type.as_deref().unwrap_or("single") {
        "single" => false,
        "group" => true,
        _ => return Err(WireError::invalid_field("chat_type").into()),
    };
    let filter_type = req.filter_type.unwrap_or(2);
    if !(0..=2).contains(&filter_type) {
        return Err(WireError::invalid_field("filter_type").into());
    }
    let (start, limit) = paging::page(
        &st,
        req.cursor.as_deref(),
        req.limit,
        (LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX),
    )?;
    let sim = st.sim();
    let c = &sim.world.corps[who.corp];
    let creator = match req.creator.as_deref().filter(|s| !s.is_empty()) {
        Some(u) => Some(member(c, Some(u))?),
        None => None,
    };
    let msgs = sim.store.groupmsgs.corps[who.corp].lock();
    let matching: Vec<GroupMsgInfo> = msgs
        .iter()
        .filter(|m| m.to_groups == to_groups && (start_time..=end_time).contains(&m.create_time))
        .filter(|m| creator.is_none_or(|u| m.creator == Some(u)))
        .filter(|m| filter_type == 2 || m.create_type == filter_type)
        .map(|m| GroupMsgInfo {
            msgid: m.msgid.clone(),
            creator: m
                .creator
                .map(|u| c.member(u).userid.clone())
                .unwrap_or_default(),
            create_time: m.create_time,
            create_type: m.create_type,
            text: m.text.clone(),
            attachments: m.attachments.clone(),
        })
        .collect();
    let end = (start + limit).min(matching.len());
    let next_cursor = paging::next_cursor(&st, end, matching.len());
    let group_msg_list = matching.into_iter().skip(start).take(limit).collect();
    ok(ListV2Response {
        group_msg_list,
        next_cursor,
    })
}

/// The group send named by `msgid` (40058 when there is none), cloned out of the lock.
fn find(sim: &Sim, who: Caller, msgid: Option<&str>) -> Result<GroupMsg, ApiError> {
    let id = msgid.unwrap_or_default();
    sim.store.groupmsgs.corps[who.corp]
        .lock()
        .iter()
        .find(|m| m.msgid == id)
        .cloned()
        .ok_or_else(|| WireError::invalid_field("msgid").into())
}

pub async fn task(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MsgidRequest = json(&body)?;
    let (start, limit) = paging::page(
        &st,
        req.cursor.as_deref(),
        req.limit,
        (TASK_LIMIT_DEFAULT, TASK_LIMIT_MAX),
    )?;
    let sim = st.sim();
    let m = find(&sim, who, req.msgid.as_deref())?;
    let c = &sim.world.corps[who.corp];
    let all: Vec<TaskInfo> = m
        .members()
        .into_iter()
        .map(|u| {
            let sent = m.sent.iter().find(|(s, _)| *s == u).map(|(_, t)| *t);
            TaskInfo {
                userid: c.member(u).userid.clone(),
                status: if sent.is_some() {
                    TASK_SENT
                } else {
                    TASK_PENDING
                },
                send_time: sent,
            }
        })
        .collect();
    let end = (start + limit).min(all.len());
    let next_cursor = paging::next_cursor(&st, end, all.len());
    ok(TaskResponse {
        task_list: all.into_iter().skip(start).take(limit).collect(),
        next_cursor,
    })
}

fn send_info(c: &Corp, t: &Target) -> SendInfo {
    SendInfo {
        external_userid: t
            .customer
            .map(|i| c.customers.external_userid(i).into_owned())
            .unwrap_or_default(),
        chat_id: t.chat_id.clone().unwrap_or_default(),
        userid: c.member(t.user).userid.clone(),
        status: t.status,
        send_time: t.send_time,
    }
}

pub async fn send_result(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MsgidRequest = json(&body)?;
    let (start, limit) = paging::page(
        &st,
        req.cursor.as_deref(),
        req.limit,
        (TASK_LIMIT_DEFAULT, TASK_LIMIT_MAX),
    )?;
    let sim = st.sim();
    let c = &sim.world.corps[who.corp];
    let user = member(c, req.userid.as_deref())?;
    let m = find(&sim, who, req.msgid.as_deref())?;
    let all: Vec<SendInfo> = m
        .targets
        .iter()
        .filter(|t| t.user == user)
        .map(|t| send_info(c, t))
        .collect();
    let end = (start + limit).min(all.len());
    let next_cursor = paging::next_cursor(&st, end, all.len());
    ok(SendResultResponse {
        send_list: all.into_iter().skip(start).take(limit).collect(),
        next_cursor,
    })
}

/// The older report: every recipient, and whether the whole send is done (1), not yet (0) or cancelled (2).
pub async fn old_result(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MsgidRequest = json(&body)?;
    let sim = st.sim();
    let m = find(&sim, who, req.msgid.as_deref())?;
    let c = &sim.world.corps[who.corp];
    let check_status = if m.cancelled {
        2
    } else if m.targets.iter().all(|t| t.status != RESULT_PENDING) {
        1
    } else {
        0
    };
    ok(OldResultResponse {
        check_status,
        detail_list: m.targets.iter().map(|t| send_info(c, t)).collect(),
    })
}

pub async fn remind(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MsgidRequest = json(&body)?;
    let sim = st.sim();
    let m = find(&sim, who, req.msgid.as_deref())?;
    if m.cancelled {
        return Err(WireError::invalid_field("msgid").into());
    }
    ok(Empty {})
}

/// Members who have not sent yet can no longer; what was sent stays sent.
pub async fn cancel(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MsgidRequest = json(&body)?;
    let sim = st.sim();
    let id = req.msgid.unwrap_or_default();
    let mut msgs = sim.store.groupmsgs.corps[who.corp].lock();
    let m = msgs
        .iter_mut()
        .find(|m| m.msgid == id)
        .ok_or_else(|| ApiError::from(WireError::invalid_field("msgid")))?;
    m.cancelled = true;
    ok(Empty {})
}
