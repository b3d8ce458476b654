//! The directory as read: `user/get|list|simplelist`, `department/list|get|simplelist`, `tag/list|get`,
//! `getcallbackip`. An app sees only the members and departments in its scope (60011 otherwise); the
//! contacts-sync secret sees the whole corp.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::directory as dir;
use wecom_wire::Errcode;

use super::{dir_caller, ok, ApiError, ApiResult, DirCaller, Params};
use crate::state::State as Shared;
use crate::world::{App, Corp, Department, User};

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

/// Who reads: the contacts-sync secret (the whole corp) or an app (its scope).
#[derive(Clone, Copy)]
pub(crate) enum Viewer<'c> {
    Sync(&'c Corp),
    App(&'c Corp, &'c App),
}

impl<'c> Viewer<'c> {
    pub(crate) fn of(corp: &'c Corp, who: DirCaller) -> Result<Viewer<'c>, ApiError> {
        match who.agentid {
            None => Ok(Viewer::Sync(corp)),
            Some(a) => corp
                .app(a)
                .map(|app| Viewer::App(corp, app))
                .ok_or_else(|| Errcode::INVALID_AGENTID.into()),
        }
    }

    pub(crate) fn can_see(&self, user: usize) -> bool {
        match self {
            Viewer::Sync(c) => c.users.get(user).is_some_and(|u| !u.deleted),
            Viewer::App(_, a) => a.can_see(user),
        }
    }

    pub(crate) fn can_see_department(&self, id: i64) -> bool {
        match self {
            Viewer::Sync(_) => true,
            Viewer::App(c, a) => a.can_see_department(c, id),
        }
    }
}

pub async fn user_get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = dir_caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let app = Viewer::of(corp, who)?;
    let userid = q
        .get("userid")
        .filter(|u| !u.is_empty())
        .ok_or(Errcode::INVALID_USERID)?;
    let i = corp.user_index(&userid).ok_or(Errcode::USERID_NOT_FOUND)?;
    if !app.can_see(i) {
        return Err(Errcode::NO_PRIVILEGE.into());
    }
    ok(user_view(corp.member(i)))
}

/// Members of `department_id` (and below it with `fetch_child=1`) that the app can see.
fn members<'c>(corp: &'c Corp, app: Viewer<'_>, q: &Params) -> Result<Vec<&'c User>, ApiError> {
    let id = q
        .get("department_id")
        .and_then(|d| d.parse::<i64>().ok())
        .ok_or(Errcode::INVALID_PARTY)?;
    corp.department(id).ok_or(Errcode::INVALID_PARTY)?;
    if !app.can_see_department(id) {
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
    let who = dir_caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let users = members(corp, Viewer::of(corp, who)?, &q)?;
    ok(dir::UserList {
        userlist: users.into_iter().map(user_view).collect(),
    })
}

pub async fn user_simplelist(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = dir_caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let users = members(corp, Viewer::of(corp, who)?, &q)?;
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

/// A department and those below it, or every department, that the viewer can see.
fn departments<'c>(
    corp: &'c Corp,
    app: Viewer<'_>,
    q: &Params,
) -> Result<Vec<&'c Department>, ApiError> {
    Ok(match q.get("id").filter(|s| !s.is_empty()) {
        Some(id) => {
            let id = id.parse::<i64>().map_err(|_| Errcode::INVALID_PARTY)?;
            let d = corp.department(id).ok_or(Errcode::INVALID_PARTY)?;
            if !app.can_see_department(id) {
                return Err(Errcode::NO_PRIVILEGE.into());
            }
            std::iter::once(d).chain(corp.subdepartments(id)).collect()
        }
        None => corp
            .departments
            .iter()
            .filter(|d| app.can_see_department(d.id))
            .collect(),
    })
}

fn department_view(d: &Department) -> dir::Department {
    dir::Department {
        id: d.id,
        name: d.name.clone(),
        name_en: d.name_en.clone(),
        department_leader: d.leaders.clone(),
        parentid: d.parentid,
        order: d.order,
    }
}

pub async fn department_list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = dir_caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let list = departments(corp, Viewer::of(corp, who)?, &q)?;
    ok(dir::DepartmentList {
        department: list.into_iter().map(department_view).collect(),
    })
}

/// `department/simplelist[?id=]`: ids only, the same departments `department/list` gives.
pub async fn department_simplelist(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = dir_caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let list = departments(corp, Viewer::of(corp, who)?, &q)?;
    let department_id = list
        .into_iter()
        .map(|d| dir::DepartmentId {
            id: d.id,
            parentid: d.parentid,
            order: d.order,
        })
        .collect();
    ok(dir::DepartmentSimpleList { department_id })
}

/// `department/get?id=`: one department.
pub async fn department_get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = dir_caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let app = Viewer::of(corp, who)?;
    let d = q
        .get("id")
        .and_then(|id| id.parse::<i64>().ok())
        .and_then(|id| corp.department(id))
        .ok_or(Errcode::INVALID_PARTY)?;
    if !app.can_see_department(d.id) {
        return Err(Errcode::NO_PRIVILEGE.into());
    }
    ok(dir::DepartmentGet {
        department: department_view(d),
    })
}

pub async fn tag_list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = dir_caller(&st, &q)?;
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
    let who = dir_caller(&st, &q)?;
    let world = st.world();
    let corp = &world.corps[who.corp];
    let app = Viewer::of(corp, who)?;
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
            userid: corp.member(i).userid.clone(),
            name: corp.member(i).name.clone(),
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
    dir_caller(&st, &q)
        .map_err(|e| ApiError::with_defaults(e.err, serde_json::json!({ "ip_list": [] })))?;
    ok(dir::IpList {
        ip_list: vec!["127.0.0.1".into()],
    })
}
