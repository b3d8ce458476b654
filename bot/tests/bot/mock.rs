//! The reference bot behind the real mock-server: 1,000 customers write to the demo kf account, each gets
//! exactly one answer, in their own inbox, answering their own question.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bot::{Bot, Config};
use mock_server::{State, Stop, World};

const KF: &str = "wkDemoSupportDesk00000000000001A";
const N_CUSTOMERS: usize = 1_000;
/// A guard against a hung test, never a way to wait for something.
const GUARD: Duration = Duration::from_secs(60);

fn state() -> Arc<State> {
    let (world, fixture) =
        World::demo_with_customers(N_CUSTOMERS).unwrap_or_else(|e| panic!("{e}"));
    State::new(world, &fixture, mock_server::Config::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The mock on an ephemeral loopback port; returns its URL and the handle that keeps it serving.
pub(crate) async fn serve_mock(state: Arc<State>) -> (String, mock_server::Stop) {
    let (addr, stop) = mock_server::spawn(state, Default::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (format!("http://{addr}"), stop)
}

/// The newest `n` customers of the mock at `api` (those the fixture generated last), newest first, as
/// `GET /mock/customers` lists them in world order.
pub(crate) async fn newest_customers(http: &reqwest::Client, api: &str, n: usize) -> Vec<String> {
    let r = http
        .get(format!("{api}/mock/customers?limit=10000"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    let page: wecom_wire::mock::control::CustomerPage =
        r.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        page.customers.len(),
        page.n_customers,
        "one page holds them all"
    );
    page.customers.into_iter().rev().take(n).collect()
}

/// The demo bot against `api` on an ephemeral loopback port; returns it, its callback URL and the handle that
/// keeps it serving.
pub(crate) async fn serve_bot(api: &str) -> (Arc<Bot>, String, Stop) {
    let bot = Bot::new(Config {
        api_base: api.to_owned(),
        ..Config::demo()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let (addr, stop) = bot::spawn(bot.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (bot, format!("http://{addr}/callback"), stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_answers_1000_customers_each_once_in_their_own_inbox() {
    let state = state();
    let (api, _mock) = serve_mock(state.clone()).await;
    let (bot, url, _bot) = serve_bot(&api).await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_default();
    let set = bot::register(&http, &api, 1000002, &url).await;
    assert_eq!(
        set.map(|(status, _)| status.as_u16()).ok(),
        Some(200),
        "URL verified by the bot"
    );
    let mut answers = bot.answers();

    let customers = newest_customers(&http, &api, N_CUSTOMERS).await;
    let mut asked = HashMap::new();
    for (i, c) in customers.iter().enumerate() {
        let question = format!("question {i} from {c}");
        let r = http
            .post(format!("{api}/mock/kf/{KF}/messages"))
            .json(&json!({"from": c, "content": question}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), 200);
        let msgid = r.json::<Value>().await.unwrap_or_default()["msgid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        asked.insert(msgid, (c.clone(), question));
    }

    let mut answered = HashMap::new();
    while answered.len() < N_CUSTOMERS {
        let a = tokio::time::timeout(GUARD, answers.recv()).await;
        let a = a.unwrap_or_else(|_| {
            panic!("stuck after {} answers: {:?}", answered.len(), bot.stats())
        });
        let a = a.unwrap_or_else(|e| panic!("{e}"));
        let (customer, _) = asked
            .get(&a.customer_msgid)
            .unwrap_or_else(|| panic!("answer to an unknown message {a:?}"));
        assert_eq!(&a.external_userid, customer);
        assert!(
            answered.insert(a.customer_msgid.clone(), a).is_none(),
            "answered twice"
        );
    }
    let stats = bot.stats();
    assert_eq!(
        (stats.n_replied, stats.n_reply_errors, stats.n_bad_callbacks),
        (N_CUSTOMERS as u64, 0, 0)
    );

    for (msgid, (customer, question)) in &asked {
        let inbox: Value = http
            .get(format!("{api}/mock/inboxes/customer/{customer}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_default();
        assert_eq!(inbox["n_total"], 1, "{customer}: {inbox}");
        let reply = &inbox["messages"][0];
        assert_eq!(reply["content"]["content"], format!("echo: {question}"));
        assert_eq!(reply["msgid"], answered[msgid].reply_msgid.as_str());
    }
}
