//! `externalcontact/*` (客户联系): customers and the members who follow them, remarks and tags, and the
//! customer tag library; transfers, customer groups and their join ways and welcome templates, group sends, the
//! statistics, and id conversions. Only the apps the fixture lists in `external_contact_apps` may call them (48002).

pub mod acquisition;
pub mod customers;
pub mod groupchat;
pub mod groupmsg;
pub mod idconvert;
pub mod joinways;
pub mod moments;
pub mod statistic;
pub mod tags;
pub mod templates;
pub mod transfer;
pub mod ways;

use std::borrow::Cow;
use std::sync::Arc;

use wecom_wire::externalcontact::{ExternalContact, FollowInfo, FollowTag, FollowUser};
use wecom_wire::Errcode;

use super::{caller, ApiError, Caller, Params};
use crate::state::{Sim, State};
use crate::store::contacts::Follow;
use crate::world::{Corp, Customer};

/// The caller, if its app may use 客户联系; transfers due by now are settled first.
fn contacts_caller(st: &Arc<State>, q: &Params) -> Result<Caller, ApiError> {
    let who = caller(st, q)?;
    let sim = st.sim();
    if !sim.world.corps[who.corp].may_use_contacts(who.agentid) {
        return Err(Errcode::API_FORBIDDEN.into());
    }
    crate::contacts::settle(st, &sim, who.corp);
    Ok(who)
}

/// A member of the caller's corp (40003 when unknown or empty).
fn member(corp: &Corp, userid: Option<&str>) -> Result<usize, ApiError> {
    userid
        .and_then(|u| corp.user_index(u))
        .ok_or_else(|| Errcode::INVALID_USERID.into())
}

/// A customer of the caller's corp (40096 when unknown or empty).
fn customer(corp: &Corp, external_userid: Option<&str>) -> Result<usize, ApiError> {
    external_userid
        .and_then(|e| corp.customer_index(e))
        .ok_or_else(|| Errcode::INVALID_EXTERNAL_USERID.into())
}

/// A generated customer (made up for this call) is moved in, not copied.
pub(crate) fn contact(c: Cow<'_, Customer>) -> ExternalContact {
    let c = c.into_owned();
    ExternalContact {
        corp_full_name: c.corp_name.clone(),
        external_userid: c.external_userid,
        name: c.name,
        position: c.position,
        avatar: c.avatar,
        corp_name: c.corp_name,
        kind: c.kind,
        gender: c.gender,
        unionid: c.unionid,
    }
}

pub(crate) fn follow_user(sim: &Sim, corp: usize, f: &Follow) -> FollowUser {
    let tags = f
        .tags
        .iter()
        .filter_map(|id| {
            let (group_name, tag_name) = sim.store.contacts.tag_names(corp, id)?;
            Some(FollowTag {
                group_name,
                tag_name,
                tag_id: id.clone(),
                kind: 1,
            })
        })
        .collect();
    FollowUser {
        userid: sim.world.corps[corp].member(f.user).userid.clone(),
        remark: f.remark.clone(),
        description: f.description.clone(),
        createtime: f.createtime,
        tags,
        remark_corp_name: f.remark_corp_name.clone(),
        remark_mobiles: f.remark_mobiles.clone(),
        oper_userid: f.oper_userid.clone(),
        add_way: f.add_way,
        state: f.state.clone(),
    }
}

fn follow_info(corp: &Corp, f: &Follow) -> FollowInfo {
    FollowInfo {
        userid: corp.member(f.user).userid.clone(),
        remark: f.remark.clone(),
        description: f.description.clone(),
        createtime: f.createtime,
        tag_id: f.tags.clone(),
        remark_corp_name: f.remark_corp_name.clone(),
        remark_mobiles: f.remark_mobiles.clone(),
        oper_userid: f.oper_userid.clone(),
        add_way: f.add_way,
        state: f.state.clone(),
    }
}
