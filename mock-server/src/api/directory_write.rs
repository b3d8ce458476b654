//! Directory writes, for the contacts-sync secret only (an app's token gets 60011, or 48002 with the setting
//! `directory_write_errcode`): `user/create|update|delete|batchdelete`, `department/create|update|delete`,
//! `tag/create|update|delete|addtagusers|deltagusers`.
//! Each is checked whole against a copy of the corp and swapped in only when it succeeds
//! ([`crate::directory::write`]), then announced as `change_contact`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::directory::change::ContactChange;
use wecom_wire::directory::edit::{
    self as rules, CreatedDepartment, CreatedTag, CREATED, DELETED, UPDATED,
};
use wecom_wire::Errcode;

use super::{dir_caller, json, ok, ok_with_errmsg, ApiError, ApiResult, Params, RawBody};
use crate::directory::write;
use crate::state::State as Shared;

type St = State<Arc<Shared>>;

/// The corp of a contacts-sync token; an app's secret is read-only for the directory.
pub(crate) fn sync_caller(st: &Shared, q: &Params) -> Result<usize, ApiError> {
    let who = dir_caller(st, q)?;
    match who.agentid {
        None => Ok(who.corp),
        Some(_) => Err(st.settings.directory_write_errcode().into()),
    }
}

fn done(errmsg: &'static str) -> ApiResult {
    ok_with_errmsg(errmsg, serde_json::json!({}))
}

pub async fn user_create(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let fields = rules::user_fields(json(&body)?, true)?;
    write(&st, corp, |c| Ok(((), vec![c.create_user(fields)?])))?;
    done(CREATED)
}

pub async fn user_update(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let fields = rules::user_fields(json(&body)?, false)?;
    write(&st, corp, |c| Ok(((), vec![c.update_user(fields)?])))?;
    done(UPDATED)
}

pub async fn user_delete(State(st): St, q: Params) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let userid = q
        .get("userid")
        .filter(|u| !u.is_empty())
        .ok_or(Errcode::USERID_MISSING)?
        .into_owned();
    write(&st, corp, |c| Ok(((), c.delete_users(&[userid])?)))?;
    done(DELETED)
}

pub async fn user_batchdelete(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let userids = rules::batch_delete(json(&body)?)?;
    write(&st, corp, |c| Ok(((), c.delete_users(&userids)?)))?;
    done(DELETED)
}

pub async fn department_create(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let fields = rules::department_fields(json(&body)?, true)?;
    let id = write(&st, corp, |c| {
        let (id, change) = c.create_department(fields)?;
        Ok((id, vec![change]))
    })?;
    ok_with_errmsg(CREATED, CreatedDepartment { id })
}

pub async fn department_update(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let fields = rules::department_fields(json(&body)?, false)?;
    write(&st, corp, |c| Ok(((), vec![c.update_department(fields)?])))?;
    done(UPDATED)
}

pub async fn department_delete(State(st): St, q: Params) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let id = q
        .get("id")
        .and_then(|d| d.parse::<i64>().ok())
        .ok_or(Errcode::INVALID_PARTY)?;
    write(&st, corp, |c| Ok(((), vec![c.delete_department(id)?])))?;
    done(DELETED)
}

pub async fn tag_create(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let raw: rules::TagRaw = json(&body)?;
    let name = rules::tag_name(raw.tagname.as_deref())?;
    let tagid = rules::tag_id(raw.tagid)?;
    // A new tag has no members yet: nothing to announce until members are added.
    let tagid = write(&st, corp, |c| Ok((c.create_tag(name, tagid)?, Vec::new())))?;
    ok_with_errmsg(CREATED, CreatedTag { tagid })
}

pub async fn tag_update(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let raw: rules::TagRaw = json(&body)?;
    let tagid = rules::tag_id(raw.tagid)?.ok_or(Errcode::INVALID_TAGID)?;
    let name = rules::tag_name(raw.tagname.as_deref())?;
    write(&st, corp, |c| Ok((c.rename_tag(tagid, name)?, Vec::new())))?;
    done(UPDATED)
}

pub async fn tag_delete(State(st): St, q: Params) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let tagid = q
        .get("tagid")
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or(Errcode::INVALID_TAGID)?;
    // WeCom announces a deleted tag's members as removed from it (update_tag with DelUserItems).
    write(&st, corp, |c| {
        let t = c.tag(tagid).ok_or(Errcode::INVALID_TAGID)?;
        let change = ContactChange::UpdateTag {
            tagid,
            add_users: Vec::new(),
            del_users: t.users.clone(),
            add_parties: Vec::new(),
            del_parties: t.departments.clone(),
        };
        c.delete_tag(tagid)?;
        Ok(((), announced(change)))
    })?;
    done(DELETED)
}

/// A tag change that adds or removes nobody is not announced.
fn announced(c: ContactChange) -> Vec<ContactChange> {
    let noop = matches!(&c, ContactChange::UpdateTag { add_users, add_parties, del_users, del_parties, .. }
        if add_users.is_empty() && add_parties.is_empty() && del_users.is_empty() && del_parties.is_empty());
    if noop {
        Vec::new()
    } else {
        vec![c]
    }
}

async fn tag_users(st: Arc<Shared>, q: Params, body: bytes::Bytes, add: bool) -> ApiResult {
    let corp = sync_caller(&st, &q)?;
    let req = rules::tag_users(json(&body)?)?;
    let response = write(&st, corp, |c| {
        let (response, change) = c.tag_members_edit(req, add)?;
        Ok((response, announced(change)))
    })?;
    ok(response)
}

pub async fn tag_addtagusers(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    tag_users(st, q, body, true).await
}

pub async fn tag_deltagusers(State(st): St, q: Params, RawBody(body): RawBody) -> ApiResult {
    tag_users(st, q, body, false).await
}
