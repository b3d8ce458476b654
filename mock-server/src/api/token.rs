//! `GET /cgi-bin/gettoken`: corpid + an app's secret → that app's token; + the contacts-sync secret → a token
//! of the corp with no app.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::token::GettokenResponse;
use wecom_wire::Errcode;

use super::{ok, ApiResult, Params};
use crate::tokens::Holder;

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
    let corp = &world.corps[ci];
    let holder = match corp.apps.iter().find(|a| a.secret == *secret) {
        Some(app) => Holder::App(app.agentid),
        None if corp
            .contact_sync
            .as_ref()
            .is_some_and(|s| s.secret == *secret) =>
        {
            Holder::ContactSync
        }
        None => return Err(Errcode::INVALID_CREDENTIAL.into()),
    };
    let (token, expires_in) = st
        .tokens
        .issue_for(ci, holder, st.clock.now_ms(), || st.ids.token());
    ok(GettokenResponse {
        access_token: token.to_string(),
        expires_in,
    })
}
