//! Id conversions from the world's customers and groups: `opengid_to_chatid` (each group's opengid is made up
//! from the seed and listed by `/mock/world`), `unionid_to_external_userid` on both paths SDKs call (WxJava,
//! EasyWeChat: `externalcontact/`; PowerWeChat: `idconvert/`), and
//! `get_new_external_userid`. A self-built app's ids are already the new form, so that one maps each id to itself.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::externalcontact::idconvert::{
    IdconvertResponse, NewId, NewIdsRequest, NewIdsResponse, OpengidRequest, OpengidResponse,
    UnionidRequest, UnionidResponse, MAX_NEW_IDS,
};
use wecom_wire::{Errcode, WireError};

use super::{contacts_caller, customer};
use crate::api::{json, ok, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};

pub async fn opengid_to_chatid(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: OpengidRequest = json(&body)?;
    let opengid = req.opengid.unwrap_or_default();
    let sim = st.sim();
    let chat_id = sim.world.corps[who.corp]
        .groups
        .iter()
        .find(|g| !opengid.is_empty() && g.opengid == opengid)
        .map(|g| g.chat_id.clone())
        .ok_or(Errcode::INVALID_OPENGID)?;
    ok(OpengidResponse { chat_id })
}

/// The customer with the unionid. The openid is not in the world; it must only be there, as WeCom needs both
/// [U: which errcode WeCom gives an unknown unionid is not documented; 40058 naming the field].
fn by_unionid(sim: &Sim, who: Caller, req: &UnionidRequest) -> Result<usize, ApiError> {
    let unionid = req.unionid.as_deref().unwrap_or_default();
    if unionid.is_empty() {
        return Err(WireError::invalid_field("unionid").into());
    }
    if req.openid.as_deref().unwrap_or_default().is_empty() {
        return Err(WireError::invalid_field("openid").into());
    }
    sim.world.corps[who.corp]
        .customers
        .index_by_unionid(unionid)
        .ok_or_else(|| WireError::invalid_field("unionid").into())
}

/// `externalcontact/unionid_to_external_userid`.
pub async fn unionid_to_external_userid(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: UnionidRequest = json(&body)?;
    let sim = st.sim();
    let i = by_unionid(&sim, who, &req)?;
    ok(UnionidResponse {
        external_userid: sim.world.corps[who.corp]
            .customers
            .external_userid(i)
            .into_owned(),
    })
}

/// `idconvert/unionid_to_external_userid`: a customer's id; a unionid no customer has is a WeChat user who is
/// not one yet, answered with a `pending_id` (the doc), the same for the same unionid.
pub async fn idconvert_unionid(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: UnionidRequest = json(&body)?;
    if !matches!(req.subject_type.unwrap_or(0), 0 | 1) {
        return Err(WireError::invalid_field("subject_type").into());
    }
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let response = match by_unionid(&sim, who, &req) {
        Ok(i) => IdconvertResponse {
            external_userid: Some(corp.customers.external_userid(i).into_owned()),
            pending_id: None,
        },
        Err(_)
            if !req.unionid.as_deref().unwrap_or_default().is_empty()
                && !req.openid.as_deref().unwrap_or_default().is_empty() =>
        {
            IdconvertResponse {
                external_userid: None,
                pending_id: Some(pending_id(
                    sim.world.seed,
                    who.corp,
                    req.unionid.as_deref().unwrap_or_default(),
                )),
            }
        }
        Err(e) => return Err(e),
    };
    ok(response)
}

/// A stable made-up id for a unionid: `p` and 31 letters and digits from the seed, the corp and the unionid.
fn pending_id(seed: u64, corp: usize, unionid: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (seed, corp, unionid).hash(&mut h);
    let mut x = h.finish();
    let alnum = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let tail: String = (0..31)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            alnum[(x >> 58) as usize % alnum.len()] as char
        })
        .collect();
    format!("p{tail}")
}

pub async fn new_external_userid(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: NewIdsRequest = json(&body)?;
    if req.external_userid_list.is_empty() || req.external_userid_list.len() > MAX_NEW_IDS {
        return Err(WireError::invalid_field("external_userid_list").into());
    }
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let items = req
        .external_userid_list
        .iter()
        .map(|e| {
            let i = customer(corp, Some(e))?;
            Ok(NewId {
                external_userid: e.clone(),
                new_external_userid: corp.customers.external_userid(i).into_owned(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    ok(NewIdsResponse { items })
}
