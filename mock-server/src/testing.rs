//! What the crate's own tests share: the demo company's names, and calls through the router in-process (as
//! the integration tests in `tests/api` make them over HTTP). Tests live here, beside the code, when they need
//! what the public API does not show: the store, the tokens, the callback queue.

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

use crate::State;

pub(crate) const CORPID: &str = "ww5e2d1c0b9a8f7e6d";
pub(crate) const BOT_SECRET: &str = "demo-bot-secret-0123456789abcdefghijklmnopq";
pub(crate) const BOT_AGENTID: i64 = 1_000_002;
pub(crate) const ROBOT_KEY: &str = "8b7a6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";
pub(crate) const KF_ACCOUNT: &str = "wkDemoSupportDesk00000000000001A";
/// 小明, an external contact of zhangsan.
pub(crate) const CUSTOMER: &str = "wmDemoXiaoMing00000000000000001A";

/// A call through the router: the HTTP status and the body as JSON (`Null` when it is not JSON).
pub(crate) async fn call(
    state: &Arc<State>,
    method: Method,
    uri: &str,
    body: impl Into<Body>,
) -> (u16, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(body.into())
        .unwrap_or_else(|e| panic!("{uri}: {e}"));
    let resp = crate::app(state.clone())
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

/// The demo bot's token, from `gettoken` as a bot gets it.
pub(crate) async fn token(state: &Arc<State>) -> String {
    let uri = format!("/cgi-bin/gettoken?corpid={CORPID}&corpsecret={BOT_SECRET}");
    let (_, v) = call(state, Method::GET, &uri, Body::empty()).await;
    assert_eq!(v["errcode"], 0, "{v}");
    v["access_token"].as_str().unwrap_or_default().to_owned()
}
