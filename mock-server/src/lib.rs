//! mock-server: a WeCom server on the wire, for bots and SDKs to be tested against offline.
//!
//! The public API is this file's, and only this file's: every module is private. In groups:
//!
//! - serving: [`app`] (the whole server as an in-process service, [`App`]), [`run`] and [`run_with`] (served on a bound
//!   listener until a shutdown future resolves), [`run_tls`] (HTTPS as WeCom's hosts, for `--tls-bind`),
//!   [`spawn`] and its [`Stop`] handle (on `127.0.0.1:0` in a task),
//!   [`Limits`] and [`N_RESERVED_CONNECTIONS`] (the connection layer), [`listen`], [`fd_limit`];
//! - state and config: [`State`] (made by `State::new`, `demo` or `from_file`; `reset`, `world_view`,
//!   `subscribe`, `fingerprint`, `ca_cert_path`), [`Config`] (with [`CaSource`]), [`StartError`], [`Settings`]
//!   and [`SettingsError`];
//! - the world and its fixture: [`World`] (opaque: made from a fixture, handed to `State::new`), [`Fixture`],
//!   [`FixtureError`], [`DEFAULT_FIXTURE`].
//!
//! What the mock says on the wire beyond WeCom's own API is typed in `wecom_wire::mock`: the control API's
//! answers (`control::World` is [`State::world_view`]'s) and the event stream (`events::Event`, what
//! [`State::subscribe`] receives). Everything else (the store, tokens, the journal, faults, the callback queue)
//! is reached over HTTP, through the control API, or not at all: tests that need more live beside the code.
//! The binary is a thin shell over this API.

mod aibot;
mod api;
mod app;
mod budget;
mod callback;
mod clock;
mod console;
mod contacts;
mod control;
mod directory;
mod events;
mod faults;
mod fingerprint;
mod ids;
mod inflight;
mod journal;
mod jsapi;
mod kf_route;
mod ledger;
mod limits;
mod metrics;
mod proxy;
mod ring;
mod serve;
mod settings;
mod spawn;
mod state;
mod store;
#[cfg(test)]
mod testing;
mod tls;
mod tokens;
mod trusted;
mod world;

use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

// Serving: the router, and the server on a listener.

/// The whole server as one service, made by [`app`].
pub use app::App;
/// The process's open-file soft limit, which [`Limits::fitted_max_connections`] fits the cap to.
pub use serve::fd_limit;
/// A listener on `host:port` with a long accept backlog, for [`run`].
pub use serve::listen;
/// The connection layer's start-time limits: header, body and idle timeouts, the connection cap.
pub use serve::Limits;
/// Connections kept apart for `/mock/` and `/metrics` beyond [`Limits::max_connections`].
pub use serve::N_RESERVED_CONNECTIONS;
/// Serves a state on `127.0.0.1:0` in a task of its own: the one harness tests and loadgen start the mock with.
pub use spawn::spawn;
/// [`spawn`]'s stop handle: send to it or drop it to stop that server.
pub use spawn::Stop;

/// The whole server as one service: `/cgi-bin/` (WeCom), `/mock/` (control), `/metrics`, `/wwpic/`, the AI
/// bots' `/`. Any other path is a 404 with an empty body, as WeCom answers.
pub fn app(state: Arc<State>) -> App {
    let router = Router::new()
        .merge(control::routes(state.clone()))
        .route("/metrics", get(metrics))
        .route("/wwpic/{id}", get(api::media::picture))
        .route("/wwaibot/{id}", get(aibot::download))
        // The AI bots' long connection: WeCom serves it at the root of its own host.
        .route("/", get(aibot::accept))
        .fallback(|| async { StatusCode::NOT_FOUND })
        // Limits are the control API's to enforce, not axum's 413.
        .layer(DefaultBodyLimit::disable())
        .with_state(state.clone());
    App::new(state, router)
}

/// Serves [`app`] on `listener` with the default connection limits ([`Limits`]) until `shutdown`
/// resolves. Callers' addresses reach the handlers (for errmsg hints and the control API's loopback check).
pub async fn run(
    listener: TcpListener,
    state: Arc<State>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, state, Limits::default(), shutdown).await
}

/// [`run`] with the connection limits given (the binary's `--header-timeout-ms` and the like, tests' short
/// ones).
pub async fn run_with(
    listener: TcpListener,
    state: Arc<State>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve::serve(listener, app(state), limits, shutdown).await
}

/// Serves [`app`] as HTTPS on `listener` (the binary's `--tls-bind`): every connection TLS from its first
/// byte, with the leaf of the WeCom host its SNI names (the API host's when it names none), from the CA of
/// [`Config::ca`]; for setups that map WeCom's host names to the mock instead of using it as a proxy.
pub async fn run_tls(
    listener: TcpListener,
    state: Arc<State>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = state
        .leaves()
        .and_then(|l| l.config(wecom_wire::hosts::API).map_err(|e| e.to_string()))
        .map_err(std::io::Error::other)?;
    serve::serve_with(listener, app(state), limits, Some(config), shutdown).await
}

async fn metrics(AxState(st): AxState<Arc<State>>) -> impl IntoResponse {
    let text = st
        .metrics
        .render(&st.sim().store, &st.journal, &st.callbacks.attempts);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
}

// State and config.

/// The live settings (`GET /mock/settings`); `Settings::default()` is a fresh mock's.
pub use settings::Settings;
/// Settings refused (a 0 where one is needed, an errcode WeCom does not give).
pub use settings::SettingsError;
/// How the server starts: the control API's admin token, the connection limits.
pub use state::Config;
/// Why a [`State`] could not be built: the fixture, or the settings in it.
pub use state::StartError;
/// The server's shared state, built from a [`World`] and its [`Fixture`] (or the demo), handed to [`app`].
pub use state::State;
/// Where the CA of the mock's HTTPS (the proxy's tunnels, [`run_tls`]) comes from: [`Config::ca`].
pub use tls::CaSource;

// The world and its fixture.

/// A fixture as written (YAML, or embedded in a loadgen scenario), before [`World::from_parsed`] checks it.
pub use world::Fixture;
/// A fixture refused, at its file, line and column.
pub use world::FixtureError;
/// The simulated company, validated: made from a fixture file, text, or the demo.
pub use world::World;
/// The demo company's fixture text (`mock-server/src/world/default.yaml`).
pub use world::DEFAULT_FIXTURE;
