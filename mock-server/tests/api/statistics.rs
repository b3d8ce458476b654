//! 统计管理 computed from what happened: `get_user_behavior_data` from chats, adds and deletes on the mock
//! clock; `groupchat/statistic` and `statistic_group_by_day` from the groups' members and messages.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::kf::control;

const XIAOHONG: &str = "wmDemoXiaoHong00000000000000002B";
const LAOWANG: &str = "wmDemoLaoWang000000000000000003C";
const DAY_S: i64 = 86_400;
const BEIJING_S: i64 = 8 * 3600;

/// Moves the mock clock to 01:00 Beijing of the next day, so a test's day does not end under it; returns that
/// day's midnight (unix s).
async fn next_morning(app: &App) -> i64 {
    let now_s = app.get("/mock/clock").await["now_ms"].as_i64().unwrap_or(0) / 1000;
    let midnight = (now_s + BEIJING_S).div_euclid(DAY_S) * DAY_S - BEIJING_S + DAY_S;
    app.advance(midnight + 3600 - now_s).await;
    midnight
}

async fn customer_writes(app: &App, customer: &str, to: &str) {
    let path = format!("/mock/customers/{customer}/messages");
    let (status, v) = control(app, &path, json!({"to": to, "content": "在吗"})).await;
    assert_eq!(status, 200, "{v}");
}

async fn member_writes(app: &App, userid: &str, to: &str) {
    let path = format!("/mock/members/{userid}/messages");
    let (status, v) = control(app, &path, json!({"to": to, "content": "在的"})).await;
    assert_eq!(status, 200, "{v}");
}

