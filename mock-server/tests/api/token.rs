use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn gettoken_reuses_token_while_valid() {
    let app = spawn_app().await;
    let a = app
        .get(&format!(
            "/cgi-bin/gettoken?corpid={CORPID}&corpsecret={BOT_SECRET}"
        ))
        .await;
    assert_eq!((code(&a), a["errmsg"].as_str()), (0, Some("ok")));
    assert_eq!(a["expires_in"], 7200);
    let b = app
        .get(&format!(
            "/cgi-bin/gettoken?corpid={CORPID}&corpsecret={BOT_SECRET}"
        ))
        .await;
    assert_eq!(a["access_token"], b["access_token"]);
    let hr = app.token_for(CORPID, HR_SECRET).await;
    assert_ne!(
        a["access_token"].as_str(),
        Some(hr.as_str()),
        "each app its own token"
    );
}

#[tokio::test]
async fn gettoken_errors_in_wecom_order() {
    let app = spawn_app().await;
    assert_eq!(
        code(&app.get("/cgi-bin/gettoken").await),
        41004,
        "secret is checked before corpid"
    );
    assert_eq!(
        code(&app.get("/cgi-bin/gettoken?corpsecret=x").await),
        41002
    );
    let bad_corp = app
        .get("/cgi-bin/gettoken?corpid=wwnope&corpsecret=x")
        .await;
    assert_eq!(code(&bad_corp), 40013);
    let msg = bad_corp["errmsg"].as_str().unwrap_or_default();
    assert!(msg.starts_with("invalid corpid, hint: ["), "{msg}");
    assert!(msg.contains(
        "from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=40013"
    ));
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/gettoken?corpid={CORPID}&corpsecret=wrong"
            ))
            .await
        ),
        40001
    );
}

#[tokio::test]
async fn business_calls_check_the_token() {
    let app = spawn_app().await;
    assert_eq!(
        code(&app.get("/cgi-bin/user/get?userid=zhangsan").await),
        41001
    );
    let invalid = app
        .get("/cgi-bin/user/get?userid=zhangsan&access_token=nope")
        .await;
    assert_eq!(
        invalid,
        json!({"errcode": 40014, "errmsg": "invalid access_token"}),
        "40014 carries no hint"
    );
    // A token in a header is ignored, as WeCom ignores it.
    let t = app.token().await;
    let r = app
        .http
        .get(app.url("/cgi-bin/user/get?userid=zhangsan"))
        .bearer_auth(&t)
        .send()
        .await;
    let v: serde_json::Value = match r {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(code(&v), 41001);
}

#[tokio::test]
async fn expired_token_code_is_a_setting_and_a_new_token_follows() {
    let app = spawn_app().await;
    let t = app.token().await;
    app.advance(7199).await;
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/user/get?userid=lisi&access_token={t}"))
                .await
        ),
        0
    );
    app.advance(2).await;
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/user/get?userid=lisi&access_token={t}"))
                .await
        ),
        42001
    );
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"expired_token_errcode": 40014}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/user/get?userid=lisi&access_token={t}"))
                .await
        ),
        40014
    );
    let fresh = app.token().await;
    assert_ne!(fresh, t);
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/user/get?userid=lisi&access_token={fresh}"
            ))
            .await
        ),
        0
    );
}

#[tokio::test]
async fn unknown_paths_are_empty_404s_and_wrong_methods_get_wecoms_answers() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(app.url("/cgi-bin/no/such/api"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 404);
    assert_eq!(r.bytes().await.map(|b| b.len()).unwrap_or(1), 0);
    let t = app.token().await;
    let v: serde_json::Value = match app
        .http
        .get(app.url(&format!("/cgi-bin/message/send?access_token={t}")))
        .send()
        .await
    {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        code(&v),
        40063,
        "a POST API called with GET has no parameters"
    );
    // A GET API reads its query string whatever the method.
    let by_post = app
        .post(
            &format!("/cgi-bin/gettoken?corpid={CORPID}&corpsecret={BOT_SECRET}"),
            json!({}),
        )
        .await;
    assert_eq!(code(&by_post), 0, "{by_post}");
}

#[tokio::test]
async fn a_known_wecom_path_the_mock_does_not_model_is_not_a_404() {
    let app = spawn_app().await;
    let t = app.token().await;
    for _ in 0..2 {
        let v = app
            .post(
                &format!("/cgi-bin/oa/getapprovalinfo?access_token={t}"),
                json!({}),
            )
            .await;
        assert_eq!(code(&v), 48002, "{v}");
        assert!(
            v["errmsg"]
                .as_str()
                .is_some_and(|m| m
                    .starts_with("api forbidden: a WeCom API the mock does not model, hint: [")),
            "{v}"
        );
    }
    let journal = app.get("/mock/journal?path=/cgi-bin/oa/").await;
    assert_eq!(journal["entries"][0]["unmodelled"], true, "{journal}");
    let modelled = app.get("/mock/journal?path=/cgi-bin/gettoken").await;
    assert!(
        modelled["entries"][0].get("unmodelled").is_none(),
        "{modelled}"
    );
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(
        metrics.contains(
            r#"wecom_mock_unmodelled_requests_total{path="/cgi-bin/oa/getapprovalinfo"} 2"#
        ),
        "{metrics}"
    );
}
