//! Passive replies (被动回复): a verified one lands in the writer's inbox; one that does not verify, answered with
//! HTTP 200, is recorded as `bad_reply` and not pushed again, as WeCom counts any 200 as received, unless the
//! `retry_bad_reply` setting asks for it.

use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

use wecom_wire::callback::parse_push_envelope;
use wecom_wire::crypto::MsgCrypt;

use crate::callbacks::{member_says, point_demo_app_at, recv};
use crate::helpers::*;

#[tokio::test]
async fn a_passive_reply_lands_in_the_writers_inbox_and_a_forged_one_is_not_retried() {
    use wecom_wire::callback::{passive_reply_xml, PassiveReply};
    let app = spawn_app().await;
    let crypt = MsgCrypt::new(
        "DemoBotCallbackToken",
        "DemoBotEncodingAESKey0123456789abcdefghijkA",
        CORPID,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let n = Arc::new(AtomicUsize::new(0));
    let (tx, mut got) = mpsc::unbounded_channel::<usize>();
    let handler = {
        let (crypt, n) = (crypt.clone(), n.clone());
        move |body: String| {
            let (crypt, n, tx) = (crypt.clone(), n.clone(), tx.clone());
            async move {
                let k = n.fetch_add(1, Ordering::SeqCst) + 1;
                let _ = tx.send(k);
                let _ = parse_push_envelope(&body);
                if k >= 4 {
                    // The last push is only acknowledged, so the test knows how many replies to expect.
                    return "success".to_owned();
                }
                if k == 1 {
                    return "<xml><Encrypt>forged</Encrypt><MsgSignature>0</MsgSignature><TimeStamp>1</TimeStamp><Nonce>1</Nonce></xml>".to_owned();
                }
                let reply = "<xml><ToUserName><![CDATA[wangwu]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[已收到]]></Content></xml>";
                let encrypt = crypt.encrypt(reply.as_bytes(), &[b'r'; 16]);
                let signature = crypt.signature("1764000000", "42", &encrypt);
                passive_reply_xml(&PassiveReply {
                    encrypt,
                    msg_signature: signature,
                    timestamp: "1764000000".into(),
                    nonce: "42".into(),
                })
            }
        }
    };
    point_demo_app_at(&app, axum::routing::post(handler)).await;

    // POST 1 answers a forged reply to a 200: WeCom counts the push as received and does not push it again,
    // so the second message is POST 2 (a reply).
    let lost = member_says(&app, "wangwu", "在吗").await;
    member_says(&app, "wangwu", "again").await;
    for want in 1..=2 {
        assert_eq!(recv(&mut got).await, Some(want));
    }
    member_says(&app, "wangwu", "third").await;
    assert_eq!(recv(&mut got).await, Some(3));
    member_says(&app, "wangwu", "fourth").await;
    assert_eq!(
        recv(&mut got).await,
        Some(4),
        "once POST 4 is in, the earlier replies are delivered"
    );
    let inbox = app.inbox("wangwu").await;
    assert_eq!(
        inbox["n_total"], 2,
        "one reply per verified answer: {inbox}"
    );
    assert_eq!(inbox["messages"][0]["content"]["content"], "已收到");
    assert_eq!(inbox["messages"][0]["from"]["agentid"], BOT_AGENTID);
    let outcomes: Vec<String> = app.get("/mock/callbacks").await["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .rev()
                .map(|a| a["outcome"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        outcomes,
        vec![
            "bad_reply",
            "passive_reply",
            "passive_reply",
            "acknowledged"
        ],
        "four POSTs for four messages"
    );
    let lost_attempts: Vec<String> = app.get("/mock/callbacks").await["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|a| a["msgid"] == lost["msgid"])
                .map(|a| a["outcome"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        lost_attempts,
        vec!["bad_reply"],
        "recorded, not pushed again"
    );
}

#[tokio::test]
async fn with_retry_bad_reply_a_forged_reply_is_pushed_again() {
    let app = spawn_app().await;
    let n = Arc::new(AtomicUsize::new(0));
    let (tx, mut got) = mpsc::unbounded_channel::<usize>();
    let handler = {
        let n = n.clone();
        move |_body: String| {
            let (n, tx) = (n.clone(), tx.clone());
            async move {
                let k = n.fetch_add(1, Ordering::SeqCst) + 1;
                let _ = tx.send(k);
                if k == 1 {
                    "<xml><Encrypt>forged</Encrypt><MsgSignature>0</MsgSignature><TimeStamp>1</TimeStamp><Nonce>1</Nonce></xml>"
                } else {
                    "success"
                }
            }
        }
    };
    point_demo_app_at(&app, axum::routing::post(handler)).await;
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"retry_bad_reply": true}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    let m = member_says(&app, "wangwu", "在吗").await;
    assert_eq!(recv(&mut got).await, Some(1));
    assert_eq!(recv(&mut got).await, Some(2), "the same push again");
    let outcomes: Vec<String> = app.get("/mock/callbacks").await["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .rev()
                .filter(|a| a["msgid"] == m["msgid"])
                .map(|a| a["outcome"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(outcomes, vec!["bad_reply", "acknowledged"]);
}
