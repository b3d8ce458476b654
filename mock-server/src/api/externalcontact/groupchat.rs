//! `groupchat/list`, `groupchat/get`, `groupchat/transfer` (groups of members who resigned) and
//! `groupchat/onjob_transfer`. A transfer refused for one chat does not stop the others.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::externalcontact::groupchat::{
    Admin, ChatStatus, FailedChat, GetRequest, GetResponse, GroupChat, Invitor, ListRequest,
    ListResponse, Member, TransferRequest, TransferResponse, INHERITED, LIST_LIMIT_MAX,
    MAX_PER_TRANSFER, NORMAL, OWNER_RESIGNED,
};
use wecom_wire::{Errcode, WireError};

use super::{contacts_caller, member};
use crate::api::{json, ok, paging, ApiResult, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::groups::Group;
use crate::world::GroupMember;

/// A resigned owner comes first: an inherited group whose new owner leaves in turn waits for an heir again (1).
/// Status 2 (inheriting) is not produced: a group transfer takes effect at once in the mock.
fn status(sim: &Sim, corp: usize, g: &Group) -> i64 {
    if sim.store.transfers.is_resigned(corp, g.owner) {
        OWNER_RESIGNED
    } else if g.inherited {
        INHERITED
    } else {
        NORMAL
    }
}

pub async fn list(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: ListRequest = json(&body)?;
    let filter = req.status_filter.unwrap_or(0);
    if !(0..=3).contains(&filter) {
        return Err(WireError::invalid_field("status_filter").into());
    }
    let (start, limit) =
        paging::page(&st, req.cursor.as_deref(), req.limit, (100, LIST_LIMIT_MAX))?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    // An owner who is unknown or has left is refused (40003), as a community report shows WeCom doing.
    let owners: Option<Vec<usize>> = match req.owner_filter {
        Some(f) if !f.userid_list.is_empty() => Some(
            f.userid_list
                .iter()
                .map(|u| {
                    member(corp, Some(u)).and_then(|i| {
                        if sim.store.transfers.is_resigned(who.corp, i) {
                            Err(Errcode::INVALID_USERID.into())
                        } else {
                            Ok(i)
                        }
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        _ => None,
    };
    let groups = sim.store.groups.corps[who.corp].lock();
    let matching: Vec<ChatStatus> = groups
        .iter()
        .filter(|g| owners.as_ref().is_none_or(|o| o.contains(&g.owner)))
        .map(|g| ChatStatus {
            chat_id: g.chat_id.clone(),
            status: status(&sim, who.corp, g),
        })
        .filter(|c| filter == 0 || c.status == filter)
        .collect();
    let end = (start + limit).min(matching.len());
    let next_cursor = if end < matching.len() {
        st.ids.cursor(end as u64)
    } else {
        String::new()
    };
    let group_chat_list = matching.into_iter().skip(start).take(limit).collect();
    ok(ListResponse {
        group_chat_list,
        next_cursor,
    })
}

pub async fn get(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: GetRequest = json(&body)?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let chat_id = req.chat_id.unwrap_or_default();
    let g = sim.store.groups.corps[who.corp]
        .lock()
        .iter()
        .find(|g| g.chat_id == chat_id)
        .cloned()
        .ok_or(Errcode::NOT_CUSTOMER_GROUP)?;
    let with_names = req.need_name == Some(1);
    let member_list = g
        .members
        .iter()
        .map(|m| {
            let (userid, kind, name, unionid) = match m.who {
                GroupMember::User(u) => (
                    corp.member(u).userid.clone(),
                    1,
                    corp.member(u).name.clone(),
                    String::new(),
                ),
                GroupMember::Customer(i) => {
                    let c = &corp.customers.at(i);
                    (
                        c.external_userid.clone(),
                        2,
                        c.name.clone(),
                        c.unionid.clone(),
                    )
                }
            };
            Member {
                userid,
                kind,
                join_time: m.join_time,
                join_scene: m.join_scene,
                invitor: m.invitor.map(|u| Invitor {
                    userid: corp.member(u).userid.clone(),
                }),
                group_nickname: String::new(),
                name: with_names.then_some(name),
                unionid,
                state: m.state.clone(),
            }
        })
        .collect();
    ok(GetResponse {
        group_chat: GroupChat {
            chat_id: g.chat_id.clone(),
            name: g.name.clone(),
            owner: corp.member(g.owner).userid.clone(),
            create_time: g.create_time,
            notice: g.notice.clone(),
            member_list,
            admin_list: Vec::<Admin>::new(),
            member_version: format!("{:032x}", g.version),
        },
    })
}

async fn transfer(st: Arc<Shared>, q: Params, body: bytes::Bytes, resigned: bool) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TransferRequest = json(&body)?;
    if req.chat_id_list.is_empty() || req.chat_id_list.len() > MAX_PER_TRANSFER {
        return Err(WireError::invalid_field("chat_id_list").into());
    }
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let new_owner = member(corp, req.new_owner.as_deref())?;
    if sim.store.transfers.is_resigned(who.corp, new_owner) {
        return Err(WireError::invalid_field("new_owner").into());
    }
    let mut groups = sim.store.groups.corps[who.corp].lock();
    let mut failed_chat_list = Vec::new();
    for chat_id in req.chat_id_list {
        let gone =
            |g: &crate::store::groups::Group| sim.store.transfers.is_resigned(who.corp, g.owner);
        let code = match groups.iter_mut().find(|g| g.chat_id == chat_id) {
            None => Errcode::NOT_CUSTOMER_GROUP,
            Some(g) if g.owner == new_owner => Errcode::GROUP_OWNER_UNCHANGED,
            Some(g) if resigned && g.inherited && !gone(g) => Errcode::GROUP_ALREADY_INHERITED,
            Some(g) if resigned && !gone(g) => Errcode::GROUP_OWNER_NOT_RESIGNED,
            Some(g) if !resigned && gone(g) => Errcode::GROUP_OWNER_RESIGNED,
            Some(g) => {
                g.owner = new_owner;
                g.inherited = resigned;
                if !g
                    .members
                    .iter()
                    .any(|m| m.who == GroupMember::User(new_owner))
                {
                    g.members.push(crate::store::groups::Member {
                        who: GroupMember::User(new_owner),
                        join_time: st.clock.now_s(),
                        join_scene: 1,
                        invitor: None,
                        state: String::new(),
                    });
                    g.version += 1;
                }
                Errcode::OK
            }
        };
        if code != Errcode::OK {
            failed_chat_list.push(FailedChat {
                chat_id,
                errcode: code.0,
                errmsg: code.text().to_owned(),
            });
        }
    }
    ok(TransferResponse { failed_chat_list })
}

pub async fn resigned_transfer(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    transfer(st, q, body, true).await
}

pub async fn onjob_transfer(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    transfer(st, q, body, false).await
}
