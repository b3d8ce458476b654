//! The mock's own API under `/mock/`, apart from WeCom's: the world's credentials, inboxes, the request
//! journal, reset, the mock clock, faults and settings. Answers are plain JSON (`{"error": …}` with a 4xx on
//! bad input), not WeCom envelopes. Loopback callers only, unless `--admin-token` is set.

mod apps;
mod auth;
mod contacts;
mod customers;
mod directory;
mod events;
mod groups;
mod inbound;
mod inbox;
mod kf;
mod links;
mod moments;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

use crate::faults::Fault;
use crate::settings::SettingsPatch;
use crate::state::State as Shared;

type WithState = State<Arc<Shared>>;

/// Control-API request bodies (simulated messages, settings) are small; larger ones get a 413.
const CONTROL_BODY_LIMIT: usize = 1024 * 1024;

pub fn routes(state: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/mock/health",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .route("/mock/world", get(world))
        .route("/mock/inboxes", get(inbox::list))
        .route("/mock/inboxes/user/{userid}", get(inbox::user))
        .route("/mock/inboxes/robot/{key}", get(inbox::robot))
        .route(
            "/mock/inboxes/customer/{external_userid}",
            get(inbox::customer),
        )
        .route("/mock/inboxes/appchat/{chatid}", get(inbox::appchat))
        .route("/mock/journal", get(journal))
        .route("/mock/apps/{agentid}/messages", post(apps::member_message))
        .route(
            "/mock/apps/{agentid}/callback",
            axum::routing::put(apps::set_callback).delete(apps::forget_callback),
        )
        .route(
            "/mock/apps/{agentid}/trusted_ips",
            get(apps::trusted_ips).put(apps::set_trusted_ips),
        )
        .route("/mock/callbacks", get(apps::attempts))
        .route(
            "/mock/contact_sync/callback",
            axum::routing::put(directory::set_callback),
        )
        .route("/mock/oauth/code", post(directory::oauth_code))
        .route("/mock/jsapi/verify", post(directory::verify))
        .route("/mock/customers", get(customers::list))
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
            post(groups::send_group_msg),
        )
        .route(
            "/mock/customers/{external_userid}/refuse_transfer",
            post(contacts::refuse_transfer),
        )
        .route(
            "/mock/customers/{external_userid}/contacts/{userid}",
            post(contacts::change),
        )
        .route("/mock/kf/{open_kfid}/messages", post(kf::message))
        .route("/mock/kf/{open_kfid}/enter", post(kf::enter))
        .route(
            "/mock/kf/{open_kfid}/sessions/{external_userid}",
            post(kf::session),
        )
        .route(
            "/mock/kf/{open_kfid}/servicers/{userid}",
            post(kf::servicer_status),
        )
        .route(
            "/mock/kf/{open_kfid}/upgrades/{external_userid}",
            get(kf::upgrade),
        )
        .route("/mock/moments/{moment_id}/publish", post(moments::publish))
        .route("/mock/moments/{moment_id}/react", post(moments::react))
        .route("/mock/links/resolve", post(links::resolve))
        .route("/mock/links/open", post(links::open))
        .route("/mock/events", get(events::stream))
        .route("/mock/reset", post(reset))
        .route("/mock/clock", get(clock))
        .route("/mock/clock/advance", post(advance))
        .route(
            "/mock/faults",
            get(faults).post(set_fault).delete(clear_faults),
        )
        .route("/mock/settings", get(settings).patch(patch_settings))
        // The app as a whole leaves body limits to the WeCom API's layer; control bodies are small.
        .layer(axum::extract::DefaultBodyLimit::max(CONTROL_BODY_LIMIT))
        .layer(from_fn_with_state(state, guard))
}

/// An error of the control API: a status and a sentence.
pub struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

