//! The baseline the mock is measured against: a bare axum handler that does the same JSON parse and reply as
//! `message/send` and nothing else (no token, no routing, no inbox, no journal, no metrics).

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;

use wecom_wire::message::{SendRequest, SendResponse};
use wecom_wire::Envelope;

/// The same body the benchmarks send to both servers.
pub const BODY: &str = r#"{"touser":"lisi","msgtype":"text","agentid":1000002,"text":{"content":"负载测试 load test message"},"safe":0}"#;

async fn send(body: Bytes) -> impl IntoResponse {
    let Ok(req) = serde_json::from_slice::<SendRequest>(&body) else {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            br#"{"errcode":40058}"#.to_vec(),
        );
    };
    let reply = SendResponse {
        msgid: format!("{}", req.agentid.unwrap_or(0)),
        ..SendResponse::default()
    };
    let bytes = serde_json::to_vec(&Envelope::ok(reply)).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        bytes,
    )
}

pub fn bare_app() -> Router {
    Router::new().route("/cgi-bin/message/send", post(send))
}
