//! Pushes to a real bot on loopback: URL verification, encryption a receiver can undo, retries, attempt records.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

use wecom_wire::callback::{parse_fields, parse_push_envelope};
use wecom_wire::crypto::MsgCrypt;

use crate::helpers::*;

struct Bot {
    crypt: MsgCrypt,
    n_posts: AtomicUsize,
    /// POSTs answered 500 before the bot starts acknowledging.
    n_fail: usize,
    got: mpsc::UnboundedSender<String>,
}

type Params = Query<HashMap<String, String>>;

async fn verify(State(bot): State<Arc<Bot>>, Query(q): Params) -> (axum::http::StatusCode, String) {
    let p = |k: &str| q.get(k).cloned().unwrap_or_default();
    match bot.crypt.verify_url(
        &p("msg_signature"),
        &p("timestamp"),
        &p("nonce"),
        &p("echostr"),
    ) {
        Ok(plain) => (
            axum::http::StatusCode::OK,
            String::from_utf8_lossy(&plain).into_owned(),
        ),
        Err(e) => (axum::http::StatusCode::FORBIDDEN, e.to_string()),
    }
}

async fn push(
    State(bot): State<Arc<Bot>>,
    Query(q): Params,
    body: String,
) -> (axum::http::StatusCode, &'static str) {
    let n = bot.n_posts.fetch_add(1, Ordering::SeqCst) + 1;
    let p = |k: &str| q.get(k).cloned().unwrap_or_default();
    let Ok(env) = parse_push_envelope(&body) else {
        return (axum::http::StatusCode::BAD_REQUEST, "bad envelope");
    };
    let Ok(plain) = bot.crypt.decrypt_verified(
        &p("msg_signature"),
        &p("timestamp"),
        &p("nonce"),
        &env.encrypt,
    ) else {
        return (axum::http::StatusCode::FORBIDDEN, "bad signature");
    };
    if n <= bot.n_fail {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "not yet");
    }
    let _ = bot.got.send(String::from_utf8_lossy(&plain).into_owned());
    (axum::http::StatusCode::OK, "success")
}

/// The next push the test bot got, or None after 30 s: a lost push fails the test instead of hanging it.
pub async fn recv<T>(got: &mut mpsc::UnboundedReceiver<T>) -> Option<T> {
    let push = tokio::time::timeout(std::time::Duration::from_secs(30), got.recv()).await;
    push.ok().flatten()
}

pub async fn spawn_bot(n_fail: usize) -> (String, mpsc::UnboundedReceiver<String>) {
    spawn_receiver(
        "DemoBotCallbackToken",
        "DemoBotEncodingAESKey0123456789abcdefghijkA",
        n_fail,
    )
    .await
}

/// A receiver with the given keys (an app's, or the contacts-sync receiver's); each decrypted push is sent on.
pub async fn spawn_receiver(
    token: &str,
    aes_key: &str,
    n_fail: usize,
) -> (String, mpsc::UnboundedReceiver<String>) {
    let crypt = MsgCrypt::new(token, aes_key, CORPID).unwrap_or_else(|e| panic!("{e}"));
    let (tx, rx) = mpsc::unbounded_channel();
    let bot = Arc::new(Bot {
        crypt,
        n_posts: AtomicUsize::new(0),
        n_fail,
        got: tx,
    });
    let app = Router::new()
        .route("/cb", get(verify).post(push))
        .with_state(bot);
    (format!("{}/cb", serve_on_loopback(app).await), rx)
}

/// Serves `posts` (a test bot's answers to pushes) at `/cb` beside the verification GET WeCom sends first,
/// with the demo app's keys, and sets it as the demo app's callback URL through the control API: the URL.
pub async fn point_demo_app_at(app: &App, posts: axum::routing::MethodRouter) -> String {
    let crypt = MsgCrypt::new(
        "DemoBotCallbackToken",
        "DemoBotEncodingAESKey0123456789abcdefghijkA",
        CORPID,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let verify = move |Query(q): Params| {
        let p = |k: &str| q.get(k).cloned().unwrap_or_default();
        let plain = crypt.verify_url(
            &p("msg_signature"),
            &p("timestamp"),
            &p("nonce"),
            &p("echostr"),
        );
        let plain = plain.map(|p| String::from_utf8_lossy(&p).into_owned());
        async move { plain.map_err(|e| (axum::http::StatusCode::FORBIDDEN, e.to_string())) }
    };
    let router = Router::new().route("/cb", posts.get(verify));
    let url = format!("{}/cb", serve_on_loopback(router).await);
    let set = app
        .http
        .put(app.url(&format!("/mock/apps/{BOT_AGENTID}/callback")))
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.status(), 200, "{:?}", set.text().await);
    url
}

/// A mock whose demo app pushes to a fresh bot (URL set through the control API, so verified).
pub async fn app_with_bot(n_fail: usize) -> (App, mpsc::UnboundedReceiver<String>) {
    let app = spawn_app().await;
    let (url, got) = spawn_bot(n_fail).await;
    let set = app
        .http
        .put(app.url(&format!("/mock/apps/{BOT_AGENTID}/callback")))
        .json(&json!({"url": url}))
        .send()
        .await;
    let set = set.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.status(), 200, "{:?}", set.text().await);
    (app, got)
}

