//! `kf/get_corp_statistic` and `kf/get_servicer_statistic`, from what the simulated sessions did.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::kf::{control, customer_says, kf, STRANGER};

/// The sum of one field over the days returned (a run near midnight Beijing spreads over two).
fn total(v: &Value, field: &str) -> f64 {
    v["statistic_list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["statistic"][field].as_f64())
        .sum()
}

#[tokio::test]
async fn statistics_count_sessions_messages_and_first_replies() {
    let app = spawn_app().await;
    let token = app.token().await;
    let start = app.get("/mock/clock").await["now_ms"]
        .as_i64()
        .unwrap_or_default()
        / 1000;
    customer_says(&app, CUSTOMER, "在吗").await;
    customer_says(&app, CUSTOMER, "我的订单").await;
    customer_says(&app, STRANGER, "你好").await;
    let to = json!({"open_kfid": KF_ACCOUNT, "external_userid": CUSTOMER, "service_state": 3, "servicer_userid": "wangwu"});
    assert_eq!(code(&kf(&app, &token, "service_state/trans", to).await), 0);
    app.advance(30).await;
    let by = format!("/mock/kf/{KF_ACCOUNT}/messages");
    let said = control(
        &app,
        &by,
        json!({"servicer": "wangwu", "to": CUSTOMER, "content": "我来处理"}),
    )
    .await;
    assert_eq!(said.0, 200);
    control(
        &app,
        &by,
        json!({"servicer": "wangwu", "to": CUSTOMER, "content": "稍等"}),
    )
    .await;
    customer_says(&app, CUSTOMER, "好的").await;
    let token = app.token().await;
    let upgrade = json!({"open_kfid": KF_ACCOUNT, "external_userid": CUSTOMER, "type": 1, "member": {"userid": "zhangsan"}});
    assert_eq!(
        code(&kf(&app, &token, "customer/upgrade_service", upgrade).await),
        0
    );

    let window = json!({"open_kfid": KF_ACCOUNT, "start_time": start - 86_400, "end_time": start});
    assert_eq!(
        code(&kf(&app, &token, "get_corp_statistic", window).await),
        40058,
        "today is not counted yet"
    );
    app.advance(2 * 86_400).await;
    let token = app.token().await;
    let window = json!({"open_kfid": KF_ACCOUNT, "start_time": start, "end_time": start + 86_400});
    let corp = kf(&app, &token, "get_corp_statistic", window.clone()).await;
    assert_eq!(code(&corp), 0, "{corp}");
    assert_eq!(corp["statistic_list"].as_array().map(Vec::len), Some(2));
    let got: Vec<f64> = [
        "session_cnt",
        "customer_msg_cnt",
        "upgrade_service_customer_cnt",
    ]
    .iter()
    .map(|f| total(&corp, f))
    .collect();
    assert_eq!(got, [2.0, 4.0, 1.0], "{corp}");
    assert!(
        (1.0..=2.0).contains(&total(&corp, "customer_cnt")),
        "{corp}"
    );

    let mut mine = window.clone();
    mine["servicer_userid"] = json!("wangwu");
    let s = kf(&app, &token, "get_servicer_statistic", mine).await;
    assert_eq!(code(&s), 0, "{s}");
    let got: Vec<f64> = [
        "session_cnt",
        "customer_msg_cnt",
        "reply_rate",
        "first_reply_average_sec",
        "upgrade_service_member_invite_cnt",
    ]
    .iter()
    .map(|f| total(&s, f))
    .collect();
    assert_eq!(got, [1.0, 1.0, 1.0, 30.0, 1.0], "{s}");
    let mut nobody = window;
    nobody["servicer_userid"] = json!("ghost");
    assert_eq!(
        code(&kf(&app, &token, "get_servicer_statistic", nobody).await),
        95014
    );
    let long = json!({"start_time": start - 40 * 86_400, "end_time": start});
    assert_eq!(
        code(&kf(&app, &token, "get_corp_statistic", long).await),
        40058,
        "more than 31 days"
    );
}
