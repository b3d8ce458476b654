//! What control handlers take from a request and how they refuse: query strings, paths and JSON bodies read
//! into our `{"error": …}` format rather than axum's plain text.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error of the control API: a status and a sentence.
pub struct Refused(pub(super) StatusCode, pub(super) String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

/// A corp by `?corpid=`, or the first one.
pub(super) fn corp_index(sim: &crate::state::Sim, corpid: Option<&str>) -> Result<usize, Refused> {
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
pub(super) fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Refused> {
    serde_json::from_slice(bytes).map_err(|e| bad_request(format!("bad JSON body: {e}")))
}
