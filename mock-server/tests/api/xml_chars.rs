//! Characters XML 1.0 cannot carry never reach a push: a simulated person cannot send them (a clear 400), and
//! one that came in through the API (a contact way's `state`) is left out of the XML, which still parses.

use serde_json::json;

use crate::callbacks::{app_with_bot, member_says};
use crate::helpers::*;
use crate::kf::{control, next_push};

const LAOWANG: &str = "wmDemoLaoWang000000000000000003C";

#[tokio::test]
async fn a_member_cannot_send_a_control_character() {
    let (app, _got) = app_with_bot(0).await;
    let (status, v) = control(
        &app,
        &format!("/mock/apps/{BOT_AGENTID}/messages"),
        json!({"from": "zhangsan", "content": "a\u{1}b"}),
    )
    .await;
    assert_eq!(status, 400, "{v}");
    let why = v["error"].as_str().unwrap_or_default();
    assert!(
        why.contains("U+0001") && why.contains("text.content"),
        "{why}"
    );
    let (status, v) = control(
        &app,
        &format!("/mock/kf/{KF_ACCOUNT}/messages"),
        json!({"from": "wmDemoXiaoMing00000000000000001A", "msgtype": "link",
               "link": {"title": "t\u{b}", "url": "https://example.com"}}),
    )
    .await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("link.title")),
        "{v}"
    );
    // Line ends and tabs are XML characters: they go through.
    member_says(&app, "zhangsan", "line 1\r\nline 2\tend").await;
}

#[tokio::test]
async fn a_state_with_a_control_character_still_gives_a_push_that_parses() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let way = ec(
        &app,
        &t,
        "add_contact_way",
        json!({"type": 1, "scene": 2, "state": "fair\u{1}2026", "user": ["wangwu"]}),
    )
    .await;
    assert_eq!(code(&way), 0, "{way}");
    let config_id = way["config_id"].as_str().unwrap_or_default().to_owned();
    let (status, v) = control(
        &app,
        &format!("/mock/contact_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let pushed = next_push(&mut got).await;
    let doc = roxmltree::Document::parse(&pushed).unwrap_or_else(|e| panic!("{e}: {pushed:?}"));
    let state = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name("State"))
        .and_then(|n| n.text());
    assert_eq!(state, Some("fair2026"));
}
