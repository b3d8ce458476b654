//! What the console shows of the wire: answers in the journal, what each push carried and what the receiver
//! said, and the console's cookie in front of the control API.

use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::broadcast;

use wecom_wire::callback::parse_fields;
use wecom_wire::mock::events::{Event, EventKind};

use crate::callbacks::{member_says, spawn_bot};
use crate::helpers::*;

/// The newest journal entry for `path`.
async fn last_entry(app: &App, path: &str) -> Value {
    let page = app.get(&format!("/mock/journal?path={path}&limit=1")).await;
    page["entries"][0].clone()
}

/// The answer's body as the client got it, and its JSON.
async fn get_text(app: &App, pq: &str) -> String {
    let r = app.http.get(app.url(pq)).send().await.unwrap();
    assert_eq!(r.status(), 200, "GET {pq}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn the_journal_keeps_each_answer_beside_its_request() {
    let app = spawn_app().await;
    let got = get_text(
        &app,
        &format!("/cgi-bin/gettoken?corpid={CORPID}&corpsecret={BOT_SECRET}"),
    )
    .await;
    let e = last_entry(&app, "gettoken").await;
    assert_eq!(e["response"], got.as_str(), "the answer as sent");
    assert_eq!(e["response_bytes"], got.len());
    assert!(e.get("response_truncated").is_none(), "{e}");
    let token: Value = serde_json::from_str(&got).unwrap();
    let t = token["access_token"].as_str().unwrap();

    let sent = app.text_to(t, "ghost", "nobody is there").await;
    assert_eq!(code(&sent), 81013);
    let e = last_entry(&app, "message/send").await;
    let answer: Value = serde_json::from_str(e["response"].as_str().unwrap()).unwrap();
    assert_eq!(answer["errcode"], 81013, "{e}");
    assert_eq!(answer["errmsg"], sent["errmsg"], "the errmsg with its hint");
    assert!(e["body"]
        .as_str()
        .is_some_and(|b| b.contains("nobody is there")));
}

#[tokio::test]
async fn a_media_download_is_counted_not_kept() {
    let app = spawn_app().await;
    let t = app.token().await;
    let id = app.media_id(&t, "image", PNG).await;
    assert_eq!(app.media_bytes(&t, &id).await, PNG);
    let e = last_entry(&app, "media/get").await;
    assert!(e.get("response").is_none(), "binary is not kept: {e}");
    assert_eq!(e["response_bytes"], PNG.len());
    assert!(e.get("response_truncated").is_none());
    let upload = last_entry(&app, "media/upload").await;
    assert!(
        upload["response"].as_str().is_some_and(|r| r.contains(&id)),
        "the upload's JSON answer is: {upload}"
    );
}

#[tokio::test]
async fn an_answer_past_the_cap_is_cut_and_says_so() {
    let yaml = mock_server::DEFAULT_FIXTURE.replace(
        "    name: Demo Trading Co.\n",
        "    name: Demo Trading Co.\n    generate_users: 400\n",
    );
    let (world, fixture) = mock_server::World::parse(&yaml, "big.yaml").unwrap();
    let state = mock_server::State::new(world, &fixture, mock_server::Config::default()).unwrap();
    let app = spawn_state(state).await;
    let t = app.token().await;
    let got = get_text(
        &app,
        &format!("/cgi-bin/user/list?access_token={t}&department_id=1"),
    )
    .await;
    const CAP: usize = 16 * 1024;
    assert!(got.len() > CAP, "a big answer: {} bytes", got.len());
    let e = last_entry(&app, "user/list").await;
    assert_eq!(e["response_truncated"], true);
    assert_eq!(e["response_bytes"], got.len());
    let kept = e["response"].as_str().unwrap();
    assert!(
        kept.len() <= CAP && kept.len() > CAP - 4,
        "{} bytes kept",
        kept.len()
    );
    assert!(
        got.starts_with(kept),
        "the start of the answer, no character cut in two"
    );
}

/// Waits for the push of `msgid` to end (acknowledged or failed): its attempts are all logged by then.
async fn push_ended(events: &mut broadcast::Receiver<std::sync::Arc<Event>>, msgid: &str) {
    let ended = async {
        loop {
            match events.recv().await {
                Ok(e) if e.msgid == msgid && matches!(e.kind, EventKind::Acknowledged) => return,
                Ok(e) if e.msgid == msgid && matches!(e.kind, EventKind::Failed) => {
                    panic!("the push of {msgid} failed")
                }
                Ok(_) => {}
                Err(e) => panic!("event stream: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), ended)
        .await
        .unwrap_or_else(|_| panic!("no end to the push of {msgid}"));
}

#[tokio::test]
async fn each_attempt_shows_the_plaintext_pushed_and_what_the_receiver_said() {
    let app = spawn_app().await;
    // Answers 500 "not yet" once, then "success".
    let (url, mut got) = spawn_bot(1).await;
    let set = app
        .http
        .put(app.url(&format!("/mock/apps/{BOT_AGENTID}/callback")))
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let mut events = app.state.subscribe();

    let first = member_says(&app, "zhangsan", "明文里有这句话").await;
    let first = first["msgid"].as_str().unwrap().to_owned();
    push_ended(&mut events, &first).await;
    let decrypted = crate::callbacks::recv(&mut got).await.unwrap();
    let second = member_says(&app, "lisi", "another").await;
    let second = second["msgid"].as_str().unwrap().to_owned();
    push_ended(&mut events, &second).await;

    let page = app.get(&format!("/mock/callbacks?msgid={first}")).await;
    let attempts = page["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "only the first message's: {page}");
    let (ok, refused) = (&attempts[0], &attempts[1]);
    assert_eq!(
        (refused["n"].as_i64(), ok["n"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(refused["status"], 500);
    assert_eq!(refused["reply"], "not yet");
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["reply"], "success");
    for a in attempts {
        assert_eq!(a["url"], url.as_str());
        let plaintext = a["plaintext"].as_str().unwrap();
        assert_eq!(plaintext, decrypted, "what the receiver decrypted");
        let fields = parse_fields(plaintext).unwrap();
        assert_eq!(fields.get("Content"), Some("明文里有这句话"));
        assert_eq!(fields.get("MsgId"), Some(first.as_str()));
    }
    let all = app.get("/mock/callbacks").await;
    let msgids: Vec<&str> = all["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["msgid"].as_str())
        .collect();
    assert_eq!(
        msgids,
        [second.as_str(), first.as_str(), first.as_str()],
        "newest first, unfiltered"
    );
    let limited = app
        .get(&format!("/mock/callbacks?msgid={first}&limit=1"))
        .await;
    assert_eq!(limited["attempts"][0]["n"], 2, "limit stays");
    assert_eq!(limited["attempts"].as_array().map(Vec::len), Some(1));
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_console_trades_the_admin_token_for_a_cookie() {
    let state = mock_server::State::demo(mock_server::Config {
        admin_token: Some("s3cret".into()),
        ..mock_server::Config::default()
    })
    .unwrap();
    let app = spawn_state(state).await;
    let http = no_redirects();
    let status = |r: reqwest::Response| r.status().as_u16();

    let wrong = http
        .get(app.url("/mock/ui?token=guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(wrong), 401);
    let right = http
        .get(app.url("/mock/ui?token=s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"], "/mock/ui");
    assert_eq!(
        right.headers()["set-cookie"],
        "mock_admin_token=s3cret; HttpOnly; SameSite=Strict; Path=/mock"
    );
    let cookie = "mock_admin_token=s3cret";

    let page = http
        .get(app.url("/mock/ui"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .is_ok_and(|c| c.starts_with("text/html")));
    assert!(page.text().await.unwrap().contains("/mock/ui/main.js"));
    for path in ["/mock/world", "/mock/journal", "/mock/callbacks"] {
        let r = http
            .get(app.url(path))
            .header("cookie", format!("theme=dark; {cookie}"))
            .send()
            .await
            .unwrap();
        assert_eq!(status(r), 200, "{path} with the cookie alone");
        let r = http.get(app.url(path)).send().await.unwrap();
        assert_eq!(status(r), 401, "{path} with neither");
    }
    let wrong_cookie = http
        .get(app.url("/mock/world"))
        .header("cookie", "mock_admin_token=s3cre")
        .send()
        .await
        .unwrap();
    assert_eq!(status(wrong_cookie), 401);
    let elsewhere = http
        .get(app.url("/mock/world?token=s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(elsewhere), 401, "only /mock/ui takes the token");
    let bare = http.get(app.url("/mock/ui")).send().await.unwrap();
    assert_eq!(status(bare), 401);
}

#[tokio::test]
async fn without_an_admin_token_the_console_answers_loopback() {
    let app = spawn_app().await;
    let page = no_redirects()
        .get(app.url("/mock/ui"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/mock/ui/main.js"));
}
