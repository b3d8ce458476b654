//! The AI-bot mode behind the real mock-server: 100 members' messages, each answered once in `chunks` stream
//! frames and in the member's inbox; the welcome on enter_chat; a newer connection kicks it for good; pings that
//! go unacked make it reconnect.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;

use bot::{AiBot, AibotConfig, Ended};
use mock_server::State;
use wecom_wire::mock::events::{Event, EventKind, Route};

use crate::mock::serve_mock;

const BOTID: &str = "aibDemoAssistant0000000000000001";
const SECRET: &str = "demo-aibot-secret-0123456789abcdefghijklmno";
const MEMBERS: [&str; 6] = ["zhangsan", "lisi", "wangwu", "zhaoliu", "qianqi", "sunba"];
/// WeCom's limit on a member's unanswered messages to one bot, which the test keeps to.
const MAX_IN_FLIGHT: usize = 3;
/// A guard against a hung test, never a way to wait for something.
const GUARD: Duration = Duration::from_secs(60);

struct World {
    state: Arc<State>,
    api: String,
    http: reqwest::Client,
    _mock: mock_server::Stop,
}

async fn world() -> World {
    let state = State::demo(mock_server::Config::default()).expect("the demo world");
    let (api, mock) = serve_mock(state.clone()).await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_default();
    World {
        state,
        api,
        http,
        _mock: mock,
    }
}

impl World {
    fn config(&self) -> AibotConfig {
        AibotConfig {
            ws_url: self.api.replace("http://", "ws://"),
            ..AibotConfig::demo()
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.api))
            .json(&body)
            .send()
            .await
            .expect("the control API answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or_default())
    }

    async fn get(&self, path: &str) -> Value {
        let r = self.http.get(format!("{}{path}", self.api)).send().await;
        r.expect("the control API answers")
            .json()
            .await
            .unwrap_or_default()
    }

    /// A member's text to the demo bot; its msgid.
    async fn say(&self, from: &str, content: &str) -> String {
        let (status, said) = self
            .post(
                &format!("/mock/aibots/{BOTID}/messages"),
                json!({"from": from, "chattype": "single", "msgtype": "text", "content": content}),
            )
            .await;
        assert_eq!(status, 200, "{said}");
        said["msgid"].as_str().expect("a msgid").to_owned()
    }
}

/// Runs `bot` until it has subscribed `n` times in all.
async fn subscribed(bot: &AiBot, n: u64) {
    let mut s = bot.subscribed();
    let waited = tokio::time::timeout(GUARD, s.wait_for(|k| *k >= n)).await;
    assert!(
        matches!(waited, Ok(Ok(_))),
        "not subscribed {n} times: {:?}",
        bot.stats()
    );
}

