//! `get_follow_user_list`, `list`, `get`, `batch/get_by_user`, `remark` and `mark_tag`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::externalcontact::{
    check_remark, check_tag_list, BatchGetByUser, BatchResponse, ContactWithFollow,
    FollowUserListResponse, GetResponse, ListResponse, MarkTag, Remark, FOLLOW_PAGE, MAX_USERIDS,
};
use wecom_wire::{Errcode, WireError};

use super::{contact, contacts_caller, customer, follow_info, follow_user, member};
use crate::api::{json, ok, paging, ApiError, ApiResult, Params, RawBody};
use crate::state::State as Shared;

/// WeCom keeps a list's field, empty, on error (reference §0); SDKs that read it unconditionally rely on that.
fn keep_empty(field: &str) -> impl FnOnce(ApiError) -> ApiError + '_ {
    move |e| ApiError::with_defaults(e.err, serde_json::json!({ field: [] }))
}

pub async fn follow_user_list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = contacts_caller(&st, &q).map_err(keep_empty("follow_user"))?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    // A member deleted from the directory is no follow user any more, whatever the store still holds.
    let follow_user = (0..corp.users.len())
        .filter(|&u| !corp.member(u).deleted)
        .filter(|&u| sim.store.contacts.has_customers(who.corp, u))
        .map(|u| corp.member(u).userid.clone())
        .collect();
    ok(FollowUserListResponse { follow_user })
}

pub async fn list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let keep = || keep_empty("external_userid");
    let who = contacts_caller(&st, &q).map_err(keep())?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let user = member(corp, q.get("userid").as_deref()).map_err(keep())?;
    let (ids, _) = sim.store.contacts.page_of(who.corp, user, None, usize::MAX);
    if ids.is_empty() {
        return Err(keep()(Errcode::NOT_EXTERNAL_CONTACT.into()));
    }
    let external_userid = ids
        .iter()
        .map(|&i| corp.customers.external_userid(i).into_owned())
        .collect();
    ok(ListResponse { external_userid })
}

pub async fn get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let i = customer(corp, q.get("external_userid").as_deref())?;
    let from = paging::start(&st, q.get("cursor").as_deref())?;
    let follows = sim.store.contacts.followers(who.corp, i);
    if follows.is_empty() {
        return Err(Errcode::NOT_EXTERNAL_CONTACT.into());
    }
    let end = (from + FOLLOW_PAGE).min(follows.len());
    let follow_user = follows
        .get(from..end)
        .unwrap_or_default()
        .iter()
        .map(|f| follow_user(&sim, who.corp, f))
        .collect();
    let next_cursor = if end < follows.len() {
        st.ids.cursor(end as u64)
    } else {
        String::new()
    };
    ok(GetResponse {
        external_contact: contact(corp.customers.at(i)),
        follow_user,
        next_cursor,
    })
}

/// The cursor of `batch/get_by_user` names the member (by place in the request's list) and the customer after
/// which to go on (`None`: from that member's first), so the next page starts where the last one stopped even if
/// relations changed in between.
fn batch_cursor(st: &Shared, member_pos: usize, after: Option<usize>) -> String {
    st.ids
        .cursor(((member_pos as u64) << 32) | after.map_or(0, |a| a as u64 + 1))
}

/// Where a page starts: the member's position in the list and the customer after which to go on.
fn batch_start(
    st: &Shared,
    cursor: Option<&str>,
    n_users: usize,
) -> Result<(usize, Option<usize>), ApiError> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok((0, None));
    };
    let v = st
        .ids
        .cursor_pos(c)
        .ok_or_else(|| WireError::invalid_field("cursor"))?;
    let (pos, after) = ((v >> 32) as usize, (v & 0xffff_ffff) as usize);
    if pos >= n_users {
        return Err(WireError::invalid_field("cursor").into());
    }
    Ok((pos, after.checked_sub(1)))
}

/// The member's relation with each customer of `page`, as listed.
fn push_follows(
    sim: &crate::state::Sim,
    (corp, user): (usize, usize),
    page: &[usize],
    list: &mut Vec<ContactWithFollow>,
) {
    let c = &sim.world.corps[corp];
    for &i in page {
        // A relation ending right now may be gone from `follows` but not yet from the member's index.
        let Some(f) = sim.store.contacts.follow(corp, i, user) else {
            continue;
        };
        list.push(ContactWithFollow {
            external_contact: contact(c.customers.at(i)),
            follow_info: follow_info(c, &f),
        });
    }
}

