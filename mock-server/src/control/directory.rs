//! The directory's side of the control API: the contacts-sync receiver's URL (verified as an app's is), OAuth
//! codes for a member who opens an app's page, and a check of a JS-SDK signature against the live ticket.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use wecom_wire::directory::OAUTH_CODE_TTL_S;

use super::apps::CallbackUrl;
use super::{bad_request, body, corp_index, not_found, QueryString, Refused, WithState};
use crate::callback::CONTACT_SYNC;
use crate::jsapi::{OAuthCode, TicketKind};

#[derive(Deserialize)]
pub struct CorpQuery {
    corpid: Option<String>,
}

/// `PUT /mock/contact_sync/callback {"url": …}`: the contacts-sync receiver's URL, set once it answers WeCom's
/// verification.
pub async fn set_callback(
    State(st): WithState,
    QueryString(q): QueryString<CorpQuery>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let CallbackUrl { url } = body(&bytes)?;
    let corp = corp_index(&st.sim(), q.corpid.as_deref())?;
    if st.world().corps[corp].contact_sync.is_none() {
        return Err(not_found("the corp has no contact_sync in its fixture"));
    }
    super::apps::verify_and_set(&st, (corp, CONTACT_SYNC), &url).await?;
    Ok(Json(
        json!({ "receiver": "contact_sync", "url": url, "verified": true }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    agentid: i64,
    userid: String,
    /// `snsapi_base` (default) or `snsapi_privateinfo`, which also gets a `user_ticket`.
    #[serde(default)]
    scope: Option<String>,
    /// Where the member's browser is sent back, with `?code=…&state=…`.
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

/// `POST /mock/oauth/code {"agentid", "userid"}`: the code WeCom would append to the app's redirect URL when
/// the member opens it; single-use, valid 5 minutes on the mock clock.
pub async fn oauth_code(
    State(st): WithState,
    QueryString(q): QueryString<CorpQuery>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let r: CodeRequest = body(&bytes)?;
    let sim = st.sim();
    let corp = corp_index(&sim, q.corpid.as_deref())?;
    let c = &sim.world.corps[corp];
    let app = c
        .app(r.agentid)
        .ok_or_else(|| not_found(format!("no app {}", r.agentid)))?;
    let user = c
        .user_index(&r.userid)
        .ok_or_else(|| not_found(format!("no member {}", r.userid)))?;
    if !app.can_see(user) {
        return Err(bad_request(format!(
            "member {} is not in app {}'s scope",
            r.userid, r.agentid
        )));
    }
    let private_info = match r.scope.as_deref() {
        None | Some("snsapi_base") => false,
        Some("snsapi_privateinfo") => true,
        Some(s) => return Err(bad_request(format!("unknown scope {s:?}"))),
    };
    let code = st.ids.opaque(32);
    let expires_ms = st.clock.now_ms() + OAUTH_CODE_TTL_S * 1000;
    let grant = OAuthCode {
        corp,
        agentid: r.agentid,
        user,
        private_info,
        expires_ms,
    };
    st.jsapi.add_code(code.clone(), grant);
    let url = r.redirect_uri.map(|u| {
        let sep = if u.contains('?') { '&' } else { '?' };
        let state = r.state.unwrap_or_default();
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!("{u}{sep}code={}&state={}", enc(&code), enc(&state))
    });
    Ok(Json(
        json!({ "code": code, "url": url, "expires_in": OAUTH_CODE_TTL_S }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    /// With an agentid the app's `agent_config` ticket signs (`wx.agentConfig`), without it the corp's
    /// (`wx.config`).
    #[serde(default)]
    agentid: Option<i64>,
    noncestr: String,
    timestamp: serde_json::Value,
    url: String,
    signature: String,
}

/// `POST /mock/jsapi/verify`: is this the signature of the ticket in force now? For testing a page's backend
/// end to end without a WeCom client.
pub async fn verify(
    State(st): WithState,
    QueryString(q): QueryString<CorpQuery>,
    bytes: bytes::Bytes,
) -> Result<Json<Value>, Refused> {
    let r: VerifyRequest = body(&bytes)?;
    let corp = corp_index(&st.sim(), q.corpid.as_deref())?;
    let kind = match r.agentid {
        Some(a) => {
            st.world().corps[corp]
                .app(a)
                .ok_or_else(|| not_found(format!("no app {a}")))?;
            TicketKind::Agent(a)
        }
        None => TicketKind::Corp,
    };
    let timestamp = match &r.timestamp {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(bad_request("timestamp must be a number or a string")),
    };
    let Some(ticket) = st.jsapi.live_ticket(corp, kind, st.clock.now_ms()) else {
        return Ok(Json(
            json!({ "valid": false, "reason": "no ticket in force: call the ticket API first" }),
        ));
    };
    let expected =
        wecom_wire::directory::jsapi::signature(&ticket, &r.noncestr, &timestamp, &r.url);
    let valid = expected == r.signature.to_ascii_lowercase();
    Ok(Json(json!({ "valid": valid, "expected": expected })))
}
