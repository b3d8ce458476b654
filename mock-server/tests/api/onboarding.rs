//! The CRM onboarding story: a contact way with a `state`, a customer scans it, the app gets
//! `add_external_contact` with the State and a WelcomeCode, answers with `send_welcome_msg`, tags the customer;
//! later the customer edits, deletes the member, or is deleted.

use serde_json::json;

use wecom_wire::callback::parse_fields;

use crate::callbacks::app_with_bot;
use crate::helpers::*;
use crate::kf::{control, customer_inbox, next_push};

const LAOWANG: &str = "wmDemoLaoWang000000000000000003C";

#[tokio::test]
async fn a_customer_scans_is_welcomed_and_tagged() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let way = ec(
        &app,
        &t,
        "add_contact_way",
        json!({"type": 1, "scene": 2, "state": "fair2026", "user": ["wangwu"], "remark": "展会"}),
    )
    .await;
    assert_eq!(code(&way), 0, "{way}");
    let config_id = way["config_id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(config_id.len(), 32);
    assert!(
        way["qr_code"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://wework.qpic.cn/wwpic/") && u.ends_with("/0")),
        "{way}"
    );
    let got_way = ec(&app, &t, "get_contact_way", json!({"config_id": config_id})).await;
    assert_eq!(
        got_way["contact_way"]["state"], "fair2026",
        "an object, not a list"
    );
    assert_eq!(got_way["contact_way"]["user"], json!(["wangwu"]));

    let (status, scanned) = control(
        &app,
        &format!("/mock/contact_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert_eq!(status, 200, "{scanned}");
    assert_eq!(scanned["userid"], "wangwu");
    let pushed = next_push(&mut got).await;
    let f = parse_fields(&pushed).unwrap_or_default();
    assert_eq!(f.get("Event"), Some("change_external_contact"));
    assert_eq!(f.get("ChangeType"), Some("add_external_contact"));
    assert_eq!(
        (f.get("UserID"), f.get("ExternalUserID")),
        (Some("wangwu"), Some(LAOWANG))
    );
    assert_eq!(f.get("State"), Some("fair2026"));
    let welcome_code = f.get("WelcomeCode").unwrap_or_default().to_owned();
    assert_eq!(
        welcome_code,
        scanned["welcome_code"].as_str().unwrap_or_default()
    );

    let welcome = json!({"welcome_code": welcome_code, "text": {"content": "欢迎光临"}, "attachments": [{"msgtype": "link", "link": {"title": "目录", "url": "https://example.com"}}]});
    assert_eq!(
        code(&ec(&app, &t, "send_welcome_msg", welcome.clone()).await),
        0
    );
    assert_eq!(
        code(&ec(&app, &t, "send_welcome_msg", welcome).await),
        41051,
        "single use: the two have started chatting"
    );
    let inbox = customer_inbox(&app, LAOWANG).await;
    assert_eq!(
        inbox["messages"][0]["from"],
        json!({"kind": "member", "userid": "wangwu"})
    );
    assert_eq!(
        inbox["messages"][0]["content"]["text"]["content"],
        "欢迎光临"
    );

    let list = app
        .get(&format!(
            "/cgi-bin/externalcontact/list?access_token={t}&userid=wangwu"
        ))
        .await;
    assert_eq!(list["external_userid"], json!([LAOWANG]));
    let contact = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={LAOWANG}"
        ))
        .await;
    let follow = &contact["follow_user"][0];
    assert_eq!(
        (
            follow["state"].as_str(),
            follow["add_way"].as_i64(),
            follow["oper_userid"].as_str()
        ),
        (Some("fair2026"), Some(1), Some(LAOWANG))
    );
    let library = ec(&app, &t, "get_corp_tag_list", json!({})).await;
    let tag = library["tag_group"][1]["tag"][0]["id"].clone();
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "mark_tag",
                json!({"userid": "wangwu", "external_userid": LAOWANG, "add_tag": [tag]})
            )
            .await
        ),
        0
    );

    let again = control(
        &app,
        &format!("/mock/contact_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert_eq!(again.0, 400, "already a contact");
}

#[tokio::test]
async fn a_welcome_code_lasts_20_seconds() {
    let app = spawn_app().await;
    let t = app.token().await;
    let way = ec(
        &app,
        &t,
        "add_contact_way",
        json!({"type": 2, "scene": 2, "party": [3]}),
    )
    .await;
    let config_id = way["config_id"].as_str().unwrap_or_default().to_owned();
    let (_, scanned) = control(
        &app,
        &format!("/mock/contact_ways/{config_id}/scan"),
        json!({"customer": LAOWANG}),
    )
    .await;
    assert!(
        ["wangwu", "zhaoliu"].contains(&scanned["userid"].as_str().unwrap_or("")),
        "a member of department 3: {scanned}"
    );
    app.advance(21).await;
    let t = app.token().await;
    let late = json!({"welcome_code": scanned["welcome_code"], "text": {"content": "hi"}});
    assert_eq!(code(&ec(&app, &t, "send_welcome_msg", late).await), 41050);
}

#[tokio::test]
async fn the_customer_edits_removes_or_is_deleted() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let xiaohong = "wmDemoXiaoHong00000000000000002B";
    for (who, action, change) in [
        ("zhangsan", "edit", "edit_external_contact"),
        ("zhangsan", "remove", "del_follow_user"),
        ("lisi", "deleted_by_member", "del_external_contact"),
    ] {
        let path = format!("/mock/customers/{xiaohong}/contacts/{who}");
        assert_eq!(control(&app, &path, json!({"action": action})).await.0, 200);
        let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
        assert_eq!(
            (f.get("ChangeType"), f.get("UserID")),
            (Some(change), Some(who))
        );
    }
    let gone = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={xiaohong}"
        ))
        .await;
    assert_eq!(code(&gone), 84061, "nobody follows her now");
    let path = format!("/mock/customers/{xiaohong}/contacts/zhangsan");
    assert_eq!(
        control(&app, &path, json!({"action": "edit"})).await.0,
        400,
        "no relation left"
    );
}

