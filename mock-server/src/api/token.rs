//! `GET /cgi-bin/gettoken`: corpid + an app's secret → that app's token.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::token::GettokenResponse;
use wecom_wire::Errcode;

use super::{ok, ApiResult, Params};

pub async fn gettoken(State(st): State<Arc<crate::state::State>>, q: Params) -> ApiResult {
    // WeCom checks the secret's presence before the corpid's.
    let secret = q
        .get("corpsecret")
        .filter(|s| !s.is_empty())
        .ok_or(Errcode::CORPSECRET_MISSING)?;
    let corpid = q
        .get("corpid")
        .filter(|s| !s.is_empty())
        .ok_or(Errcode::CORPID_MISSING)?;
    let world = st.world();
    let ci = world.corp_index(&corpid).ok_or(Errcode::INVALID_CORPID)?;
    let app = world.corps[ci]
        .apps
        .iter()
        .find(|a| a.secret == *secret)
        .ok_or(Errcode::INVALID_CREDENTIAL)?;
    let (token, expires_in) = st
        .tokens
        .issue(ci, app.agentid, st.clock.now_ms(), || st.ids.token());
    ok(GettokenResponse {
        access_token: token.to_string(),
        expires_in,
    })
}
