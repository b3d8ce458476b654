//! 客户联系 at its edges: the fields an error keeps, over-long tag lists. (Paging while relations change is
//! tested beside `batch/get_by_user`, in `src/api/externalcontact/customers/tests.rs`.)

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn list_errors_keep_their_empty_lists() {
    let app = spawn_app().await;
    let t = app.token().await;
    let cases = [
        (
            format!("list?access_token={t}&userid=wangwu"),
            "external_userid",
            84061,
        ),
        (
            format!("list?access_token={t}&userid=ghost"),
            "external_userid",
            40003,
        ),
        (
            "list?access_token=bogus&userid=zhangsan".to_owned(),
            "external_userid",
            40014,
        ),
        (
            "get_follow_user_list?access_token=bogus".to_owned(),
            "follow_user",
            40014,
        ),
    ];
    for (pq, field, want) in cases {
        let v = app.get(&format!("/cgi-bin/externalcontact/{pq}")).await;
        assert_eq!(code(&v), want, "{pq}: {v}");
        assert_eq!(v[field], json!([]), "{pq} keeps {field}: {v}");
    }
    // A caller whose app may not use 客户联系 (48002) gets the empty list too.
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let v = app
        .get(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={hr}"
        ))
        .await;
    assert_eq!((code(&v), &v["follow_user"]), (48002, &json!([])), "{v}");
}

/// A customer writes to a member through the control API; the HTTP status.
async fn customer_writes(app: &App, from: &str, to: &str) -> u16 {
    let (status, _) = crate::kf::control(
        app,
        &format!("/mock/customers/{from}/messages"),
        json!({"to": to, "content": "您好"}),
    )
    .await;
    status
}

