//! 智能机器人 in callback (HTTP) mode, with a stand-in bot on a loopback URL that decrypts every push with
//! receiveid `""` and answers by a script: a member's message pushed encrypted, a passive stream reply refreshed
//! until it finishes (or expires), enter_chat's passive welcome, the URL verified as WeCom does, and
//! `response_url` taking one answer within the hour.

use axum::extract::Query;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

use wecom_wire::aibot::callback::{Encrypted, PassiveReply};
use wecom_wire::crypto::MsgCrypt;
use wecom_wire::mock::events::Event;

use crate::callbacks::recv;
use crate::helpers::*;

mod response_url;

const BOT: &str = "aibCallbackHelper000000000000001";
const TOKEN: &str = "AibotCallbackToken";
const KEY: &str = "AibotCallbackEncodingAESKey0123456789abcdef";
const DEMO_BOT: &str = "aibDemoAssistant0000000000000001";
const RESPONSE_URL: &str = "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=";

/// What the stand-in bot answers to a push (its decrypted JSON): a passive reply, or nothing.
type Script = Arc<dyn Fn(&Value) -> Option<Value> + Send + Sync>;

fn crypt() -> MsgCrypt {
    MsgCrypt::new(TOKEN, KEY, "").unwrap()
}

/// The stand-in bot: its URL, and every push it got (decrypted), or why one did not verify.
async fn spawn_bot(script: Script) -> (String, mpsc::UnboundedReceiver<Result<Value, String>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let post = move |Query(q): Query<HashMap<String, String>>, body: String| {
        let (script, tx) = (script.clone(), tx.clone());
        async move {
            let opened = serde_json::from_str::<Encrypted>(&body)
                .map_err(|e| format!("not {{encrypt}}: {e}: {body}"))
                .and_then(|env| {
                    let q = |k: &str| q.get(k).cloned().unwrap_or_default();
                    crypt()
                        .decrypt_verified(
                            &q("msg_signature"),
                            &q("timestamp"),
                            &q("nonce"),
                            &env.encrypt,
                        )
                        .map_err(|e| format!("does not open with receiveid \"\": {e}"))
                })
                .and_then(|plain| {
                    serde_json::from_slice::<Value>(&plain).map_err(|e| e.to_string())
                });
            let reply = opened.as_ref().ok().and_then(|v| script(v));
            let _ = tx.send(opened);
            match reply {
                None => String::new(),
                Some(r) => {
                    let sealed = PassiveReply::seal(
                        &crypt(),
                        r.to_string().as_bytes(),
                        &[7; 16],
                        "1700000000",
                        "4242",
                    );
                    serde_json::to_string(&sealed).unwrap()
                }
            }
        }
    };
    let get = |Query(q): Query<HashMap<String, String>>| async move {
        let q = |k: &str| q.get(k).cloned().unwrap_or_default();
        let echo = crypt().verify_url(
            &q("msg_signature"),
            &q("timestamp"),
            &q("nonce"),
            &q("echostr"),
        );
        String::from_utf8(echo.unwrap_or_default()).unwrap_or_default()
    };
    let router = axum::Router::new().route("/aibot", axum::routing::post(post).get(get));
    (format!("{}/aibot", serve_on_loopback(router).await), rx)
}

/// The demo company with a second AI bot in callback mode, its URL `url`; refreshes every 50 ms.
async fn app_with(url: &str) -> App {
    let demo = mock_server::DEFAULT_FIXTURE
        .lines()
        .find(|l| l.contains(DEMO_BOT))
        .unwrap();
    let ours = format!("      - {{ botid: {BOT}, secret: cb-secret, name: 回调助手, callback: {{ url: \"{url}\", token: {TOKEN}, encoding_aes_key: {KEY} }} }}");
    let yaml = mock_server::DEFAULT_FIXTURE.replace(demo, &format!("{demo}\n{ours}"));
    let (world, fx) = mock_server::World::parse(&yaml, "callback.yaml").unwrap();
    let state = mock_server::State::new(world, &fx, mock_server::Config::default()).unwrap();
    let app = spawn_state(state).await;
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"aibot_stream_refresh_ms": 50}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    app
}