/// A corp by `?corpid=`, or the first one.
fn corp_index(sim: &crate::state::Sim, corpid: Option<&str>) -> Result<usize, Refused> {
    match corpid {
        Some(c) => sim
            .world
            .corp_index(c)
            .ok_or_else(|| not_found(format!("no corp {c}"))),
        None => Ok(0),
    }
}

pub fn bad_request(msg: impl std::fmt::Display) -> Refused {
    Refused(StatusCode::BAD_REQUEST, msg.to_string())
}

pub fn not_found(msg: impl std::fmt::Display) -> Refused {
    Refused(StatusCode::NOT_FOUND, msg.to_string())
}

/// `Query` with our error format: a bad query string is a 400 `{"error": …}`, not axum's plain text.
pub struct QueryString<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S>
    for QueryString<T>
{
    type Rejection = Refused;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Refused> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(t)| QueryString(t))
            .map_err(|e| bad_request(e.body_text()))
    }
}

/// `Path` with our error format.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> axum::extract::FromRequestParts<S>
    for PathParams<T>
{
    type Rejection = Refused;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Refused> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| PathParams(t))
            .map_err(|e| bad_request(e.body_text()))
    }
}

/// A JSON body parsed by hand, so a bad one gets our error format rather than axum's.
fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Refused> {
    serde_json::from_slice(bytes).map_err(|e| bad_request(format!("bad JSON body: {e}")))
}

async fn guard(State(st): WithState, req: Request, next: Next) -> Response {
    match &st.admin_token {
        Some(want) => {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .map(|v| v.as_bytes());
            if !auth::bearer_matches(given, want) {
                return Refused(
                    StatusCode::UNAUTHORIZED,
                    "the control API wants Authorization: Bearer <admin token>".into(),
                )
                .into_response();
            }
        }
        None => {
            // In-process callers have no peer address; remote ones must be on loopback.
            let peer = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            if peer.is_some_and(|ip| !auth::is_loopback(ip)) {
                return Refused(
                    StatusCode::FORBIDDEN,
                    "the control API answers loopback only; start with --admin-token to open it"
                        .into(),
                )
                .into_response();
            }
        }
    }
    next.run(req).await
}

/// Customers listed in `/mock/world`; a generated population is summarised by its count.
const WORLD_CUSTOMERS: usize = 100;

async fn world(State(st): WithState) -> Json<Value> {
    let sim = st.sim();
    let w = &sim.world;
    let corps: Vec<Value> = w
        .corps
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut accounts: Vec<(u64, Value)> = sim
                .store
                .kf
                .accounts
                .iter()
                .filter(|a| a.key().0 == ci)
                .map(|a| {
                    let servicers: Vec<&str> = a.servicers.iter().map(|(u, _)| u.as_str()).collect();
                    (a.order, json!({"open_kfid": a.key().1, "name": a.name, "servicers": servicers}))
                })
                .collect();
            accounts.sort_by_key(|(order, _)| *order);
            let kf = c.kf.as_ref().map(|k| {
                json!({"agentid": k.agentid, "accounts": accounts.into_iter().map(|(_, a)| a).collect::<Vec<_>>()})
            });
            let customers: Vec<Value> = c.customers.iter().take(WORLD_CUSTOMERS).map(|x| json!({
                "external_userid": x.external_userid,
                "name": x.name,
                "type": x.kind,
                "follow": x.follow.iter().map(|&u| c.member(u).userid.as_str()).collect::<Vec<_>>(),
            })).collect();
            json!({
                "kf": kf,
                "n_customers": c.customers.len(),
                "customers": customers,
                "corpid": c.corpid,
                "name": c.name,
                "apps": c.apps.iter().map(|a| json!({
                    "agentid": a.agentid,
                    "name": a.name,
                    "secret": a.secret,
                    "callback": a.callback.as_ref().map(|cb| live_callback(&st, (ci, a.agentid), cb)),
                    "trusted_ips": st.trusted_ips.get(ci, a.agentid),
                })).collect::<Vec<_>>(),
                "contact_sync_secret": c.contact_sync.as_ref().map(|s| &s.secret),
                "contact_sync_callback": c.contact_sync.as_ref().and_then(|s| s.callback.as_ref())
                    .map(|cb| live_callback(&st, (ci, crate::callback::CONTACT_SYNC), cb)),
                "robots": c.robots.iter().map(|r| json!({"key": r.key, "name": r.name})).collect::<Vec<_>>(),
                "departments": c.departments.iter().map(|d| json!({"id": d.id, "name": d.name, "parentid": d.parentid})).collect::<Vec<_>>(),
                "users": c.users.iter().filter(|u| !u.deleted).map(|u| json!({"userid": u.userid, "name": u.name, "department": u.departments})).collect::<Vec<_>>(),
                "tags": c.tags.iter().map(|t| json!({"tagid": t.tagid, "tagname": t.tagname})).collect::<Vec<_>>(),
                "customer_groups": c.groups.iter().map(|g| json!({"chat_id": g.chat_id, "opengid": g.opengid, "name": g.name})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "seed": w.seed, "corps": corps }))
}

