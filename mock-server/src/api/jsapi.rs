//! OAuth and the JS-SDK: `auth/getuserinfo` (and the older `user/getuserinfo`) turn a code minted through
//! `POST /mock/oauth/code` into the member; `get_jsapi_ticket` (the corp's) and `ticket/get?type=agent_config`
//! (the app's) hand out tickets whose signatures `POST /mock/jsapi/verify` checks. App tokens only.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::directory::{self as dir, USER_TICKET_TTL_S};
use wecom_wire::{Errcode, WireError};

use super::{caller, ok, ApiResult, Caller, Params};
use crate::jsapi::{OAuthCode, TicketKind};
use crate::state::State as Shared;

type St = State<Arc<Shared>>;

/// A ticket's length, as long as WeCom's (`sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg`).
const TICKET_LEN: usize = 86;

fn take(st: &Shared, who: Caller, q: &Params) -> Result<OAuthCode, WireError> {
    let code = q
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or(Errcode::INVALID_CODE)?;
    st.jsapi
        .take_code(&code, who.corp, who.agentid, st.clock.now_ms())
        .ok_or_else(|| Errcode::INVALID_CODE.into())
}

fn userid(st: &Shared, c: &OAuthCode) -> String {
    st.world()
        .corps
        .get(c.corp)
        .and_then(|corp| corp.users.get(c.user))
        .map(|u| u.userid.clone())
        .unwrap_or_default()
}

pub async fn auth_getuserinfo(State(st): St, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let c = take(&st, who, &q)?;
    ok(dir::AuthUserInfo {
        userid: userid(&st, &c),
        user_ticket: c.private_info.then(|| st.ids.opaque(64)),
    })
}

pub async fn user_getuserinfo(State(st): St, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let c = take(&st, who, &q)?;
    ok(dir::OldUserInfo {
        user_id: userid(&st, &c),
        device_id: String::new(),
        user_ticket: c.private_info.then(|| st.ids.opaque(64)),
        expires_in: c.private_info.then_some(USER_TICKET_TTL_S),
    })
}

fn ticket(st: &Shared, corp: usize, kind: TicketKind) -> ApiResult {
    let (ticket, expires_in) = st
        .jsapi
        .ticket(corp, kind, st.clock.now_ms(), || st.ids.opaque(TICKET_LEN));
    ok(dir::TicketResponse {
        ticket: ticket.to_string(),
        expires_in,
    })
}

pub async fn corp_ticket(State(st): St, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    ticket(&st, who.corp, TicketKind::Corp)
}

pub async fn agent_ticket(State(st): St, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    if q.get("type").as_deref() != Some("agent_config") {
        return Err(WireError::invalid_field("type").into());
    }
    ticket(&st, who.corp, TicketKind::Agent(who.agentid))
}
