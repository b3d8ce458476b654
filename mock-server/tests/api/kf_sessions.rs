//! 微信客服 accounts, servicers, sessions and their codes, and the events customers and servicers raise.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::kf::{control, customer_inbox, customer_says, kf, send_text, sync, STRANGER};

#[tokio::test]
async fn accounts_are_added_listed_renamed_and_deleted() {
    let app = spawn_app().await;
    let token = app.token().await;
    let avatar = app.media_id(&token, "image", PNG).await;
    let added = kf(
        &app,
        &token,
        "account/add",
        json!({"name": "售后", "media_id": avatar}),
    )
    .await;
    let id = added["open_kfid"].as_str().unwrap_or_default().to_owned();
    assert!(id.starts_with("wk") && id.len() == 32, "{added}");
    let listed = app
        .get(&format!("/cgi-bin/kf/account/list?access_token={token}"))
        .await;
    let names: Vec<&str> = listed["account_list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["在线客服", "售后"]);
    assert_eq!(listed["account_list"][1]["manage_privilege"], true);
    let page = kf(
        &app,
        &token,
        "account/list",
        json!({"offset": 1, "limit": 1}),
    )
    .await;
    assert_eq!(
        page["account_list"][0]["open_kfid"],
        id.as_str(),
        "POST with offset and limit"
    );
    assert_eq!(
        code(
            &kf(
                &app,
                &token,
                "account/update",
                json!({"open_kfid": id, "name": "售后服务"})
            )
            .await
        ),
        0
    );
    let way = kf(
        &app,
        &token,
        "add_contact_way",
        json!({"open_kfid": id, "scene": "spring_sale"}),
    )
    .await;
    assert!(
        way["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://work.weixin.qq.com/kfid/kfc")),
        "{way}"
    );
    let refused = [
        (
            "account/add",
            json!({"name": "", "media_id": avatar}),
            40058,
        ),
        (
            "account/add",
            json!({"name": "一二三四五六七八九十一二三四五六七", "media_id": avatar}),
            40058,
        ),
        (
            "account/add",
            json!({"name": "ok", "media_id": "nope"}),
            40007,
        ),
        (
            "account/update",
            json!({"open_kfid": id, "name": "x".repeat(17)}),
            40058,
        ),
        ("account/list", json!({"limit": 101}), 40058),
        (
            "add_contact_way",
            json!({"open_kfid": id, "scene": "has space"}),
            40058,
        ),
        ("account/del", json!({"open_kfid": "wkNobody"}), 95004),
    ];
    for (path, body, want) in refused {
        assert_eq!(
            code(&kf(&app, &token, path, body.clone()).await),
            want,
            "{path} {body}"
        );
    }
    assert_eq!(
        code(&kf(&app, &token, "account/del", json!({"open_kfid": id})).await),
        0
    );
    let listed = app
        .get(&format!("/cgi-bin/kf/account/list?access_token={token}"))
        .await;
    assert_eq!(listed["account_list"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn servicers_sessions_and_codes() {
    let app = spawn_app().await;
    let token = app.token().await;
    let list = app
        .get(&format!(
            "/cgi-bin/kf/servicer/list?access_token={token}&open_kfid={KF_ACCOUNT}"
        ))
        .await;
    assert_eq!(
        list["servicer_list"],
        json!([{"userid": "wangwu", "status": 0}, {"userid": "zhaoliu", "status": 0}])
    );
    let added = kf(
        &app,
        &token,
        "servicer/add",
        json!({"open_kfid": KF_ACCOUNT, "userid_list": ["sunba", "ghost"]}),
    )
    .await;
    assert_eq!(added["result_list"][0]["errcode"], 0, "{added}");
    assert_eq!(added["result_list"][1]["errcode"], 60111);
    assert_eq!(
        code(
            &kf(
                &app,
                &token,
                "servicer/add",
                json!({"open_kfid": KF_ACCOUNT, "userid_list": []})
            )
            .await
        ),
        40058
    );

    let state = |s: i64, servicer: &str| json!({"open_kfid": KF_ACCOUNT, "external_userid": CUSTOMER, "service_state": s, "servicer_userid": servicer});
    customer_says(&app, CUSTOMER, "人工！").await;
    let got = kf(&app, &token, "service_state/get", state(0, "")).await;
    assert_eq!(
        (got["service_state"].as_i64(), got.get("servicer_userid")),
        (Some(0), None)
    );
    assert_eq!(
        code(&kf(&app, &token, "service_state/trans", state(3, "ghost")).await),
        95014
    );
    let to_human = kf(&app, &token, "service_state/trans", state(3, "wangwu")).await;
    assert!(to_human["msg_code"].is_string(), "{to_human}");
    let got = kf(&app, &token, "service_state/get", state(0, "")).await;
    assert_eq!(
        (
            got["service_state"].as_i64(),
            got["servicer_userid"].as_str()
        ),
        (Some(3), Some("wangwu"))
    );
    assert_eq!(
        code(&send_text(&app, &token, CUSTOMER, "bot?").await),
        95018,
        "a human has the session"
    );
    assert_eq!(
        code(&kf(&app, &token, "service_state/trans", state(1, "")).await),
        95016
    );
    let ended = kf(&app, &token, "service_state/trans", state(4, "")).await;
    let end_code = ended["msg_code"].as_str().unwrap_or_default().to_owned();
    let on_event = |code: &str, msgtype: &str| json!({"code": code, "msgtype": msgtype, "text": {"content": "再见"}, "image": {"media_id": "x"}});
    assert_eq!(
        code(
            &kf(
                &app,
                &token,
                "send_msg_on_event",
                on_event(&end_code, "image")
            )
            .await
        ),
        40008
    );
    assert_eq!(
        code(
            &kf(
                &app,
                &token,
                "send_msg_on_event",
                on_event(&end_code, "text")
            )
            .await
        ),
        0
    );
    assert_eq!(
        code(
            &kf(
                &app,
                &token,
                "send_msg_on_event",
                on_event(&end_code, "text")
            )
            .await
        ),
        40058,
        "single use"
    );
    assert_eq!(
        code(&kf(&app, &token, "service_state/trans", state(1, "")).await),
        95016,
        "ended"
    );
    customer_says(&app, CUSTOMER, "我又来了").await;
    let got = kf(&app, &token, "service_state/get", state(0, "")).await;
    assert_eq!(got["service_state"], 0, "a new session");
    assert_eq!(
        customer_inbox(&app, CUSTOMER).await["messages"][0]["content"]["content"],
        "再见"
    );
}

#[tokio::test]
async fn events_from_customers_and_servicers_reach_sync_msg() {
    let app = spawn_app().await;
    let token = app.token().await;
    let enter = format!("/mock/kf/{KF_ACCOUNT}/enter");
    let (_, entered) = control(
        &app,
        &enter,
        json!({"from": CUSTOMER, "scene": "spring_sale", "scene_param": "p1"}),
    )
    .await;
    let welcome = entered["welcome_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let welcome_msg = json!({"code": welcome, "msgtype": "text", "text": {"content": "欢迎"}});
    assert_eq!(
        code(&kf(&app, &token, "send_msg_on_event", welcome_msg).await),
        0
    );
    let (_, late) = control(&app, &enter, json!({"from": STRANGER})).await;
    app.advance(21).await;
    let late_msg =
        json!({"code": late["welcome_code"], "msgtype": "text", "text": {"content": "欢迎"}});
    assert_eq!(
        code(&kf(&app, &token, "send_msg_on_event", late_msg).await),
        40058,
        "20 s"
    );

    customer_says(&app, CUSTOMER, "hi").await;
    let session = format!("/mock/kf/{KF_ACCOUNT}/sessions/{CUSTOMER}");
    assert_eq!(
        control(&app, &session, json!({"action": "block"})).await.0,
        200
    );
    let sent = send_text(&app, &token, CUSTOMER, "you blocked me").await;
    assert_eq!(
        code(&sent),
        0,
        "WeCom accepts it; the failure comes as an event"
    );
    let by = format!("/mock/kf/{KF_ACCOUNT}/messages");
    let (status, _) = control(
        &app,
        &by,
        json!({"servicer": "wangwu", "to": CUSTOMER, "content": "我是王五"}),
    )
    .await;
    assert_eq!(status, 200);
    let stop = format!("/mock/kf/{KF_ACCOUNT}/servicers/zhaoliu");
    assert_eq!(control(&app, &stop, json!({"status": 2})).await.0, 200);
    assert_eq!(
        control(
            &app,
            &by,
            json!({"servicer": "zhaoliu", "to": CUSTOMER, "content": "x"})
        )
        .await
        .0,
        400,
        "stopped"
    );
    let to_stopped = json!({"open_kfid": KF_ACCOUNT, "external_userid": CUSTOMER, "service_state": 3, "servicer_userid": "zhaoliu"});
    assert_eq!(
        code(&kf(&app, &token, "service_state/trans", to_stopped).await),
        95019,
        "a servicer who stopped receiving"
    );
    assert_eq!(
        control(
            &app,
            &session,
            json!({"action": "take", "servicer": "wangwu"})
        )
        .await
        .0,
        400,
        "not queued"
    );

    let page = sync(&app, &token, json!({"limit": 1000})).await;
    let items: Vec<&Value> = page["msg_list"].as_array().into_iter().flatten().collect();
    let kinds: Vec<String> = items
        .iter()
        .map(|i| match i["msgtype"].as_str() {
            Some("event") => i["event"]["event_type"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            other => format!("{}:{}", other.unwrap_or_default(), i["origin"]),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "enter_session",
            "enter_session",
            "text:3",
            "msg_send_fail",
            "text:5",
            "servicer_status_change"
        ]
    );
    let entered = items[0]["event"].clone();
    assert_eq!(
        (entered["scene"].as_str(), entered["scene_param"].as_str()),
        (Some("spring_sale"), Some("p1"))
    );
    assert!(
        items[0].get("open_kfid").is_none(),
        "event ids live inside the event"
    );
    assert_eq!(items[3]["event"]["fail_msgid"], sent["msgid"]);
    assert_eq!(items[3]["event"]["fail_type"], 10);
    assert_eq!(items[4]["servicer_userid"], "wangwu");
    assert_eq!(items[5]["event"]["status"], 2);
    let inbox = customer_inbox(&app, CUSTOMER).await;
    let texts: Vec<&str> = inbox["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"]["content"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["我是王五", "欢迎"],
        "the blocked message never arrived"
    );

    let info = kf(
        &app,
        &token,
        "customer/batchget",
        json!({"external_userid_list": [CUSTOMER, "wmNobody"], "need_enter_session_context": 1}),
    )
    .await;
    assert_eq!(info["customer_list"][0]["nickname"], "小明");
    assert_eq!(
        info["customer_list"][0]["enter_session_context"]["scene"],
        "spring_sale"
    );
    assert_eq!(info["invalid_external_userid"], json!(["wmNobody"]));
}

#[tokio::test]
async fn answers_name_the_messages_they_answer_in_order() {
    let app = spawn_app().await;
    let token = app.token().await;
    let mut events = app.state.subscribe();
    let first = customer_says(&app, CUSTOMER, "one").await;
    let second = customer_says(&app, CUSTOMER, "two").await;
    for reply in ["re one", "re two", "extra"] {
        assert_eq!(code(&send_text(&app, &token, CUSTOMER, reply).await), 0);
    }
    let mut answered = Vec::new();
    while answered.len() < 3 {
        let e = events.recv().await.unwrap_or_else(|e| panic!("{e}"));
        if e.kind == "delivered" {
            answered.push(
                e.detail
                    .get("in_reply_to")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            );
        }
    }
    assert_eq!(answered, [Some(first), Some(second), None]);
}

#[tokio::test]
async fn refused_control_calls_leave_nothing_behind() {
    let app = spawn_app().await;
    let before = app.state.fingerprint();
    let session = format!("/mock/kf/{KF_ACCOUNT}/sessions/{CUSTOMER}");
    for action in ["end", "take", "transfer", "dance"] {
        let body = json!({"action": action, "servicer": "wangwu"});
        assert_eq!(control(&app, &session, body).await.0, 400, "{action}");
    }
    let by = format!("/mock/kf/{KF_ACCOUNT}/messages");
    let ghost = json!({"from": "wmNobody", "msgtype": "image", "image": {}});
    assert_eq!(control(&app, &by, ghost).await.0, 400);
    let stopped = json!({"servicer": "ghost", "to": CUSTOMER, "msgtype": "image", "image": {}});
    assert_eq!(control(&app, &by, stopped).await.0, 400);
    let long = json!({"from": CUSTOMER, "content": "长".repeat(1000)});
    assert_eq!(control(&app, &by, long).await.0, 400, "over 2048 bytes");
    // The store as it was: no session was started, no placeholder was uploaded, nothing was logged.
    assert_eq!(app.state.fingerprint(), before, "something was left behind");
}
