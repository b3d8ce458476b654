//! The errcodes WeCom's table gives each situation of a transfer or a welcome, each in its situation: 40130 the
//! same member, 40097 a resigned transfer from someone who works here, 40131 not the handover's customer, 40129
//! already on the way, 40128 twice in 90 days; a taker who has the customer already takes them; the legacy
//! `externalcontact/transfer`; 41049 / 41050 / 41051 for welcome codes.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::kf::control;

const XIAOHONG: &str = "wmDemoXiaoHong00000000000000002B";
const LAOWANG: &str = "wmDemoLaoWang000000000000000003C";
const DAY_S: i64 = 86_400;

fn codes(v: &Value) -> Vec<i64> {
    v["customer"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["errcode"].as_i64())
        .collect()
}

async fn transfer(app: &App, path: &str, from: &str, to: &str, who: &[&str]) -> Value {
    let t = app.token().await;
    let body = json!({"handover_userid": from, "takeover_userid": to, "external_userid": who});
    ec(app, &t, path, body).await
}

async fn follows(app: &App, userid: &str) -> Vec<String> {
    let t = app.token().await;
    let v = ec(
        app,
        &t,
        "batch/get_by_user",
        json!({"userid_list": [userid]}),
    )
    .await;
    v["external_contact_list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            c["external_contact"]["external_userid"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn transfers_get_the_official_codes_in_their_situations() {
    let app = spawn_app().await;
    let same = transfer(
        &app,
        "transfer_customer",
        "zhangsan",
        "zhangsan",
        &[CUSTOMER],
    )
    .await;
    assert_eq!(code(&same), 40130, "{same}");
    let not_left = transfer(
        &app,
        "resigned/transfer_customer",
        "zhangsan",
        "wangwu",
        &[CUSTOMER],
    )
    .await;
    assert_eq!(code(&not_left), 40097, "{not_left}");
    // 老王 follows nobody; 小明 is zhangsan's.
    let mixed = transfer(
        &app,
        "transfer_customer",
        "zhangsan",
        "wangwu",
        &[LAOWANG, CUSTOMER],
    )
    .await;
    assert_eq!(codes(&mixed), [40131, 0], "{mixed}");
    let again = transfer(
        &app,
        "transfer_customer",
        "zhangsan",
        "zhaoliu",
        &[CUSTOMER],
    )
    .await;
    assert_eq!(codes(&again), [40129], "already on the way: {again}");
    let refused = [&same, &not_left];
    assert!(refused.iter().all(|v| v.get("customer").is_none()));
}

#[tokio::test]
async fn a_taker_who_has_the_customer_already_takes_them() {
    let app = spawn_app().await;
    // 小红 follows both zhangsan and lisi.
    let started = transfer(&app, "transfer_customer", "zhangsan", "lisi", &[XIAOHONG]).await;
    assert_eq!(codes(&started), [0], "{started}");
    app.advance(DAY_S).await;
    assert!(
        !follows(&app, "zhangsan")
            .await
            .contains(&XIAOHONG.to_owned()),
        "moved off zhangsan"
    );
    assert!(
        follows(&app, "lisi").await.contains(&XIAOHONG.to_owned()),
        "still lisi's"
    );
}

#[tokio::test]
async fn a_customer_is_transferred_on_the_job_at_most_twice_in_90_days() {
    let app = spawn_app().await;
    for (from, to) in [("zhangsan", "wangwu"), ("wangwu", "zhaoliu")] {
        let v = transfer(&app, "transfer_customer", from, to, &[CUSTOMER]).await;
        assert_eq!(codes(&v), [0], "{from} → {to}: {v}");
        app.advance(DAY_S).await;
    }
    let third = transfer(
        &app,
        "transfer_customer",
        "zhaoliu",
        "zhangsan",
        &[CUSTOMER],
    )
    .await;
    assert_eq!(codes(&third), [40128], "{third}");
    // A resigned transfer is not limited.
    control(&app, "/mock/members/zhaoliu/resign", json!({})).await;
    let resigned = transfer(
        &app,
        "resigned/transfer_customer",
        "zhaoliu",
        "wangwu",
        &[CUSTOMER],
    )
    .await;
    assert_eq!(codes(&resigned), [0], "{resigned}");
    app.advance(DAY_S).await;
    // 90 natural days after the first, it may move again.
    app.advance(90 * DAY_S).await;
    let later = transfer(&app, "transfer_customer", "wangwu", "zhangsan", &[CUSTOMER]).await;
    assert_eq!(codes(&later), [0], "{later}");
}

#[tokio::test]
async fn the_legacy_transfer_answers_with_the_customers_code() {
    let app = spawn_app().await;
    let t = app.token().await;
    let legacy = |from: &str, who: &str| json!({"handover_userid": from, "takeover_userid": "wangwu", "external_userid": who});
    assert_eq!(
        code(&ec(&app, &t, "transfer", legacy("lisi", CUSTOMER)).await),
        40131
    );
    assert_eq!(
        code(&ec(&app, &t, "transfer", legacy("zhangsan", "wmNobody")).await),
        40096
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "transfer",
                json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu"})
            )
            .await
        ),
        40058
    );
    let ok = ec(&app, &t, "transfer", legacy("zhangsan", CUSTOMER)).await;
    assert_eq!(code(&ok), 0, "{ok}");
    let result = ec(
        &app,
        &t,
        "transfer_result",
        json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu"}),
    )
    .await;
    assert_eq!(
        result["customer"][0]["status"], 2,
        "waiting, on the job: {result}"
    );
    // A handover who left makes it a resigned transfer.
    control(&app, "/mock/members/lisi/resign", json!({})).await;
    let ok = ec(&app, &t, "transfer", legacy("lisi", XIAOHONG)).await;
    assert_eq!(code(&ok), 0, "{ok}");
    let unassigned = ec(&app, &t, "get_unassigned_list", json!({})).await;
    assert!(
        !unassigned.to_string().contains(XIAOHONG),
        "on her way: {unassigned}"
    );
}

