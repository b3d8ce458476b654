//! The bot against a small fake WeCom API: paging, which items get answers, and the retry policy of
//! `kf/send_msg`.

use axum::extract::{Query, State};
use axum::http::{Method, Request, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tower::ServiceExt as _;

use bot::{Answer, Bot, Config};
use wecom_wire::callback::{message_xml, push_envelope_xml, Value as X};
use wecom_wire::crypto::MsgCrypt;

const KF: &str = "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw";
/// A guard against a hung test, never a way to wait for something.
const GUARD: Duration = Duration::from_secs(5);

/// What `send_msg` answers, given the customer, how many times this customer has been sent to (1 for the
/// first) and the access token.
type SendScript = Box<dyn Fn(&str, u64, &str) -> Value + Send + Sync>;

struct Fake {
    /// `sync_msg` answers by request cursor; an unknown cursor gets an empty last page.
    pages: HashMap<String, Value>,
    send_script: SendScript,
    n_gettoken: AtomicU64,
    syncs: Mutex<Vec<Value>>,
    sends: Mutex<Vec<Value>>,
    n_sends_by_user: Mutex<HashMap<String, u64>>,
    /// Bumped after every send, for tests to wait on.
    sent: watch::Sender<u64>,
}

impl Fake {
    fn new(pages: &[(&str, Value)], send_script: SendScript) -> Arc<Fake> {
        Arc::new(Fake {
            pages: pages
                .iter()
                .map(|(c, p)| ((*c).to_owned(), p.clone()))
                .collect(),
            send_script,
            n_gettoken: AtomicU64::new(0),
            syncs: Mutex::default(),
            sends: Mutex::default(),
            n_sends_by_user: Mutex::default(),
            sent: watch::Sender::new(0),
        })
    }

    fn sends_to(&self, user: &str) -> u64 {
        self.n_sends_by_user.lock().get(user).copied().unwrap_or(0)
    }
}

async fn gettoken(State(fake): State<Arc<Fake>>) -> Json<Value> {
    let n = fake.n_gettoken.fetch_add(1, Relaxed) + 1;
    Json(
        json!({"errcode": 0, "errmsg": "ok", "access_token": format!("tok-{n}"), "expires_in": 7200}),
    )
}

async fn sync_msg(State(fake): State<Arc<Fake>>, Json(body): Json<Value>) -> Json<Value> {
    let cursor = body["cursor"].as_str().unwrap_or_default().to_owned();
    fake.syncs.lock().push(body);
    let page = fake.pages.get(&cursor).cloned().unwrap_or_else(
        || json!({"errcode": 0, "errmsg": "ok", "next_cursor": cursor, "has_more": 0, "msg_list": []}),
    );
    Json(page)
}

async fn send_msg(
    State(fake): State<Arc<Fake>>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let user = body["touser"].as_str().unwrap_or_default().to_owned();
    let n = {
        let mut by_user = fake.n_sends_by_user.lock();
        let n = by_user.entry(user.clone()).or_default();
        *n += 1;
        *n
    };
    fake.sends.lock().push(body);
    let token = q.get("access_token").map_or("", String::as_str);
    let answer = (fake.send_script)(&user, n, token);
    fake.sent.send_modify(|n| *n += 1);
    Json(answer)
}

async fn start_fake(fake: &Arc<Fake>) -> String {
    let app = Router::new()
        .route("/cgi-bin/gettoken", get(gettoken))
        .route("/cgi-bin/kf/sync_msg", post(sync_msg))
        .route("/cgi-bin/kf/send_msg", post(send_msg))
        .with_state(Arc::clone(fake));
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => panic!("cannot bind loopback: {e}"),
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn ok_send(user: &str, n: u64) -> Value {
    json!({"errcode": 0, "errmsg": "ok", "msgid": format!("reply-{user}-{n}")})
}

fn page(next_cursor: &str, has_more: i64, msg_list: Value) -> Value {
    json!({"errcode": 0, "errmsg": "ok", "next_cursor": next_cursor, "has_more": has_more, "msg_list": msg_list})
}

fn text(msgid: &str, user: &str, origin: i64, content: &str) -> Value {
    json!({"msgid": msgid, "open_kfid": KF, "external_userid": user, "send_time": now_s(),
           "origin": origin, "msgtype": "text", "text": {"content": content}})
}

/// Starts the bot against the fake, already subscribed to its answers.
async fn start_bot(fake: &Arc<Fake>) -> (Arc<Bot>, broadcast::Receiver<Answer>) {
    let config = Config {
        api_base: start_fake(fake).await,
        ..Config::demo()
    };
    let bot = match Bot::new(config) {
        Ok(b) => b,
        Err(e) => panic!("demo config refused: {e}"),
    };
    let answers = bot.answers();
    (bot, answers)
}

/// Pushes a `kf_msg_or_event` as the WeCom server would, and checks it is acknowledged.
async fn push_kf(bot: &Arc<Bot>, token: &str) {
    let c = bot.config();
    let Ok(crypt) = MsgCrypt::new(&c.token, &c.encoding_aes_key, &c.corpid) else {
        panic!("demo keys refused");
    };
    let plain = message_xml(&[
        ("ToUserName", X::Text(&c.corpid)),
        ("CreateTime", X::Number(1_700_000_000)),
        ("MsgType", X::Text("event")),
        ("Event", X::Text("kf_msg_or_event")),
        ("Token", X::Text(token)),
        ("OpenKfId", X::Text(KF)),
    ]);
    let encrypt = crypt.encrypt(plain.as_bytes(), b"abcdefghijklmnop");
    let signature = crypt.signature("1700000000", "42", &encrypt);
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "/callback?msg_signature={signature}&timestamp=1700000000&nonce=42"
        ))
        .body(axum::body::Body::from(push_envelope_xml(
            &c.corpid, &encrypt, "1000002",
        )));
    let Ok(req) = req else { panic!("bad request") };
    let Ok(resp) = bot::router(Arc::clone(bot)).oneshot(req).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn next_answer(answers: &mut broadcast::Receiver<Answer>) -> Answer {
    match tokio::time::timeout(GUARD, answers.recv()).await {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => panic!("answers channel: {e}"),
        Err(_) => panic!("no answer within {GUARD:?}"),
    }
}

#[tokio::test]
async fn pages_are_pulled_and_only_customer_messages_answered() {
    let event = json!({"msgid": "ev-1", "send_time": now_s() + 1, "origin": 4, "msgtype": "event",
        "event": {"event_type": "enter_session", "open_kfid": KF, "external_userid": "cust-a", "scene": ""}});
    let image = json!({"msgid": "m-4", "open_kfid": KF, "external_userid": "cust-b", "send_time": now_s() + 2,
        "origin": 3, "msgtype": "image", "image": {"media_id": "MEDIA"}});
    let fake = Fake::new(
        &[
            (
                "",
                page(
                    "c1",
                    1,
                    json!([
                        text("m-1", "cust-a", 3, "hello"),
                        event,
                        text("m-3", "cust-a", 5, "a servicer")
                    ]),
                ),
            ),
            ("c1", page("c2", 0, json!([image]))),
        ],
        Box::new(|user, n, _| ok_send(user, n)),
    );
    let (bot, mut answers) = start_bot(&fake).await;
    push_kf(&bot, "SYNC-TOKEN").await;

    let mut got = [
        next_answer(&mut answers).await,
        next_answer(&mut answers).await,
    ];
    got.sort_by(|a, b| a.customer_msgid.cmp(&b.customer_msgid));
    let ids: Vec<_> = got
        .iter()
        .map(|a| (a.customer_msgid.as_str(), a.reply_msgid.as_str()))
        .collect();
    assert_eq!(ids, [("m-1", "reply-cust-a-1"), ("m-4", "reply-cust-b-1")]);
    assert!(got.iter().all(|a| a.open_kfid == KF));

    let mut sends = fake.sends.lock().clone();
    sends.sort_by_key(|s| s["touser"].as_str().map(str::to_owned));
    assert_eq!(
        sends,
        [
            json!({"touser": "cust-a", "open_kfid": KF, "msgtype": "text", "text": {"content": "echo: hello"}, "msgid": "re_m-1"}),
            json!({"touser": "cust-b", "open_kfid": KF, "msgtype": "text", "text": {"content": "received your image"}, "msgid": "re_m-4"}),
        ]
    );
    let syncs = fake.syncs.lock().clone();
    assert_eq!(
        syncs,
        [
            json!({"cursor": "", "token": "SYNC-TOKEN", "limit": 1000, "open_kfid": KF}),
            json!({"cursor": "c1", "token": "SYNC-TOKEN", "limit": 1000, "open_kfid": KF}),
        ]
    );
    let stats = bot.stats();
    assert_eq!(
        (stats.n_synced, stats.n_replied, stats.n_reply_errors),
        (4, 2, 0)
    );
    assert_eq!(fake.n_gettoken.load(Relaxed), 1);
}

/// Round one holds `first`, round two a message from `cust-ok`; seeing round two's answer means round one is
/// settled, since a puller finishes a round's answers before it pulls again.
fn two_rounds(first: Vec<Value>, send_script: SendScript) -> Arc<Fake> {
    Fake::new(
        &[
            ("", page("c1", 0, Value::Array(first))),
            (
                "c1",
                page("c2", 0, json!([text("m-ok", "cust-ok", 3, "later")])),
            ),
        ],
        send_script,
    )
}

#[tokio::test]
async fn closed_reply_window_is_counted_and_not_retried() {
    let fake = two_rounds(
        vec![text("m-closed", "cust-closed", 3, "hi")],
        Box::new(|user, n, _| match user {
            "cust-closed" => json!({"errcode": 95002, "errmsg": "send msg time limit"}),
            _ => ok_send(user, n),
        }),
    );
    let (bot, mut answers) = start_bot(&fake).await;
    push_kf(&bot, "T1").await;
    // Round one has pulled once the first message is being answered; a push now starts round two.
    wait_for_send(&fake, "cust-closed", 1).await;
    push_kf(&bot, "T2").await;
    assert_eq!(next_answer(&mut answers).await.customer_msgid, "m-ok");
    assert_eq!(fake.sends_to("cust-closed"), 1);
    let stats = bot.stats();
    assert_eq!((stats.n_replied, stats.n_reply_errors), (1, 1));
}

#[tokio::test]
async fn transient_errors_are_retried_three_times_then_given_up() {
    let fake = two_rounds(
        vec![
            text("m-busy", "cust-busy", 3, "hi"),
            text("m-flaky", "cust-flaky", 3, "hi"),
        ],
        Box::new(|user, n, _| match (user, n) {
            ("cust-busy", _) => json!({"errcode": -1, "errmsg": "system busy"}),
            ("cust-flaky", 1) => json!({"errcode": 45009, "errmsg": "api freq out of limit"}),
            ("cust-flaky", 2) => json!({"errcode": -1, "errmsg": "system busy"}),
            _ => ok_send(user, n),
        }),
    );
    let (bot, mut answers) = start_bot(&fake).await;
    push_kf(&bot, "T1").await;
    assert_eq!(next_answer(&mut answers).await.customer_msgid, "m-flaky");
    push_kf(&bot, "T2").await;
    assert_eq!(next_answer(&mut answers).await.customer_msgid, "m-ok");
    assert_eq!(
        (fake.sends_to("cust-busy"), fake.sends_to("cust-flaky")),
        (4, 3)
    );
    let stats = bot.stats();
    assert_eq!((stats.n_replied, stats.n_reply_errors), (2, 1));
}

#[tokio::test]
async fn a_stale_token_is_replaced_and_the_call_tried_once_more() {
    let fake = Fake::new(
        &[("", page("c1", 0, json!([text("m-1", "cust-a", 3, "hi")])))],
        Box::new(|user, n, token| match token {
            "tok-1" => json!({"errcode": 42001, "errmsg": "access_token expired"}),
            _ => ok_send(user, n),
        }),
    );
    let (bot, mut answers) = start_bot(&fake).await;
    push_kf(&bot, "T1").await;
    assert_eq!(
        next_answer(&mut answers).await.reply_msgid,
        "reply-cust-a-2"
    );
    assert_eq!(fake.n_gettoken.load(Relaxed), 2);
    assert_eq!(bot.stats().n_reply_errors, 0);
}

/// Waits until the fake has answered `n` sends to `user`.
async fn wait_for_send(fake: &Fake, user: &str, n: u64) {
    let mut sent = fake.sent.subscribe();
    let waited = tokio::time::timeout(GUARD, sent.wait_for(|_| fake.sends_to(user) >= n));
    assert!(
        matches!(waited.await, Ok(Ok(_))),
        "no send to {user} within {GUARD:?}"
    );
}

/// Now in unix seconds: the bot skips customer messages from before it started.
fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[tokio::test]
async fn messages_from_before_the_bot_started_are_not_answered() {
    let mut old = text("old-1", "cust-a", 3, "yesterday");
    old["send_time"] = json!(now_s() - 3600);
    let fresh = text("new-1", "cust-b", 3, "today");
    let fake = Fake::new(
        &[("", page("c1", 0, json!([old, fresh])))],
        Box::new(|user, n, _| ok_send(user, n)),
    );
    let (bot, mut answers) = start_bot(&fake).await;
    push_kf(&bot, "tok-1").await;
    let a = next_answer(&mut answers).await;
    assert_eq!(a.customer_msgid, "new-1");
    assert_eq!(fake.sends_to("cust-a"), 0);
}
