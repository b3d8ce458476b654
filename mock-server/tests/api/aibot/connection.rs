//! The long connection as a connection: its seat under the cap, shutdown's Close 1001, the idle limit, the kick
//! that drops the older connection without a Close frame, and the dead path the ping fault makes.

use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use super::*;

/// How the server ended a connection.
#[derive(Debug, PartialEq)]
enum Ended {
    /// A Close frame, with its code.
    Closed(Option<CloseCode>),
    /// TCP went away without one.
    Dropped,
}

/// Reads until the server ends the connection (text frames before that are passed over).
async fn ended(ws: &mut Socket) -> Ended {
    loop {
        match ws.next().await {
            Some(Ok(Message::Close(c))) => return Ended::Closed(c.map(|c| c.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Ended::Dropped,
        }
    }
}

async fn patch_settings(app: &App, body: serde_json::Value) {
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text().await);
}

/// A long connection holds its seat: with one seat, the API's next caller is served from the reserve (503),
/// and the seat is free again once the bot leaves.
#[tokio::test]
async fn a_long_connection_keeps_its_seat() {
    let limits = mock_server::Limits {
        max_connections: 1,
        ..mock_server::Limits::default()
    };
    let state = mock_server::State::demo(mock_server::Config::default()).unwrap();
    let app = spawn_with_limits(state, limits).await;
    let mut ws = subscribed(&app).await;
    let url = app.url("/cgi-bin/gettoken?corpid=x&corpsecret=y");
    let full = reqwest::get(&url).await.unwrap();
    assert_eq!(full.status(), 503, "the seat is the bot's");
    ws.close(None).await.unwrap();
    assert_eq!(ended(&mut ws).await, Ended::Closed(None));
    // A newcomer waits a moment for a seat to free before it is put in the reserve: the bot's is free by then.
    let freed = reqwest::get(&url).await.unwrap();
    assert_eq!(
        freed.status(),
        200,
        "gettoken answers once the bot has gone"
    );
}

/// Shutdown closes a long connection with 1001 "going away".
#[tokio::test]
async fn stop_closes_with_going_away() {
    let state = mock_server::State::demo(mock_server::Config::default()).unwrap();
    let (addr, stop) = mock_server::spawn(state.clone(), mock_server::Limits::default())
        .await
        .unwrap();
    let app = App::at(addr, state);
    let mut ws = subscribed(&app).await;
    drop(stop);
    assert_eq!(ended(&mut ws).await, Ended::Closed(Some(CloseCode::Away)));
}

/// The bot that goes silent past `aibot_idle_timeout_ms` is dropped.
#[tokio::test]
async fn a_silent_bot_is_dropped() {
    let app = spawn_app().await;
    patch_settings(&app, json!({"aibot_idle_timeout_ms": 200})).await;
    let mut ws = subscribed(&app).await;
    assert_eq!(ended(&mut ws).await, Ended::Dropped);
    let status = app.get(&format!("/mock/aibots/{BOTID}")).await;
    assert_eq!(status["connected"], false);
}

/// A newer connection takes the bot over: the older gets `disconnected_event` (msgid, create_time, aibotid)
/// and is dropped after `aibot_kick_close_ms` without a Close frame, as WeCom does; the counts say so.
#[tokio::test]
async fn the_older_connection_is_told_then_dropped() {
    let app = spawn_app().await;
    patch_settings(&app, json!({"aibot_kick_close_ms": 100})).await;
    let mut old = subscribed(&app).await;
    let _new = subscribed(&app).await;
    let told = recv(&mut old).await;
    assert_eq!(told["body"]["event"]["eventtype"], "disconnected_event");
    assert_eq!(told["body"]["aibotid"], BOTID);
    assert!(told["body"]["msgid"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(told["body"]["create_time"].as_i64().is_some());
    assert_eq!(ended(&mut old).await, Ended::Dropped);
    let status = app.get(&format!("/mock/aibots/{BOTID}")).await;
    assert_eq!(
        (
            status["connected"].as_bool(),
            status["n_connections"].as_u64(),
            status["n_kicked"].as_u64()
        ),
        (Some(true), Some(2), Some(1))
    );
}

/// Of 20 connections subscribing at once, exactly one is the bot's, and every other one was told.
#[tokio::test]
async fn racing_subscribes_leave_one() {
    let app = spawn_app().await;
    let mut all = Vec::new();
    for _ in 0..20 {
        all.push(connect(&app).await);
    }
    let subscribes = all.iter_mut().enumerate().map(|(i, ws)| async move {
        send(
            ws,
            json!({"cmd": "aibot_subscribe", "headers": {"req_id": format!("s{i}")},
            "body": {"bot_id": BOTID, "secret": SECRET}}),
        )
        .await;
        assert_eq!(recv(ws).await["errcode"], 0);
    });
    futures_util::future::join_all(subscribes).await;
    let status = app.get(&format!("/mock/aibots/{BOTID}")).await;
    assert_eq!(
        (
            status["n_connections"].as_u64(),
            status["n_kicked"].as_u64()
        ),
        (Some(20), Some(19))
    );
}

/// Under the `aibot:ping` drop fault a ping gets no ack, and the bot's Close is answered by dropping TCP (a dead
/// path); without the fault a Close is answered with a Close.
#[tokio::test]
async fn the_ping_fault_makes_a_dead_path() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    ws.close(None).await.unwrap();
    assert_eq!(
        ended(&mut ws).await,
        Ended::Closed(None),
        "a live path answers"
    );

    app.post("/mock/faults", json!({"path": "aibot:ping", "drop": true}))
        .await;
    let mut ws = subscribed(&app).await;
    send(
        &mut ws,
        json!({"cmd": "ping", "headers": {"req_id": "ping_1"}}),
    )
    .await;
    // Another request is still acked, and is the next frame: the ping's ack never came.
    send(
        &mut ws,
        json!({"cmd": "aibot_send_msg", "headers": {"req_id": "send_1"},
        "body": {"chatid": "nobody", "msgtype": "markdown", "markdown": {"content": "x"}}}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["headers"]["req_id"], "send_1");
    ws.close(None).await.unwrap();
    assert_eq!(ended(&mut ws).await, Ended::Dropped);
}

/// A fault's errcode is the ack's, instead of the command's own handling; its delay holds the ack.
#[tokio::test]
async fn faults_on_commands_refuse_and_delay_acks() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    app.post(
        "/mock/faults",
        json!({"path": "aibot:aibot_respond_msg", "errcode": 846607}),
    )
    .await;
    let (_, req_id) = said(&app, &mut ws, "zhangsan", "hi").await;
    send(&mut ws, chunk(&req_id, "s1", "answer", true)).await;
    assert_eq!(recv(&mut ws).await["errcode"], 846607);
    let inbox = app.get("/mock/inboxes/user/zhangsan").await;
    assert_eq!(
        inbox["messages"].as_array().map(Vec::len),
        Some(0),
        "not handled"
    );

    app.post(
        "/mock/faults",
        json!({"path": "aibot:ping", "delay_ms": 50}),
    )
    .await;
    send(
        &mut ws,
        json!({"cmd": "ping", "headers": {"req_id": "ping_slow"}}),
    )
    .await;
    send(
        &mut ws,
        json!({"cmd": "aibot_subscribe", "headers": {"req_id": "again"},
        "body": {"bot_id": BOTID, "secret": SECRET}}),
    )
    .await;
    assert_eq!(
        recv(&mut ws).await["headers"]["req_id"],
        "again",
        "the ping's ack is held"
    );
    assert_eq!(recv(&mut ws).await["headers"]["req_id"], "ping_slow");
}