/// A receiver's callback as pushes use it now: `url` is the live one (set at run time or the fixture's),
/// `fixture_url` what the fixture says.
fn live_callback(st: &crate::State, receiver: (usize, i64), cb: &crate::world::Callback) -> Value {
    json!({
        "url": st.callbacks.url(st, receiver),
        "fixture_url": cb.url,
        "token": cb.token,
        "encoding_aes_key": cb.encoding_aes_key,
    })
}

#[derive(Deserialize)]
struct JournalQuery {
    path: Option<String>,
    limit: Option<usize>,
    before: Option<u64>,
    errcode: Option<i64>,
}

/// Newest first, `limit` (default 100, at most 1000) at a time; `before` = the last page's `next_before`.
async fn journal(State(st): WithState, QueryString(q): QueryString<JournalQuery>) -> Response {
    // A page of 1,000 entries is up to 18 MB of JSON: written on a blocking thread, or four reads at once
    // would hold both runtime workers, and `/mock/health` behind them, for tens of milliseconds.
    match tokio::task::spawn_blocking(move || journal_page(&st, &q)).await {
        Ok(Ok(json)) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(serde::Serialize)]
struct JournalPage<'a> {
    n_recorded: u64,
    n_evicted: u64,
    kept_bytes: usize,
    max_bytes: usize,
    next_before: Option<u64>,
    entries: Vec<crate::journal::View<'a>>,
}

fn journal_page(st: &Shared, q: &JournalQuery) -> serde_json::Result<Vec<u8>> {
    let select = crate::journal::Select {
        limit: q.limit.unwrap_or(100),
        before: q.before,
        path: q.path.as_deref(),
        errcode: q.errcode,
    };
    let entries = st.journal.list(&select);
    let (kept_bytes, max_bytes) = st.journal.kept_bytes();
    serde_json::to_vec(&JournalPage {
        n_recorded: st.journal.n_recorded(),
        n_evicted: st.journal.n_evicted(),
        kept_bytes,
        max_bytes,
        next_before: entries.last().map(|(seq, _)| *seq),
        entries: entries.iter().map(|(seq, e)| e.view(*seq)).collect(),
    })
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

async fn faults(State(st): WithState) -> Json<Value> {
    Json(json!({ "faults": st.faults.list() }))
}

async fn set_fault(State(st): WithState, bytes: bytes::Bytes) -> Result<Json<Value>, Refused> {
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
) -> Result<Json<Value>, Refused> {
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
    {
        return Err(bad_request(
            "journal_capacity, journal_max_bytes and max_body_bytes_in_flight are fixed at start; set them in the fixture",
        ));
    }
    st.settings.apply(&p).map_err(bad_request)?;
    Ok(settings(State(st)).await)
}
