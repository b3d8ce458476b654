//! `kf/*` (微信客服): accounts and their contact links, servicers, customers, pulling messages with
//! `sync_msg`, answering with `send_msg`, and session states. Only the app the fixture names as the kf app may
//! call them (48002 for the others).

pub mod account;
pub mod msg;
pub mod session;
pub mod stats;
pub mod upgrade;

use wecom_wire::Errcode;

use super::{caller, ApiError, Caller, Params};
use crate::state::{Sim, State};

/// The caller, if it is its corp's kf app.
fn kf_caller(st: &State, q: &Params) -> Result<Caller, ApiError> {
    let who = caller(st, q)?;
    if !st.world().corps[who.corp].is_kf_app(who.agentid) {
        return Err(Errcode::API_FORBIDDEN.into());
    }
    Ok(who)
}

/// An account of the caller's corp: 95000 when no id is given, 95004 when it does not exist.
fn account<'a>(sim: &Sim, who: Caller, open_kfid: Option<&'a str>) -> Result<&'a str, ApiError> {
    let id = open_kfid
        .filter(|k| !k.is_empty())
        .ok_or(Errcode::KF_INVALID_OPEN_KFID)?;
    if !sim
        .store
        .kf
        .accounts
        .contains_key(&(who.corp, id.to_owned()))
    {
        return Err(Errcode::KF_OPEN_KFID_NOT_EXIST.into());
    }
    Ok(id)
}

/// A customer of the caller's corp by external_userid (40096 when unknown).
fn customer(sim: &Sim, who: Caller, external_userid: Option<&str>) -> Result<usize, ApiError> {
    external_userid
        .and_then(|e| sim.world.corps[who.corp].customer_index(e))
        .ok_or_else(|| Errcode::INVALID_EXTERNAL_USERID.into())
}
