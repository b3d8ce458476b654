//! WeCom's rules on a bot's answers: 20480 bytes of UTF-8, 3 messages in flight per member, one non-stream
//! answer per message, answers in group chats, and card clicks with their updates within 5 s.

use serde_json::json;

use super::*;

/// Content is counted in bytes of UTF-8: 6,829 characters making 20,481 bytes are refused with 45002 though
/// far under 20,480 characters, and 20,480 bytes are taken.
#[tokio::test]
async fn content_is_limited_in_bytes() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    let (_, req_id) = said(&app, &mut ws, "zhangsan", "长文").await;
    let over = format!("{}abc", "长".repeat(6826));
    assert_eq!((over.len(), over.chars().count()), (20_481, 6_829));
    send(&mut ws, chunk(&req_id, "s1", &over, false)).await;
    let refused = recv(&mut ws).await;
    assert_eq!(
        (refused["errcode"].as_i64(), refused["errmsg"].as_str()),
        (Some(45002), Some("content size out of limit"))
    );
    send(&mut ws, chunk(&req_id, "s1", &over[..20_480], true)).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
}

/// A member's 4th unanswered message is refused (429, `dropped` with the refused msgid); once one is answered
/// the next is taken. Another member is not held up.
#[tokio::test]
async fn three_messages_in_flight_per_member() {
    let app = spawn_app().await;
    let mut events = app.state.subscribe();
    let mut ws = subscribed(&app).await;
    let mut req_ids = Vec::new();
    for i in 0..3 {
        req_ids.push(said(&app, &mut ws, "zhangsan", &format!("q{i}")).await.1);
    }
    let fourth = app
        .http
        .post(app.url(&format!("/mock/aibots/{BOTID}/messages")))
        .json(&json!({"from": "zhangsan", "content": "q3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fourth.status(), 429);
    let body: Value = fourth.json().await.unwrap();
    let refused = body["msgid"].as_str().unwrap().to_owned();
    let dropped = loop {
        let e = events.recv().await.unwrap();
        if e.kind == "dropped" && e.route == "aibot" {
            break e;
        }
    };
    assert_eq!(dropped.msgid, refused);
    assert_eq!(dropped.detail["n_in_flight"], 3);
    let status = app.get(&format!("/mock/aibots/{BOTID}")).await;
    assert_eq!(status["in_flight"], json!({"zhangsan": 3}));

    said(&app, &mut ws, "lisi", "me too").await;
    send(&mut ws, chunk(&req_ids[0], "s1", "done", true)).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    said(&app, &mut ws, "zhangsan", "q3 again").await;
}

/// An answer that is not a stream is taken once per message: a second is 846606; a type WeCom does not know
/// is 40008, and the third-party SDK's `stream_text_with_card` with it.
#[tokio::test]
async fn one_non_stream_answer_per_message() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    let (msgid, req_id) = said(&app, &mut ws, "zhangsan", "卡片").await;
    let card = json!({"cmd": "aibot_respond_msg", "headers": {"req_id": req_id},
        "body": {"msgtype": "template_card", "template_card": {"card_type": "text_notice",
            "main_title": {"title": "结果"}, "task_id": "task_1"}}});
    send(&mut ws, card.clone()).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    send(&mut ws, card).await;
    let again = recv(&mut ws).await;
    assert_eq!(
        (again["errcode"].as_i64(), again["errmsg"].as_str()),
        (
            Some(846606),
            Some("request already responded, cannot respond again")
        )
    );
    let inbox = app.get("/mock/inboxes/user/zhangsan").await;
    assert_eq!(inbox["messages"][0]["msgtype"], "template_card");
    assert_eq!(inbox["messages"][0]["msgid"], format!("re_{msgid}"));
    for msgtype in ["stream_text_with_card", "news"] {
        send(
            &mut ws,
            json!({"cmd": "aibot_respond_msg", "headers": {"req_id": req_id},
            "body": {"msgtype": msgtype}}),
        )
        .await;
        assert_eq!(recv(&mut ws).await["errcode"], 40008, "{msgtype}");
    }
}

/// In a group chat the callback names the chat, and the answer lands in the group's inbox, not the member's.
#[tokio::test]
async fn a_group_chats_answer_lands_in_the_group() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    app.post(
        &format!("/mock/aibots/{BOTID}/messages"),
        json!({"from": "lisi", "chattype": "group", "chatid": "wrkSFfCgAAtest", "content": "@智能助手 早"}),
    )
    .await;
    let callback = recv(&mut ws).await;
    assert_eq!(
        (
            callback["body"]["chattype"].as_str(),
            callback["body"]["chatid"].as_str()
        ),
        (Some("group"), Some("wrkSFfCgAAtest"))
    );
    let req_id = callback["headers"]["req_id"].as_str().unwrap();
    send(&mut ws, chunk(req_id, "s1", "早上好", true)).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    let group = app.get("/mock/inboxes/aibot_chat/wrkSFfCgAAtest").await;
    assert_eq!(group["messages"][0]["content"]["content"], "早上好");
    let member = app.get("/mock/inboxes/user/lisi").await;
    assert_eq!(member["messages"].as_array().map(Vec::len), Some(0));
    let all = app.get("/mock/inboxes").await;
    assert!(all["inboxes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["kind"] == "aibot_chat"));
    // The bot may now write to the group of its own accord.
    send(&mut ws, json!({"cmd": "aibot_send_msg", "headers": {"req_id": "send_1"},
        "body": {"chatid": "wrkSFfCgAAtest", "msgtype": "markdown", "markdown": {"content": "**提醒**"}}})).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    let group = app.get("/mock/inboxes/aibot_chat/wrkSFfCgAAtest").await;
    assert_eq!(group["messages"][0]["msgtype"], "markdown");
}

/// A click on a card's button is `template_card_event`; the bot's update within 5 s lands, once; a welcome on
/// the click's req_id, or an update after 5 s, is 846605. A feedback reaches the bot as `feedback_event`.
#[tokio::test]
async fn a_card_click_is_updated_within_five_seconds() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    let click = json!({"from": "zhangsan", "task_id": "task_1", "event_key": "approve"});
    app.post(&format!("/mock/aibots/{BOTID}/cards/click"), click.clone())
        .await;
    let event = recv(&mut ws).await;
    assert_eq!(event["body"]["event"]["eventtype"], "template_card_event");
    assert_eq!(
        event["body"]["event"]["template_card_event"]["task_id"],
        "task_1"
    );
    let req_id = event["headers"]["req_id"].as_str().unwrap().to_owned();
    let welcome = json!({"cmd": "aibot_respond_welcome_msg", "headers": {"req_id": req_id},
        "body": {"msgtype": "text", "text": {"content": "hi"}}});
    send(&mut ws, welcome).await;
    assert_eq!(
        recv(&mut ws).await["errcode"],
        846605,
        "a click awaits an update"
    );
    let update = json!({"cmd": "aibot_respond_update_msg", "headers": {"req_id": req_id},
        "body": {"response_type": "update_template_card",
            "template_card": {"card_type": "text_notice", "task_id": "task_1", "main_title": {"title": "已批准"}}}});
    send(&mut ws, update.clone()).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    let inbox = app.get("/mock/inboxes/user/zhangsan").await;
    assert_eq!(inbox["messages"][0]["msgtype"], "template_card");
    send(&mut ws, update).await;
    assert_eq!(recv(&mut ws).await["errcode"], 846605, "once");

    app.post(&format!("/mock/aibots/{BOTID}/cards/click"), click)
        .await;
    let late = recv(&mut ws).await["headers"]["req_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post("/mock/clock/advance", json!({"ms": 5001})).await;
    send(
        &mut ws,
        json!({"cmd": "aibot_respond_update_msg", "headers": {"req_id": late},
        "body": {"response_type": "update_template_card", "template_card": {"task_id": "task_1"}}}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["errcode"], 846605, "past 5 s");

    app.post(
        &format!("/mock/aibots/{BOTID}/feedback"),
        json!({"from": "zhangsan", "id": "fb_1", "type": 1}),
    )
    .await;
    let fb = recv(&mut ws).await;
    assert_eq!(
        fb["body"]["event"]["feedback_event"],
        json!({"id": "fb_1", "type": 1})
    );
}