async fn scanned(app: &App) -> String {
    let t = app.token().await;
    let way = ec(
        app,
        &t,
        "add_contact_way",
        json!({"type": 1, "scene": 2, "user": ["wangwu"]}),
    )
    .await;
    let config_id = way["config_id"].as_str().unwrap_or_default().to_owned();
    let (status, v) = control(
        app,
        &format!("/mock/contact_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["welcome_code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn welcome_codes_get_the_official_codes() {
    let app = spawn_app().await;
    let t = app.token().await;
    let text = |code: &str| json!({"welcome_code": code, "text": {"content": "欢迎"}});
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "send_welcome_msg",
                json!({"text": {"content": "x"}})
            )
            .await
        ),
        41049
    );
    assert_eq!(
        code(&ec(&app, &t, "send_welcome_msg", text("")).await),
        41049
    );
    assert_eq!(
        code(&ec(&app, &t, "send_welcome_msg", text("nope")).await),
        41050
    );
    // The customer writes before the welcome: they have started chatting.
    let welcome = scanned(&app).await;
    let path = format!("/mock/customers/{LAOWANG}/messages");
    let (status, _) = control(&app, &path, json!({"to": "wangwu", "content": "你好"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        code(&ec(&app, &t, "send_welcome_msg", text(&welcome)).await),
        41051
    );
    // Or the member does.
    let (status, _) = control(
        &app,
        &format!("/mock/customers/{LAOWANG}/contacts/wangwu"),
        json!({"action": "remove"}),
    )
    .await;
    assert_eq!(status, 200);
    let welcome = scanned(&app).await;
    let (status, _) = control(
        &app,
        "/mock/members/wangwu/messages",
        json!({"to": LAOWANG, "content": "hi"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        code(&ec(&app, &t, "send_welcome_msg", text(&welcome)).await),
        41051
    );
    // Stale: past 20 s.
    let (status, _) = control(
        &app,
        &format!("/mock/customers/{LAOWANG}/contacts/wangwu"),
        json!({"action": "remove"}),
    )
    .await;
    assert_eq!(status, 200);
    let welcome = scanned(&app).await;
    app.advance(21).await;
    let t = app.token().await;
    assert_eq!(
        code(&ec(&app, &t, "send_welcome_msg", text(&welcome)).await),
        41050
    );
}

#[tokio::test]
async fn list_limits_and_owner_filters_as_the_docs_and_captures_say() {
    let app = spawn_app().await;
    let t = app.token().await;
    // batch/get_by_user: over 100, the maximum is used.
    let capped = ec(
        &app,
        &t,
        "batch/get_by_user",
        json!({"userid_list": ["lisi"], "limit": 101}),
    )
    .await;
    assert_eq!(code(&capped), 0, "{capped}");
    assert_eq!(
        capped["external_contact_list"].as_array().map(Vec::len),
        Some(2)
    );
    // groupchat/list: an owner who has left (or never was) is 40003.
    let lisi = json!({"owner_filter": {"userid_list": ["lisi"]}});
    assert_eq!(code(&ec(&app, &t, "groupchat/list", lisi.clone()).await), 0);
    control(&app, "/mock/members/lisi/resign", json!({})).await;
    assert_eq!(code(&ec(&app, &t, "groupchat/list", lisi).await), 40003);
    let ghost = json!({"owner_filter": {"userid_list": ["zhangsan", "ghost"]}});
    assert_eq!(code(&ec(&app, &t, "groupchat/list", ghost).await), 40003);
    let resigned = ec(&app, &t, "groupchat/list", json!({"status_filter": 1})).await;
    assert_eq!(
        resigned["group_chat_list"].as_array().map(Vec::len),
        Some(1),
        "still listed by status: {resigned}"
    );
}
