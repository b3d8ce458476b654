//! `response_url`: one plain JSON answer within the hour, once, delivered as the bot's answer; and present on
//! the long connection's message callbacks too.

use serde_json::{json, Value};

use super::{app_with, event, next_push, says, spawn_bot, BOT, DEMO_BOT, RESPONSE_URL};
use crate::helpers::*;
use std::sync::Arc;

/// POSTs `body` to a response_url, on the mock instead of WeCom's host.
async fn respond(app: &App, response_url: &str, body: Value) -> Value {
    let path = response_url
        .strip_prefix("https://qyapi.weixin.qq.com")
        .unwrap();
    app.post(path, body).await
}

#[tokio::test]
async fn a_response_url_takes_one_answer_within_the_hour() {
    let (url, mut pushes) = spawn_bot(Arc::new(|_: &Value| None)).await;
    let app = app_with(&url).await;
    let mut events = app.state.subscribe();
    let msgid = says(&app, "zhangsan", "稍后回复我").await;
    let response_url = next_push(&mut pushes).await["response_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_flight =
        || async { app.get(&format!("/mock/aibots/{BOT}")).await["in_flight"]["zhangsan"].clone() };
    assert_eq!(in_flight().await, 1);

    // A body of another type is refused and leaves the code as it was.
    let text = json!({"msgtype": "text", "text": {"content": "x"}});
    assert_eq!(code(&respond(&app, &response_url, text).await), 40008);
    let empty = json!({"msgtype": "markdown", "markdown": {"content": ""}});
    assert_eq!(code(&respond(&app, &response_url, empty).await), 44004);
    let answer = json!({"msgtype": "markdown", "markdown": {"content": "**稍后的答案**"}});
    let r = respond(&app, &response_url, answer.clone()).await;
    assert_eq!(r, json!({"errcode": 0, "errmsg": "ok"}));
    let delivered = event(&mut events, "delivered", &msgid).await;
    assert_eq!(delivered.detail["response_url"], true);
    let inbox = app.inbox("zhangsan").await;
    assert_eq!(inbox["messages"][0]["msgtype"], "markdown", "{inbox}");
    assert_eq!(inbox["messages"][0]["content"]["content"], "**稍后的答案**");
    assert_eq!(
        in_flight().await,
        Value::Null,
        "answered: no longer in flight"
    );
    assert_eq!(
        code(&respond(&app, &response_url, answer.clone()).await),
        60140,
        "once"
    );
    assert_eq!(inbox["n_total"], 1);

    says(&app, "zhangsan", "一小时后").await;
    let late = next_push(&mut pushes).await["response_url"]
        .as_str()
        .unwrap()
        .to_owned();
    app.advance(3601).await;
    assert_eq!(
        code(&respond(&app, &late, answer.clone()).await),
        60140,
        "expired"
    );
    let nothing = format!("{RESPONSE_URL}nothing");
    assert_eq!(code(&respond(&app, &nothing, answer).await), 60140);
    assert_eq!(app.inbox("zhangsan").await["n_total"], 1);
}

/// The long connection's message callbacks carry a response_url too (seen on the real server).
#[tokio::test]
async fn a_message_on_the_long_connection_carries_a_response_url() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_app().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}", app.addr))
        .await
        .unwrap();
    let subscribe = json!({"cmd": "aibot_subscribe", "headers": {"req_id": "s1"},
        "body": {"bot_id": DEMO_BOT, "secret": "demo-aibot-secret-0123456789abcdefghijklmno"}});
    ws.send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    let mut next = async || loop {
        if let Some(Ok(Message::Text(t))) = ws.next().await {
            return serde_json::from_str::<Value>(t.as_str()).unwrap();
        }
    };
    assert_eq!(next().await["errcode"], 0, "subscribed");
    let said = app
        .post(
            &format!("/mock/aibots/{DEMO_BOT}/messages"),
            json!({"from": "zhangsan", "content": "hi"}),
        )
        .await;
    let callback = next().await;
    assert_eq!(callback["body"]["msgid"], said["msgid"]);
    assert!(
        callback["body"]["response_url"]
            .as_str()
            .unwrap()
            .starts_with(RESPONSE_URL),
        "{callback}"
    );
}