async fn says(app: &App, from: &str, content: &str) -> String {
    let r = app
        .post(
            &format!("/mock/aibots/{BOT}/messages"),
            json!({"from": from, "content": content}),
        )
        .await;
    r["msgid"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_owned()
}

async fn next_push(pushes: &mut mpsc::UnboundedReceiver<Result<Value, String>>) -> Value {
    recv(pushes).await.expect("a push within 30 s").unwrap()
}

/// The next aibot event of `kind` about message `msgid`.
async fn event(
    events: &mut broadcast::Receiver<Arc<Event>>,
    kind: &str,
    msgid: &str,
) -> Arc<Event> {
    let wait = async {
        loop {
            let e = events.recv().await.unwrap();
            if e.route == "aibot" && e.kind == kind && e.detail["in_reply_to"] == msgid {
                return e;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .unwrap_or_else(|_| panic!("no {kind} for {msgid}"))
}

fn stream(id: &str, finish: bool, content: &str) -> Value {
    json!({"msgtype": "stream", "stream": {"id": id, "finish": finish, "content": content}})
}

#[tokio::test]
async fn a_message_is_pushed_encrypted_and_its_stream_is_refreshed_until_it_finishes() {
    let n_refreshes = Arc::new(AtomicUsize::new(0));
    let script: Script = {
        let n = n_refreshes.clone();
        Arc::new(move |v: &Value| match v["msgtype"].as_str() {
            Some("text") => Some(stream("s1", false, "正在思考")),
            // The first refresh gets nothing back, the second the end.
            _ => match n.fetch_add(1, Ordering::SeqCst) {
                0 => None,
                _ => Some(stream("s1", true, "答案是 42")),
            },
        })
    };
    let (url, mut pushes) = spawn_bot(script).await;
    let app = app_with(&url).await;
    let mut events = app.state.subscribe();
    let msgid = says(&app, "zhangsan", "你好").await;

    let first = next_push(&mut pushes).await;
    assert_eq!(first["msgid"], msgid.as_str());
    assert_eq!(first["aibotid"], BOT);
    assert_eq!(first["from"]["userid"], "zhangsan");
    assert_eq!(
        (
            first["chattype"].as_str(),
            first["text"]["content"].as_str()
        ),
        (Some("single"), Some("你好"))
    );
    assert!(
        first["response_url"]
            .as_str()
            .unwrap()
            .starts_with(RESPONSE_URL),
        "{first}"
    );
    for _ in 0..2 {
        let refresh = next_push(&mut pushes).await;
        assert_eq!(
            refresh,
            json!({"msgid": msgid, "aibotid": BOT, "chattype": "single", "from": {"userid": "zhangsan"},
                "msgtype": "stream", "stream": {"id": "s1"}})
        );
    }
    event(&mut events, "first_chunk", &msgid).await;
    event(&mut events, "delivered", &msgid).await;
    let inbox = app.inbox("zhangsan").await;
    assert_eq!(
        inbox["messages"][0]["content"]["content"], "答案是 42",
        "{inbox}"
    );
    assert_eq!(
        inbox["messages"][0]["from"],
        json!({"kind": "aibot", "botid": BOT})
    );

    let attempts = app.get(&format!("/mock/callbacks?msgid={msgid}")).await["attempts"].clone();
    let attempts = attempts.as_array().unwrap();
    assert_eq!(
        attempts.len(),
        3,
        "the message and two refreshes: {attempts:?}"
    );
    let outcomes: Vec<&str> = attempts
        .iter()
        .rev()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["passive_reply", "acknowledged", "passive_reply"]);
    for a in attempts {
        assert_eq!(
            (
                a["aibotid"].as_str(),
                a["url"].as_str(),
                a["status"].as_u64()
            ),
            (Some(BOT), Some(url.as_str()), Some(200))
        );
        assert!(a.get("agentid").is_none(), "{a}");
        assert_eq!(
            serde_json::from_str::<Value>(a["plaintext"].as_str().unwrap()).unwrap()["msgid"],
            msgid.as_str()
        );
    }
    let world = app.get("/mock/world").await;
    let ours = &world["corps"][0]["aibots"][1];
    assert_eq!(
        (ours["botid"].as_str(), ours["callback"]["url"].as_str()),
        (Some(BOT), Some(url.as_str()))
    );
}

#[tokio::test]
async fn a_stream_left_without_updates_past_its_ttl_fails_as_expired() {
    let script: Script =
        Arc::new(|v: &Value| (v["msgtype"] == "text").then(|| stream("s1", false, "…")));
    let (url, mut pushes) = spawn_bot(script).await;
    let app = app_with(&url).await;
    let mut events = app.state.subscribe();
    let msgid = says(&app, "lisi", "还在吗").await;
    event(&mut events, "first_chunk", &msgid).await;
    assert_eq!(next_push(&mut pushes).await["msgtype"], "text");
    assert_eq!(
        next_push(&mut pushes).await["msgtype"],
        "stream",
        "refreshed"
    );
    app.advance(361).await;
    let failed = event(&mut events, "failed", &msgid).await;
    assert_eq!(failed.detail["reason"], "stream expired", "{failed:?}");
    assert_eq!(failed.msgid, format!("re_{msgid}"));
    assert_eq!(failed.receiver, "user:lisi");
    assert_eq!(app.inbox("lisi").await["n_total"], 0);
}

#[tokio::test]
async fn enter_chat_is_pushed_and_its_passive_welcome_lands() {
    let script: Script = Arc::new(|v: &Value| {
        (v["event"]["eventtype"] == "enter_chat")
            .then(|| json!({"msgtype": "text", "text": {"content": "欢迎！"}}))
    });
    let (url, mut pushes) = spawn_bot(script).await;
    let app = app_with(&url).await;
    let mut events = app.state.subscribe();
    let r = app
        .post(
            &format!("/mock/aibots/{BOT}/enter"),
            json!({"from": "wangwu"}),
        )
        .await;
    let msgid = r["msgid"].as_str().unwrap().to_owned();
    let pushed = next_push(&mut pushes).await;
    assert_eq!(
        (pushed["msgtype"].as_str(), pushed["msgid"].as_str()),
        (Some("event"), Some(msgid.as_str()))
    );
    event(&mut events, "delivered", &msgid).await;
    assert_eq!(
        app.inbox("wangwu").await["messages"][0]["content"]["content"],
        "欢迎！"
    );
}

#[tokio::test]
async fn the_url_is_verified_with_an_empty_receiveid_before_pushes_go_there() {
    let (fixture_url, _) = spawn_bot(Arc::new(|_: &Value| None)).await;
    let app = app_with(&fixture_url).await;
    let (url, mut pushes) = spawn_bot(Arc::new(|_: &Value| None)).await;
    let put = |botid: &str, url: &str| {
        app.http
            .put(app.url(&format!("/mock/aibots/{botid}/callback")))
            .json(&json!({"url": url}))
            .send()
    };
    let r = put(BOT, &url).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"botid": BOT, "url": url, "verified": true})
    );
    let msgid = says(&app, "zhangsan", "换地址了").await;
    assert_eq!(
        next_push(&mut pushes).await["msgid"],
        msgid.as_str(),
        "pushed to the new URL"
    );
    let world = app.get("/mock/world").await;
    let cb = &world["corps"][0]["aibots"][1]["callback"];
    assert_eq!(
        (cb["url"].as_str(), cb["fixture_url"].as_str()),
        (Some(url.as_str()), Some(fixture_url.as_str()))
    );

    // A URL that answers anything but the decrypted echostr is refused; so is a bot without callback keys.
    let wrong = serve_on_loopback(
        axum::Router::new().route("/", axum::routing::get(|| async { "echostr?" })),
    )
    .await;
    let r = put(BOT, &wrong).await.unwrap();
    assert_eq!(r.status(), 400, "{:?}", r.text().await);
    let r = put(DEMO_BOT, &url).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(put("aibNobody", &url).await.unwrap().status(), 404);

    let r = app
        .http
        .delete(app.url(&format!("/mock/aibots/{BOT}/callback")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"botid": BOT, "url": fixture_url, "forgot": true})
    );
}
