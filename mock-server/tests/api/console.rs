//! The web console in a real browser, on an in-process mock with the reference bot: as 小明, write to 在线客服
//! and see the bot's echo in the chat; open the push and read its decrypted XML; advance the mock clock from the
//! page and see the next API call in the journal answered 42001; no console errors. Screenshots go to
//! target/console/.

use crate::browser;
use crate::helpers::{spawn_app, App, BOT_AGENTID};

/// The reference bot against `app`, registered as the demo bot app's callback.
async fn with_bot(app: &App) -> tokio::sync::oneshot::Sender<()> {
    let bot = bot::Bot::new(bot::Config {
        api_base: app.url(""),
        ..bot::Config::demo()
    })
    .expect("the bot");
    let (addr, stop) = bot::spawn(bot).await.expect("the bot serves");
    let (status, body) = bot::register(
        &app.http,
        &app.url(""),
        BOT_AGENTID,
        &format!("http://{addr}/callback"),
    )
    .await
    .expect("register");
    assert_eq!(status.as_u16(), 200, "{body}");
    stop
}

pub(crate) async fn say(b: &browser::Browser, text: &str) {
    let input = b.wait("#chat-text").await;
    input.send_keys(text).await.expect("type");
    b.wait("#chat-send").await.click().await.expect("send");
}

