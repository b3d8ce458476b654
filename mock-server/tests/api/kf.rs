//! 微信客服 end to end: a customer writes, the kf app gets `kf_msg_or_event`, pulls with `sync_msg`, answers
//! with `send_msg` into the customer's inbox; accounts, servicers, session states, codes and their errcodes.

use serde_json::{json, Value};

use wecom_wire::callback::parse_fields;

use crate::callbacks::app_with_bot;
use crate::helpers::*;

/// 老王: a customer of the corp who is nobody's external contact.
pub const STRANGER: &str = "wmDemoLaoWang000000000000000003C";

/// A control-API POST: (status, body).
pub async fn control(app: &App, path: &str, body: Value) -> (u16, Value) {
    let r = app.http.post(app.url(path)).json(&body).send().await;
    let r = r.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

/// The customer writes a text to the demo kf account; returns its msgid.
pub async fn customer_says(app: &App, from: &str, content: &str) -> String {
    let path = format!("/mock/kf/{KF_ACCOUNT}/messages");
    let (status, v) = control(app, &path, json!({"from": from, "content": content})).await;
    assert_eq!(status, 200, "{v}");
    v["msgid"].as_str().unwrap_or_default().to_owned()
}

/// The next push the test bot got; a lost push fails the test.
pub async fn next_push(got: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    crate::callbacks::recv(got)
        .await
        .unwrap_or_else(|| panic!("no push arrived"))
}

pub async fn kf(app: &App, token: &str, path: &str, body: Value) -> Value {
    app.post(&format!("/cgi-bin/kf/{path}?access_token={token}"), body)
        .await
}

pub async fn sync(app: &App, token: &str, body: Value) -> Value {
    kf(app, token, "sync_msg", body).await
}

pub async fn send_text(app: &App, token: &str, to: &str, content: &str) -> Value {
    let body = json!({"touser": to, "open_kfid": KF_ACCOUNT, "msgtype": "text", "text": {"content": content}});
    kf(app, token, "send_msg", body).await
}

pub async fn customer_inbox(app: &App, id: &str) -> Value {
    app.get(&format!("/mock/inboxes/customer/{id}")).await
}

#[tokio::test]
async fn a_customer_message_reaches_the_bot_and_its_answer_the_customer() {
    let (app, mut got) = app_with_bot(0).await;
    let token = app.token().await;
    let msgid = customer_says(&app, CUSTOMER, "我的订单到哪了？").await;
    let pushed = next_push(&mut got).await;
    let f = parse_fields(&pushed).unwrap_or_default();
    assert_eq!(f.get("Event"), Some("kf_msg_or_event"));
    assert_eq!(f.get("OpenKfId"), Some(KF_ACCOUNT));
    assert_eq!(f.get("ToUserName"), Some(CORPID));
    let pull_token = f.get("Token").unwrap_or_default();
    assert!(pull_token.starts_with("ENC"), "{pushed}");

    let page = sync(
        &app,
        &token,
        json!({"token": pull_token, "open_kfid": KF_ACCOUNT}),
    )
    .await;
    assert_eq!(code(&page), 0, "{page}");
    assert_eq!(page["has_more"], 0, "a number, not a bool");
    let item = &page["msg_list"][0];
    assert_eq!(item["msgid"], msgid.as_str());
    assert_eq!(item["origin"], 3);
    assert_eq!(item["external_userid"], CUSTOMER);
    assert_eq!(item["text"]["content"], "我的订单到哪了？");
    assert!(item["send_time"].is_i64());

    let sent = send_text(&app, &token, CUSTOMER, "已发货").await;
    assert_eq!(code(&sent), 0, "{sent}");
    let inbox = customer_inbox(&app, CUSTOMER).await;
    assert_eq!(inbox["n_total"], 1);
    assert_eq!(inbox["messages"][0]["content"]["content"], "已发货");
    assert_eq!(inbox["messages"][0]["from"]["open_kfid"], KF_ACCOUNT);
    assert_eq!(inbox["messages"][0]["msgid"], sent["msgid"]);
}

#[tokio::test]
async fn sync_msg_pages_by_cursor_and_refuses_bad_input() {
    let app = spawn_app().await;
    let token = app.token().await;
    for n in 0..5 {
        customer_says(&app, CUSTOMER, &format!("m{n}")).await;
    }
    let (mut cursor, mut seen, mut pages) = (String::new(), Vec::new(), Vec::new());
    loop {
        let page = sync(&app, &token, json!({"cursor": cursor, "limit": 2})).await;
        assert_eq!(code(&page), 0, "{page}");
        for item in page["msg_list"].as_array().into_iter().flatten() {
            seen.push(
                item["text"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        pages.push(page["has_more"].as_i64().unwrap_or(-1));
        cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
        if page["has_more"] == 0 {
            break;
        }
    }
    assert_eq!(seen, ["m0", "m1", "m2", "m3", "m4"]);
    assert_eq!(pages, [1, 1, 0]);
    let rest = sync(&app, &token, json!({"cursor": cursor})).await;
    assert_eq!(rest["msg_list"], json!([]), "nothing twice");

    let bad = [
        (json!({"cursor": "made-up-cursor"}), 40058),
        (json!({"token": "ENCnot-a-token"}), 95007),
        (json!({"limit": 0}), 40058),
        (json!({"limit": 1001}), 40058),
        (json!({"open_kfid": "wkNoSuchAccount"}), 95004),
        (json!({"voice_format": 3}), 40058),
    ];
    for (body, want) in bad {
        assert_eq!(
            code(&sync(&app, &token, body.clone()).await),
            want,
            "{body}"
        );
    }
    // A pull token lives 10 minutes.
    let (app_b, mut got) = app_with_bot(0).await;
    let token_b = app_b.token().await;
    customer_says(&app_b, CUSTOMER, "hi").await;
    let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
    let pull = f.get("Token").unwrap_or_default().to_owned();
    app_b.advance(601).await;
    assert_eq!(
        code(&sync(&app_b, &token_b, json!({"token": pull})).await),
        95007
    );
}

#[tokio::test]
async fn the_reply_window_is_five_messages_for_48_hours() {
    let app = spawn_app().await;
    let token = app.token().await;
    assert_eq!(
        code(&send_text(&app, &token, STRANGER, "hello?").await),
        95002,
        "never wrote: no window is open"
    );
    customer_says(&app, CUSTOMER, "hi").await;
    for n in 0..5 {
        let v = send_text(&app, &token, CUSTOMER, &format!("r{n}")).await;
        assert_eq!(code(&v), 0, "{v}");
    }
    assert_eq!(code(&send_text(&app, &token, CUSTOMER, "r5").await), 95001);
    customer_says(&app, CUSTOMER, "again").await;
    assert_eq!(
        code(&send_text(&app, &token, CUSTOMER, "r6").await),
        0,
        "a new message reopens it"
    );
    app.advance(48 * 3600 + 1).await;
    let token = app.token().await;
    assert_eq!(
        code(&send_text(&app, &token, CUSTOMER, "late").await),
        95002
    );
    assert_eq!(customer_inbox(&app, CUSTOMER).await["n_total"], 6);

    let body = |to: &str, kfid: &str| json!({"touser": to, "open_kfid": kfid, "msgtype": "text", "text": {"content": "x"}});
    assert_eq!(
        code(&kf(&app, &token, "send_msg", body("wmNobody", KF_ACCOUNT)).await),
        40096
    );
    assert_eq!(
        code(&kf(&app, &token, "send_msg", body(CUSTOMER, "wkNobody")).await),
        95004
    );
    assert_eq!(
        code(&kf(&app, &token, "send_msg", body(CUSTOMER, "")).await),
        95000
    );
}

#[tokio::test]
async fn send_msg_takes_every_body_type_and_echoes_a_given_msgid() {
    let app = spawn_app().await;
    let token = app.token().await;
    customer_says(&app, CUSTOMER, "hi").await;
    let image = app.media_id(&token, "image", PNG).await;
    let v = kf(
        &app,
        &token,
        "send_msg",
        json!({"touser": CUSTOMER, "open_kfid": KF_ACCOUNT, "msgid": "my-id_1",
        "msgtype": "image", "image": {"media_id": image}}),
    )
    .await;
    assert_eq!(v["msgid"], "my-id_1", "{v}");
    let menu = json!({"touser": CUSTOMER, "open_kfid": KF_ACCOUNT, "msgtype": "msgmenu", "msgmenu": {
        "head_content": "您对本次服务是否满意？",
        "list": [{"type": "click", "click": {"id": "101", "content": "满意"}}],
        "tail_content": "谢谢"}});
    assert_eq!(code(&kf(&app, &token, "send_msg", menu).await), 0);
    let refused = [
        (
            json!({"msgtype": "news", "link": {"link": {"title": "t"}}}),
            40008,
        ),
        (
            json!({"msgtype": "image", "image": {"media_id": "nope"}}),
            40007,
        ),
        (json!({"msgtype": "text", "text": {"content": ""}}), 44004),
        (
            json!({"msgid": "有中文", "msgtype": "text", "text": {"content": "x"}}),
            40058,
        ),
    ];
    for (mut body, want) in refused {
        body["touser"] = CUSTOMER.into();
        body["open_kfid"] = KF_ACCOUNT.into();
        assert_eq!(
            code(&kf(&app, &token, "send_msg", body.clone()).await),
            want,
            "{body}"
        );
    }
    assert_eq!(
        customer_inbox(&app, CUSTOMER).await["n_total"],
        2,
        "refusals deliver nothing"
    );
}

#[tokio::test]
async fn only_the_kf_app_may_call_kf() {
    let app = spawn_app().await;
    let hr = app.token_for(CORPID, HR_SECRET).await;
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/kf/account/list?access_token={hr}"))
                .await
        ),
        48002
    );
    assert_eq!(code(&sync(&app, &hr, json!({})).await), 48002);
}

#[tokio::test]
async fn the_control_api_checks_what_customers_send() {
    let app = spawn_app().await;
    let before = app.state.fingerprint();
    let by = format!("/mock/kf/{KF_ACCOUNT}/messages");
    let cases = [
        (
            by.as_str(),
            json!({"from": "wmNobody", "content": "x"}),
            400,
        ),
        (
            "/mock/kf/wkNobody/messages",
            json!({"from": CUSTOMER, "content": "x"}),
            404,
        ),
        (
            by.as_str(),
            json!({"from": CUSTOMER, "msgtype": "event", "event": {"event": "click"}}),
            400,
        ),
        (
            by.as_str(),
            json!({"from": CUSTOMER, "msgtype": "text", "text": {}}),
            400,
        ),
        (
            by.as_str(),
            json!({"from": CUSTOMER, "msgtype": "location", "location": {"latitude": "north"}}),
            400,
        ),
        (
            by.as_str(),
            json!({"from": CUSTOMER, "contents": "typo"}),
            400,
        ),
    ];
    for (path, body, want) in cases {
        assert_eq!(
            control(&app, path, body.clone()).await.0,
            want,
            "{path} {body}"
        );
    }
    assert_eq!(app.state.fingerprint(), before, "nothing was logged");
    let image = control(
        &app,
        &by,
        json!({"from": CUSTOMER, "msgtype": "image", "image": {}}),
    )
    .await;
    assert_eq!(image.0, 200);
    let token = app.token().await;
    let page = sync(&app, &token, json!({})).await;
    let media_id = page["msg_list"][0]["image"]["media_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let bytes = app.media_bytes(&token, &media_id).await;
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "the customer's picture can be fetched"
    );
}

#[tokio::test]
async fn a_customer_writes_to_a_member_who_has_them_as_a_contact() {
    let app = spawn_app().await;
    let path = format!("/mock/customers/{CUSTOMER}/messages");
    let (status, _) = control(
        &app,
        &path,
        json!({"to": "zhangsan", "content": "张经理您好"}),
    )
    .await;
    assert_eq!(status, 200);
    let inbox = app.inbox("zhangsan").await;
    assert_eq!(
        inbox["messages"][0]["from"],
        json!({"kind": "customer", "external_userid": CUSTOMER})
    );
    assert_eq!(inbox["messages"][0]["content"]["content"], "张经理您好");
    assert_eq!(
        control(&app, &path, json!({"to": "lisi", "content": "x"}))
            .await
            .0,
        400,
        "not lisi's contact"
    );
    let back = control(
        &app,
        "/mock/members/zhangsan/messages",
        json!({"to": CUSTOMER, "content": "您好，在的"}),
    )
    .await;
    assert_eq!(back.0, 200);
    let inbox = customer_inbox(&app, CUSTOMER).await;
    assert_eq!(
        inbox["messages"][0]["from"],
        json!({"kind": "member", "userid": "zhangsan"})
    );
    assert_eq!(inbox["messages"][0]["content"]["content"], "您好，在的");
    let stranger = control(
        &app,
        "/mock/members/wangwu/messages",
        json!({"to": CUSTOMER, "content": "x"}),
    )
    .await;
    assert_eq!(stranger.0, 400, "wangwu does not have 小明");
}
