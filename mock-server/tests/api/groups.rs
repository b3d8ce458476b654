//! Customer groups: listing by status and owner with paging, details with names, members joining and leaving
//! (`change_external_chat`), and the two owner transfers.

use serde_json::{json, Value};

use wecom_wire::callback::parse_fields;

use crate::callbacks::app_with_bot;
use crate::helpers::*;
use crate::kf::{control, next_push};

async fn gc(app: &App, token: &str, path: &str, body: Value) -> Value {
    app.post(
        &format!("/cgi-bin/externalcontact/groupchat/{path}?access_token={token}"),
        body,
    )
    .await
}

fn ids(v: &Value) -> Vec<(String, i64)> {
    v["group_chat_list"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            (
                g["chat_id"].as_str().unwrap_or("").to_owned(),
                g["status"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[tokio::test]
async fn groups_are_listed_and_read() {
    let app = spawn_app().await;
    let t = app.token().await;
    let all = gc(&app, &t, "list", json!({"limit": 1})).await;
    assert_eq!(ids(&all).len(), 1);
    let rest = gc(
        &app,
        &t,
        "list",
        json!({"limit": 1, "cursor": all["next_cursor"]}),
    )
    .await;
    assert_eq!(rest["next_cursor"], "");
    let vip = ids(&all)[0].0.clone();
    assert!(vip.starts_with("wr") && vip.len() == 32, "{vip}");
    let by_lisi = gc(
        &app,
        &t,
        "list",
        json!({"owner_filter": {"userid_list": ["lisi"]}}),
    )
    .await;
    assert_eq!(ids(&by_lisi), [(ids(&rest)[0].0.clone(), 0)]);

    let got = gc(&app, &t, "get", json!({"chat_id": vip, "need_name": 1})).await;
    let chat = &got["group_chat"];
    assert_eq!(
        (
            chat["name"].as_str(),
            chat["owner"].as_str(),
            chat["notice"].as_str()
        ),
        (Some("VIP客户群"), Some("zhangsan"), Some("每周五发新品"))
    );
    let members: Vec<(&str, i64, &str)> = chat["member_list"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                m["userid"].as_str().unwrap_or(""),
                m["type"].as_i64().unwrap_or(0),
                m["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("zhangsan", 1, "张三"),
            ("lisi", 1, "李四"),
            (CUSTOMER, 2, "小明"),
            ("wmDemoXiaoHong00000000000000002B", 2, "小红")
        ]
    );
    assert_eq!(chat["member_list"][1]["invitor"]["userid"], "zhangsan");
    let unnamed = gc(&app, &t, "get", json!({"chat_id": vip})).await;
    assert!(
        unnamed["group_chat"]["member_list"][0]
            .get("name")
            .is_none(),
        "names only with need_name"
    );
    for (path, body, want) in [
        ("get", json!({"chat_id": "wrNope"}), 90501),
        ("list", json!({"status_filter": 4}), 40058),
        ("list", json!({"limit": 1001}), 40058),
        ("list", json!({"cursor": "forged"}), 40058),
    ] {
        assert_eq!(
            code(&gc(&app, &t, path, body.clone()).await),
            want,
            "{path} {body}"
        );
    }
}

#[tokio::test]
async fn joining_and_leaving_raise_change_external_chat() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let vip = ids(&gc(&app, &t, "list", json!({})).await)[0].0.clone();
    let path = format!("/mock/groups/{vip}/members");
    let (status, joined) = control(
        &app,
        &path,
        json!({"join": ["wmDemoLaoWang000000000000000003C"], "scene": 3}),
    )
    .await;
    assert_eq!(status, 200, "{joined}");
    let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
    assert_eq!(
        (f.get("Event"), f.get("ChatId"), f.get("UpdateDetail")),
        (
            Some("change_external_chat"),
            Some(vip.as_str()),
            Some("add_member")
        )
    );
    assert_eq!(
        (f.get("JoinScene"), f.get("MemChangeCnt")),
        (Some("3"), Some("1"))
    );
    assert_eq!(f.get("CurMemVer"), joined["member_version"].as_str());
    assert_eq!(
        control(&app, &path, json!({"leave": ["lisi"]})).await.0,
        200
    );
    let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
    assert_eq!(f.get("UpdateDetail"), Some("del_member"));
    let chat = gc(&app, &t, "get", json!({"chat_id": vip})).await;
    let members: Vec<&str> = chat["group_chat"]["member_list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["userid"].as_str())
        .collect();
    assert!(
        members.contains(&"wmDemoLaoWang000000000000000003C") && !members.contains(&"lisi"),
        "{members:?}"
    );
    for body in [
        json!({"leave": ["zhangsan"]}),
        json!({"join": ["lisi", "ghost"]}),
        json!({"join": [CUSTOMER]}),
        json!({}),
    ] {
        assert_eq!(control(&app, &path, body.clone()).await.0, 400, "{body}");
    }
}

#[tokio::test]
async fn groups_of_members_who_left_are_taken_over() {
    let app = spawn_app().await;
    let t = app.token().await;
    let listed = ids(&gc(&app, &t, "list", json!({})).await);
    let (vip, partners) = (listed[0].0.clone(), listed[1].0.clone());
    control(&app, "/mock/members/lisi/resign", json!({})).await;
    let pending = gc(&app, &t, "list", json!({"status_filter": 1})).await;
    assert_eq!(
        ids(&pending),
        [(partners.clone(), 1)],
        "lisi's group waits for an owner"
    );
    let moved = gc(
        &app,
        &t,
        "transfer",
        json!({"chat_id_list": [partners, vip, "wrNope"], "new_owner": "wangwu"}),
    )
    .await;
    let failed: Vec<(&str, i64)> = moved["failed_chat_list"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["chat_id"].as_str().unwrap_or(""),
                f["errcode"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [(vip.as_str(), 90500), ("wrNope", 90501)],
        "zhangsan has not left; wrNope does not exist"
    );
    let inherited = gc(&app, &t, "list", json!({"status_filter": 3})).await;
    assert_eq!(ids(&inherited), [(partners.clone(), 3)]);
    let chat = gc(&app, &t, "get", json!({"chat_id": partners})).await;
    assert_eq!(chat["group_chat"]["owner"], "wangwu");
    // The heir leaves too: the group waits for an owner again, and can be inherited again.
    control(&app, "/mock/members/wangwu/resign", json!({})).await;
    let again = gc(&app, &t, "list", json!({"status_filter": 1})).await;
    assert_eq!(ids(&again), [(partners.clone(), 1)], "{again}");
    let moved = gc(
        &app,
        &t,
        "transfer",
        json!({"chat_id_list": [partners], "new_owner": "sunba"}),
    )
    .await;
    assert_eq!(moved["failed_chat_list"], json!([]), "{moved}");
    let inherited = gc(&app, &t, "list", json!({"status_filter": 3})).await;
    assert_eq!(ids(&inherited), [(partners.clone(), 3)]);
    let onjob = gc(
        &app,
        &t,
        "onjob_transfer",
        json!({"chat_id_list": [vip], "new_owner": "zhaoliu"}),
    )
    .await;
    assert_eq!(onjob["failed_chat_list"], json!([]));
    let chat = gc(&app, &t, "get", json!({"chat_id": vip})).await;
    assert_eq!(chat["group_chat"]["owner"], "zhaoliu");
    for body in [
        json!({"chat_id_list": [], "new_owner": "wangwu"}),
        json!({"chat_id_list": [vip], "new_owner": "lisi"}),
    ] {
        assert_eq!(
            code(&gc(&app, &t, "onjob_transfer", body.clone()).await),
            40058,
            "{body}"
        );
    }
    assert_eq!(
        code(
            &gc(
                &app,
                &t,
                "onjob_transfer",
                json!({"chat_id_list": [vip], "new_owner": "ghost"})
            )
            .await
        ),
        40003
    );
}
