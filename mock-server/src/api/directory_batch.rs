//! The asynchronous imports of the contacts-sync secret: `batch/syncuser` (create or update the file's
//! members), `batch/replaceuser` (and delete the members the file leaves out), `batch/replaceparty` (the
//! departments), each from a CSV uploaded with `media/upload`, and `batch/getresult`. A job runs to the end
//! when it is submitted, so `getresult` always finds it done (status 3); each row succeeds or fails alone, and
//! each change is announced as `change_contact`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::directory::batch::{self, JobCreated, JobResult, JobType, RowResult, JOB_DONE};
use wecom_wire::directory::change::ContactChange;
use wecom_wire::directory::edit::{department_fields, user_fields, DepartmentRaw, UserRaw};
use wecom_wire::{Errcode, WireError};

use super::directory_write::sync_caller;
use super::{json, ok, ApiResult, Params, RawBody};
use crate::directory::write;
use crate::state::State as Shared;
use crate::store::Owner;
use crate::world::Corp;

type St = State<Arc<Shared>>;

/// The CSV a job names: a file the corp uploaded and that has not expired.
fn csv_of(st: &Shared, corp: usize, req: &batch::BatchRequest) -> Result<String, WireError> {
    let id = req
        .media_id
        .as_deref()
        .filter(|m| !m.is_empty())
        .ok_or(Errcode::INVALID_MEDIA_ID)?;
    let now_s = st.clock.now_s();
    let sim = st.sim();
    let m = sim
        .store
        .media
        .get(id)
        .map(|m| m.clone())
        .filter(|m| {
            m.owner == Owner::Corp(corp) && now_s < m.created_s + wecom_wire::media::MEDIA_TTL_S
        })
        .ok_or(Errcode::INVALID_MEDIA_ID)?;
    Ok(String::from_utf8_lossy(&m.data).into_owned())
}

fn user_result(userid: &str, r: Result<(), WireError>) -> RowResult {
    let (errcode, errmsg) = match r {
        Ok(()) => (0, String::new()),
        Err(e) => (e.code.0, e.text().to_owned()),
    };
    RowResult::User {
        userid: userid.to_owned(),
        errcode,
        errmsg,
    }
}

/// One member row: an update when the member exists, else a creation.
fn user_row(c: &mut Corp, raw: UserRaw, changes: &mut Vec<ContactChange>) -> Result<(), WireError> {
    let exists = raw
        .userid
        .as_deref()
        .is_some_and(|u| c.user_index(u).is_some());
    let fields = user_fields(raw, !exists)?;
    let change = if exists {
        c.update_user(fields)?
    } else {
        c.create_user(fields)?
    };
    changes.push(change);
    Ok(())
}

fn run_users(
    c: &mut Corp,
    rows: Vec<UserRaw>,
    replace: bool,
) -> (Vec<RowResult>, Vec<ContactChange>) {
    let mut changes = Vec::new();
    let mut named = Vec::with_capacity(rows.len());
    let results = rows
        .into_iter()
        .map(|raw| {
            let userid = raw.userid.clone().unwrap_or_default();
            named.push(userid.to_lowercase());
            let r = user_row(c, raw, &mut changes);
            user_result(&userid, r)
        })
        .collect();
    if replace {
        let gone: Vec<String> = c
            .users
            .iter()
            .filter(|u| !u.deleted && !named.contains(&u.userid.to_lowercase()))
            .map(|u| u.userid.clone())
            .collect();
        if let Ok(deleted) = c.delete_users(&gone) {
            changes.extend(deleted);
        }
    }
    (results, changes)
}

fn party_row(
    c: &mut Corp,
    raw: DepartmentRaw,
    changes: &mut Vec<ContactChange>,
) -> Result<i64, WireError> {
    let id = raw.id.ok_or(Errcode::INVALID_PARTY)?;
    let exists = c.department(id).is_some();
    let fields = department_fields(raw, !exists)?;
    if exists {
        changes.push(c.update_department(fields)?);
        Ok(2)
    } else {
        changes.push(c.create_department(fields)?.1);
        Ok(1)
    }
}

fn run_parties(c: &mut Corp, rows: Vec<DepartmentRaw>) -> (Vec<RowResult>, Vec<ContactChange>) {
    let mut changes = Vec::new();
    let named: Vec<i64> = rows.iter().filter_map(|r| r.id).collect();
    // Parents first: a row whose parent comes later in the file waits for it.
    let mut pending: Vec<DepartmentRaw> = rows;
    let mut results = Vec::new();
    loop {
        let before = pending.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|r| {
            r.parentid.is_none_or(|p| c.department(p).is_some())
                || r.id.is_some_and(|id| c.department(id).is_some())
        });
        pending = waiting;
        for raw in ready {
            let partyid = raw.id.unwrap_or(0);
            let r = party_row(c, raw, &mut changes);
            results.push(party_result(partyid, r));
        }
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    for raw in pending {
        let partyid = raw.id.unwrap_or(0);
        results.push(party_result(partyid, Err(Errcode::PARENT_NOT_FOUND.into())));
    }
    // Departments the file leaves out go, deepest first, when nobody is in them.
    loop {
        let doomed = c
            .departments
            .iter()
            .filter(|d| d.parentid != 0 && !named.contains(&d.id))
            .map(|d| d.id)
            .find(|&id| {
                !c.departments.iter().any(|x| x.parentid == id)
                    && !c.users.iter().any(|u| u.departments.contains(&id))
            });
        match doomed.map(|id| c.delete_department(id)) {
            Some(Ok(change)) => changes.push(change),
            _ => break,
        }
    }
    (results, changes)
}

fn party_result(partyid: i64, r: Result<i64, WireError>) -> RowResult {
    let (action, errcode, errmsg) = match r {
        Ok(action) => (action, 0, String::new()),
        Err(e) => (0, e.code.0, e.text().to_owned()),
    };
    RowResult::Party {
        action,
        partyid,
        errcode,
        errmsg,
    }
}

async fn submit(st: Arc<Shared>, q: Params, body: bytes::Bytes, kind: JobType) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let req: batch::BatchRequest = json(&body)?;
    let csv = csv_of(&st, corp, &req)?;
    let result = match kind {
        JobType::ReplaceParty => {
            let rows = batch::party_rows(&csv)?;
            write(&st, corp, |c| Ok(run_parties(c, rows)))?
        }
        JobType::SyncUser | JobType::ReplaceUser => {
            let rows = batch::user_rows(&csv)?;
            let replace = kind == JobType::ReplaceUser;
            write(&st, corp, |c| Ok(run_users(c, rows, replace)))?
        }
    };
    let jobid = st.ids.opaque(32);
    let total = result.len() as i64;
    let job = JobResult {
        status: JOB_DONE,
        kind,
        total,
        percentage: 100,
        result,
    };
    st.sim().store.jobs.insert((corp, jobid.clone()), job);
    ok(JobCreated { jobid })
}

pub async fn syncuser(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    submit(st, q, body, JobType::SyncUser).await
}

pub async fn replaceuser(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    submit(st, q, body, JobType::ReplaceUser).await
}

pub async fn replaceparty(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    submit(st, q, body, JobType::ReplaceParty).await
}

pub async fn getresult(State(st): St, q: Params) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let jobid = q
        .get("jobid")
        .filter(|j| !j.is_empty())
        .ok_or_else(|| WireError::invalid_field("jobid"))?;
    let job = st
        .sim()
        .store
        .jobs
        .get(&(corp, jobid.into_owned()))
        .map(|j| j.clone())
        .ok_or_else(|| WireError::invalid_field("jobid"))?;
    ok(job)
}
