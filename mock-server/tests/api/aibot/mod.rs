//! 智能机器人 over the long connection, with a stand-in bot on a WebSocket: it subscribes, pings, gets a
//! member's message and streams its answer; the events say accepted, first_chunk and delivered, and the answer is
//! in the member's inbox. A wrong secret, a reply to nothing, and a newer connection taking over.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

mod answers;
mod connection;
mod files;
mod wss;

const BOTID: &str = "aibDemoAssistant0000000000000001";
const SECRET: &str = "demo-aibot-secret-0123456789abcdefghijklmno";

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &App) -> Socket {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}", app.addr))
        .await
        .expect("the long connection");
    ws
}

async fn send(ws: &mut Socket, frame: Value) {
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .expect("send");
}

async fn recv(ws: &mut Socket) -> Value {
    loop {
        match ws.next().await.expect("a frame").expect("a frame") {
            Message::Text(t) => return serde_json::from_str(t.as_str()).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("not a text frame: {other:?}"),
        }
    }
}

async fn subscribed(app: &App) -> Socket {
    let mut ws = connect(app).await;
    send(&mut ws, json!({"cmd": "aibot_subscribe", "headers": {"req_id": "aibot_subscribe_1"}, "body": {"bot_id": BOTID, "secret": SECRET}})).await;
    assert_eq!(
        recv(&mut ws).await,
        json!({"headers": {"req_id": "aibot_subscribe_1"}, "errcode": 0, "errmsg": "ok"})
    );
    ws
}

/// Member `from` says `content` to the bot on `ws`: the message's msgid and the callback's req_id.
async fn said(app: &App, ws: &mut Socket, from: &str, content: &str) -> (String, String) {
    let said = app
        .post(
            &format!("/mock/aibots/{BOTID}/messages"),
            json!({"from": from, "content": content}),
        )
        .await;
    let callback = recv(ws).await;
    assert_eq!(callback["body"]["msgid"], said["msgid"]);
    let req_id = callback["headers"]["req_id"].as_str().unwrap().to_owned();
    (said["msgid"].as_str().unwrap().to_owned(), req_id)
}

/// A stream chunk answering `req_id`.
fn chunk(req_id: &str, id: &str, content: &str, finish: bool) -> Value {
    json!({"cmd": "aibot_respond_msg", "headers": {"req_id": req_id},
        "body": {"msgtype": "stream", "stream": {"id": id, "finish": finish, "content": content}}})
}

