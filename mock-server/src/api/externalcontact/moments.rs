//! 客户朋友圈: the corp asks members to publish a moment (`add_moment_task`, a job whose result names the
//! moment), stops it (`cancel_moment_task`), and reads moments, who published, whom they reached and the
//! customers' likes and comments. Members publish and customers react through the control API.

use axum::extract::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::externalcontact::moments::{
    AddMomentTask, CommentsResponse, CustomerListResponse, InvalidContacts, InvalidSenders,
    JobResponse, JobResult, MomentId, MomentList, MomentListResponse, Publish, Reaction,
    TaskListResponse, TaskResultResponse, JOB_DONE, LIST_LIMIT_MAX, SEND_RESULT_LIMIT_MAX,
    TASK_LIMIT_MAX,
};
use wecom_wire::{Errcode, WireError};

use super::acquisition::page;
use super::contacts_caller;
use crate::api::message::check_media;
use crate::api::{json, ok, paging, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::moments::{Job, Moment};

/// Members a moment goes to: those named and those in the departments named; none named: every member who has
/// customers [U]. Returns them with the names that are no member or department.
fn senders(sim: &Sim, who: Caller, req: &AddMomentTask) -> (Vec<usize>, Vec<String>, Vec<i64>) {
    let c = &sim.world.corps[who.corp];
    let list = req
        .visible_range
        .as_ref()
        .and_then(|v| v.sender_list.as_ref());
    let (mut members, mut bad_users, mut bad_depts) = (Vec::new(), Vec::new(), Vec::new());
    for u in list.map(|l| l.user_list.as_slice()).unwrap_or_default() {
        match c.user_index(u) {
            Some(i) => members.push(i),
            None => bad_users.push(u.clone()),
        }
    }
    for d in list
        .map(|l| l.department_list.as_slice())
        .unwrap_or_default()
    {
        match c.department(d.0) {
            Some(_) => members.extend(c.department_members(d.0)),
            None => bad_depts.push(d.0),
        }
    }
    let named = list.is_some_and(|l| !l.user_list.is_empty() || !l.department_list.is_empty());
    if !named {
        members = (0..c.users.len())
            .filter(|&u| sim.store.contacts.has_customers(who.corp, u))
            .collect();
    }
    let mut seen = std::collections::HashSet::new();
    members.retain(|u| seen.insert(*u));
    (members, bad_users, bad_depts)
}

pub async fn add_moment_task(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: AddMomentTask = json(&body)?;
    let content = req.content()?;
    let sim = st.sim();
    check_media(&sim, &st, who.corp, &content.media_ids)?;
    let (members, invalid_users, invalid_departments) = senders(&sim, who, &req);
    let wanted = req
        .visible_range
        .as_ref()
        .and_then(|v| v.external_contact_list.as_ref());
    let (mut tags, mut invalid_tags) = (Vec::new(), Vec::new());
    for t in wanted.map(|w| w.tag_list.as_slice()).unwrap_or_default() {
        match sim.store.contacts.tag_names(who.corp, t) {
            Some(_) => tags.push(t.clone()),
            None => invalid_tags.push(t.clone()),
        }
    }
    let moment_id = format!("mom{}", st.ids.tag_id());
    let jobid = st.ids.tag_id();
    let m = Moment {
        creator: None,
        create_time: st.clock.now_s(),
        content,
        senders: members,
        tags,
        published: BTreeMap::new(),
        cancelled: false,
        comments: Vec::new(),
        likes: Vec::new(),
        order: sim.store.moments.next_order(),
    };
    sim.store
        .moments
        .moments
        .insert((who.corp, moment_id.clone()), m);
    let job = Job {
        moment_id,
        invalid_users,
        invalid_departments,
        invalid_tags,
    };
    sim.store
        .moments
        .jobs
        .insert((who.corp, jobid.clone()), job);
    ok(JobResponse { jobid })
}

/// GET `?jobid=` (the doc) or POST. The mock finishes a job at once [U: WeCom reports 1 and 2 meanwhile].
pub async fn task_result(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let from_body: Value = if body.is_empty() {
        Value::Null
    } else {
        json(&body)?
    };
    let jobid = q.get("jobid").map(|j| j.into_owned()).or_else(|| {
        from_body
            .get("jobid")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let jobid = jobid
        .filter(|j| !j.is_empty())
        .ok_or_else(|| WireError::missing("jobid"))?;
    let sim = st.sim();
    let job = sim
        .store
        .moments
        .jobs
        .get(&(who.corp, jobid))
        .map(|j| j.clone());
    let job = job.ok_or(Errcode::JOBID_NOT_FOUND)?;
    ok(TaskResultResponse {
        status: JOB_DONE,
        kind: "add_moment_task",
        result: JobResult {
            errcode: 0,
            errmsg: "ok".into(),
            moment_id: job.moment_id,
            invalid_sender_list: InvalidSenders {
                user_list: job.invalid_users,
                department_list: job.invalid_departments,
            },
            invalid_external_contact_list: InvalidContacts {
                tag_list: job.invalid_tags,
            },
        },
    })
}

/// A moment of the caller's corp: 41059 without an id, 41060 for one it does not have.
fn moment(sim: &Sim, who: Caller, req: &MomentId) -> Result<(String, Moment), ApiError> {
    let id = req.moment_id()?.to_owned();
    let m = sim
        .store
        .moments
        .moments
        .get(&(who.corp, id.clone()))
        .map(|m| m.clone());
    Ok((id, m.ok_or(Errcode::INVALID_MOMENT_ID)?))
}

pub async fn cancel(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MomentId = json(&body)?;
    let sim = st.sim();
    let (id, m) = moment(&sim, who, &req)?;
    // Only the corp's moments are the corp's to stop.
    if m.creator.is_some() {
        return Err(Errcode::MOMENT_ID_TYPE.into());
    }
    if let Some(mut m) = sim.store.moments.moments.get_mut(&(who.corp, id)) {
        m.cancelled = true;
    }
    ok(Empty {})
}

fn list_item(sim: &Sim, who: Caller, id: &str, m: &Moment) -> Value {
    let c = &sim.world.corps[who.corp];
    let mut item = json!({
        "moment_id": id,
        "creator": m.creator.map(|u| c.member(u).userid.clone()).unwrap_or_default(),
        "create_time": m.create_time,
        "create_type": if m.creator.is_some() { 1 } else { 0 },
        "visible_type": if m.tags.is_empty() { 1 } else { 0 },
        "text": {"content": m.content.text},
    });
    if let Some(o) = item.as_object_mut() {
        o.extend(m.content.shown.clone());
    }
    item
}

pub async fn list(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MomentList = json(&body)?;
    let (start, end) = req.window()?;
    let (from, limit) = page(&st, req.cursor.as_deref(), req.limit, LIST_LIMIT_MAX)?;
    let sim = st.sim();
    let c = &sim.world.corps[who.corp];
    let creator = match req.creator.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => Some(c.user_index(u).ok_or(Errcode::INVALID_USERID)?),
        None => None,
    };
    let filter = req.filter_type.unwrap_or(2);
    let mut all: Vec<(u64, String, Moment)> = sim
        .store
        .moments
        .moments
        .iter()
        .filter(|m| m.key().0 == who.corp && (start..=end).contains(&m.create_time))
        .filter(|m| match filter {
            0 => m.creator.is_none(),
            1 => m.creator.is_some(),
            _ => true,
        })
        // A corp moment counts as its publishers' (the doc's `creator` filters who posted it).
        .filter(|m| creator.is_none_or(|u| m.creator == Some(u) || m.published.contains_key(&u)))
        .map(|m| (m.order, m.key().1.clone(), m.value().clone()))
        .collect();
    all.sort_by_key(|(order, _, _)| *order);
    let moment_list: Vec<Value> = all
        .iter()
        .skip(from)
        .take(limit)
        .map(|(_, id, m)| list_item(&sim, who, id, m))
        .collect();
    let next = from + moment_list.len();
    ok(MomentListResponse {
        next_cursor: paging::next_cursor(&st, next, all.len()),
        moment_list,
    })
}

pub async fn task(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MomentId = json(&body)?;
    let (from, limit) = page(&st, req.cursor.as_deref(), req.limit, TASK_LIMIT_MAX)?;
    let sim = st.sim();
    let (_, m) = moment(&sim, who, &req)?;
    let c = &sim.world.corps[who.corp];
    let task_list: Vec<Publish> = m
        .senders
        .iter()
        .skip(from)
        .take(limit)
        .map(|u| Publish {
            userid: c.member(*u).userid.clone(),
            publish_status: i64::from(m.published.contains_key(u)),
        })
        .collect();
    let next = from + task_list.len();
    ok(TaskListResponse {
        next_cursor: paging::next_cursor(&st, next, m.senders.len()),
        task_list,
    })
}

/// The customers a member's publication reached: 41062 until they publish it, 41061 for one not asked to.
fn reached(sim: &Sim, who: Caller, req: &MomentId) -> Result<(usize, Vec<usize>), ApiError> {
    let (_, m) = moment(sim, who, req)?;
    let c = &sim.world.corps[who.corp];
    let u = req
        .userid
        .as_deref()
        .and_then(|u| c.user_index(u))
        .ok_or(Errcode::INVALID_USERID)?;
    if !m.senders.contains(&u) && m.creator != Some(u) {
        return Err(Errcode::MOMENT_NOT_BY_USER.into());
    }
    let customers = m
        .published
        .get(&u)
        .cloned()
        .ok_or(Errcode::MOMENT_NOT_PUBLISHED)?;
    Ok((u, customers))
}

async fn customers(
    st: Arc<Shared>,
    q: Params,
    body: bytes::Bytes,
    max: i64,
    with_userid: bool,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MomentId = json(&body)?;
    let (from, limit) = page(&st, req.cursor.as_deref(), req.limit, max)?;
    let sim = st.sim();
    let (u, reached) = reached(&sim, who, &req)?;
    let c = &sim.world.corps[who.corp];
    let customer_list: Vec<Value> = reached
        .iter()
        .skip(from)
        .take(limit)
        .map(|&i| {
            let e = &c.customers.external_userid(i);
            if with_userid {
                json!({"userid": c.member(u).userid, "external_userid": e})
            } else {
                json!({"external_userid": e})
            }
        })
        .collect();
    let next = from + customer_list.len();
    ok(CustomerListResponse {
        next_cursor: paging::next_cursor(&st, next, reached.len()),
        customer_list,
    })
}

pub async fn customer_list(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    customers(st, q, body, TASK_LIMIT_MAX, true).await
}

pub async fn send_result(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    customers(st, q, body, SEND_RESULT_LIMIT_MAX, false).await
}

pub async fn comments(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MomentId = json(&body)?;
    let sim = st.sim();
    let (u, _) = reached(&sim, who, &req)?;
    let (_, m) = moment(&sim, who, &req)?;
    let c = &sim.world.corps[who.corp];
    let r = |i: usize, t: i64| Reaction {
        external_userid: c.customers.external_userid(i).into_owned(),
        create_time: t,
    };
    ok(CommentsResponse {
        comment_list: m
            .comments
            .iter()
            .filter(|x| x.1 == u)
            .map(|x| r(x.0, x.2))
            .collect(),
        like_list: m
            .likes
            .iter()
            .filter(|x| x.1 == u)
            .map(|x| r(x.0, x.2))
            .collect(),
    })
}
