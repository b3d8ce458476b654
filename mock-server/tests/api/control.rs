use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn world_lists_credentials() {
    let app = spawn_app().await;
    let w = app.get("/mock/world").await;
    assert_eq!(app.state.world_view().corps[0].corpid, CORPID);
    assert_eq!(w["corps"][0]["corpid"], CORPID);
    assert_eq!(w["corps"][0]["apps"][0]["secret"], BOT_SECRET);
    assert_eq!(
        w["corps"][0]["apps"][0]["callback"]["encoding_aes_key"],
        "DemoBotEncodingAESKey0123456789abcdefghijkA"
    );
    assert_eq!(w["corps"][0]["robots"][0]["key"], ROBOT_KEY);
    // The demo's AI bot, for every member (no `members` list), in long-connection mode (no callback).
    assert_eq!(
        w["corps"][0]["aibots"],
        json!([{"botid": "aibDemoAssistant0000000000000001", "callback": null, "members": null,
                "name": "智能助手", "secret": "demo-aibot-secret-0123456789abcdefghijklmno"}])
    );
}

#[tokio::test]
async fn journal_is_newest_first_and_filterable() {
    let app = spawn_app().await;
    let t = app.token().await;
    app.text_to(&t, "lisi", "journal me").await;
    app.get(&format!("/cgi-bin/user/get?access_token={t}&userid=ghost"))
        .await;
    let j = app.get("/mock/journal?limit=10").await;
    assert_eq!(j["entries"][0]["path"], "/cgi-bin/user/get");
    assert_eq!(j["entries"][0]["errcode"], 60111);
    assert_eq!(j["entries"][1]["path"], "/cgi-bin/message/send");
    assert!(j["entries"][1]["body"]
        .as_str()
        .is_some_and(|b| b.contains("journal me")));
    let only = app.get("/mock/journal?path=gettoken").await;
    assert_eq!(only["entries"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn reset_empties_the_world_but_keeps_tokens() {
    let app = spawn_app().await;
    let t = app.token().await;
    app.text_to(&t, "lisi", "before").await;
    let r = app.http.post(app.url("/mock/reset")).send().await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    assert_eq!(app.inbox("lisi").await["n_total"], 0);
    assert_eq!(
        code(&app.text_to(&t, "lisi", "after").await),
        0,
        "the token survived the reset"
    );
}

#[tokio::test]
async fn faults_force_errcodes_and_can_be_cleared() {
    let app = spawn_app().await;
    let t = app.token().await;
    let set = app
        .http
        .post(app.url("/mock/faults"))
        .json(&json!({"path": "/cgi-bin/message/send", "errcode": -1}))
        .send()
        .await;
    assert!(set.is_ok_and(|r| r.status() == 200));
    let v = app.text_to(&t, "lisi", "x").await;
    assert_eq!(code(&v), -1);
    assert!(v["errmsg"]
        .as_str()
        .is_some_and(|m| m.starts_with("system busy, hint: [")));
    assert_eq!(app.inbox("lisi").await["n_total"], 0);
    let bad = app
        .http
        .post(app.url("/mock/faults"))
        .json(&json!({"path": "/cgi-bin/x", "ratio": 2.0, "errcode": 1}))
        .send()
        .await;
    assert!(bad.is_ok_and(|r| r.status() == 400));
    let cleared = app
        .http
        .delete(app.url("/mock/faults?path=/cgi-bin/message/send"))
        .send()
        .await;
    assert!(cleared.is_ok_and(|r| r.status() == 200));
    assert_eq!(code(&app.text_to(&t, "lisi", "x").await), 0);
}

#[tokio::test(start_paused = true)]
async fn fault_delay_holds_the_answer() {
    use tower::ServiceExt;
    let state =
        mock_server::State::demo(mock_server::Config::default()).unwrap_or_else(|e| panic!("{e}"));
    // Set through the control API, in-process like the call it delays.
    let fault = json!({"path": "/cgi-bin/gettoken", "delay_ms": 5_000, "ratio": 1.0});
    let req = axum::http::Request::post("/mock/faults")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(fault.to_string()))
        .unwrap_or_else(|e| panic!("{e}"));
    let set = mock_server::app(state.clone())
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(set.status(), 200);
    let req = axum::http::Request::get(format!(
        "/cgi-bin/gettoken?corpid={CORPID}&corpsecret={BOT_SECRET}"
    ))
    .body(axum::body::Body::empty())
    .unwrap_or_else(|e| panic!("{e}"));
    let started = tokio::time::Instant::now();
    let resp = mock_server::app(state)
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(resp.status(), 200);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(5_000),
        "the paused clock moved by the delay"
    );
}

#[tokio::test]
async fn settings_refuse_bad_values_whole() {
    let app = spawn_app().await;
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"expired_token_errcode": 1, "webhook_per_minute": 2}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 400));
    assert_eq!(app.get("/mock/settings").await["webhook_per_minute"], 20);
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"nonsense": 1}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 400));
}