#[tokio::test]
async fn behaviour_data_counts_chats_replies_adds_and_losses() {
    let app = spawn_app().await;
    let day = next_morning(&app).await;
    // 小明 opens a chat with zhangsan, who answers after 6 minutes and writes once more.
    customer_writes(&app, CUSTOMER, "zhangsan").await;
    app.advance(360).await;
    member_writes(&app, "zhangsan", CUSTOMER).await;
    member_writes(&app, "zhangsan", CUSTOMER).await;
    // 小红 writes to zhangsan and gets no answer; zhangsan writes first to nobody else.
    customer_writes(&app, XIAOHONG, "zhangsan").await;
    // 老王 adds zhangsan through a contact way; 小红 deletes lisi.
    let t = app.token().await;
    let way = ec(
        &app,
        &t,
        "add_contact_way",
        json!({"type": 1, "scene": 2, "user": ["zhangsan"]}),
    )
    .await;
    let config_id = way["config_id"].as_str().unwrap_or_default().to_owned();
    let (status, _) = control(
        &app,
        &format!("/mock/contact_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = control(
        &app,
        &format!("/mock/customers/{XIAOHONG}/contacts/lisi"),
        json!({"action": "remove"}),
    )
    .await;
    assert_eq!(status, 200);

    let t = app.token().await;
    let body = json!({"userid": ["zhangsan"], "start_time": day - DAY_S, "end_time": day + 7200});
    let v = ec(&app, &t, "get_user_behavior_data", body).await;
    assert_eq!(code(&v), 0, "{v}");
    let days = v["behavior_data"].as_array().cloned().unwrap_or_default();
    assert_eq!(days.len(), 2, "one entry per day: {v}");
    assert_eq!(days[0]["stat_time"], day - DAY_S);
    assert_eq!(days[0]["chat_cnt"], 0);
    assert!(
        days[0].get("reply_percentage").is_none(),
        "no chats, no reply figures"
    );
    let today = &days[1];
    assert_eq!(today["stat_time"], day);
    assert_eq!(today["chat_cnt"], 1, "{today}");
    assert_eq!(today["message_cnt"], 2);
    assert_eq!(
        today["reply_percentage"], 50.0,
        "one of two opened chats answered"
    );
    assert_eq!(today["avg_reply_time"], 6, "minutes");
    assert_eq!(today["new_contact_cnt"], 1);
    assert_eq!(today["negative_feedback_cnt"], 0);
    // By department: lisi (department 5) lost 小红.
    let lisi = ec(
        &app,
        &t,
        "get_user_behavior_data",
        json!({"partyid": [5], "start_time": day, "end_time": day}),
    )
    .await;
    assert_eq!(
        lisi["behavior_data"][0]["negative_feedback_cnt"], 1,
        "{lisi}"
    );
    // Two members together are summed.
    let both = ec(
        &app,
        &t,
        "get_user_behavior_data",
        json!({"userid": ["zhangsan", "lisi"], "start_time": day, "end_time": day}),
    )
    .await;
    assert_eq!(both["behavior_data"][0]["new_contact_cnt"], 1);
    assert_eq!(both["behavior_data"][0]["negative_feedback_cnt"], 1);
}

#[tokio::test]
async fn behaviour_queries_are_checked() {
    let app = spawn_app().await;
    let day = next_morning(&app).await;
    let t = app.token().await;
    for (body, want) in [
        (json!({"start_time": day, "end_time": day}), 40058),
        (
            json!({"userid": ["ghost"], "start_time": day, "end_time": day}),
            40003,
        ),
        (
            json!({"partyid": [999], "start_time": day, "end_time": day}),
            60123,
        ),
        (
            json!({"userid": ["zhangsan"], "start_time": day - 30 * DAY_S, "end_time": day}),
            600018,
        ),
        (
            json!({"userid": ["zhangsan"], "start_time": day - 29 * DAY_S, "end_time": day}),
            0,
        ),
        (
            json!({"userid": ["zhangsan"], "start_time": day - 181 * DAY_S, "end_time": day - 170 * DAY_S}),
            600018,
        ),
        (
            json!({"userid": ["zhangsan"], "start_time": day, "end_time": day - DAY_S}),
            600018,
        ),
        (json!({"userid": ["zhangsan"]}), 600018),
    ] {
        assert_eq!(
            code(&ec(&app, &t, "get_user_behavior_data", body.clone()).await),
            want,
            "{body}"
        );
    }
}

fn chat_ids(v: &Value) -> Vec<String> {
    v["group_chat_list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["chat_id"].as_str().map(str::to_owned))
        .collect()
}

async fn say_in(app: &App, chat_id: &str, from: &str) -> u16 {
    control(
        app,
        &format!("/mock/groups/{chat_id}/messages"),
        json!({"from": from}),
    )
    .await
    .0
}

#[tokio::test]
async fn group_statistics_follow_joins_and_messages() {
    let app = spawn_app().await;
    let day = next_morning(&app).await;
    let t = app.token().await;
    let list = ec(
        &app,
        &t,
        "groupchat/list",
        json!({"owner_filter": {"userid_list": ["zhangsan"]}}),
    )
    .await;
    let vip = chat_ids(&list).first().cloned().unwrap_or_default();
    // 老王 joins the VIP group; 小明 writes twice, zhangsan once; 老王 is not in the partners' group.
    let (status, _) = control(
        &app,
        &format!("/mock/groups/{vip}/members"),
        json!({"join": [LAOWANG]}),
    )
    .await;
    assert_eq!(status, 200);
    for from in [CUSTOMER, CUSTOMER, "zhangsan"] {
        assert_eq!(say_in(&app, &vip, from).await, 200);
    }
    assert_eq!(say_in(&app, &vip, "wangwu").await, 400, "not in the group");
    // Today's figures are there tomorrow.
    let today = json!({"day_begin_time": day});
    assert_eq!(
        code(&ec(&app, &t, "groupchat/statistic", today.clone()).await),
        600018
    );
    app.advance(DAY_S).await;
    let t = app.token().await;

    let v = ec(
        &app,
        &t,
        "groupchat/statistic",
        json!({"day_begin_time": day, "order_by": 4}),
    )
    .await;
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(v["total"], 2, "two owners: {v}");
    assert_eq!(v["next_offset"], 2);
    let items = v["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items[0]["owner"], "zhangsan", "most members first");
    let z = &items[0]["data"];
    assert_eq!(
        (z["chat_total"].as_i64(), z["new_chat_cnt"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        (z["member_total"].as_i64(), z["new_member_cnt"].as_i64()),
        (Some(5), Some(1))
    );
    assert_eq!(
        (
            z["msg_total"].as_i64(),
            z["member_has_msg"].as_i64(),
            z["chat_has_msg"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(items[1]["owner"], "lisi");
    assert_eq!(items[1]["data"]["msg_total"], 0);
    let asc = ec(
        &app,
        &t,
        "groupchat/statistic",
        json!({"day_begin_time": day, "order_by": 4, "order_asc": 1, "limit": 1}),
    )
    .await;
    assert_eq!(asc["items"][0]["owner"], "lisi");
    assert_eq!(
        (asc["total"].as_i64(), asc["next_offset"].as_i64()),
        (Some(2), Some(1))
    );

    let by_day = ec(&app, &t, "groupchat/statistic_group_by_day", json!({"day_begin_time": day - DAY_S, "day_end_time": day, "owner_filter": {"userid_list": ["zhangsan"]}})).await;
    assert_eq!(code(&by_day), 0, "{by_day}");
    let days = by_day["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["stat_time"], day - DAY_S);
    assert_eq!(days[0]["data"]["new_member_cnt"], 0);
    assert_eq!(days[0]["data"]["member_total"], 4, "before 老王 joined");
    assert_eq!(days[1]["data"]["new_member_cnt"], 1);
    assert_eq!(days[1]["data"]["msg_total"], 3);

    for (path, body, want) in [
        (
            "groupchat/statistic",
            json!({"day_begin_time": day, "order_by": 5}),
            40058,
        ),
        (
            "groupchat/statistic",
            json!({"day_begin_time": day, "limit": 1001}),
            40058,
        ),
        (
            "groupchat/statistic",
            json!({"day_begin_time": day, "owner_filter": {"userid_list": ["ghost"]}}),
            40003,
        ),
        (
            "groupchat/statistic",
            json!({"day_begin_time": day - 31 * DAY_S, "day_end_time": day}),
            600018,
        ),
        ("groupchat/statistic_group_by_day", json!({}), 600018),
    ] {
        assert_eq!(
            code(&ec(&app, &t, path, body.clone()).await),
            want,
            "{path} {body}"
        );
    }
}