#[tokio::test]
async fn contact_ways_are_updated_listed_deleted_and_checked() {
    let app = spawn_app().await;
    let t = app.token().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let way = ec(
            &app,
            &t,
            "add_contact_way",
            json!({"type": 1, "scene": 1, "user": ["zhangsan"], "state": format!("s{n}")}),
        )
        .await;
        ids.push(way["config_id"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "update_contact_way",
                json!({"config_id": ids[0], "state": "renamed", "user": ["lisi"]})
            )
            .await
        ),
        0
    );
    let got = ec(&app, &t, "get_contact_way", json!({"config_id": ids[0]})).await;
    assert_eq!(
        (
            got["contact_way"]["state"].as_str(),
            got["contact_way"]["type"].as_i64()
        ),
        (Some("renamed"), Some(1))
    );
    assert_eq!(got["contact_way"]["user"], json!(["lisi"]));
    let (mut cursor, mut seen) = (String::new(), Vec::new());
    loop {
        let page = ec(
            &app,
            &t,
            "list_contact_way",
            json!({"limit": 2, "cursor": cursor}),
        )
        .await;
        seen.extend(
            page["contact_way"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|w| w["config_id"].as_str().map(str::to_owned)),
        );
        cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
        if cursor.is_empty() {
            break;
        }
    }
    let mut want = ids.clone();
    want.sort();
    seen.sort();
    assert_eq!(seen, want);
    let refused = [
        (
            "add_contact_way",
            json!({"type": 1, "scene": 2, "user": ["ghost"]}),
            40003,
        ),
        (
            "add_contact_way",
            json!({"type": 1, "scene": 2, "user": ["a", "b"]}),
            40058,
        ),
        (
            "add_contact_way",
            json!({"type": 2, "scene": 2, "party": [99]}),
            60123,
        ),
        (
            "update_contact_way",
            json!({"config_id": ids[1], "user": ["zhangsan", "lisi"]}),
            40058,
        ),
        ("get_contact_way", json!({"config_id": "nope"}), 40058),
        ("send_welcome_msg", json!({"welcome_code": "nope"}), 44004),
        (
            "send_welcome_msg",
            json!({"welcome_code": "nope", "text": {"content": "x"}}),
            41050,
        ),
    ];
    for (path, body, want) in refused {
        assert_eq!(
            code(&ec(&app, &t, path, body.clone()).await),
            want,
            "{path} {body}"
        );
    }
    let unchanged = ec(&app, &t, "get_contact_way", json!({"config_id": ids[1]})).await;
    assert_eq!(
        unchanged["contact_way"]["user"],
        json!(["zhangsan"]),
        "a refused update changes nothing"
    );
    assert_eq!(
        code(&ec(&app, &t, "del_contact_way", json!({"config_id": ids[2]})).await),
        0
    );
    assert_eq!(
        code(&ec(&app, &t, "del_contact_way", json!({"config_id": ids[2]})).await),
        40058
    );
}
