//! The event stream seen by an observer: Server-Sent Events, one JSON event per `data:` line.

use serde_json::{json, Value};
use std::time::Duration;

use crate::callbacks::{app_with_bot, member_says};
use crate::helpers::*;

/// Reads events from an open stream until `n` have arrived (bounded, so a broken stream fails the test).
async fn next_events(resp: &mut reqwest::Response, buf: &mut String, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        while let Some(i) = buf.find("\n\n") {
            let frame: String = buf.drain(..i + 2).collect();
            for line in frame.lines() {
                if let Some(data) = line.strip_prefix("data:") {
                    out.push(serde_json::from_str(data.trim()).unwrap_or(Value::Null));
                }
            }
        }
        if out.len() >= n {
            break;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk()).await;
        match chunk {
            Ok(Ok(Some(bytes))) => buf.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!(
                "the stream ended or stalled after {} events: {other:?}",
                out.len()
            ),
        }
    }
    out
}

async fn subscribe(app: &App, query: &str) -> reqwest::Response {
    let resp = app
        .http
        .get(app.url(&format!("/mock/events?{query}")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .is_some_and(|c| c.as_bytes().starts_with(b"text/event-stream")));
    resp
}

#[tokio::test]
async fn an_app_message_is_accepted_then_delivered_to_each_recipient() {
    let app = spawn_app().await;
    let t = app.token().await;
    let mut stream = subscribe(&app, "route=app_message").await;
    let sent = app.text_to(&t, "zhangsan|lisi", "watched").await;
    let mut buf = String::new();
    let events = next_events(&mut stream, &mut buf, 3).await;
    assert!(
        events.iter().all(|e| e["msgid"] == sent["msgid"]),
        "{events:?}"
    );
    assert_eq!(events[0]["kind"], "accepted");
    assert_eq!(events[0]["detail"], json!({"n_recipients": 2}));
    let mut delivered: Vec<&str> = events[1..]
        .iter()
        .filter_map(|e| e["receiver"].as_str())
        .collect();
    delivered.sort_unstable();
    assert_eq!(delivered, vec!["user:lisi", "user:zhangsan"]);
    let t0 = events[0]["mono_us"].as_u64().unwrap_or(u64::MAX);
    assert!(events[1..]
        .iter()
        .all(|e| e["kind"] == "delivered" && e["mono_us"].as_u64() >= Some(t0)));
}

#[tokio::test]
async fn a_callback_is_accepted_attempted_and_acknowledged() {
    let (app, mut got) = app_with_bot(1).await;
    let mut stream = subscribe(&app, "route=callback&receiver=app:1000002").await;
    let sent = member_says(&app, "wangwu", "time me").await;
    assert!(crate::callbacks::recv(&mut got).await.is_some());
    let mut buf = String::new();
    let events = next_events(&mut stream, &mut buf, 4).await;
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        vec!["accepted", "attempt", "attempt", "acknowledged"]
    );
    assert!(events.iter().all(|e| e["msgid"] == sent["msgid"]));
    assert_eq!(events[1]["detail"]["outcome"], "http_status");
    assert_eq!(events[2]["detail"]["outcome"], "acknowledged");
    assert_eq!(events[3]["detail"]["n_attempts"], 2);
    let times: Vec<u64> = events
        .iter()
        .filter_map(|e| e["mono_us"].as_u64())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "monotonic: {times:?}"
    );
}

#[tokio::test]
async fn a_customer_can_follow_a_kf_round_trip_on_the_stream() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let mut stream = subscribe(&app, &format!("customer={CUSTOMER}")).await;
    let asked = crate::kf::customer_says(&app, CUSTOMER, "在吗").await;
    crate::kf::next_push(&mut got).await;
    let body = json!({"touser": CUSTOMER, "open_kfid": KF_ACCOUNT, "msgtype": "text", "text": {"content": "在"}});
    let sent = app
        .post(&format!("/cgi-bin/kf/send_msg?access_token={t}"), body)
        .await;
    let mut buf = String::new();
    let events = next_events(&mut stream, &mut buf, 5).await;
    // The callback's acknowledgement and the answer race each other; each message's own events are in order.
    let of = |msgid: &str| -> Vec<(String, String)> {
        events
            .iter()
            .filter(|e| e["msgid"] == msgid)
            .map(|e| {
                (
                    e["route"].as_str().unwrap_or("").to_owned(),
                    e["kind"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        of(&asked),
        pairs(&[
            ("kf", "accepted"),
            ("callback", "accepted"),
            ("callback", "attempt"),
            ("callback", "acknowledged")
        ])
    );
    let answer = sent["msgid"].as_str().unwrap_or_default();
    assert_eq!(of(answer), pairs(&[("kf", "delivered")]));
    let delivered = events
        .iter()
        .find(|e| e["msgid"] == answer)
        .cloned()
        .unwrap_or_default();
    assert_eq!(delivered["detail"]["in_reply_to"], asked.as_str());
    let start = events[0]["mono_us"].as_u64().unwrap_or(u64::MAX);
    assert!(
        start <= delivered["mono_us"].as_u64().unwrap_or(0),
        "monotonic timestamps time the round trip"
    );
}
