//! The mock's own API under `/mock/`, apart from WeCom's: the world's credentials, inboxes, the request
//! journal, reset, the mock clock, faults and settings, and the console's page. Answers are plain JSON
//! (`{"error": …}` with a 4xx on bad input), not WeCom envelopes. Loopback callers only, unless
//! `--admin-token` is set (`auth`).

mod aibot_callback;
mod aibots;
mod apps;
mod auth;
mod contacts;
mod customers;
mod directory;
mod events;
mod extract;
mod group_sends;
mod groups;
mod inbound;
mod inbox;
mod journal;
mod kf_sessions;
mod links;
mod moments;
mod world;

use axum::extract::State;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

use crate::settings::SettingsPatch;
use crate::state::State as Shared;
use wecom_wire::mock::control::{Fault, FaultList};

pub(crate) use auth::token_matches;
pub use extract::{bad_request, not_found, PathParams, QueryString, Refused};
use extract::{body, corp_index};
pub(crate) use inbound::placeholder_bytes;
pub(crate) use links::describe as describe_link;
pub(crate) use world::answer as world_view;

type WithState = State<Arc<Shared>>;

/// Control-API request bodies (simulated messages, settings) are small; larger ones get a 413.
const CONTROL_BODY_LIMIT: usize = 1024 * 1024;

pub fn routes(state: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .merge(mock_routes())
        .merge(company_routes())
        .merge(kf_routes())
        .merge(crate::console::routes())
        // The app as a whole leaves body limits to the WeCom API's layer; control bodies are small.
        .layer(axum::extract::DefaultBodyLimit::max(CONTROL_BODY_LIMIT))
        .layer(from_fn_with_state(state, auth::guard))
}

/// The mock itself: health, the world, inboxes, the journal and callback attempts, events, reset, the clock,
/// faults and settings.
fn mock_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/mock/health",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .route("/mock/world", get(world::world))
        .route("/mock/ca.pem", get(ca_pem))
        .route("/mock/inboxes", get(inbox::list))
        .route("/mock/inboxes/user/{userid}", get(inbox::user))
        .route("/mock/inboxes/robot/{key}", get(inbox::robot))
        .route(
            "/mock/inboxes/customer/{external_userid}",
            get(inbox::customer),
        )
        .route("/mock/inboxes/appchat/{chatid}", get(inbox::appchat))
        .route("/mock/inboxes/aibot_chat/{chatid}", get(inbox::aibot_chat))
        .route("/mock/journal", get(journal::journal))
        .route("/mock/callbacks", get(apps::attempts))
        .route("/mock/events", get(events::stream))
        .route("/mock/reset", post(reset))
        .route("/mock/clock", get(clock))
        .route("/mock/clock/advance", post(advance))
        .route(
            "/mock/faults",
            get(faults).post(set_fault).delete(clear_faults),
        )
        .route("/mock/settings", get(settings).patch(patch_settings))
}

/// What members, customers and groups do in the simulated company, and the apps' run-time settings.
fn company_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/mock/apps/{agentid}/messages", post(apps::member_message))
        .route("/mock/aibots/{botid}/messages", post(aibots::message))
        .route("/mock/aibots/{botid}/enter", post(aibots::enter))
        .route("/mock/aibots/{botid}/cards/click", post(aibots::click))
        .route("/mock/aibots/{botid}/feedback", post(aibots::feedback))
        .route("/mock/aibots/{botid}", get(aibots::status))
        .route(
            "/mock/aibots/{botid}/callback",
            axum::routing::put(aibot_callback::set).delete(aibot_callback::forget),
        )
        .route(
            "/mock/apps/{agentid}/callback",
            axum::routing::put(apps::set_callback).delete(apps::forget_callback),
        )
        .route(
            "/mock/apps/{agentid}/trusted_ips",
            get(apps::trusted_ips).put(apps::set_trusted_ips),
        )
        .route(
            "/mock/contact_sync/callback",
            axum::routing::put(directory::set_callback),
        )
        .route("/mock/oauth/code", post(directory::oauth_code))
        .route("/mock/jsapi/verify", post(directory::verify))
        .route("/mock/customers", get(customers::list))
        .route("/mock/customers/{external_userid}", get(customers::one))
        .route(
            "/mock/customers/{external_userid}/messages",
            post(customers::message),
        )
        .route("/mock/contact_ways/{config_id}/scan", post(contacts::scan))
        .route("/mock/members/{userid}/resign", post(contacts::resign))
        .route(
            "/mock/members/{userid}/messages",
            post(customers::from_member),
        )
        .route("/mock/groups/{chat_id}/members", post(groups::members))
        .route("/mock/groups/{chat_id}/messages", post(groups::message))
        .route(
            "/mock/join_ways/{config_id}/scan",
            post(groups::join_way_scan),
        )
        .route(
            "/mock/group_msgs/{msgid}/send",
            post(group_sends::send_group_msg),
        )
        .route(
            "/mock/customers/{external_userid}/refuse_transfer",
            post(contacts::refuse_transfer),
        )
        .route(
            "/mock/customers/{external_userid}/contacts/{userid}",
            post(contacts::change),
        )
}

