//! Group sends: who gets a task and whom they reach (by list, by tag filter, a member's whole list, customer
//! groups), members sending through the control API, the reports, reminders and cancelling.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::kf::{control, customer_inbox};

const XIAOHONG: &str = "wmDemoXiaoHong00000000000000002B";
const ZHOUJIU: &str = "woDemoPartnerCo0000000000000004D";

fn pairs(v: &Value, list: &str, a: &str, b: &str) -> Vec<(String, i64)> {
    v[list]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            (
                x[a].as_str().unwrap_or("").to_owned(),
                x[b].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_corp_group_send_reaches_each_customer_through_one_member() {
    let app = spawn_app().await;
    let t = app.token().await;
    let body = json!({"external_userid": [CUSTOMER, XIAOHONG, ZHOUJIU, "wmNobody"], "text": {"content": "双十一特惠"}});
    let added = ec(&app, &t, "add_msg_template", body).await;
    assert_eq!(code(&added), 0, "{added}");
    assert_eq!(added["fail_list"], json!(["wmNobody"]));
    let msgid = added["msgid"].as_str().unwrap_or_default().to_owned();
    assert!(msgid.starts_with("msg"), "{msgid}");
    let tasks = ec(&app, &t, "get_groupmsg_task", json!({"msgid": msgid})).await;
    assert_eq!(
        pairs(&tasks, "task_list", "userid", "status"),
        [("zhangsan".into(), 0), ("lisi".into(), 0)]
    );

    let send = format!("/mock/group_msgs/{msgid}/send");
    assert_eq!(
        control(&app, &send, json!({"userid": "zhangsan"})).await.0,
        200
    );
    assert_eq!(
        control(&app, &send, json!({"userid": "zhangsan"})).await.0,
        400,
        "only once"
    );
    let tasks = ec(&app, &t, "get_groupmsg_task", json!({"msgid": msgid})).await;
    assert_eq!(
        pairs(&tasks, "task_list", "userid", "status"),
        [("zhangsan".into(), 2), ("lisi".into(), 0)]
    );
    assert!(tasks["task_list"][0]["send_time"].is_i64());
    let results = ec(
        &app,
        &t,
        "get_groupmsg_send_result",
        json!({"msgid": msgid, "userid": "zhangsan"}),
    )
    .await;
    assert_eq!(
        pairs(&results, "send_list", "external_userid", "status"),
        [(CUSTOMER.into(), 1), (XIAOHONG.into(), 1)]
    );
    let inbox = customer_inbox(&app, XIAOHONG).await;
    assert_eq!(
        inbox["messages"][0]["content"]["text"]["content"],
        "双十一特惠"
    );
    assert_eq!(inbox["messages"][0]["from"]["userid"], "zhangsan");

    // lisi loses 周九 before sending: status 2, and nothing arrives.
    control(
        &app,
        &format!("/mock/customers/{ZHOUJIU}/contacts/lisi"),
        json!({"action": "remove"}),
    )
    .await;
    assert_eq!(control(&app, &send, json!({"userid": "lisi"})).await.0, 200);
    let old = ec(&app, &t, "get_group_msg_result", json!({"msgid": msgid})).await;
    assert_eq!(old["check_status"], 1);
    assert_eq!(
        pairs(&old, "detail_list", "external_userid", "status")[2],
        (ZHOUJIU.into(), 2)
    );
    assert_eq!(customer_inbox(&app, ZHOUJIU).await["n_total"], 0);

    let now = app.get("/mock/clock").await["now_ms"].as_i64().unwrap_or(0) / 1000;
    let listed = ec(
        &app,
        &t,
        "get_groupmsg_list_v2",
        json!({"chat_type": "single", "start_time": now - 60, "end_time": now + 60}),
    )
    .await;
    assert_eq!(listed["group_msg_list"][0]["msgid"], msgid.as_str());
    assert_eq!(listed["group_msg_list"][0]["create_type"], 0);
    let created = listed["group_msg_list"][0]["create_time"].as_i64();
    assert!(
        created.is_some_and(|c| (now - 60..=now + 60).contains(&c)),
        "a number (reference §9), within the window: {listed}"
    );
}

#[tokio::test]
async fn tag_filters_senders_groups_and_cancelling() {
    let app = spawn_app().await;
    let t = app.token().await;
    let library = ec(&app, &t, "get_corp_tag_list", json!({})).await;
    let vip = library["tag_group"][0]["tag"][1]["id"].clone();
    ec(
        &app,
        &t,
        "mark_tag",
        json!({"userid": "lisi", "external_userid": XIAOHONG, "add_tag": [vip]}),
    )
    .await;
    let tagged = ec(&app, &t, "add_msg_template", json!({"sender": "lisi", "tag_filter": {"group_list": [{"tag_list": [vip]}]}, "text": {"content": "VIP"}})).await;
    let msgid = tagged["msgid"].as_str().unwrap_or_default().to_owned();
    let results = ec(
        &app,
        &t,
        "get_groupmsg_send_result",
        json!({"msgid": msgid, "userid": "lisi"}),
    )
    .await;
    assert_eq!(
        pairs(&results, "send_list", "external_userid", "status"),
        [(XIAOHONG.into(), 0)],
        "only the tagged one"
    );
    assert_eq!(
        code(&ec(&app, &t, "cancel_groupmsg_send", json!({"msgid": msgid})).await),
        0
    );
    assert_eq!(
        control(
            &app,
            &format!("/mock/group_msgs/{msgid}/send"),
            json!({"userid": "lisi"})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        code(&ec(&app, &t, "remind_groupmsg_send", json!({"msgid": msgid})).await),
        40058,
        "cancelled"
    );
    assert_eq!(
        ec(&app, &t, "get_group_msg_result", json!({"msgid": msgid})).await["check_status"],
        2
    );

    let everyone_of = ec(
        &app,
        &t,
        "add_msg_template",
        json!({"sender": "zhangsan", "text": {"content": "hi"}}),
    )
    .await;
    let results = ec(
        &app,
        &t,
        "get_groupmsg_send_result",
        json!({"msgid": everyone_of["msgid"], "userid": "zhangsan"}),
    )
    .await;
    assert_eq!(
        pairs(&results, "send_list", "external_userid", "status").len(),
        2,
        "a member's whole list"
    );

    let groups = ec(
        &app,
        &t,
        "add_msg_template",
        json!({"chat_type": "group", "sender": "zhangsan", "text": {"content": "群发"}}),
    )
    .await;
    let results = ec(
        &app,
        &t,
        "get_groupmsg_send_result",
        json!({"msgid": groups["msgid"], "userid": "zhangsan"}),
    )
    .await;
    assert_eq!(
        results["send_list"].as_array().map(Vec::len),
        Some(1),
        "zhangsan owns one group"
    );
    assert!(results["send_list"][0]["chat_id"]
        .as_str()
        .is_some_and(|c| c.starts_with("wr")));
    for (path, body, want) in [
        ("add_msg_template", json!({"text": {"content": ""}}), 44004),
        (
            "add_msg_template",
            json!({"chat_type": "group", "text": {"content": "x"}}),
            40058,
        ),
        (
            "add_msg_template",
            json!({"chat_type": "broadcast", "text": {"content": "x"}}),
            40058,
        ),
        (
            "add_msg_template",
            json!({"sender": "ghost", "text": {"content": "x"}}),
            40003,
        ),
        ("get_groupmsg_task", json!({"msgid": "msgNope"}), 40058),
        (
            "get_groupmsg_list_v2",
            json!({"chat_type": "single"}),
            40058,
        ),
        (
            "get_groupmsg_send_result",
            json!({"msgid": groups["msgid"], "userid": "zhangsan", "limit": 1001}),
            40058,
        ),
    ] {
        assert_eq!(
            code(&ec(&app, &t, path, body.clone()).await),
            want,
            "{path} {body}"
        );
    }
}

#[tokio::test]
async fn a_send_to_customer_groups_lands_in_each_group_customers_inbox() {
    let app = spawn_app().await;
    let t = app.token().await;
    let made = ec(
        &app,
        &t,
        "add_msg_template",
        json!({"chat_type": "group", "sender": "zhangsan", "text": {"content": "新品到了"}}),
    )
    .await;
    assert_eq!(code(&made), 0, "{made}");
    let msgid = made["msgid"].as_str().unwrap_or_default().to_owned();
    let (status, sent) = control(
        &app,
        &format!("/mock/group_msgs/{msgid}/send"),
        json!({"userid": "zhangsan"}),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(
        sent["n_delivered"], 2,
        "小明 and 小红 are in VIP客户群: {sent}"
    );
    for who in [CUSTOMER, XIAOHONG] {
        let inbox = customer_inbox(&app, who).await;
        assert_eq!(inbox["n_total"], 1, "{who}: {inbox}");
        let m = &inbox["messages"][0];
        assert_eq!(m["msgtype"], "group_msg", "{m}");
        assert_eq!(m["content"]["msgid"], msgid.as_str(), "{m}");
    }
    assert_eq!(
        customer_inbox(&app, ZHOUJIU).await["n_total"],
        0,
        "周九's group is lisi's, not part of this send"
    );
}
