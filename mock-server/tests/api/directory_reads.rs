//! Directory reads added with the contacts-sync secret: `department/get|simplelist`, `user/list_id` (sync only),
//! `user/getuserid`, `user/convert_to_openid`; OAuth codes (`auth/getuserinfo`, `user/getuserinfo`) and the
//! JS-SDK tickets with the control API's signature check.

use serde_json::{json, Value};

use crate::directory_sync::{call, get, sync_token};
use crate::helpers::*;

async fn control(app: &App, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

#[tokio::test]
async fn departments_by_id_within_scope() {
    let app = spawn_app().await;
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let v = get(&app, &hr, "department/get?id=2").await;
    assert_eq!(
        v["department"],
        json!({"id": 2, "name": "销售部", "name_en": "Sales", "department_leader": ["zhangsan"], "parentid": 1, "order": 1})
    );
    assert_eq!(
        code(&get(&app, &hr, "department/get?id=4").await),
        60011,
        "out of HR's scope"
    );
    assert_eq!(code(&get(&app, &hr, "department/get?id=99").await), 60123);
    assert_eq!(code(&get(&app, &hr, "department/get").await), 60123);
    let v = get(&app, &hr, "department/simplelist").await;
    assert_eq!(
        v["department_id"],
        json!([{"id": 2, "parentid": 1, "order": 1}, {"id": 5, "parentid": 2, "order": 1}])
    );
    let v = get(&app, &app.token().await, "department/simplelist?id=2").await;
    assert_eq!(v["department_id"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn list_id_pages_one_row_per_member_and_department() {
    let app = spawn_app().await;
    let sync = sync_token(&app).await;
    let mut rows = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let v = call(
            &app,
            &sync,
            "user/list_id",
            json!({"cursor": cursor, "limit": 2}),
        )
        .await;
        assert_eq!(code(&v), 0, "{v}");
        rows.extend(v["dept_user"].as_array().cloned().unwrap_or_default());
        cursor = v["next_cursor"].as_str().unwrap_or_default().to_owned();
        if cursor.is_empty() {
            break;
        }
    }
    // zhaoliu is in departments 3 and 4: two rows.
    assert_eq!(rows.len(), 7, "{rows:?}");
    assert!(rows.contains(&json!({"userid": "zhaoliu", "department": 4})));
    let all = call(&app, &sync, "user/list_id", json!({})).await;
    assert_eq!(
        (
            all["dept_user"].as_array().map(Vec::len),
            all["next_cursor"].as_str()
        ),
        (Some(7), Some(""))
    );
    assert_eq!(
        code(&call(&app, &sync, "user/list_id", json!({"limit": 0})).await),
        40058
    );
    assert_eq!(
        code(&call(&app, &sync, "user/list_id", json!({"limit": 10001})).await),
        40058
    );
    assert_eq!(
        code(&call(&app, &sync, "user/list_id", json!({"cursor": "made-up"})).await),
        40058
    );
}

#[tokio::test]
async fn userid_by_mobile_and_openid_by_userid() {
    let app = spawn_app().await;
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let v = call(
        &app,
        &hr,
        "user/getuserid",
        json!({"mobile": "13800000002"}),
    )
    .await;
    assert_eq!((code(&v), v["userid"].as_str()), (0, Some("lisi")));
    // qianqi is outside HR's scope: as unknown to it as a mobile nobody has.
    assert_eq!(
        code(
            &call(
                &app,
                &hr,
                "user/getuserid",
                json!({"mobile": "13800000005"})
            )
            .await
        ),
        46004
    );
    assert_eq!(
        code(
            &call(
                &app,
                &hr,
                "user/getuserid",
                json!({"mobile": "13999999999"})
            )
            .await
        ),
        46004
    );
    assert_eq!(
        code(&call(&app, &hr, "user/getuserid", json!({})).await),
        40058
    );
    let t = app.token().await;
    let a = call(
        &app,
        &t,
        "user/convert_to_openid",
        json!({"userid": "lisi"}),
    )
    .await;
    let b = call(
        &app,
        &t,
        "user/convert_to_openid",
        json!({"userid": "LISI"}),
    )
    .await;
    assert_eq!(code(&a), 0);
    assert!(
        a["openid"]
            .as_str()
            .is_some_and(|o| o.starts_with('o') && o.len() == 28),
        "{a}"
    );
    assert_eq!(a["openid"], b["openid"], "the same member, the same openid");
    let c = call(
        &app,
        &t,
        "user/convert_to_openid",
        json!({"userid": "zhangsan"}),
    )
    .await;
    assert_ne!(a["openid"], c["openid"]);
    assert_eq!(
        code(
            &call(
                &app,
                &t,
                "user/convert_to_openid",
                json!({"userid": "ghost"})
            )
            .await
        ),
        60111
    );
    assert_eq!(
        code(
            &call(
                &app,
                &hr,
                "user/convert_to_openid",
                json!({"userid": "qianqi"})
            )
            .await
        ),
        60011
    );
}

#[tokio::test]
async fn an_oauth_code_is_used_once_by_its_app_within_five_minutes() {
    let app = spawn_app().await;
    let t = app.token().await;
    let (status, v) = control(
        &app,
        "/mock/oauth/code",
        json!({"agentid": BOT_AGENTID, "userid": "lisi", "redirect_uri": "http://127.0.0.1:9/page?x=1", "state": "s1"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let code_ = v["code"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        v["url"],
        format!("http://127.0.0.1:9/page?x=1&code={code_}&state=s1")
    );
    let hr = app.token_for(CORPID, HR_SECRET).await;
    assert_eq!(
        code(&get(&app, &hr, &format!("auth/getuserinfo?code={code_}")).await),
        40029,
        "another app's code"
    );
    let v = get(&app, &t, &format!("auth/getuserinfo?code={code_}")).await;
    assert_eq!(
        (code(&v), v["userid"].as_str(), v.get("user_ticket")),
        (0, Some("lisi"), None),
        "{v}"
    );
    assert_eq!(
        code(&get(&app, &t, &format!("auth/getuserinfo?code={code_}")).await),
        40029,
        "used once"
    );
    let (_, v) = control(
        &app,
        "/mock/oauth/code",
        json!({"agentid": BOT_AGENTID, "userid": "wangwu", "scope": "snsapi_privateinfo"}),
    )
    .await;
    let old = get(
        &app,
        &t,
        &format!(
            "user/getuserinfo?code={}",
            v["code"].as_str().unwrap_or_default()
        ),
    )
    .await;
    assert_eq!(
        (
            code(&old),
            old["UserId"].as_str(),
            old["expires_in"].as_i64()
        ),
        (0, Some("wangwu"), Some(1800)),
        "{old}"
    );
    assert!(old["user_ticket"].as_str().is_some_and(|s| !s.is_empty()));
    let (_, v) = control(
        &app,
        "/mock/oauth/code",
        json!({"agentid": BOT_AGENTID, "userid": "lisi"}),
    )
    .await;
    app.advance(301).await;
    let late = get(
        &app,
        &t,
        &format!(
            "auth/getuserinfo?code={}",
            v["code"].as_str().unwrap_or_default()
        ),
    )
    .await;
    assert_eq!(code(&late), 40029, "expired");
    assert_eq!(code(&get(&app, &t, "auth/getuserinfo").await), 40029);
    let (status, _) = control(
        &app,
        "/mock/oauth/code",
        json!({"agentid": HR_AGENTID, "userid": "qianqi"}),
    )
    .await;
    assert_eq!(status, 400, "qianqi is outside HR's scope");
}

#[tokio::test]
async fn jsapi_tickets_are_stable_per_corp_and_per_app_and_signatures_check() {
    let app = spawn_app().await;
    let t = app.token().await;
    let a = get(&app, &t, "get_jsapi_ticket").await;
    let b = get(&app, &t, "get_jsapi_ticket").await;
    assert_eq!((code(&a), a["expires_in"].as_i64()), (0, Some(7200)), "{a}");
    assert_eq!(a["ticket"], b["ticket"]);
    let agent = get(&app, &t, "ticket/get?type=agent_config").await;
    assert_eq!(
        (code(&agent), agent["expires_in"].as_i64()),
        (0, Some(7200))
    );
    assert_ne!(agent["ticket"], a["ticket"]);
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let hr_agent = get(&app, &hr, "ticket/get?type=agent_config").await;
    assert_ne!(
        hr_agent["ticket"], agent["ticket"],
        "one agent ticket per app"
    );
    assert_eq!(
        get(&app, &hr, "get_jsapi_ticket").await["ticket"],
        a["ticket"],
        "one corp ticket per corp"
    );
    assert_eq!(code(&get(&app, &t, "ticket/get?type=other").await), 40058);
    let ticket = a["ticket"].as_str().unwrap_or_default();
    let url = "http://127.0.0.1:9/sidebar?x=1";
    let sig = wecom_wire::directory::jsapi::signature(ticket, "nonce1", "1700000000", url);
    let check = |agentid: Option<i64>, sig: &str| json!({"agentid": agentid, "noncestr": "nonce1", "timestamp": 1700000000, "url": url, "signature": sig});
    let (status, v) = control(&app, "/mock/jsapi/verify", check(None, &sig)).await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");
    let (_, v) = control(&app, "/mock/jsapi/verify", check(Some(BOT_AGENTID), &sig)).await;
    assert_eq!(v["valid"], false, "the agent ticket signs wx.agentConfig");
    let agent_sig = wecom_wire::directory::jsapi::signature(
        agent["ticket"].as_str().unwrap_or_default(),
        "nonce1",
        "1700000000",
        url,
    );
    let (_, v) = control(
        &app,
        "/mock/jsapi/verify",
        check(Some(BOT_AGENTID), &agent_sig),
    )
    .await;
    assert_eq!(v["valid"], true);
    app.advance(7200).await;
    let (_, v) = control(&app, "/mock/jsapi/verify", check(None, &sig)).await;
    assert_eq!(v["valid"], false, "an expired ticket signs nothing");
    let fresh = get(&app, &t, "get_jsapi_ticket").await;
    assert_ne!(fresh["ticket"], a["ticket"]);
}