#[tokio::test]
async fn a_member_asks_and_the_streamed_answer_lands_in_the_inbox() {
    let app = spawn_app().await;
    let mut events = app.state.subscribe();
    let mut ws = subscribed(&app).await;
    send(
        &mut ws,
        json!({"cmd": "ping", "headers": {"req_id": "ping_1"}}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["headers"]["req_id"], "ping_1");

    let said = app
        .post(
            &format!("/mock/aibots/{BOTID}/messages"),
            json!({"from": "zhangsan", "content": "你好"}),
        )
        .await;
    let msgid = said["msgid"].as_str().unwrap().to_owned();
    let callback = recv(&mut ws).await;
    assert_eq!(callback["cmd"], "aibot_msg_callback");
    assert_eq!(callback["body"]["msgid"], msgid.as_str());
    assert_eq!(callback["body"]["from"]["userid"], "zhangsan");
    assert_eq!(callback["body"]["chattype"], "single");
    assert_eq!(callback["body"]["text"]["content"], "你好");
    let req_id = callback["headers"]["req_id"].as_str().unwrap().to_owned();

    for (content, finish) in [("正在思考", false), ("你好！有什么可以帮你？", true)]
    {
        send(&mut ws, json!({"cmd": "aibot_respond_msg", "headers": {"req_id": req_id},
            "body": {"msgtype": "stream", "stream": {"id": "s1", "finish": finish, "content": content}}})).await;
        let ack = recv(&mut ws).await;
        assert_eq!(
            (ack["headers"]["req_id"].as_str(), ack["errcode"].as_i64()),
            (Some(req_id.as_str()), Some(0))
        );
    }
    let mut kinds = Vec::new();
    while kinds.len() < 3 {
        let e = events.recv().await.unwrap();
        if e.route == "aibot" {
            if e.kind != "accepted" {
                assert_eq!(e.detail["in_reply_to"], msgid.as_str(), "{e:?}");
            }
            kinds.push(e.kind.as_str());
        }
    }
    assert_eq!(kinds, ["accepted", "first_chunk", "delivered"]);
    let inbox = app.get("/mock/inboxes/user/zhangsan").await;
    let answer = &inbox["messages"][0];
    assert_eq!(answer["from"], json!({"kind": "aibot", "botid": BOTID}));
    assert_eq!(answer["content"]["content"], "你好！有什么可以帮你？");

    // The stream is finished: it takes no more chunks.
    send(
        &mut ws,
        json!({"cmd": "aibot_respond_msg", "headers": {"req_id": req_id},
        "body": {"msgtype": "stream", "stream": {"id": "s1", "finish": true, "content": "again"}}}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["errcode"], 846608);
    // A req_id that names no message at all.
    send(
        &mut ws,
        json!({"cmd": "aibot_respond_msg", "headers": {"req_id": "aibot_msg_nothing"},
        "body": {"msgtype": "stream", "stream": {"id": "s9", "finish": true, "content": "?"}}}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["errcode"], 846605);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_a_newer_connection_takes_over() {
    let app = spawn_app().await;
    let said = app
        .http
        .post(app.url(&format!("/mock/aibots/{BOTID}/messages")))
        .json(&json!({"from": "zhangsan", "content": "anyone?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(said.status(), 409, "no connection yet");
    let mut wrong = connect(&app).await;
    send(&mut wrong, json!({"cmd": "aibot_subscribe", "headers": {"req_id": "s"}, "body": {"bot_id": BOTID, "secret": "nope"}})).await;
    let refused = recv(&mut wrong).await;
    assert_eq!(
        (refused["errcode"].as_i64(), refused["errmsg"].as_str()),
        (Some(853000), Some("invalid bot_id or secret"))
    );
    // The socket stays open, as WeCom's does: the right secret on it is accepted.
    send(&mut wrong, json!({"cmd": "aibot_subscribe", "headers": {"req_id": "s2"}, "body": {"bot_id": BOTID, "secret": SECRET}})).await;
    assert_eq!(recv(&mut wrong).await["errcode"], 0);

    let mut old = wrong;
    let mut new = subscribed(&app).await;
    let told = recv(&mut old).await;
    assert_eq!(told["cmd"], "aibot_event_callback");
    assert_eq!(told["body"]["event"]["eventtype"], "disconnected_event");
    // Messages now go to the newer connection.
    app.post(
        &format!("/mock/aibots/{BOTID}/messages"),
        json!({"from": "lisi", "content": "hi"}),
    )
    .await;
    assert_eq!(recv(&mut new).await["body"]["from"]["userid"], "lisi");
}

/// The connection's HTTP deadlines (header 300 ms, idle 300 ms here) do not cut a long connection: its frames
/// are not a late request head. The bot pings every 100 ms for a second, each ping acked.
#[tokio::test]
async fn the_long_connection_outlives_the_http_deadlines() {
    let limits = mock_server::Limits {
        header_timeout_ms: 300,
        idle_timeout_ms: 300,
        ..mock_server::Limits::default()
    };
    let state = mock_server::State::demo(mock_server::Config::default()).unwrap();
    let app = spawn_with_limits(state, limits).await;
    let mut ws = subscribed(&app).await;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    for i in 0..10 {
        tick.tick().await;
        let req_id = format!("ping_{i}");
        send(
            &mut ws,
            json!({"cmd": "ping", "headers": {"req_id": req_id}}),
        )
        .await;
        let ack = recv(&mut ws).await;
        assert_eq!(
            (ack["headers"]["req_id"].as_str(), ack["errcode"].as_i64()),
            (Some(req_id.as_str()), Some(0))
        );
    }
}

/// A stream takes updates while it is updated within 6 minutes of mock time: past that its chunk is refused
/// with 846608, while a new stream on the same message is taken (WeCom accepts several answers to one req_id).
#[tokio::test]
async fn a_stream_past_six_minutes_is_refused() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    app.post(
        &format!("/mock/aibots/{BOTID}/messages"),
        json!({"from": "zhangsan", "content": "慢慢想"}),
    )
    .await;
    let req_id = recv(&mut ws).await["headers"]["req_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chunk = json!({"cmd": "aibot_respond_msg", "headers": {"req_id": req_id},
        "body": {"msgtype": "stream", "stream": {"id": "s1", "finish": false, "content": "…"}}});
    send(&mut ws, chunk.clone()).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    // Counted from the last update, not from the message: 5 minutes, a chunk, 5 minutes more is alive.
    app.post("/mock/clock/advance", json!({"seconds": 300}))
        .await;
    send(&mut ws, chunk.clone()).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    app.post("/mock/clock/advance", json!({"seconds": 300}))
        .await;
    send(&mut ws, chunk.clone()).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0, "alive 10 minutes on");
    app.post("/mock/clock/advance", json!({"seconds": 361}))
        .await;
    send(&mut ws, chunk.clone()).await;
    let refused = recv(&mut ws).await;
    assert_eq!(
        (refused["errcode"].as_i64(), refused["errmsg"].as_str()),
        (Some(846608), Some("stream message update expired"))
    );
    let mut again = chunk;
    again["body"]["stream"]["id"] = json!("s2");
    send(&mut ws, again).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0, "a new stream");
}

/// A member opens the chat: the bot gets `enter_chat`, its welcome within 5 s lands in the member's inbox,
/// once; a second welcome, or one after 5 s of mock time, names no waiting event (846605).
#[tokio::test]
async fn enter_chat_is_welcomed_once_within_five_seconds() {
    let app = spawn_app().await;
    let mut events = app.state.subscribe();
    let mut ws = subscribed(&app).await;
    let entered = app
        .post(
            &format!("/mock/aibots/{BOTID}/enter"),
            json!({"from": "lisi"}),
        )
        .await;
    let event = recv(&mut ws).await;
    assert_eq!(event["cmd"], "aibot_event_callback");
    assert_eq!(event["body"]["event"]["eventtype"], "enter_chat");
    assert_eq!(event["body"]["from"]["userid"], "lisi");
    assert_eq!(event["body"]["msgid"], entered["msgid"]);
    let req_id = event["headers"]["req_id"].as_str().unwrap().to_owned();
    let welcome = json!({"cmd": "aibot_respond_welcome_msg", "headers": {"req_id": req_id},
        "body": {"msgtype": "text", "text": {"content": "欢迎！我是智能助手"}}});
    send(&mut ws, welcome.clone()).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    let delivered = loop {
        let e = events.recv().await.unwrap();
        if e.route == "aibot" && e.kind == "delivered" {
            break e;
        }
    };
    assert_eq!(delivered.detail["in_reply_to"], entered["msgid"]);
    let inbox = app.get("/mock/inboxes/user/lisi").await;
    assert_eq!(
        inbox["messages"][0]["content"]["content"],
        "欢迎！我是智能助手"
    );
    send(&mut ws, welcome).await;
    assert_eq!(
        recv(&mut ws).await["errcode"],
        846605,
        "one welcome per entry"
    );

    app.post(
        &format!("/mock/aibots/{BOTID}/enter"),
        json!({"from": "lisi"}),
    )
    .await;
    let late = recv(&mut ws).await["headers"]["req_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post("/mock/clock/advance", json!({"ms": 5001})).await;
    send(
        &mut ws,
        json!({"cmd": "aibot_respond_welcome_msg", "headers": {"req_id": late},
        "body": {"msgtype": "text", "text": {"content": "迟到的欢迎"}}}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["errcode"], 846605, "past 5 s");
}
