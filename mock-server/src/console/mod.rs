//! The web console at `/mock/ui`: a page, its scripts and its style, all inside the binary. The page is a client
//! of the control API and the event stream like any other (it gets no door into the state of its own); this
//! module only serves the files, and the settings' defaults so the page can mark what is changed.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

use crate::state::State as Shared;

/// Every file of the console, by the name it is served under (`/mock/ui/<name>`): written once, so the route
/// table, the page and the test that every file loads read the same list.
pub(crate) const ASSETS: &[(&str, &str, &str)] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    ("core.js", JS, include_str!("assets/core.js")),
    ("main.js", JS, include_str!("assets/main.js")),
    ("company.js", JS, include_str!("assets/company.js")),
    ("chat.js", JS, include_str!("assets/chat.js")),
    ("wire.js", JS, include_str!("assets/wire.js")),
    ("controls.js", JS, include_str!("assets/controls.js")),
];

const JS: &str = "text/javascript; charset=utf-8";

const PAGE: &str = include_str!("assets/index.html");

/// Where the page is: the one path whose query may carry the admin token (`control::auth`).
pub(crate) const PAGE_PATH: &str = "/mock/ui";

/// `/mock/ui/…`: the console's files and `defaults.json`; the page itself is [`page`], behind the control API's
/// guard like these.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(PAGE_PATH, get(|| async { page() }))
        .route("/mock/ui/defaults.json", get(defaults))
        .route("/mock/ui/{asset}", get(asset))
}

/// The console's page.
pub(crate) fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        // no-cache, not a long max-age: the files change with the binary, and revalidating costs nothing here.
        Some((_, kind, body)) => (
            [
                (header::CONTENT_TYPE, *kind),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such console file").into_response(),
    }
}

/// A fresh mock's settings, for the page to mark those changed since.
async fn defaults() -> Json<crate::Settings> {
    Json(crate::Settings::default())
}

#[cfg(test)]
mod tests;
