//! mock-server: a WeCom server on the wire, for bots and SDKs to be tested against offline.
//!
//! Use [`app`] for an in-process router (tests, loadgen's embedded default) or [`run`] to serve it on a bound
//! listener until a shutdown future resolves. The binary is a thin shell over these.

pub mod api;
pub mod budget;
pub mod callback;
pub mod clock;
pub mod contacts;
pub mod control;
pub mod directory;
pub mod events;
pub mod faults;
mod fingerprint;
pub mod ids;
pub mod inflight;
pub mod journal;
pub mod jsapi;
pub mod kf_route;
pub mod limits;
pub mod metrics;
pub mod proxy;
pub mod ring;
pub mod serve;
pub mod settings;
mod spawn;
pub mod state;
pub mod store;
pub mod tls;
pub mod tokens;
pub mod trusted;
pub mod world;

use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

pub use spawn::{spawn, Stop};
pub use state::{Config, State};

/// The whole server as a router: `/cgi-bin/` (WeCom), `/mock/` (control), `/metrics`, `/wwpic/`.
/// Any other path is a 404 with an empty body, as WeCom answers.
pub fn app(state: Arc<State>) -> Router {
    Router::new()
        .merge(api::routes(state.clone()))
        .merge(control::routes(state.clone()))
        .route("/metrics", get(metrics))
        .route("/wwpic/{id}", get(api::media::picture))
        .fallback(|| async { StatusCode::NOT_FOUND })
        // Limits are the API layer's to enforce, with WeCom's errcodes, not axum's 413.
        .layer(DefaultBodyLimit::disable())
        // Outermost: a proxy's requests (`CONNECT`, absolute form) and WeCom's other hosts, before routing.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            proxy::guard,
        ))
        .with_state(state)
}

async fn metrics(AxState(st): AxState<Arc<State>>) -> impl IntoResponse {
    let text = st.metrics.render(&st.sim().store, &st.journal);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
}

/// Serves [`app`] on `listener` with the default connection limits ([`serve::Limits`]) until `shutdown`
/// resolves. Callers' addresses reach the handlers (for errmsg hints and the control API's loopback check).
pub async fn run(
    listener: TcpListener,
    state: Arc<State>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, state, serve::Limits::default(), shutdown).await
}

/// Serves [`app`] as HTTPS on `listener` (the binary's `--tls-bind`): every connection TLS from its first
/// byte, with the leaf of the WeCom host its SNI names (the API host's when it names none), from the CA of
/// [`Config::ca`]; for setups that map WeCom's host names to the mock instead of using it as a proxy.
pub async fn run_tls(
    listener: TcpListener,
    state: Arc<State>,
    limits: serve::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = state
        .leaves()
        .and_then(|l| l.config(wecom_wire::hosts::API).map_err(|e| e.to_string()))
        .map_err(std::io::Error::other)?;
    serve::serve_with(listener, app(state), limits, Some(config), shutdown).await
}

/// [`run`] with the connection limits given (the binary's `--header-timeout-ms` and the like, tests' short
/// ones).
pub async fn run_with(
    listener: TcpListener,
    state: Arc<State>,
    limits: serve::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve::serve(listener, app(state), limits, shutdown).await
}