/// The next event of the AI-bot route.
async fn next_aibot(events: &mut broadcast::Receiver<Arc<Event>>) -> Arc<Event> {
    loop {
        let e = tokio::time::timeout(GUARD, events.recv())
            .await
            .expect("an event before the guard")
            .expect("no event missed");
        if e.route == Route::Aibot {
            return e;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_messages_are_each_streamed_once_in_chunks_into_the_inbox() {
    const N: usize = 100;
    let w = world().await;
    let config = w.config();
    let chunks = config.chunks;
    let aibot = AiBot::new(AibotConfig {
        chunk_ms: 5,
        ..config
    })
    .expect("a good config");
    let mut answers = aibot.answers();
    let (_task, _stop) = bot::spawn_aibot(aibot.clone());
    subscribed(&aibot, 1).await;
    let mut events = w.state.subscribe();

    // Spread over the members, never more than WeCom's 3 unanswered at once for any of them.
    let mut queued: HashMap<&str, VecDeque<String>> = HashMap::new();
    for i in 0..N {
        let m = MEMBERS[i % MEMBERS.len()];
        queued
            .entry(m)
            .or_default()
            .push_back(format!("question {i} from {m}"));
    }
    let mut in_flight: HashMap<&str, usize> = HashMap::new();
    let mut asked: HashMap<String, (&str, String)> = HashMap::new();
    let mut first_chunks: HashMap<String, usize> = HashMap::new();
    let mut delivered: HashMap<String, usize> = HashMap::new();
    while delivered.len() < N {
        for m in MEMBERS {
            while in_flight.get(m).copied().unwrap_or(0) < MAX_IN_FLIGHT {
                let Some(q) = queued.get_mut(m).and_then(VecDeque::pop_front) else {
                    break;
                };
                let msgid = w.say(m, &q).await;
                *in_flight.entry(m).or_default() += 1;
                asked.insert(msgid, (m, q));
            }
        }
        let e = next_aibot(&mut events).await;
        let to = e.detail["in_reply_to"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        match e.kind {
            EventKind::FirstChunk => *first_chunks.entry(to).or_default() += 1,
            EventKind::Delivered => {
                let (m, _) = asked
                    .get(&to)
                    .unwrap_or_else(|| panic!("an answer to {e:?}"));
                assert_eq!(e.msgid, format!("re_{to}"));
                assert_eq!(e.receiver, format!("user:{m}"));
                *in_flight.entry(m).or_default() -= 1;
                *delivered.entry(to).or_default() += 1;
            }
            _ => {}
        }
    }
    assert_eq!(asked.len(), N);
    assert!(first_chunks
        .values()
        .chain(delivered.values())
        .all(|n| *n == 1));
    assert_eq!(first_chunks.len(), N, "a first chunk for each message");

    every_answer_streamed(&aibot, &mut answers, &asked, chunks).await;

    for m in MEMBERS {
        let want = asked
            .values()
            .filter(|(who, _)| *who == m)
            .map(|(_, q)| format!("echo: {q}"));
        assert_eq!(
            inbox_texts(&w, m).await,
            sorted(want),
            "{m}'s inbox: one answer to each question, whole"
        );
    }
}

/// Each of the `asked` messages streamed to its end once, in `chunks` frames, to its member; nothing failed.
async fn every_answer_streamed(
    aibot: &AiBot,
    answers: &mut broadcast::Receiver<bot::Streamed>,
    asked: &HashMap<String, (&str, String)>,
    chunks: usize,
) {
    let n = asked.len();
    let mut streamed = HashMap::new();
    while streamed.len() < n {
        let a = tokio::time::timeout(GUARD, answers.recv()).await;
        let a = a.expect("every answer streamed").expect("none missed");
        assert_eq!(a.n_chunks, chunks, "{a:?}");
        assert_eq!(a.userid, asked[&a.msgid].0);
        assert!(
            streamed.insert(a.msgid.clone(), a).is_none(),
            "streamed twice"
        );
    }
    let stats = aibot.stats();
    assert_eq!(
        (
            stats.n_messages,
            stats.n_answered,
            stats.n_chunks,
            stats.n_reply_errors
        ),
        (n as u64, n as u64, (n * chunks) as u64, 0)
    );
}

fn sorted(texts: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = texts.collect();
    v.sort();
    v
}

/// The texts in member `m`'s inbox, sorted.
async fn inbox_texts(w: &World, m: &str) -> Vec<String> {
    let inbox = w.get(&format!("/mock/inboxes/user/{m}")).await;
    let messages = inbox["messages"].as_array().expect("messages");
    sorted(messages.iter().map(|x| {
        x["content"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_opens_the_chat_is_welcomed() {
    let w = world().await;
    let aibot = AiBot::new(w.config()).expect("a good config");
    let (_task, _stop) = bot::spawn_aibot(aibot.clone());
    subscribed(&aibot, 1).await;
    let mut events = w.state.subscribe();
    let (status, said) = w
        .post(
            &format!("/mock/aibots/{BOTID}/enter"),
            json!({"from": "lisi"}),
        )
        .await;
    assert_eq!(status, 200, "{said}");
    let e = loop {
        let e = next_aibot(&mut events).await;
        if e.kind == EventKind::Delivered {
            break e;
        }
    };
    assert_eq!(e.detail["welcome"], true, "{e:?}");
    let inbox = w.get("/mock/inboxes/user/lisi").await;
    assert_eq!(inbox["n_total"], 1, "{inbox}");
    assert_eq!(
        inbox["messages"][0]["content"]["content"],
        AibotConfig::demo().welcome
    );
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame on a raw connection, as JSON.
async fn recv(ws: &mut Socket) -> Value {
    loop {
        let m = tokio::time::timeout(GUARD, ws.next()).await;
        match m.expect("a frame before the guard") {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(t.as_str()).expect("JSON"),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("not a text frame: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_connection_kicks_the_bot_for_good() {
    let w = world().await;
    let aibot = AiBot::new(AibotConfig {
        reconnect_ms: 10,
        ..w.config()
    })
    .expect("a good config");
    let (task, _stop) = bot::spawn_aibot(aibot.clone());
    subscribed(&aibot, 1).await;

    let (mut raw, _) = tokio_tungstenite::connect_async(w.config().ws_url)
        .await
        .expect("a second connection");
    let subscribe = json!({"cmd": "aibot_subscribe", "headers": {"req_id": "aibot_subscribe_2"},
        "body": {"bot_id": BOTID, "secret": SECRET}});
    raw.send(Message::Text(subscribe.to_string().into()))
        .await
        .expect("sent");
    assert_eq!(recv(&mut raw).await["errcode"], 0);

    // The task returns only when the bot will not connect again.
    let ended = tokio::time::timeout(GUARD, task).await;
    assert_eq!(ended.ok().and_then(Result::ok), Some(Ended::Kicked));
    assert_eq!(aibot.stats().n_subscribed, 1);
    // The newer connection is the bot's: a member's message goes to it.
    let msgid = w.say("zhangsan", "still there?").await;
    let callback = recv(&mut raw).await;
    assert_eq!(callback["cmd"], "aibot_msg_callback");
    assert_eq!(callback["body"]["msgid"], msgid.as_str());
    assert_eq!(aibot.stats().n_messages, 0);
    let seen = w.get(&format!("/mock/aibots/{BOTID}")).await;
    assert_eq!(
        (
            &seen["connected"],
            &seen["n_connections"],
            &seen["n_kicked"]
        ),
        (&json!(true), &json!(2), &json!(1)),
        "{seen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacked_pings_make_it_reconnect() {
    let w = world().await;
    let aibot = AiBot::new(AibotConfig {
        heartbeat_ms: 250,
        reconnect_ms: 10,
        ..w.config()
    })
    .expect("a good config");
    let (_task, _stop) = bot::spawn_aibot(aibot.clone());
    subscribed(&aibot, 1).await;

    let (status, set) = w
        .post("/mock/faults", json!({"path": "aibot:ping", "drop": true}))
        .await;
    assert_eq!(status, 200, "{set}");
    subscribed(&aibot, 2).await;
    assert!(aibot.stats().n_dead >= 1, "{:?}", aibot.stats());
    let cleared = w
        .http
        .delete(format!("{}/mock/faults?path=aibot:ping", w.api))
        .send()
        .await
        .expect("the control API answers");
    assert_eq!(cleared.status(), 200);

    // Answering again on the new connection, which the mock counts as the bot's second. The fault was cleared
    // within a heartbeat of the reconnection, before its first ping.
    let mut events = w.state.subscribe();
    let msgid = w.say("wangwu", "back?").await;
    loop {
        let e = next_aibot(&mut events).await;
        if e.kind == EventKind::Delivered && e.detail["in_reply_to"] == msgid.as_str() {
            break;
        }
    }
    let seen = w.get(&format!("/mock/aibots/{BOTID}")).await;
    assert!(
        seen["n_connections"].as_u64().is_some_and(|k| k >= 2),
        "{seen}"
    );
}
