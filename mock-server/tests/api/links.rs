//! Links in WeCom's shape (kf contact links, contact-way QR codes, 获客助手 links): what `/mock/links/resolve`
//! says of them and what a customer opening them does; and the 获客助手 endpoints.

use serde_json::{json, Value};

use wecom_wire::callback::parse_fields;

use crate::callbacks::app_with_bot;
use crate::helpers::*;
use crate::kf::{control, kf, next_push, sync};

const LAOWANG: &str = "wmDemoLaoWang000000000000000003C";

async fn ca(app: &App, token: &str, path: &str, body: Value) -> Value {
    ec(app, token, &format!("customer_acquisition/{path}"), body).await
}

#[tokio::test]
async fn a_kf_link_resolves_and_opening_it_enters_the_session_with_its_scene() {
    let app = spawn_app().await;
    let token = app.token().await;
    let way = kf(
        &app,
        &token,
        "add_contact_way",
        json!({"open_kfid": KF_ACCOUNT, "scene": "spring_sale"}),
    )
    .await;
    let url = way["url"].as_str().unwrap_or_default().to_owned();
    assert!(
        url.starts_with("https://work.weixin.qq.com/kfid/kfc") && url.contains("?enc_scene=ENC"),
        "{way}"
    );
    assert!(
        !url.contains("spring_sale"),
        "the scene is not readable in the link: {url}"
    );
    let (status, what) = control(&app, "/mock/links/resolve", json!({"url": url})).await;
    assert_eq!(status, 200, "{what}");
    assert_eq!(
        (
            what["kind"].as_str(),
            what["open_kfid"].as_str(),
            what["scene"].as_str()
        ),
        (
            Some("kf_contact_way"),
            Some(KF_ACCOUNT),
            Some("spring_sale")
        )
    );

    let opened = format!("{url}&scene_param=%E6%B4%BB%E5%8A%A81");
    let (status, entered) = control(
        &app,
        "/mock/links/open",
        json!({"url": opened, "customer": CUSTOMER}),
    )
    .await;
    assert_eq!(status, 200, "{entered}");
    assert!(entered["welcome_code"].is_string(), "{entered}");
    let page = sync(&app, &token, json!({})).await;
    let event = &page["msg_list"][0]["event"];
    assert_eq!(
        (
            event["event_type"].as_str(),
            event["scene"].as_str(),
            event["scene_param"].as_str()
        ),
        (Some("enter_session"), Some("spring_sale"), Some("活动1")),
        "{page}"
    );

    let (status, _) = control(
        &app,
        "/mock/links/resolve",
        json!({"url": "https://work.weixin.qq.com/kfid/kfc00"}),
    )
    .await;
    assert_eq!(status, 404, "a link the mock never handed out");
    let (status, _) = control(
        &app,
        "/mock/links/open",
        json!({"url": url, "customer": "wmNobody"}),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_contact_way_qr_code_opens_as_a_scan() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let way = ec(
        &app,
        &t,
        "add_contact_way",
        json!({"type": 1, "scene": 2, "state": "qr1", "user": ["wangwu"]}),
    )
    .await;
    let qr = way["qr_code"].as_str().unwrap_or_default().to_owned();
    let (_, what) = control(&app, "/mock/links/resolve", json!({"url": qr})).await;
    assert_eq!(
        (
            what["kind"].as_str(),
            what["config_id"].as_str(),
            what["exists"].as_bool()
        ),
        (Some("contact_way"), way["config_id"].as_str(), Some(true)),
        "{what}"
    );
    let (status, added) = control(
        &app,
        "/mock/links/open",
        json!({"url": qr, "customer": LAOWANG}),
    )
    .await;
    assert_eq!(
        (status, added["userid"].as_str()),
        (200, Some("wangwu")),
        "{added}"
    );
    let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
    assert_eq!(
        (f.get("ChangeType"), f.get("State")),
        (Some("add_external_contact"), Some("qr1"))
    );
}

#[tokio::test]
async fn acquisition_links_bring_customers_the_app_can_list() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let made = ca(
        &app,
        &t,
        "create_link",
        json!({"link_name": "春季投放", "range": {"user_list": ["wangwu"]}, "skip_verify": true}),
    )
    .await;
    assert_eq!(code(&made), 0, "{made}");
    let link_id = made["link"]["link_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let url = made["link"]["url"].as_str().unwrap_or_default().to_owned();
    assert!(
        link_id.starts_with("cawcde") && url == format!("https://work.weixin.qq.com/ca/{link_id}"),
        "{made}"
    );
    let listed = ca(&app, &t, "list_link", json!({"limit": 100})).await;
    assert_eq!(listed["link_id_list"], json!([link_id]));
    assert_eq!(listed["next_cursor"], "");
    let upd = ca(
        &app,
        &t,
        "update_link",
        json!({"link_id": link_id, "link_name": "夏季投放"}),
    )
    .await;
    assert_eq!(code(&upd), 0, "{upd}");
    let got_link = ca(&app, &t, "get", json!({"link_id": link_id})).await;
    assert_eq!(
        (
            got_link["link"]["link_name"].as_str(),
            got_link["range"]["user_list"].clone()
        ),
        (Some("夏季投放"), json!(["wangwu"])),
        "{got_link}"
    );

    let opened = format!("{url}?customer_channel=ads_1");
    let (status, added) = control(
        &app,
        "/mock/links/open",
        json!({"url": opened, "customer": LAOWANG}),
    )
    .await;
    assert_eq!(
        (status, added["userid"].as_str()),
        (200, Some("wangwu")),
        "{added}"
    );
    let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
    assert_eq!(
        (f.get("ChangeType"), f.get("UserID"), f.get("State")),
        (Some("add_external_contact"), Some("wangwu"), Some("ads_1"))
    );
    let (status, again) = control(
        &app,
        "/mock/links/open",
        json!({"url": url, "customer": LAOWANG}),
    )
    .await;
    assert_eq!(
        (status, again["added"].as_bool()),
        (200, Some(false)),
        "a click, nobody added: {again}"
    );

    let brought = ca(&app, &t, "customer", json!({"link_id": link_id})).await;
    assert_eq!(
        brought["customer_list"],
        json!([{"external_userid": LAOWANG, "userid": "wangwu", "chat_status": 0, "state": "ads_1"}])
    );
    let got_c = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={LAOWANG}"
        ))
        .await;
    let follow = got_c["follow_user"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["userid"] == "wangwu");
    assert_eq!(
        follow.map(|f| (f["add_way"].clone(), f["state"].clone())),
        Some((json!(16), json!("ads_1")))
    );

    let now = app.get("/mock/clock").await["now_ms"]
        .as_i64()
        .unwrap_or_default()
        / 1000;
    let stat = ca(
        &app,
        &t,
        "statistic",
        json!({"link_id": link_id, "start_time": now - 60, "end_time": now + 60}),
    )
    .await;
    assert_eq!(
        (
            stat["click_link_customer_cnt"].as_i64(),
            stat["new_customer_cnt"].as_i64()
        ),
        (Some(1), Some(1)),
        "{stat}"
    );
    let span = ca(
        &app,
        &t,
        "statistic",
        json!({"link_id": link_id, "start_time": 0, "end_time": 31 * 86_400}),
    )
    .await;
    assert_eq!(code(&span), 40058, "more than 30 days");
    let quota = app
        .get(&format!(
            "/cgi-bin/externalcontact/customer_acquisition_quota?access_token={t}"
        ))
        .await;
    assert_eq!(
        quota["total"]
            .as_i64()
            .zip(quota["balance"].as_i64())
            .map(|(t, b)| t - b),
        Some(1),
        "{quota}"
    );

    let refused = [
        ("create_link", json!({"range": {"user_list": ["wangwu"]}})),
        ("create_link", json!({"link_name": "x", "range": {}})),
        (
            "create_link",
            json!({"link_name": "x", "range": {"user_list": ["ghost"]}}),
        ),
        ("get", json!({"link_id": "cawcde000"})),
        ("list_link", json!({"limit": 101})),
    ];
    for (path, body) in refused {
        let v = ca(&app, &t, path, body.clone()).await;
        assert_ne!(code(&v), 0, "{path} {body}: {v}");
    }
    assert_eq!(
        code(&ca(&app, &t, "delete_link", json!({"link_id": link_id})).await),
        0
    );
    assert_eq!(
        code(&ca(&app, &t, "get", json!({"link_id": link_id})).await),
        40058
    );
    let (status, _) = control(
        &app,
        "/mock/links/open",
        json!({"url": url, "customer": CUSTOMER}),
    )
    .await;
    assert_eq!(status, 404, "a deleted link leads nowhere");
}
