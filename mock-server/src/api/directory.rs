//! The directory an app reads: `user/get|list|simplelist`, `department/list`, `tag/list|get`,
//! `getcallbackip`. An app sees only the members and departments in its scope (60011 otherwise).

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::directory as dir;
use wecom_wire::Errcode;

use super::{caller, ok, ApiError, ApiResult, Caller, Params};
use crate::state::State as Shared;
use crate::world::{App, Corp, User};

fn user_view(u: &User) -> dir::User {
    dir::User {
        userid: u.userid.clone(),
        name: u.name.clone(),
        department: u.departments.clone(),
        order: vec![0; u.departments.len()],
        position: u.position.clone(),
        mobile: u.mobile.clone(),
        gender: u.gender.to_string(),
        email: u.email.clone(),
        is_leader_in_dept: u
            .departments
            .iter()
            .map(|d| i64::from(u.leader_in.contains(d)))
            .collect(),
        direct_leader: Vec::new(),
        avatar: String::new(),
        thumb_avatar: String::new(),
        telephone: u.telephone.clone(),
        alias: u.alias.clone(),
        status: u.status,
        main_department: u.departments.first().copied().unwrap_or(1),
        open_userid: String::new(),
    }
}

fn app_of(corp: &Corp, who: Caller) -> Result<&App, ApiError> {
    corp.app(who.agentid)
        .ok_or_else(|| Errcode::INVALID_AGENTID.into())
}

pub async fn user_get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let app = app_of(corp, who)?;
    let userid = q
        .get("userid")
        .filter(|u| !u.is_empty())
        .ok_or(Errcode::INVALID_USERID)?;
    let i = corp.user_index(&userid).ok_or(Errcode::USERID_NOT_FOUND)?;
    if !app.can_see(i) {
        return Err(Errcode::NO_PRIVILEGE.into());
    }
    ok(user_view(&corp.users[i]))
}

/// Members of `department_id` (and below it with `fetch_child=1`) that the app can see.
fn members<'c>(corp: &'c Corp, app: &App, q: &Params) -> Result<Vec<&'c User>, ApiError> {
    let id = q
        .get("department_id")
        .and_then(|d| d.parse::<i64>().ok())
        .ok_or(Errcode::INVALID_PARTY)?;
    corp.department(id).ok_or(Errcode::INVALID_PARTY)?;
    if !app.can_see_department(corp, id) {
        return Err(Errcode::NO_PRIVILEGE.into());
    }
    let deep = q.get("fetch_child").as_deref() == Some("1");
    Ok(corp
        .users
        .iter()
        .enumerate()
        .filter(|(i, u)| {
            app.can_see(*i)
                && if deep {
                    corp.department_members(id).contains(i)
                } else {
                    u.departments.contains(&id)
                }
        })
        .map(|(_, u)| u)
        .collect())
}

pub async fn user_list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let users = members(corp, app_of(corp, who)?, &q)?;
    ok(dir::UserList {
        userlist: users.into_iter().map(user_view).collect(),
    })
}

pub async fn user_simplelist(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let users = members(corp, app_of(corp, who)?, &q)?;
    let userlist = users
        .into_iter()
        .map(|u| dir::SimpleUser {
            userid: u.userid.clone(),
            name: u.name.clone(),
            department: u.departments.clone(),
            open_userid: String::new(),
        })
        .collect();
    ok(dir::SimpleUserList { userlist })
}

pub async fn department_list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let app = app_of(corp, who)?;
    let list: Vec<&crate::world::Department> = match q.get("id").filter(|s| !s.is_empty()) {
        Some(id) => {
            let id = id.parse::<i64>().map_err(|_| Errcode::INVALID_PARTY)?;
            let d = corp.department(id).ok_or(Errcode::INVALID_PARTY)?;
            if !app.can_see_department(corp, id) {
                return Err(Errcode::NO_PRIVILEGE.into());
            }
            std::iter::once(d).chain(corp.subdepartments(id)).collect()
        }
        None => corp
            .departments
            .iter()
            .filter(|d| app.can_see_department(corp, d.id))
            .collect(),
    };
    let department = list
        .into_iter()
        .map(|d| dir::Department {
            id: d.id,
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            department_leader: d.leaders.clone(),
            parentid: d.parentid,
            order: d.order,
        })
        .collect();
    ok(dir::DepartmentList { department })
}

pub async fn tag_list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let world = st.world();
    let taglist = world.corps[who.corp]
        .tags
        .iter()
        .map(|t| dir::Tag {
            tagid: t.tagid,
            tagname: t.tagname.clone(),
        })
        .collect();
    ok(dir::TagList { taglist })
}

pub async fn tag_get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let app = app_of(corp, who)?;
    let tag = q
        .get("tagid")
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(|t| corp.tag(t))
        .ok_or(Errcode::INVALID_TAGID)?;
    let userlist = tag
        .users
        .iter()
        .filter_map(|u| corp.user_index(u))
        .filter(|&i| app.can_see(i))
        .map(|i| dir::TagMember {
            userid: corp.users[i].userid.clone(),
            name: corp.users[i].name.clone(),
        })
        .collect();
    ok(dir::TagGet {
        tagname: tag.tagname.clone(),
        userlist,
        partylist: tag.departments.clone(),
    })
}

/// The addresses WeCom's callbacks come from: for the mock, loopback, so a bot's allow-list accepts it.
pub async fn callback_ip(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    caller(&st, &q)
        .map_err(|e| ApiError::with_defaults(e.err, serde_json::json!({ "ip_list": [] })))?;
    ok(dir::IpList {
        ip_list: vec!["127.0.0.1".into()],
    })
}