pub async fn batch_get_by_user(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: BatchGetByUser = json(&body)?;
    let userids = req.userids();
    if userids.is_empty() || userids.len() > MAX_USERIDS {
        return Err(WireError::invalid_field("userid_list").into());
    }
    let limit = req.limit()? as i64;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let users = userids
        .iter()
        .map(|u| member(corp, Some(u)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let (mut pos, mut after) = batch_start(&st, req.cursor.as_deref(), users.len())?;
    let mut list = Vec::with_capacity(limit as usize);
    let mut next_cursor = String::new();
    while pos < users.len() {
        let want = limit as usize - list.len();
        let (page, more) = sim
            .store
            .contacts
            .page_of(who.corp, users[pos], after, want);
        push_follows(&sim, (who.corp, users[pos]), &page, &mut list);
        // Go on after the last customer read, pushed or skipped: a skip must neither end this member's walk
        // early nor be read twice.
        let last_read = page.last().copied();
        if list.len() == limit as usize {
            let more_users = (pos + 1..users.len())
                .any(|p| sim.store.contacts.has_customers(who.corp, users[p]));
            if let (true, Some(last)) = (more, last_read) {
                next_cursor = batch_cursor(&st, pos, Some(last));
            } else if more_users {
                next_cursor = batch_cursor(&st, pos + 1, None);
            }
            break;
        }
        if let (true, Some(last)) = (more, last_read) {
            // The page fell short only by skips; this member has more.
            after = Some(last);
            continue;
        }
        pos += 1;
        after = None;
    }
    ok(BatchResponse {
        external_contact_list: list,
        next_cursor,
    })
}

/// The member and customer of a relation; 84061 when the member does not have the customer.
fn relation(
    st: &Shared,
    who: crate::api::Caller,
    userid: Option<&str>,
    external_userid: Option<&str>,
) -> Result<(usize, usize), ApiError> {
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let user = member(corp, userid)?;
    let i = customer(corp, external_userid)?;
    if !sim.store.contacts.follows(who.corp, i, user) {
        return Err(Errcode::NOT_EXTERNAL_CONTACT.into());
    }
    Ok((user, i))
}

pub async fn remark(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: Remark = json(&body)?;
    check_remark(&req)?;
    let (user, i) = relation(
        &st,
        who,
        req.userid.as_deref(),
        req.external_userid.as_deref(),
    )?;
    let sim = st.sim();
    if let Some(m) = &req.remark_pic_mediaid {
        crate::api::message::check_media(&sim, &st, who.corp, std::slice::from_ref(m))?;
    }
    sim.store.contacts.edit_follow(who.corp, i, user, |f| {
        if let Some(v) = req.remark {
            f.remark = v;
        }
        if let Some(v) = req.description {
            f.description = v;
        }
        if let Some(v) = req.remark_company {
            f.remark_corp_name = v;
        }
        if let Some(v) = req.remark_mobiles {
            f.remark_mobiles = v;
        }
    });
    ok(Empty {})
}

pub async fn mark_tag(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: MarkTag = json(&body)?;
    let (user, i) = relation(
        &st,
        who,
        req.userid.as_deref(),
        req.external_userid.as_deref(),
    )?;
    if req.add_tag.is_empty() && req.remove_tag.is_empty() {
        return Err(WireError::invalid_field("add_tag").into());
    }
    check_tag_list("add_tag", &req.add_tag)?;
    check_tag_list("remove_tag", &req.remove_tag)?;
    let sim = st.sim();
    for id in req.add_tag.iter().chain(&req.remove_tag) {
        if sim.store.contacts.tag_names(who.corp, id).is_none() {
            return Err(WireError::with_detail(
                Errcode::INVALID_TAGID,
                format!("invalid tagid {id}"),
            )
            .into());
        }
    }
    sim.store.contacts.edit_follow(who.corp, i, user, |f| {
        f.tags.retain(|t| !req.remove_tag.contains(t));
        for t in req.add_tag {
            if !f.tags.contains(&t) {
                f.tags.push(t);
            }
        }
    });
    ok(Empty {})
}

#[cfg(test)]
mod tests;
