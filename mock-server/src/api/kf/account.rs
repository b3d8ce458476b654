//! `kf/account/add|del|update|list` and `kf/add_contact_way`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::kf::{
    check_account_name, check_scene, AccountAdd, AccountAddResponse, AccountInfo, AccountList,
    AccountListResponse, AccountUpdate, AddContactWay, ContactWayResponse, ACCOUNT_LIST_LIMIT_MAX,
};
use wecom_wire::WireError;

use super::{account, kf_caller};
use crate::api::message::check_media;
use crate::api::{json, ok, own_base, ApiResult, Params, RawBody};
use crate::state::State as Shared;
use crate::store::kf::Account;
use crate::store::links::{Link, WORK_HOST};
use axum::http::HeaderMap;

pub async fn add(
    State(st): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: AccountAdd = json(&body)?;
    let name = req.name.unwrap_or_default();
    check_account_name(&name)?;
    let sim = st.sim();
    let media_id = req.media_id.unwrap_or_default();
    check_media(&sim, &st, who.corp, std::slice::from_ref(&media_id))?;
    let open_kfid = st.ids.open_kfid();
    let account = Account {
        name,
        avatar: format!("{}/wwpic/{media_id}", own_base(&headers)),
        order: sim.store.kf.next_order(),
        servicers: Vec::new(),
    };
    sim.store
        .kf
        .accounts
        .insert((who.corp, open_kfid.clone()), account);
    ok(AccountAddResponse { open_kfid })
}

pub async fn del(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: AccountUpdate = json(&body)?;
    let sim = st.sim();
    let id = account(&sim, who, req.open_kfid.as_deref())?;
    sim.store.kf.accounts.remove(&(who.corp, id.to_owned()));
    ok(Empty {})
}

pub async fn update(
    State(st): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: AccountUpdate = json(&body)?;
    let sim = st.sim();
    let id = account(&sim, who, req.open_kfid.as_deref())?;
    // Everything is checked before anything changes.
    if let Some(name) = &req.name {
        check_account_name(name)?;
    }
    if let Some(m) = &req.media_id {
        check_media(&sim, &st, who.corp, std::slice::from_ref(m))?;
    }
    if let Some(mut a) = sim.store.kf.accounts.get_mut(&(who.corp, id.to_owned())) {
        if let Some(name) = req.name {
            a.name = name;
        }
        if let Some(m) = req.media_id {
            a.avatar = format!("{}/wwpic/{m}", own_base(&headers));
        }
    }
    ok(Empty {})
}

/// GET without a body (wechatpy) or POST `{offset, limit}` (WxJava).
pub async fn list(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: AccountList = if body.is_empty() {
        AccountList::default()
    } else {
        json(&body)?
    };
    let offset = req.offset.unwrap_or(0);
    let limit = req.limit.unwrap_or(ACCOUNT_LIST_LIMIT_MAX as i64);
    if offset < 0 {
        return Err(WireError::invalid_field("offset").into());
    }
    if !(1..=ACCOUNT_LIST_LIMIT_MAX as i64).contains(&limit) {
        return Err(WireError::invalid_field("limit").into());
    }
    let sim = st.sim();
    let mut all: Vec<(u64, AccountInfo)> = sim
        .store
        .kf
        .accounts
        .iter()
        .filter(|a| a.key().0 == who.corp)
        .map(|a| {
            let info = AccountInfo {
                open_kfid: a.key().1.clone(),
                name: a.name.clone(),
                avatar: a.avatar.clone(),
                manage_privilege: true,
            };
            (a.order, info)
        })
        .collect();
    all.sort_by_key(|(order, _)| *order);
    let account_list = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|(_, a)| a)
        .collect();
    ok(AccountListResponse { account_list })
}

pub async fn add_contact_way(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = kf_caller(&st, &q)?;
    let req: AddContactWay = json(&body)?;
    let sim = st.sim();
    let id = account(&sim, who, req.open_kfid.as_deref())?;
    let scene = req.scene.unwrap_or_default();
    check_scene(&scene)?;
    // WeCom's shape (`/kfid/kfc…`, as links seen in use; the scene encrypted into `enc_scene`). The mock never
    // fetches it: `/mock/links/resolve` and `/mock/links/open` say what it is.
    let mut url = format!("{WORK_HOST}/kfid/kfc{}", st.ids.hex(18));
    if !scene.is_empty() {
        url.push_str("?enc_scene=ENC");
        url.push_str(&st.ids.hex(24));
    }
    let link = Link::Kf {
        corp: who.corp,
        open_kfid: id.to_owned(),
        scene,
    };
    sim.store.links.add(&url, link);
    ok(ContactWayResponse { url })
}
