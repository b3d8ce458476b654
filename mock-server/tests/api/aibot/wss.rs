//! An SDK's default URL, `wss://openws.work.weixin.qq.com`, through the mock as its HTTPS proxy: `CONNECT` to
//! the long connection's host, TLS with the mock's CA, then the WebSocket inside the tunnel, served as on the
//! plain port.

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use super::{BOTID, SECRET};
use crate::proxy::{ca_pem, mock, tunnel_to, CaDir};

#[tokio::test]
async fn the_default_wss_url_works_through_the_proxy() {
    let dir = CaDir::new("aibot-wss");
    let app = mock(&dir).await;
    let pem = ca_pem(&app).await;
    let host = wecom_wire::hosts::AIBOT_WS;
    let tls = tunnel_to(app.addr, &pem, host)
        .await
        .expect("TLS in the tunnel");
    let (mut ws, answer) = tokio_tungstenite::client_async(format!("wss://{host}"), tls)
        .await
        .expect("the WebSocket handshake in the tunnel");
    assert_eq!(answer.status(), 101);
    let subscribe = json!({"cmd": "aibot_subscribe", "headers": {"req_id": "aibot_subscribe_1"},
        "body": {"bot_id": BOTID, "secret": SECRET}});
    ws.send(Message::text(subscribe.to_string())).await.unwrap();
    let Some(Ok(Message::Text(ack))) = ws.next().await else {
        panic!("no ack")
    };
    let ack: serde_json::Value = serde_json::from_str(ack.as_str()).unwrap();
    assert_eq!(ack["errcode"], 0);
    let status = app.get(&format!("/mock/aibots/{BOTID}")).await;
    assert_eq!(status["connected"], true);
}
