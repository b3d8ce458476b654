//! The app itself: `agent/list`, `agent/set` (seen in `agent/get`), and its menu.

use serde_json::json;

use crate::helpers::*;
use crate::kf::control;

#[tokio::test]
async fn agent_set_changes_what_agent_get_and_list_show() {
    let app = spawn_app().await;
    let t = app.token().await;
    let listed = app
        .get(&format!("/cgi-bin/agent/list?access_token={t}"))
        .await;
    assert_eq!(
        listed["agentlist"].as_array().map(Vec::len),
        Some(1),
        "a token sees its own app: {listed}"
    );
    assert_eq!(listed["agentlist"][0]["agentid"], BOT_AGENTID);
    let logo = app.media_id(&t, "image", PNG).await;
    let path = format!("/cgi-bin/agent/set?access_token={t}");
    let set = |body: serde_json::Value| app.post(&path, body);
    let refused = [
        (
            json!({"agentid": BOT_AGENTID, "name": "n".repeat(33)}),
            45022,
        ),
        (json!({"agentid": BOT_AGENTID, "description": "短"}), 45004),
        (json!({"agentid": HR_AGENTID, "name": "x"}), 301002),
        (json!({"name": "x"}), 40056),
        (
            json!({"agentid": BOT_AGENTID, "logo_mediaid": "nope"}),
            40007,
        ),
        (
            json!({"agentid": BOT_AGENTID, "home_url": "ftp://x"}),
            40058,
        ),
    ];
    for (body, want) in refused {
        assert_eq!(code(&set(body.clone()).await), want, "{body}");
    }
    let done = set(json!({"agentid": BOT_AGENTID, "name": "客服机器人", "description": "回答客户的问题",
        "redirect_domain": "bot.example.com", "isreportenter": 1, "home_url": "https://bot.example.com/home", "logo_mediaid": logo})).await;
    assert_eq!(code(&done), 0, "{done}");
    let got = app
        .get(&format!(
            "/cgi-bin/agent/get?access_token={t}&agentid={BOT_AGENTID}"
        ))
        .await;
    assert_eq!(
        (
            got["name"].as_str(),
            got["description"].as_str(),
            got["redirect_domain"].as_str(),
            got["isreportenter"].as_i64(),
            got["home_url"].as_str()
        ),
        (
            Some("客服机器人"),
            Some("回答客户的问题"),
            Some("bot.example.com"),
            Some(1),
            Some("https://bot.example.com/home")
        ),
        "{got}"
    );
    let logo_url = got["square_logo_url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        logo_url.starts_with("https://wework.qpic.cn/wwpic/"),
        "{got}"
    );
    let (_, what) = control(&app, "/mock/links/resolve", json!({"url": logo_url})).await;
    assert_eq!(what["kind"], "image");
    let again = set(json!({"agentid": BOT_AGENTID, "description": "只改描述"})).await;
    assert_eq!(code(&again), 0);
    let listed = app
        .get(&format!("/cgi-bin/agent/list?access_token={t}"))
        .await;
    assert_eq!(
        listed["agentlist"][0]["name"], "客服机器人",
        "only the keys sent change"
    );
}

#[tokio::test]
async fn menus_are_created_read_and_deleted() {
    let app = spawn_app().await;
    let t = app.token().await;
    let q = format!("access_token={t}&agentid={BOT_AGENTID}");
    assert_eq!(
        code(&app.get(&format!("/cgi-bin/menu/get?{q}")).await),
        46003,
        "no menu yet"
    );
    let menu = json!({"button": [
        {"type": "click", "name": "今日", "key": "TODAY"},
        {"name": "更多", "sub_button": [
            {"type": "view", "name": "官网", "url": "https://example.com/"},
            {"type": "scancode_push", "name": "扫一扫", "key": "SCAN"}
        ]}
    ]});
    let bad = json!({"button": [{"type": "view", "name": "a", "url": "nohost"}]});
    assert_eq!(
        code(&app.post(&format!("/cgi-bin/menu/create?{q}"), bad).await),
        40055
    );
    let other = format!("access_token={t}&agentid={HR_AGENTID}");
    assert_eq!(
        code(
            &app.post(&format!("/cgi-bin/menu/create?{other}"), menu.clone())
                .await
        ),
        301002
    );
    assert_eq!(
        code(
            &app.post(&format!("/cgi-bin/menu/create?{q}"), menu.clone())
                .await
        ),
        0
    );
    let got = app.get(&format!("/cgi-bin/menu/get?{q}")).await;
    assert_eq!(got["button"], menu["button"], "{got}");
    assert_eq!(
        code(&app.get(&format!("/cgi-bin/menu/delete?{q}")).await),
        0
    );
    assert_eq!(
        code(&app.get(&format!("/cgi-bin/menu/get?{q}")).await),
        46003
    );
}