/// Customer service (kf) conversations, moments and the links the mock hands out.
fn kf_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/mock/kf/{open_kfid}/messages", post(kf_sessions::message))
        .route("/mock/kf/{open_kfid}/enter", post(kf_sessions::enter))
        .route(
            "/mock/kf/{open_kfid}/sessions/{external_userid}",
            post(kf_sessions::session),
        )
        .route(
            "/mock/kf/{open_kfid}/servicers/{userid}",
            post(kf_sessions::servicer_status),
        )
        .route(
            "/mock/kf/{open_kfid}/upgrades/{external_userid}",
            get(kf_sessions::upgrade),
        )
        .route("/mock/moments/{moment_id}/publish", post(moments::publish))
        .route("/mock/moments/{moment_id}/react", post(moments::react))
        .route("/mock/links/resolve", post(links::resolve))
        .route("/mock/links/open", post(links::open))
}

async fn reset(State(st): WithState) -> Json<Value> {
    st.reset();
    Json(json!({ "reset": true }))
}

async fn clock(State(st): WithState) -> Json<Value> {
    Json(json!({ "now_ms": st.clock.now_ms(), "offset_ms": st.clock.offset_ms() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    #[serde(default)]
    seconds: i64,
    #[serde(default)]
    ms: i64,
}

async fn advance(State(st): WithState, bytes: bytes::Bytes) -> Result<Json<Value>, Refused> {
    let a: Advance = body(&bytes)?;
    let ms = a
        .seconds
        .checked_mul(1000)
        .and_then(|s| s.checked_add(a.ms))
        .ok_or_else(|| bad_request("too far"))?;
    if ms < 0 {
        return Err(bad_request("the mock clock only moves forward"));
    }
    if !st.clock.advance_ms(ms) {
        return Err(bad_request(
            "the mock clock moves at most 100 years ahead in all",
        ));
    }
    Ok(clock(State(st)).await)
}

/// `GET /mock/ca.pem`: the certificate of the CA the mock's HTTPS leaves come from, for clients to trust.
async fn ca_pem(State(st): WithState) -> Result<axum::response::Response, Refused> {
    use axum::response::IntoResponse;
    let leaves = st.leaves().map_err(|e| {
        Refused(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("the mock's CA cannot be opened: {e}"),
        )
    })?;
    let pem = leaves.ca().cert_pem().to_owned();
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
        pem,
    )
        .into_response())
}

async fn faults(State(st): WithState) -> Json<FaultList> {
    Json(FaultList {
        faults: st.faults.list(),
    })
}

async fn set_fault(State(st): WithState, bytes: bytes::Bytes) -> Result<Json<FaultList>, Refused> {
    let f: Fault = body(&bytes)?;
    st.faults.set(f).map_err(bad_request)?;
    Ok(faults(State(st)).await)
}

#[derive(Deserialize)]
struct PathQuery {
    path: Option<String>,
}

async fn clear_faults(
    State(st): WithState,
    QueryString(q): QueryString<PathQuery>,
) -> Result<Json<FaultList>, Refused> {
    match q.path {
        Some(p) if !st.faults.remove(&p) => return Err(not_found(format!("no fault on {p}"))),
        Some(_) => {}
        None => st.faults.clear(),
    }
    Ok(faults(State(st)).await)
}

async fn settings(State(st): WithState) -> Json<Value> {
    Json(json!(st.settings))
}

async fn patch_settings(State(st): WithState, bytes: bytes::Bytes) -> Result<Json<Value>, Refused> {
    let p: SettingsPatch = body(&bytes)?;
    if p.journal_capacity.is_some()
        || p.journal_max_bytes.is_some()
        || p.max_body_bytes_in_flight.is_some()
        || p.callback_log_capacity.is_some()
        || p.callback_log_max_bytes.is_some()
    {
        return Err(bad_request(
            "journal_capacity, journal_max_bytes, max_body_bytes_in_flight, callback_log_capacity and callback_log_max_bytes are fixed at start; set them in the fixture",
        ));
    }
    st.settings.apply(&p).map_err(bad_request)?;
    Ok(settings(State(st)).await)
}