async fn tab(b: &browser::Browser, name: &str) {
    b.wait(&format!("nav a[data-tab={name}]"))
        .await
        .click()
        .await
        .expect("open the tab");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_chats_with_the_bot_and_every_step_shows() {
    let Some(b) = browser::open("chat").await else {
        return;
    };
    let app = spawn_app().await;
    let _bot = with_bot(&app).await;
    b.client.goto(&app.url("/mock/ui")).await.expect("open");

    // The chat opens on 小明 writing to 在线客服.
    let customer = b.wait("#chat-customer option:checked").await;
    assert!(customer.text().await.unwrap().contains("小明"));
    let kf = b.wait("#chat-kf option:checked").await;
    assert_eq!(kf.text().await.unwrap(), "在线客服");
    b.wait_text("#status", "live").await;

    say(&b, "你好，在吗").await;
    b.wait_text("#chat-log .bubble.them", "echo: 你好，在吗")
        .await;
    b.wait_text("#chat-log .bubble.me .chip.roundtrip", "round trip")
        .await;
    // The push the message caused, opened: the decrypted XML the mock encrypted, and the bot's answer.
    b.click_text("#chat-log .bubble.me .chip.attempt", "200 acknowledged")
        .await;
    let xml = b
        .wait_text(".attempt-detail pre.plaintext", "kf_msg_or_event")
        .await;
    let xml = xml.text().await.unwrap();
    assert!(
        xml.contains("<OpenKfId><![CDATA[wkDemoSupportDesk00000000000001A]]></OpenKfId>"),
        "{xml}"
    );
    b.wait(".attempt-detail pre.reply").await;
    b.screenshot("chat").await;

    // Past the tokens' 7200 s, from the page: the bot's next call is answered 42001, and it recovers.
    tab(&b, "controls").await;
    b.wait("#clock-expire")
        .await
        .click()
        .await
        .expect("advance");
    b.wait_text("#clock", "+7260 s").await;
    tab(&b, "chats").await;
    say(&b, "还在吗").await;
    b.wait_text("#chat-log .bubble.them", "echo: 还在吗").await;
    tab(&b, "wire").await;
    b.click_text("#journal .entry.journal", "42001").await;
    b.wait_text("#journal .entry.open pre.response", "access_token expired")
        .await;
    b.wait_text("#callbacks .entry.callback", "acknowledged")
        .await;
    b.screenshot("wire").await;

    // A fault set from the page shows in the header on every tab until it is cleared.
    tab(&b, "controls").await;
    b.wait("#fault-path")
        .await
        .send_keys("/cgi-bin/kf/send_msg")
        .await
        .expect("type");
    b.wait("#fault-errcode")
        .await
        .send_keys("45009")
        .await
        .expect("type");
    b.wait_text("#tab-controls button", "Set")
        .await
        .click()
        .await
        .expect("set");
    b.wait_text("#notice-faults", "1 fault in force: /cgi-bin/kf/send_msg")
        .await;
    let faults = app.get("/mock/faults").await;
    assert_eq!(faults["faults"][0]["errcode"], 45009, "{faults}");
    tab(&b, "chats").await;
    b.wait("#notice-faults").await;
    tab(&b, "controls").await;
    b.wait_text("#tab-controls button", "Clear all")
        .await
        .click()
        .await
        .expect("clear");
    b.wait_text("#tab-controls p", "none in force").await;
    let faults = app.get("/mock/faults").await;
    assert_eq!(faults["faults"], serde_json::json!([]));

    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    b.close().await;
}

/// At a phone's width the page needs no sideways scrolling; with thousands of events arriving the event list
/// keeps its cap, says how many it left out, and the page still answers a click.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn narrow_and_flooded_the_console_stays_usable() {
    let Some(b) = browser::open("flood").await else {
        return;
    };
    let app = spawn_app().await;
    b.client.set_window_size(390, 844).await.expect("resize");
    b.client
        .goto(&app.url("/mock/ui#wire"))
        .await
        .expect("open");
    b.wait_text("#status", "live").await;
    let overflow = b
        .client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await
        .expect("measure");
    assert!(
        overflow.as_i64().is_some_and(|px| px <= 0),
        "wider than the phone by {overflow} px"
    );

    // 2,000 customer messages with no bot to push to: each is accepted, and its pushes fail (no URL).
    let url = app.url(&format!("/mock/kf/{}/messages", crate::helpers::KF_ACCOUNT));
    let mut senders = tokio::task::JoinSet::new();
    for w in 0..8 {
        let (http, url) = (app.http.clone(), url.clone());
        senders.spawn(async move {
            for i in 0..250 {
                let body = serde_json::json!({"from": crate::helpers::CUSTOMER, "content": format!("m{w}-{i}")});
                let r = http.post(&url).json(&body).send().await.expect("send");
                assert_eq!(r.status(), 200);
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done.expect("a sender");
    }
    b.wait_text("#tab-wire h2", "not shown").await;
    let n_rows = b
        .client
        .execute(
            "return document.querySelectorAll('#events .entry').length",
            vec![],
        )
        .await
        .expect("count");
    assert!(n_rows.as_u64().is_some_and(|n| n <= 200), "{n_rows} rows");
    tab(&b, "company").await;
    b.wait_text("#tab-company h2", "Demo Trading Co.").await;
    // 小明's relations as they are now, read on demand.
    b.wait("#tab-company button.relations")
        .await
        .click()
        .await
        .expect("open the relations");
    b.wait_text("#tab-company .relation", "张三").await;
    b.wait_text("#tab-company table", "aibDemoAssistant0000000000000001")
        .await;
    b.screenshot("phone-company").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    b.close().await;
}

/// A mock started with an admin token: the console opens from `/mock/ui?token=…` (the cookie it gets then
/// carries the token on every fetch and on the event stream), and without the token the page is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_admin_token_the_console_opens_from_its_link() {
    let Some(b) = browser::open("token").await else {
        return;
    };
    let config = mock_server::Config {
        admin_token: Some("console-s3cret".into()),
        ..mock_server::Config::default()
    };
    let app = crate::helpers::spawn_state(mock_server::State::demo(config).expect("demo")).await;
    b.client.goto(&app.url("/mock/ui")).await.expect("open");
    assert!(
        b.text().await.contains("Authorization: Bearer"),
        "{}",
        b.text().await
    );
    b.client
        .goto(&app.url("/mock/ui?token=console-s3cret"))
        .await
        .expect("open with the token");
    b.wait_text("#status", "live").await;
    b.wait_text("#clock", "mock clock").await;
    let url = b.client.current_url().await.expect("url");
    assert_eq!(url.query(), None, "the token left the address bar: {url}");
    // The refusal's own 401, and the browser's try for a favicon on that JSON page, are not the console's.
    let refused = [
        format!("{} - Failed to load resource: the server responded with a status of 401 (Unauthorized)", app.url("/mock/ui")),
        format!("{} - Failed to load resource: the server responded with a status of 404 (Not Found)", app.url("/favicon.ico")),
    ];
    let errors: Vec<_> = b
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !refused.contains(e))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    b.close().await;
}
