//! Running for hours beside a bot: the journal stays small whatever the requests, a reset leaves nothing that
//! silently breaks the next run (stale kf cursors, faults, callback URLs), and kf answers are credited to the
//! message they answer. (That a body bigger than the in-flight budget gives its share back is tested beside
//! the budget, in `src/inflight.rs`.)

use serde_json::{json, Value};

use crate::helpers::*;
use crate::kf::{control, customer_says, kf, sync};

#[tokio::test]
async fn the_journal_cuts_long_targets_and_pages_from_a_sequence_number() {
    let app = spawn_app().await;
    let t = app.token().await;
    let long = "x".repeat(65_000);
    for _ in 0..5 {
        app.get(&format!("/cgi-bin/user/get?access_token={t}&userid={long}"))
            .await;
    }
    let j = app.get("/mock/journal?path=user/get&limit=2").await;
    let entries = j["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2);
    let first = &entries[0];
    assert!(first["query"].as_str().is_some_and(|q| q.len() < 2048));
    assert!(first["target_bytes"].as_u64().is_some_and(|n| n > 65_000));
    assert!(j["kept_bytes"].as_u64() <= j["max_bytes"].as_u64());
    let before = j["next_before"].as_u64().unwrap_or_default();
    let older = app
        .get(&format!(
            "/mock/journal?path=user/get&limit=10&before={before}"
        ))
        .await;
    let seqs: Vec<u64> = older["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["seq"].as_u64())
        .collect();
    assert_eq!(seqs.len(), 3, "the three older calls: {seqs:?}");
    assert!(seqs.iter().all(|s| *s < before));
    let refused = app.get("/mock/journal?errcode=0&path=user/get").await;
    assert_eq!(
        refused["entries"].as_array().map(Vec::len),
        Some(0),
        "every call was refused"
    );
}

#[tokio::test]
async fn a_kf_cursor_from_before_a_reset_is_refused_and_starting_over_works() {
    let app = spawn_app().await;
    let t = app.token().await;
    customer_says(&app, CUSTOMER, "before").await;
    let page = sync(&app, &t, json!({"open_kfid": KF_ACCOUNT})).await;
    let cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
    assert_eq!(code(&page), 0);
    let (status, _) = control(&app, "/mock/reset", json!({})).await;
    assert_eq!(status, 200);
    let stale = sync(&app, &t, json!({"cursor": cursor, "open_kfid": KF_ACCOUNT})).await;
    assert_eq!(code(&stale), 40058, "{stale}");
    assert!(stale["errmsg"]
        .as_str()
        .is_some_and(|m| m.starts_with("cursor invalid")));
    let after = customer_says(&app, CUSTOMER, "after").await;
    let fresh = sync(&app, &t, json!({"open_kfid": KF_ACCOUNT})).await;
    assert_eq!(fresh["msg_list"][0]["msgid"], after.as_str(), "{fresh}");
    let next = fresh["next_cursor"].as_str().unwrap_or_default();
    let caught_up = sync(&app, &t, json!({"cursor": next})).await;
    assert_eq!(
        (code(&caught_up), caught_up["has_more"].clone()),
        (0, json!(0))
    );
}

#[tokio::test]
async fn reset_clears_faults_and_the_world_shows_live_callback_urls() {
    let app = spawn_app().await;
    let fault = json!({"path": "/cgi-bin/message/send", "errcode": -1});
    assert_eq!(control(&app, "/mock/faults", fault).await.0, 200);
    let (url, _pushes) = crate::callbacks::spawn_bot(0).await;
    let set = app
        .http
        .put(app.url(&format!("/mock/apps/{BOT_AGENTID}/callback")))
        .json(&json!({ "url": url }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.status(), 200);
    let world = app.get("/mock/world").await;
    let bot = find_app(&world, BOT_AGENTID);
    assert_eq!(bot["callback"]["url"], url.as_str(), "{bot}");
    assert_ne!(bot["callback"]["fixture_url"], url.as_str());

    let forgot = app
        .http
        .delete(app.url(&format!("/mock/apps/{BOT_AGENTID}/callback")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let forgot: Value = forgot.json().await.unwrap_or_default();
    assert_eq!(forgot["forgot"], true);
    assert_eq!(
        forgot["url"], bot["callback"]["fixture_url"],
        "the fixture's again"
    );

    control(&app, "/mock/reset", json!({})).await;
    assert_eq!(app.get("/mock/faults").await["faults"], json!([]));
    let world = app.get("/mock/world").await;
    let bot = find_app(&world, BOT_AGENTID);
    assert_eq!(bot["callback"]["url"], bot["callback"]["fixture_url"]);
}

fn find_app(world: &Value, agentid: i64) -> Value {
    world["corps"][0]["apps"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["agentid"] == agentid)
        .cloned()
        .unwrap_or_default()
}

/// The `in_reply_to` of the next kf `delivered` event.
async fn credited(
    events: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<wecom_wire::mock::events::Event>>,
) -> Option<String> {
    let guard = std::time::Duration::from_secs(10);
    loop {
        let e = tokio::time::timeout(guard, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no delivered event"))
            .unwrap_or_else(|e| panic!("{e}"));
        if e.kind == "delivered" && e.route == "kf" {
            return e.detail["in_reply_to"].as_str().map(str::to_owned);
        }
    }
}

async fn answer(app: &App, t: &str, msgid: Option<String>) -> Value {
    let mut body = json!({"touser": CUSTOMER, "open_kfid": KF_ACCOUNT, "msgtype": "text", "text": {"content": "hi"}});
    if let Some(m) = msgid {
        body["msgid"] = Value::String(m);
    }
    kf(app, t, "send_msg", body).await
}

#[tokio::test]
async fn an_answer_that_names_its_message_is_credited_to_it_whatever_waits() {
    let app = spawn_app().await;
    let t = app.token().await;
    let mut events = app.state.subscribe();
    let skipped = customer_says(&app, CUSTOMER, "never answered").await;
    let asked = customer_says(&app, CUSTOMER, "answered").await;
    let named = wecom_wire::kf::reply_msgid(&asked);
    assert_eq!(code(&answer(&app, &t, named).await), 0);
    assert_eq!(credited(&mut events).await.as_deref(), Some(asked.as_str()));
    // An answer that names nothing takes the oldest still waiting.
    assert_eq!(code(&answer(&app, &t, None).await), 0);
    assert_eq!(
        credited(&mut events).await.as_deref(),
        Some(skipped.as_str())
    );
}

#[tokio::test]
async fn an_unnamed_answer_passes_over_messages_waiting_past_the_window() {
    let app = spawn_app().await;
    let t = app.token().await;
    let mut events = app.state.subscribe();
    customer_says(&app, CUSTOMER, "lost in a restart").await;
    app.advance(11).await;
    let fresh = customer_says(&app, CUSTOMER, "asked after the restart").await;
    assert_eq!(code(&answer(&app, &t, None).await), 0);
    assert_eq!(
        credited(&mut events).await.as_deref(),
        Some(fresh.as_str()),
        "the 11 s old message is passed over (window 10 s)"
    );
    let alone = customer_says(&app, CUSTOMER, "a slow answer").await;
    app.advance(60).await;
    assert_eq!(code(&answer(&app, &t, None).await), 0);
    assert_eq!(
        credited(&mut events).await.as_deref(),
        Some(alone.as_str()),
        "one waiting message is the one, however long it waited"
    );
}