pub async fn member_says(app: &App, from: &str, content: &str) -> serde_json::Value {
    let r = app
        .http
        .post(app.url(&format!("/mock/apps/{BOT_AGENTID}/messages")))
        .json(&json!({"from": from, "content": content}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    r.json().await.unwrap_or_default()
}

#[tokio::test]
async fn a_member_message_reaches_the_bot_encrypted_after_retries() {
    let (app, mut got) = app_with_bot(2).await;

    let first = member_says(&app, "zhangsan", "你好, bot").await;
    let xml = recv(&mut got).await.unwrap_or_default();
    let f = parse_fields(&xml).unwrap_or_default();
    assert_eq!(f.get("ToUserName"), Some(CORPID));
    assert_eq!(f.get("FromUserName"), Some("zhangsan"));
    assert_eq!(f.get("MsgType"), Some("text"));
    assert_eq!(f.get("Content"), Some("你好, bot"));
    assert_eq!(f.get("AgentID"), Some("1000002"));
    assert_eq!(f.get("MsgId"), first["msgid"].as_str());

    // One worker per receiver: when the second message arrives, the first one's attempts are all recorded.
    member_says(&app, "lisi", "second").await;
    assert!(recv(&mut got).await.is_some_and(|x| x.contains("second")));
    let attempts = app.get("/mock/callbacks?limit=100").await;
    let mine: Vec<_> = attempts["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|a| a["msgid"] == first["msgid"])
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let outcomes: Vec<(i64, &str)> = mine
        .iter()
        .rev()
        .map(|a| {
            (
                a["n"].as_i64().unwrap_or(0),
                a["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        vec![(1, "http_status"), (2, "http_status"), (3, "acknowledged")]
    );
    assert_eq!(mine[1]["status"], 500);
}

#[tokio::test]
async fn a_bot_that_never_acknowledges_gets_four_attempts() {
    let (app, mut got) = app_with_bot(4).await;
    let lost = member_says(&app, "zhangsan", "will fail").await;
    member_says(&app, "zhangsan", "will arrive").await;
    assert!(
        recv(&mut got)
            .await
            .is_some_and(|x| x.contains("will arrive")),
        "the 5th POST is the second message"
    );
    let attempts = app.get("/mock/callbacks").await;
    let n_failed = attempts["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|a| a["msgid"] == lost["msgid"] && a["outcome"] == "http_status")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(n_failed, 4, "the first try and 3 retries, each recorded");
}

#[tokio::test]
async fn a_url_that_fails_verification_is_not_set() {
    let app = spawn_app().await;
    let (url, _got) = spawn_bot(0).await;
    // The bot checks with the demo app's keys; app 1000003 has other keys, so its echostr fails there.
    let r = app
        .http
        .put(app.url("/mock/apps/1000003/callback"))
        .json(&json!({"url": url}))
        .send()
        .await;
    let r = r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("URL verification failed")),
        "{v}"
    );
    let unknown = app
        .http
        .put(app.url("/mock/apps/42/callback"))
        .json(&json!({"url": url}))
        .send()
        .await;
    assert!(unknown.is_ok_and(|r| r.status() == 404));
}

#[tokio::test]
async fn a_member_sends_every_app_message_type_and_a_menu_click() {
    let (app, mut got) = app_with_bot(0).await;
    let says = |body: serde_json::Value| {
        let app = &app;
        async move {
            let r = app
                .http
                .post(app.url(&format!("/mock/apps/{BOT_AGENTID}/messages")))
                .json(&body)
                .send()
                .await;
            r.map(|r| r.status().as_u16()).unwrap_or(0)
        }
    };
    let cases = [
        (
            json!({"from": "lisi", "msgtype": "image", "image": {}}),
            vec![("MsgType", "image")],
        ),
        (
            json!({"from": "lisi", "msgtype": "voice", "voice": {}}),
            vec![("Format", "amr")],
        ),
        (
            json!({"from": "lisi", "msgtype": "location", "location": {"latitude": 23.134521, "longitude": 113.358803, "name": "广州"}}),
            vec![
                ("Location_X", "23.134521"),
                ("Location_Y", "113.358803"),
                ("Label", "广州"),
            ],
        ),
        (
            json!({"from": "lisi", "msgtype": "link", "link": {"title": "T", "url": "https://example.com/a", "desc": "D"}}),
            vec![
                ("Title", "T"),
                ("Url", "https://example.com/a"),
                ("Description", "D"),
            ],
        ),
        (
            json!({"from": "lisi", "msgtype": "event", "event": {"event": "click", "event_key": "MENU_1"}}),
            vec![
                ("MsgType", "event"),
                ("Event", "click"),
                ("EventKey", "MENU_1"),
            ],
        ),
    ];
    for (body, want) in cases {
        assert_eq!(says(body.clone()).await, 200, "{body}");
        let xml = recv(&mut got).await.unwrap_or_default();
        let f = parse_fields(&xml).unwrap_or_default();
        for (k, v) in want {
            assert_eq!(f.get(k), Some(v), "{k} in {xml}");
        }
        assert_eq!(f.get("FromUserName"), Some("lisi"));
        assert_eq!(
            f.get("MsgId").is_some(),
            body["msgtype"] != "event",
            "events carry no MsgId: {xml}"
        );
    }
    assert_eq!(
        says(json!({"from": "lisi", "msgtype": "file", "file": {}})).await,
        400,
        "apps get no files"
    );
    assert_eq!(
        says(json!({"from": "lisi", "msgtype": "location", "location": {}})).await,
        400
    );
    // The picture a member sent can be fetched by the app.
    let image = parse_fields(&{
        assert_eq!(
            says(json!({"from": "lisi", "msgtype": "image", "image": {}})).await,
            200
        );
        recv(&mut got).await.unwrap_or_default()
    })
    .unwrap_or_default();
    let t = app.token().await;
    let media_id = image.get("MediaId").unwrap_or_default();
    let bytes = app.media_bytes(&t, media_id).await;
    assert!(bytes.starts_with(b"\x89PNG"));
}