#[tokio::test]
async fn a_customer_writes_along_live_relations_only() {
    const LAOWANG: &str = "wmDemoLaoWang000000000000000003C";
    let app = spawn_app().await;
    let t = app.token().await;
    assert_eq!(
        customer_writes(&app, LAOWANG, "wangwu").await,
        400,
        "not a contact yet"
    );
    let way = ec(
        &app,
        &t,
        "add_contact_way",
        json!({"type": 1, "scene": 2, "user": ["wangwu"]}),
    )
    .await;
    let config_id = way["config_id"].as_str().unwrap_or_default().to_owned();
    let (status, _) = crate::kf::control(
        &app,
        &format!("/mock/contact_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        customer_writes(&app, LAOWANG, "wangwu").await,
        200,
        "added by scanning"
    );
    assert_eq!(app.inbox("wangwu").await["n_total"], 1);

    assert_eq!(
        customer_writes(&app, CUSTOMER, "zhangsan").await,
        200,
        "the fixture's relation"
    );
    let (status, _) = crate::kf::control(
        &app,
        &format!("/mock/customers/{CUSTOMER}/contacts/zhangsan"),
        json!({"action": "remove"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        customer_writes(&app, CUSTOMER, "zhangsan").await,
        400,
        "deleted"
    );
    assert_eq!(
        app.inbox("zhangsan").await["n_total"],
        1,
        "only the first arrived"
    );
}

#[tokio::test]
async fn over_long_tag_lists_and_unknown_filter_tags_are_refused_whole() {
    let app = spawn_app().await;
    let t = app.token().await;
    let library = || ec(&app, &t, "get_corp_tag_list", json!({}));
    let before = library().await;
    let real = before["tag_group"][0]["tag"][0]["id"].clone();
    let many: Vec<Value> = (0..101).map(|_| real.clone()).collect();
    let new_tags: Vec<Value> = (0..101).map(|n| json!({"name": format!("t{n}")})).collect();
    let get = format!("/cgi-bin/externalcontact/get?access_token={t}&external_userid={CUSTOMER}");
    let customer_before = app.get(&get).await;
    let cases = [
        (
            "mark_tag",
            json!({"userid": "zhangsan", "external_userid": CUSTOMER, "add_tag": many}),
            40058,
        ),
        (
            "mark_tag",
            json!({"userid": "zhangsan", "external_userid": CUSTOMER, "remove_tag": many}),
            40058,
        ),
        (
            "add_corp_tag",
            json!({"group_name": "新组", "tag": new_tags}),
            40058,
        ),
        ("del_corp_tag", json!({"tag_id": many}), 40058),
        ("del_corp_tag", json!({"group_id": many}), 40058),
        (
            "add_msg_template",
            json!({"tag_filter": {"group_list": [{"tag_list": many}]}, "text": {"content": "x"}}),
            40058,
        ),
        (
            "add_msg_template",
            json!({"tag_filter": {"group_list": (0..101).map(|_| json!({"tag_list": [real]})).collect::<Vec<_>>()}, "text": {"content": "x"}}),
            40058,
        ),
        (
            "add_msg_template",
            json!({"tag_filter": {"group_list": [{"tag_list": [real, "etNoSuchTag"]}]}, "text": {"content": "x"}}),
            40068,
        ),
    ];
    for (path, body, want) in cases {
        let v = ec(&app, &t, path, body).await;
        assert_eq!(code(&v), want, "{path}: {v}");
    }
    assert_eq!(library().await, before, "the library is as it was");
    assert_eq!(
        app.get(&get).await,
        customer_before,
        "小明's tags are as they were"
    );
    let now = app.get("/mock/clock").await["now_ms"].as_i64().unwrap_or(0) / 1000;
    let sends = ec(
        &app,
        &t,
        "get_groupmsg_list_v2",
        json!({"chat_type": "single", "start_time": now - 60, "end_time": now + 60}),
    )
    .await;
    assert_eq!(sends["group_msg_list"], json!([]), "no group send was made");
    // Exactly at the limit is fine.
    let hundred: Vec<Value> = (0..100).map(|_| real.clone()).collect();
    let v = ec(
        &app,
        &t,
        "mark_tag",
        json!({"userid": "zhangsan", "external_userid": CUSTOMER, "add_tag": hundred}),
    )
    .await;
    assert_eq!(code(&v), 0, "{v}");
}

#[tokio::test]
async fn list_contact_way_pages_and_refuses_bad_limits_cursors_and_windows() {
    let app = spawn_app().await;
    let t = app.token().await;
    let mut made = Vec::new();
    for _ in 0..3 {
        let way = ec(
            &app,
            &t,
            "add_contact_way",
            json!({"type": 1, "scene": 2, "user": ["wangwu"]}),
        )
        .await;
        assert_eq!(code(&way), 0, "{way}");
        made.push(way["config_id"].clone());
    }
    let now = app.get("/mock/clock").await["now_ms"].as_i64().unwrap_or(0) / 1000;
    let first = ec(&app, &t, "list_contact_way", json!({"limit": 2})).await;
    let rest = ec(
        &app,
        &t,
        "list_contact_way",
        json!({"limit": 2, "cursor": first["next_cursor"]}),
    )
    .await;
    let mut walked: Vec<String> = [&first, &rest]
        .iter()
        .flat_map(|p| p["contact_way"].as_array().into_iter().flatten())
        .map(|w| w["config_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    // Ways made in the same second come in config_id order: compare as sets, once each.
    walked.sort();
    let mut made: Vec<String> = made
        .iter()
        .map(|m| m.as_str().unwrap_or_default().to_owned())
        .collect();
    made.sort();
    assert_eq!(walked, made, "{first} {rest}");
    assert_eq!(rest["next_cursor"], "");
    let later = ec(
        &app,
        &t,
        "list_contact_way",
        json!({"start_time": now + 3600}),
    )
    .await;
    assert_eq!(later["contact_way"], json!([]), "made before the window");

    let cases = [
        json!({"limit": 0}),
        json!({"limit": 1001}),
        json!({"cursor": "forged"}),
        json!({"start_time": now + 60, "end_time": now - 60}),
    ];
    for body in cases {
        let v = ec(&app, &t, "list_contact_way", body.clone()).await;
        assert_eq!(code(&v), 40058, "{body}: {v}");
    }
    // A field of the wrong type is left out, as WeCom reads such a body, and the answer says so.
    for body in [json!({"limit": "many"}), json!({"start_time": "yesterday"})] {
        let v = ec(&app, &t, "list_contact_way", body.clone()).await;
        assert_eq!(code(&v), 0, "{body}: {v}");
        assert_eq!(v["errmsg"], "ok. Warning: wrong json format. ", "{body}");
    }
}