#[tokio::test]
async fn admin_token_guards_the_control_api() {
    let state = mock_server::State::demo(mock_server::Config {
        admin_token: Some("s3cret".into()),
        ..mock_server::Config::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_state(state).await;
    let r = app
        .http
        .get(app.url("/mock/world"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 401);
    let r = app
        .http
        .get(app.url("/mock/world"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    // The WeCom API itself is not behind the admin token.
    assert_eq!(code(&app.get("/cgi-bin/gettoken").await), 41004);
}

#[tokio::test]
async fn metrics_count_requests_by_path_and_errcode() {
    let app = spawn_app().await;
    let t = app.token().await;
    app.text_to(&t, "lisi", "m").await;
    app.text_to(&t, "ghost", "m").await;
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(
        text.contains(r#"wecom_mock_requests_total{path="/cgi-bin/message/send",errcode="0"} 1"#),
        "{text}"
    );
    assert!(text
        .contains(r#"wecom_mock_requests_total{path="/cgi-bin/message/send",errcode="81013"} 1"#));
    assert!(text.contains("wecom_mock_request_duration_seconds_bucket"));
    assert!(text.contains(r#"wecom_mock_inbox_messages{kind="user"} 1"#));
}

#[tokio::test]
async fn oversized_bodies_get_an_errcode_not_a_413() {
    let app = spawn_app().await;
    let t = app.token().await;
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"max_body_bytes": 1024}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    let big = json!({"touser": "lisi", "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": "x".repeat(2000)}});
    assert_eq!(code(&app.send(&t, big).await), 45002);
}

#[tokio::test]
async fn clock_refuses_overflow_and_keeps_working() {
    let app = spawn_app().await;
    let r = app
        .http
        .post(app.url("/mock/clock/advance"))
        .json(&json!({"ms": 9_223_372_036_854_775_000i64}))
        .send()
        .await;
    let r = r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 400);
    let err: serde_json::Value = r.json().await.unwrap_or_default();
    assert!(err["error"].is_string());
    assert_eq!(
        app.get("/mock/clock").await["offset_ms"],
        0,
        "refused whole"
    );
    let t = app.token().await;
    app.advance(7201).await;
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/user/get?access_token={t}&userid=lisi"))
                .await
        ),
        42001
    );
}

#[tokio::test]
async fn control_api_errors_are_json() {
    let app = spawn_app().await;
    for path in [
        "/mock/journal?limit=abc",
        "/mock/inboxes/user/lisi?limit=-1",
        "/mock/inboxes/user/ghost",
    ] {
        let r = app
            .http
            .get(app.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(r.status().is_client_error(), "{path}");
        let v: serde_json::Value = r.json().await.unwrap_or_default();
        assert!(v["error"].is_string(), "{path}: {v}");
    }
}

/// What the journal keeps of a body: 16 KiB (the `journal_max_bytes` setting's doc says so).
const KEPT_BODY_BYTES: usize = 16 * 1024;

#[tokio::test]
async fn journal_keeps_a_bounded_prefix_of_big_bodies() {
    let app = spawn_app().await;
    let t = app.token().await;
    let mut big = PNG.to_vec();
    big.resize(3_000_000, 0);
    let v = app
        .upload(
            &format!("/cgi-bin/media/upload?access_token={t}&type=image"),
            "media",
            "big.png",
            &big,
        )
        .await;
    assert_eq!(code(&v), 0);
    let j = app.get("/mock/journal?path=media/upload&limit=1").await;
    let e = &j["entries"][0];
    assert!(
        e["body_bytes"].as_u64().is_some_and(|n| n > 3_000_000),
        "{}",
        e["body_bytes"]
    );
    assert!(e["body"]
        .as_str()
        .is_some_and(|b| b.len() <= 3 * KEPT_BODY_BYTES));
    // Each byte of this body's prefix is one character of `body`: ASCII, or U+FFFD for the PNG signature's one
    // byte that is not UTF-8. So the characters count the bytes the journal kept.
    assert_eq!(
        e["body"].as_str().map(|b| b.chars().count()),
        Some(KEPT_BODY_BYTES),
        "exactly the kept prefix"
    );
}

#[tokio::test]
async fn customers_are_listed_in_world_order_by_page() {
    let (world, fixture) =
        mock_server::World::demo_with_customers(25).unwrap_or_else(|e| panic!("world: {e}"));
    let state = mock_server::State::new(world, &fixture, mock_server::Config::default())
        .unwrap_or_else(|e| panic!("state: {e}"));
    // The world's customers in its order: `/mock/world` lists the first 100, all of them here.
    let view = state.world_view();
    assert!(view.corps[0].n_customers < 100, "all of them are listed");
    let want: Vec<String> = view.corps[0]
        .customers
        .iter()
        .map(|c| c.external_userid.clone())
        .collect();
    assert_eq!(want.len(), view.corps[0].n_customers);
    let app = spawn_state(state).await;

    let all = app.get("/mock/customers").await;
    assert_eq!(all["n_customers"], want.len());
    assert_eq!(all["customers"], json!(want));

    // Pages of 7 walk the same list once, the last one short.
    let mut walked = Vec::new();
    let mut offset = 0;
    loop {
        let p = app
            .get(&format!(
                "/mock/customers?corpid={CORPID}&offset={offset}&limit=7"
            ))
            .await;
        let page: Vec<String> = serde_json::from_value(p["customers"].clone()).unwrap_or_default();
        if page.is_empty() {
            break;
        }
        offset += page.len();
        walked.extend(page);
    }
    assert_eq!(walked, want);

    for bad in ["limit=0", "limit=10001", "limit=x", "corpid=wwnobody"] {
        let r = app
            .http
            .get(app.url(&format!("/mock/customers?{bad}")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{bad}: {e}"));
        assert!(r.status().is_client_error(), "{bad}: {}", r.status());
    }
}
