//! A bot that restarts, and a mock that is reset, beside each other: the restarted bot starts from the oldest
//! message again and answers recent ones a second time, yet every answer is credited to the message it answers;
//! after a reset the bot's cursor is refused, it starts over and keeps answering.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bot::{Answer, Bot};
use mock_server::{State, Stop, World};
use wecom_wire::mock::events::Event;

use crate::mock::{newest_customers, serve_bot, serve_mock};

const KF: &str = "wkDemoSupportDesk00000000000001A";
const N_CUSTOMERS: usize = 100;
/// A guard against a hung test, never a way to wait for something.
const GUARD: Duration = Duration::from_secs(60);

struct Rig {
    api: String,
    _mock: Stop,
    http: reqwest::Client,
    customers: Vec<String>,
}

impl Rig {
    async fn start(state: &Arc<State>) -> Rig {
        let (api, mock) = serve_mock(state.clone()).await;
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_default();
        let customers = newest_customers(&http, &api, N_CUSTOMERS).await;
        Rig {
            api,
            _mock: mock,
            http,
            customers,
        }
    }

    /// A new bot process, as far as the mock can tell: its own cursor, its own address, the app's callback.
    /// It serves until its handle is dropped.
    async fn new_bot(&self) -> (Arc<Bot>, String, Stop) {
        let (bot, url, stop) = serve_bot(&self.api).await;
        self.point_at(&url).await;
        (bot, url, stop)
    }

    async fn point_at(&self, url: &str) {
        let set = bot::register(&self.http, &self.api, 1000002, url).await;
        assert_eq!(set.map(|(status, _)| status.as_u16()).ok(), Some(200));
    }

    async fn say(&self, customer: usize, text: &str) -> String {
        let r = self
            .http
            .post(format!("{}/mock/kf/{KF}/messages", self.api))
            .json(&json!({"from": self.customers[customer], "content": text}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap_or_default();
        v["msgid"].as_str().unwrap_or_default().to_owned()
    }
}

/// Answers until every message in `asked` has one; duplicates of earlier answers are kept too.
async fn answers_to(
    rx: &mut tokio::sync::broadcast::Receiver<Answer>,
    asked: &[String],
    all: &mut Vec<Answer>,
) {
    let mut waiting: std::collections::HashSet<&String> = asked.iter().collect();
    while !waiting.is_empty() {
        let a = tokio::time::timeout(GUARD, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("{} messages unanswered", waiting.len()))
            .unwrap_or_else(|e| panic!("{e}"));
        waiting.remove(&a.customer_msgid);
        all.push(a);
    }
}

/// What the mock credited each answer (by its msgid) to, read off its event stream.
async fn credits(
    events: &mut tokio::sync::broadcast::Receiver<Arc<Event>>,
    answers: &[Answer],
) -> HashMap<String, Option<String>> {
    let mut got = HashMap::new();
    while answers.iter().any(|a| !got.contains_key(&a.reply_msgid)) {
        let e = tokio::time::timeout(GUARD, events.recv())
            .await
            .unwrap_or_else(|_| panic!("a delivery is missing"))
            .unwrap_or_else(|e| panic!("{e}"));
        if e.kind == "delivered" && e.route == "kf" {
            let to = e.detail["in_reply_to"].as_str().map(str::to_owned);
            got.insert(e.msgid.clone(), to);
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_after_a_restart_are_credited_to_what_they_answer() {
    let (world, fixture) =
        World::demo_with_customers(N_CUSTOMERS).unwrap_or_else(|e| panic!("{e}"));
    let state = State::new(world, &fixture, mock_server::Config::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut events = state.subscribe();
    let rig = Rig::start(&state).await;
    let mut all = Vec::new();

    let (first, _, _first) = rig.new_bot().await;
    let mut rx = first.answers();
    let mut asked = Vec::new();
    for c in 0..N_CUSTOMERS / 2 {
        asked.push(rig.say(c, "before the restart").await);
    }
    answers_to(&mut rx, &asked, &mut all).await;

    // The restarted bot pulls from the oldest message again and answers the recent ones a second time.
    let (second, second_url, _second) = rig.new_bot().await;
    let mut rx = second.answers();
    let mut asked = Vec::new();
    for c in 0..N_CUSTOMERS {
        asked.push(rig.say(c, "after the restart").await);
    }
    answers_to(&mut rx, &asked, &mut all).await;
    assert!(all.len() >= N_CUSTOMERS + N_CUSTOMERS / 2);

    let credited = credits(&mut events, &all).await;
    let wrong: Vec<&Answer> = all
        .iter()
        .filter(|a| credited[&a.reply_msgid].as_deref() != Some(a.customer_msgid.as_str()))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} misattributed",
        wrong.len(),
        all.len()
    );

    // A reset: the bot's cursor is refused, it starts over, and the customer is answered.
    let reset = rig
        .http
        .post(format!("{}/mock/reset", rig.api))
        .send()
        .await;
    assert_eq!(reset.map(|r| r.status().as_u16()).ok(), Some(200));
    // The reset put the fixture's callback URL back.
    rig.point_at(&second_url).await;
    let mut rx = second.answers();
    let after = rig.say(0, "after the reset").await;
    let mut got = Vec::new();
    answers_to(&mut rx, std::slice::from_ref(&after), &mut got).await;
    assert_eq!(second.stats().n_cursor_resets, 1, "{:?}", second.stats());
}
