//! Directory lookups by id: `user/list_id` (every member's userid and departments, paged by cursor; the
//! contacts-sync secret only, doc 96067), `user/getuserid` (by mobile) and `user/convert_to_openid`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::directory::{self as dir, DeptUser};
use wecom_wire::{Errcode, WireError};

use super::directory::Viewer;
use super::{dir_caller, json, ok, paging, ApiResult, Params, RawBody};
use crate::state::State as Shared;

type St = State<Arc<Shared>>;

pub async fn list_id(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = dir_caller(&st, &q)?;
    if who.agentid.is_some() {
        return Err(Errcode::API_FORBIDDEN.into());
    }
    let req: dir::ListIdRequest = json(&body)?;
    let limit = dir::list_id_limit(req.limit)?;
    let start = paging::start(&st, req.cursor.as_deref())?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    // One row per member and department, in member order; a cursor is a row's position.
    let mut rows = corp
        .users
        .iter()
        .filter(|u| !u.deleted)
        .flat_map(|u| {
            u.departments.iter().map(|&department| DeptUser {
                userid: u.userid.clone(),
                department,
            })
        })
        .skip(start);
    let dept_user: Vec<DeptUser> = rows.by_ref().take(limit).collect();
    let next_cursor = match rows.next() {
        Some(_) => st.ids.cursor((start + dept_user.len()) as u64),
        None => String::new(),
    };
    ok(dir::ListIdResponse {
        next_cursor,
        dept_user,
    })
}

pub async fn getuserid(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = dir_caller(&st, &q)?;
    let req: dir::GetUserIdRequest = json(&body)?;
    let mobile = req
        .mobile
        .filter(|m| !m.is_empty())
        .ok_or_else(|| WireError::invalid_field("mobile"))?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let viewer = Viewer::of(corp, who)?;
    // A member the app cannot see is as unknown to it as one who does not exist.
    let i = (0..corp.users.len())
        .find(|&i| corp.member(i).mobile == mobile && viewer.can_see(i))
        .ok_or(Errcode::USER_NOT_EXIST)?;
    ok(dir::UserIdResponse {
        userid: corp.member(i).userid.clone(),
    })
}

pub async fn convert_to_openid(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = dir_caller(&st, &q)?;
    let req: dir::ConvertToOpenidRequest = json(&body)?;
    let userid = req
        .userid
        .filter(|u| !u.is_empty())
        .ok_or(Errcode::USERID_MISSING)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let viewer = Viewer::of(corp, who)?;
    let i = corp.user_index(&userid).ok_or(Errcode::USERID_NOT_FOUND)?;
    if !viewer.can_see(i) {
        return Err(Errcode::NO_PRIVILEGE.into());
    }
    ok(dir::OpenidResponse {
        openid: st.ids.openid(&corp.corpid, &corp.member(i).userid),
    })
}
