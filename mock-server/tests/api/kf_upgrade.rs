//! 微信客服 升级服务: the configured range, recommending a member or a group in it, cancelling.

use serde_json::json;

use crate::helpers::*;
use crate::kf::{customer_inbox, customer_says, kf};

#[tokio::test]
async fn a_customer_is_recommended_a_member_or_group_in_range() {
    let app = spawn_app().await;
    let token = app.token().await;
    let cfg = app
        .get(&format!(
            "/cgi-bin/kf/customer/get_upgrade_service_config?access_token={token}"
        ))
        .await;
    assert_eq!(code(&cfg), 0, "{cfg}");
    assert_eq!(
        cfg["member_range"],
        json!({"userid_list": ["zhangsan"], "department_id_list": [3]})
    );
    let chat_id = cfg["groupchat_range"]["chat_id_list"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(chat_id.starts_with("wr"), "{cfg}");

    customer_says(&app, CUSTOMER, "想找专人").await;
    let up = |body: serde_json::Value| {
        let mut b = json!({"open_kfid": KF_ACCOUNT, "external_userid": CUSTOMER});
        if let (Some(o), Some(extra)) = (b.as_object_mut(), body.as_object()) {
            o.extend(extra.clone());
        }
        b
    };
    let shown = format!("/mock/kf/{KF_ACCOUNT}/upgrades/{CUSTOMER}");
    let refused = [
        (
            json!({"type": 1, "member": {"userid": "lisi"}}),
            40058,
            "not in range",
        ),
        (
            json!({"type": 1, "member": {"userid": "ghost"}}),
            60111,
            "no such member",
        ),
        (
            json!({"type": 2, "groupchat": {"chat_id": "wrNope"}}),
            40058,
            "not in range",
        ),
        (json!({"type": 3}), 40058, "bad type"),
        (
            json!({"type": 1, "groupchat": {"chat_id": chat_id}}),
            40058,
            "type 1 wants member",
        ),
    ];
    for (body, want, why) in refused {
        let v = kf(&app, &token, "customer/upgrade_service", up(body)).await;
        assert_eq!(code(&v), want, "{why}: {v}");
    }
    assert_eq!(
        app.get(&shown).await["upgrade"],
        json!(null),
        "refusals change nothing"
    );

    let by_dept = kf(
        &app,
        &token,
        "customer/upgrade_service",
        up(json!({"type": 1, "member": {"userid": "wangwu", "wording": "王五为您服务"}})),
    )
    .await;
    assert_eq!(code(&by_dept), 0, "wangwu is in department 3: {by_dept}");
    assert_eq!(
        app.get(&shown).await["upgrade"]["member"]["userid"],
        "wangwu"
    );
    let to_group = kf(
        &app,
        &token,
        "customer/upgrade_service",
        up(json!({"type": 2, "groupchat": {"chat_id": chat_id, "wording": "进群"}})),
    )
    .await;
    assert_eq!(code(&to_group), 0, "{to_group}");
    let now = app.get(&shown).await;
    assert_eq!(
        (
            now["upgrade"]["type"].as_i64(),
            now["upgrade"]["groupchat"]["chat_id"].as_str()
        ),
        (Some(2), Some(chat_id.as_str()))
    );
    let inbox = customer_inbox(&app, CUSTOMER).await;
    assert_eq!(
        inbox["messages"][0]["msgtype"], "upgrade_service",
        "{inbox}"
    );

    let state = kf(&app, &token, "service_state/get", up(json!({}))).await;
    assert_eq!(state["service_state"], 0, "the session stays as it was");
    assert_eq!(
        code(
            &kf(
                &app,
                &token,
                "customer/cancel_upgrade_service",
                up(json!({}))
            )
            .await
        ),
        0
    );
    assert_eq!(app.get(&shown).await["upgrade"], json!(null));
    let bad = kf(
        &app,
        &token,
        "customer/cancel_upgrade_service",
        json!({"open_kfid": "wkNone", "external_userid": CUSTOMER}),
    )
    .await;
    assert_eq!(code(&bad), 95004);
}
