//! 企业可信IP: an app with a trusted list answers 60020, naming the caller's address, to calls from elsewhere;
//! the token itself still comes (WeCom checks the API calls, not gettoken). Off unless configured.

use serde_json::json;

use crate::helpers::*;

async fn set(app: &App, ips: serde_json::Value) -> (u16, serde_json::Value) {
    let r = app
        .http
        .put(app.url(&format!("/mock/apps/{BOT_AGENTID}/trusted_ips")))
        .json(&json!({ "ips": ips }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_call_from_an_untrusted_address_gets_60020_with_its_ip() {
    let app = spawn_app().await;
    let t = app.token().await;
    assert_eq!(
        code(&app.text_to(&t, "lisi", "before").await),
        0,
        "off by default"
    );

    let (status, v) = set(&app, json!(["203.0.113.7", "10.0.0.0/8"])).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ips"], json!(["203.0.113.7/32", "10.0.0.0/8"]));
    let t = app.token().await;
    let refused = app.text_to(&t, "lisi", "from the wrong host").await;
    assert_eq!(code(&refused), 60020, "{refused}");
    let errmsg = refused["errmsg"].as_str().unwrap_or_default();
    assert!(
        errmsg.starts_with("not allow to access from your ip, hint: [")
            && errmsg.contains("from ip: 127.0.0.1,"),
        "{errmsg}"
    );
    assert_eq!(
        app.inbox("lisi").await["n_total"],
        1,
        "the refused message went nowhere"
    );
    // Another app of the corp has no list.
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let v = app
        .get(&format!(
            "/cgi-bin/user/get?access_token={hr}&userid=zhangsan"
        ))
        .await;
    assert_eq!(code(&v), 0, "{v}");

    let (status, _) = set(&app, json!(["127.0.0.0/8"])).await;
    assert_eq!(status, 200);
    assert_eq!(code(&app.text_to(&t, "lisi", "now listed").await), 0);
    let world = app.get("/mock/world").await;
    assert_eq!(
        world["corps"][0]["apps"][0]["trusted_ips"],
        json!(["127.0.0.0/8"])
    );

    let (status, _) = set(&app, json!(["203.0.113.7"])).await;
    assert_eq!(status, 200);
    assert_eq!(app.post("/mock/reset", json!({})).await["reset"], true);
    assert_eq!(
        code(&app.text_to(&t, "lisi", "after reset").await),
        0,
        "the fixture's list (none) again"
    );
}

#[tokio::test]
async fn a_bad_list_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (status, v) = set(&app, json!(["10.0.0.0/8", "not-an-ip"])).await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"].as_str().is_some_and(|e| e.contains("not-an-ip")),
        "{v}"
    );
    let t = app.token().await;
    assert_eq!(code(&app.text_to(&t, "lisi", "x").await), 0);
}

#[tokio::test]
async fn a_fixture_lists_trusted_ips_and_a_bad_one_is_located() {
    let yaml = mock_server::DEFAULT_FIXTURE.replace(
        "        description: The bot the demo and the load scenarios talk to.\n",
        "        description: The bot the demo and the load scenarios talk to.\n        trusted_ips: [198.51.100.0/24]\n",
    );
    let (world, fx) = mock_server::World::parse(&yaml, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    let state = mock_server::State::new(world, &fx, mock_server::Config::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_state(state).await;
    let t = app.token().await;
    assert_eq!(code(&app.text_to(&t, "lisi", "x").await), 60020);

    let bad = yaml.replace("198.51.100.0/24", "198.51.100.0/99");
    let e = mock_server::World::parse(&bad, "t.yaml").map(|_| ()).err();
    let e = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.starts_with("t.yaml:") && e.contains("198.51.100.0/99"),
        "{e}"
    );
}
