//! What an app configures for customer groups: welcome templates (limits, media checks, 41055, 41058, the
//! members' notice) and 「加入群聊」 join ways (a customer scans one and joins with its state); and the id
//! conversions from the world's customers and groups.

use serde_json::{json, Value};

use mock_server::{Config, State, World};

use crate::helpers::*;
use crate::kf::control;

const LAOWANG: &str = "wmDemoLaoWang000000000000000003C";

fn tpl(path: &str) -> String {
    format!("group_welcome_template/{path}")
}

async fn first_chat(app: &App, t: &str, owner: &str) -> String {
    let list = ec(
        app,
        t,
        "groupchat/list",
        json!({"owner_filter": {"userid_list": [owner]}}),
    )
    .await;
    list["group_chat_list"][0]["chat_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn welcome_templates_are_added_edited_read_and_deleted() {
    let app = spawn_app().await;
    let t = app.token().await;
    let image = app.media_id(&t, "image", PNG).await;
    let file = app.media_id(&t, "file", b"%PDF-1.4").await;
    let add =
        json!({"text": {"content": "亲爱的%NICKNAME%用户，你好"}, "image": {"media_id": image}});
    let added = ec(&app, &t, &tpl("add"), add).await;
    assert_eq!(code(&added), 0, "{added}");
    let id = added["template_id"].as_str().unwrap_or_default().to_owned();
    assert!(id.starts_with("msg"), "{id}");
    // notify (the default) tells the owners of customer groups.
    let inbox = app.inbox("zhangsan").await;
    assert!(
        inbox.to_string().contains(&id),
        "zhangsan owns a group: {inbox}"
    );

    let got = ec(&app, &t, &tpl("get"), json!({"template_id": id})).await;
    assert_eq!(got["text"]["content"], "亲爱的%NICKNAME%用户，你好");
    assert_eq!(got["image"]["media_id"], image.as_str());
    let edited = ec(
        &app,
        &t,
        &tpl("edit"),
        json!({"template_id": id, "file": {"media_id": file}}),
    )
    .await;
    assert_eq!(code(&edited), 0, "{edited}");
    let got = ec(&app, &t, &tpl("get"), json!({"template_id": id})).await;
    assert_eq!(got["file"]["media_id"], file.as_str());
    assert_eq!(
        got["text"]["content"], "亲爱的%NICKNAME%用户，你好",
        "the text stays"
    );

    for (path, body, want) in [
        ("add", json!({}), 44004),
        ("add", json!({"text": {"content": "x".repeat(3001)}}), 40058),
        ("add", json!({"image": {"media_id": file}}), 40007),
        ("add", json!({"file": {"media_id": "nope"}}), 40007),
        (
            "add",
            json!({"image": {"pic_url": "https://example.com/a.png"}}),
            40058,
        ),
        ("add", json!({"link": {"title": "t"}}), 40058),
        (
            "add",
            json!({"miniprogram": {"title": "t", "appid": "wx1", "page": "/p"}}),
            40058,
        ),
        ("add", json!({"text": {"content": "x"}, "notify": 2}), 40058),
        (
            "edit",
            json!({"template_id": "nope", "text": {"content": "x"}}),
            40058,
        ),
        ("get", json!({"template_id": "nope"}), 40058),
    ] {
        assert_eq!(
            code(&ec(&app, &t, &tpl(path), body.clone()).await),
            want,
            "{path} {body}"
        );
    }
    assert_eq!(
        code(&ec(&app, &t, &tpl("del"), json!({"template_id": id})).await),
        0
    );
    assert_eq!(
        code(&ec(&app, &t, &tpl("get"), json!({"template_id": id})).await),
        40058,
        "gone"
    );
}

#[tokio::test]
async fn a_corp_holds_100_templates() {
    let app = spawn_app().await;
    let t = app.token().await;
    for n in 0..100 {
        let v = ec(
            &app,
            &t,
            &tpl("add"),
            json!({"text": {"content": format!("t{n}")}, "notify": 0}),
        )
        .await;
        assert_eq!(code(&v), 0, "{n}: {v}");
    }
    let full = ec(
        &app,
        &t,
        &tpl("add"),
        json!({"text": {"content": "one more"}, "notify": 0}),
    )
    .await;
    assert_eq!(code(&full), 41055, "{full}");
    assert_eq!(
        app.inbox("zhangsan").await["n_total"],
        0,
        "notify 0 tells nobody"
    );
}

#[tokio::test]
async fn only_the_app_that_made_a_template_may_change_it() {
    let yaml = include_str!("../../src/world/default.yaml").replace(
        "external_contact_apps: [1000002]",
        "external_contact_apps: [1000002, 1000003]",
    );
    let (world, fixture) = World::parse(&yaml, "two-apps.yaml").unwrap_or_else(|e| panic!("{e}"));
    let state = State::new(world, &fixture, Config::default()).unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_state(state).await;
    let bot = app.token().await;
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let added = ec(&app, &bot, &tpl("add"), json!({"text": {"content": "hi"}})).await;
    let id = added["template_id"].clone();
    assert_eq!(
        code(&ec(&app, &hr, &tpl("get"), json!({"template_id": id})).await),
        0,
        "any app reads it"
    );
    let edit = json!({"template_id": id, "text": {"content": "mine now"}});
    assert_eq!(code(&ec(&app, &hr, &tpl("edit"), edit).await), 41058);
    assert_eq!(
        code(&ec(&app, &hr, &tpl("del"), json!({"template_id": id})).await),
        41058
    );
    let got = ec(&app, &bot, &tpl("get"), json!({"template_id": id})).await;
    assert_eq!(got["text"]["content"], "hi", "unchanged");
}

#[tokio::test]
async fn a_customer_joins_a_group_through_a_join_way() {
    let app = spawn_app().await;
    let t = app.token().await;
    let vip = first_chat(&app, &t, "zhangsan").await;
    let add = json!({"scene": 2, "remark": "r".repeat(31), "chat_id_list": [vip], "state": "spring-fair"});
    let added = ec(&app, &t, "groupchat/add_join_way", add).await;
    assert_eq!(code(&added), 0, "{added}");
    let config_id = added["config_id"].as_str().unwrap_or_default().to_owned();
    let got = ec(
        &app,
        &t,
        "groupchat/get_join_way",
        json!({"config_id": config_id}),
    )
    .await;
    let way = &got["join_way"];
    assert_eq!(way["state"], "spring-fair");
    assert_eq!(way["auto_create_room"], 1, "the default");
    assert_eq!(
        way["remark"].as_str().map(|r| r.chars().count()),
        Some(30),
        "cut, not refused"
    );
    assert!(
        way["qr_code"]
            .as_str()
            .is_some_and(|q| q.contains("/wwpic/")),
        "{way}"
    );

    let (status, joined) = control(
        &app,
        &format!("/mock/join_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["chat_id"], vip.as_str());
    let chat = ec(&app, &t, "groupchat/get", json!({"chat_id": vip})).await;
    let members = chat["group_chat"]["member_list"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let laowang: Vec<&Value> = members.iter().filter(|m| m["userid"] == LAOWANG).collect();
    assert_eq!(laowang.len(), 1, "{chat}");
    assert_eq!(laowang[0]["state"], "spring-fair");
    assert_eq!(laowang[0]["join_scene"], 3);
    assert!(
        members
            .iter()
            .filter(|m| m["userid"] != LAOWANG)
            .all(|m| m.get("state").is_none()),
        "{chat}"
    );
    let (status, _) = control(
        &app,
        &format!("/mock/join_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert_eq!(status, 400, "in every group of the way already");

    let update =
        json!({"config_id": config_id, "scene": 1, "chat_id_list": [vip], "state": "autumn"});
    assert_eq!(
        code(&ec(&app, &t, "groupchat/update_join_way", update).await),
        0
    );
    let got = ec(
        &app,
        &t,
        "groupchat/get_join_way",
        json!({"config_id": config_id}),
    )
    .await;
    assert_eq!(
        (
            got["join_way"]["scene"].as_i64(),
            got["join_way"]["state"].as_str()
        ),
        (Some(1), Some("autumn"))
    );
    let six: Vec<String> = (0..6).map(|_| vip.clone()).collect();
    for (path, body, want) in [
        (
            "add_join_way",
            json!({"scene": 3, "chat_id_list": [vip]}),
            40058,
        ),
        (
            "add_join_way",
            json!({"scene": 2, "chat_id_list": []}),
            40058,
        ),
        (
            "add_join_way",
            json!({"scene": 2, "chat_id_list": six}),
            40058,
        ),
        (
            "add_join_way",
            json!({"scene": 2, "chat_id_list": ["wrNope"]}),
            90501,
        ),
        (
            "add_join_way",
            json!({"scene": 2, "chat_id_list": [vip], "state": "s".repeat(31)}),
            40058,
        ),
        (
            "update_join_way",
            json!({"config_id": "nope", "scene": 2, "chat_id_list": [vip]}),
            40058,
        ),
        ("get_join_way", json!({"config_id": "nope"}), 40058),
    ] {
        assert_eq!(
            code(&ec(&app, &t, &format!("groupchat/{path}"), body.clone()).await),
            want,
            "{path} {body}"
        );
    }
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "groupchat/del_join_way",
                json!({"config_id": config_id})
            )
            .await
        ),
        0
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "groupchat/get_join_way",
                json!({"config_id": config_id})
            )
            .await
        ),
        40058
    );
}

#[tokio::test]
async fn ids_convert_from_the_worlds_customers_and_groups() {
    let app = spawn_app().await;
    let t = app.token().await;
    let world = app.get("/mock/world").await;
    let group = &world["corps"][0]["customer_groups"][0];
    let opengid = group["opengid"].as_str().unwrap_or_default();
    assert!(opengid.starts_with("wg"), "{group}");
    let v = ec(&app, &t, "opengid_to_chatid", json!({"opengid": opengid})).await;
    assert_eq!(v["chat_id"], group["chat_id"], "{v}");
    assert_eq!(
        code(&ec(&app, &t, "opengid_to_chatid", json!({"opengid": "wgNope"})).await),
        90511
    );

    let union = json!({"unionid": "oDemoUnionXiaoMing0000000001", "openid": "oOpenid1"});
    let v = ec(&app, &t, "unionid_to_external_userid", union.clone()).await;
    assert_eq!(v["external_userid"], CUSTOMER, "{v}");
    let idconvert = |body: Value| {
        let pq = format!("/cgi-bin/idconvert/unionid_to_external_userid?access_token={t}");
        let app = &app;
        async move { app.post(&pq, body).await }
    };
    let v = idconvert(union).await;
    assert_eq!(
        (v["external_userid"].as_str(), v.get("pending_id")),
        (Some(CUSTOMER), None),
        "{v}"
    );
    // A WeChat user who is no customer yet gets a pending_id, the same each time.
    let stranger = json!({"unionid": "oStranger", "openid": "o1", "subject_type": 1});
    let p1 = idconvert(stranger.clone()).await;
    let p2 = idconvert(stranger).await;
    assert!(
        p1["pending_id"]
            .as_str()
            .is_some_and(|p| p.starts_with('p') && p.len() == 32),
        "{p1}"
    );
    assert_eq!(p1["pending_id"], p2["pending_id"]);
    assert!(p1.get("external_userid").is_none());
    assert_eq!(
        code(&idconvert(json!({"unionid": "oStranger"})).await),
        40058,
        "openid missing"
    );
    assert_eq!(
        code(&idconvert(json!({"unionid": "u", "openid": "o", "subject_type": 2})).await),
        40058
    );
    for body in [
        json!({"unionid": "oDemoUnionXiaoMing0000000001"}),
        json!({"unionid": "oNobody", "openid": "o1"}),
        json!({"unionid": "", "openid": "o1"}),
    ] {
        assert_eq!(
            code(&ec(&app, &t, "unionid_to_external_userid", body.clone()).await),
            40058,
            "{body}"
        );
    }

    let v = ec(
        &app,
        &t,
        "get_new_external_userid",
        json!({"external_userid_list": [CUSTOMER]}),
    )
    .await;
    assert_eq!(
        v["items"],
        json!([{"external_userid": CUSTOMER, "new_external_userid": CUSTOMER}])
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "get_new_external_userid",
                json!({"external_userid_list": ["wmNobody"]})
            )
            .await
        ),
        40096
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "get_new_external_userid",
                json!({"external_userid_list": []})
            )
            .await
        ),
        40058
    );
}
