//! The contacts-sync secret: its token has no app (48002 on app APIs), it alone writes the directory (apps get
//! 60011), every write is seen at once by the apps whose scope it touches and is pushed as `change_contact`.

use serde_json::{json, Value};
use tokio::sync::mpsc;

use wecom_wire::callback::parse_fields;

use crate::callbacks::{recv, spawn_receiver};
use crate::helpers::*;

pub const SYNC_SECRET: &str = "demo-contact-sync-secret-0123456789abcdefghij";

pub async fn sync_token(app: &App) -> String {
    app.token_for(CORPID, SYNC_SECRET).await
}

pub async fn call(app: &App, token: &str, path: &str, body: Value) -> Value {
    app.post(&format!("/cgi-bin/{path}?access_token={token}"), body)
        .await
}

pub async fn get(app: &App, token: &str, path_and_query: &str) -> Value {
    let sep = if path_and_query.contains('?') {
        '&'
    } else {
        '?'
    };
    app.get(&format!(
        "/cgi-bin/{path_and_query}{sep}access_token={token}"
    ))
    .await
}

/// A mock whose contacts-sync receiver is a fresh bot (URL set, and verified, through the control API).
pub async fn app_with_sync_receiver() -> (App, mpsc::UnboundedReceiver<String>) {
    let app = spawn_app().await;
    let (url, got) = spawn_receiver(
        "DemoContactSyncToken",
        "DemoContactSyncEncodingAESKey0123456789abcA",
        0,
    )
    .await;
    let r = app
        .http
        .put(app.url("/mock/contact_sync/callback"))
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    (app, got)
}

pub async fn next_change(
    got: &mut mpsc::UnboundedReceiver<String>,
) -> wecom_wire::callback::Fields {
    let xml = recv(got)
        .await
        .unwrap_or_else(|| panic!("no change_contact push"));
    let f = parse_fields(&xml).unwrap_or_default();
    assert_eq!(f.get("Event"), Some("change_contact"), "{xml}");
    assert_eq!(f.get("ToUserName"), Some(CORPID));
    f
}

#[tokio::test]
async fn the_sync_token_opens_the_directory_and_no_app_api() {
    let app = spawn_app().await;
    let sync = sync_token(&app).await;
    assert_ne!(sync, app.token().await);
    // Members outside every app's scope are read.
    let v = get(&app, &sync, "user/get?userid=qianqi").await;
    assert_eq!((code(&v), v["name"].as_str()), (0, Some("钱七")));
    let v = get(&app, &sync, "department/list").await;
    assert_eq!(v["department"].as_array().map(Vec::len), Some(5));
    // App-only APIs: 48002, whatever the body.
    let send = json!({"touser": "zhangsan", "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": "x"}});
    assert_eq!(code(&call(&app, &sync, "message/send", send).await), 48002);
    assert_eq!(
        code(&get(&app, &sync, "externalcontact/list?userid=zhangsan").await),
        48002
    );
    assert_eq!(
        code(&call(&app, &sync, "kf/account/list", json!({})).await),
        48002
    );
    assert_eq!(
        code(&get(&app, &sync, "agent/get?agentid=1000002").await),
        48002
    );
    assert_eq!(code(&get(&app, &sync, "get_jsapi_ticket").await), 48002);
    assert!(app.inbox("zhangsan").await["messages"]
        .as_array()
        .is_none_or(Vec::is_empty));
    let world = app.get("/mock/world").await;
    assert_eq!(world["corps"][0]["contact_sync_secret"], SYNC_SECRET);
    assert_eq!(
        world["corps"][0]["contact_sync_callback"]["token"],
        "DemoContactSyncToken"
    );
}

#[tokio::test]
async fn apps_cannot_write_the_directory() {
    let app = spawn_app().await;
    let t = app.token().await;
    let before = app.get("/mock/world").await;
    let user =
        json!({"userid": "newbie", "name": "新人", "department": [2], "mobile": "13900000001"});
    for (path, body) in [
        ("user/create", user.clone()),
        ("user/update", json!({"userid": "zhangsan", "name": "x"})),
        ("user/batchdelete", json!({"useridlist": ["lisi"]})),
        (
            "department/create",
            json!({"name": "新部门", "parentid": 1}),
        ),
        ("department/update", json!({"id": 2, "name": "x"})),
        ("tag/create", json!({"tagname": "新标签"})),
        ("tag/update", json!({"tagid": 1, "tagname": "x"})),
        ("tag/addtagusers", json!({"tagid": 1, "userlist": ["lisi"]})),
        (
            "tag/deltagusers",
            json!({"tagid": 1, "userlist": ["zhangsan"]}),
        ),
        ("batch/syncuser", json!({"media_id": "x"})),
        ("batch/replaceuser", json!({"media_id": "x"})),
        ("batch/replaceparty", json!({"media_id": "x"})),
    ] {
        assert_eq!(code(&call(&app, &t, path, body).await), 60011, "{path}");
    }
    for pq in [
        "user/delete?userid=lisi",
        "department/delete?id=5",
        "tag/delete?tagid=1",
        "batch/getresult?jobid=x",
    ] {
        assert_eq!(code(&get(&app, &t, pq).await), 60011, "{pq}");
    }
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"directory_write_errcode": 48002}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    assert_eq!(
        code(&call(&app, &t, "tag/create", json!({"tagname": "x"})).await),
        48002,
        "the other candidate, by setting"
    );
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"directory_write_errcode": 40001}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 400), "only 60011 or 48002");
    // user/list_id is the contacts-sync secret's only (doc 96067).
    assert_eq!(
        code(&call(&app, &t, "user/list_id", json!({})).await),
        48002
    );
    assert_eq!(app.get("/mock/world").await, before);
}

#[tokio::test]
async fn a_write_is_seen_by_apps_in_scope_and_pushed_as_change_contact() {
    let (app, mut got) = app_with_sync_receiver().await;
    let sync = sync_token(&app).await;
    let hr = app.token_for(CORPID, HR_SECRET).await;
    // HR Notices sees department 2 (Sales) and below: a new member there is in its scope at once.
    let user = json!({"userid": "ZhouYi", "name": "周一", "department": [5], "mobile": "13900000001",
        "position": "Sales", "gender": "2", "email": "zhouyi@demo.example", "is_leader_in_dept": [1]});
    let v = call(&app, &sync, "user/create", user).await;
    assert_eq!(
        (code(&v), v["errmsg"].as_str()),
        (0, Some("created")),
        "{v}"
    );
    let f = next_change(&mut got).await;
    assert_eq!(f.get("ChangeType"), Some("create_user"));
    assert_eq!(
        (f.get("UserID"), f.get("Department"), f.get("Gender")),
        (Some("ZhouYi"), Some("5"), Some("2"))
    );
    assert_eq!(f.get("IsLeaderInDept"), Some("1"));
    let v = get(&app, &hr, "user/get?userid=zhouyi").await;
    assert_eq!((code(&v), v["name"].as_str()), (0, Some("周一")), "{v}");
    let v = get(&app, &hr, "user/simplelist?department_id=2&fetch_child=1").await;
    assert!(
        v["userlist"]
            .as_array()
            .is_some_and(|l| l.iter().any(|u| u["userid"] == "ZhouYi")),
        "{v}"
    );
    let v = get(&app, &hr, "department/get?id=5").await;
    assert_eq!(v["department"]["department_leader"], json!(["ZhouYi"]));
    let send = json!({"touser": "ZhouYi", "toparty": "5", "msgtype": "text", "agentid": HR_AGENTID, "text": {"content": "欢迎"}});
    let v = call(&app, &hr, "message/send", send).await;
    assert_eq!((code(&v), v["invaliduser"].as_str()), (0, Some("")), "{v}");
    assert_eq!(app.inbox("ZhouYi").await["n_total"], 1);
    // Moved to Engineering: out of HR's scope, in the bot's (which sees everyone).
    let v = call(
        &app,
        &sync,
        "user/update",
        json!({"userid": "zhouyi", "department": [4]}),
    )
    .await;
    assert_eq!(
        (code(&v), v["errmsg"].as_str()),
        (0, Some("updated")),
        "{v}"
    );
    let f = next_change(&mut got).await;
    assert_eq!(
        (f.get("ChangeType"), f.get("Department"), f.get("Name")),
        (Some("update_user"), Some("4"), None)
    );
    assert_eq!(code(&get(&app, &hr, "user/get?userid=zhouyi").await), 60011);
    assert_eq!(
        code(&get(&app, &app.token().await, "user/get?userid=zhouyi").await),
        0
    );
    let v = get(&app, &hr, "department/get?id=5").await;
    assert_eq!(
        v["department"]["department_leader"],
        json!([]),
        "leadership follows the department"
    );
    // Deleted: nobody finds them, @all no longer reaches them, the push says so.
    let v = get(&app, &sync, "user/delete?userid=ZhouYi").await;
    assert_eq!(
        (code(&v), v["errmsg"].as_str()),
        (0, Some("deleted")),
        "{v}"
    );
    let f = next_change(&mut got).await;
    assert_eq!(
        (f.get("ChangeType"), f.get("UserID")),
        (Some("delete_user"), Some("ZhouYi"))
    );
    assert_eq!(
        code(&get(&app, &sync, "user/get?userid=zhouyi").await),
        60111
    );
    let v = app
        .text_to(&app.token().await, "ZhouYi|lisi", "还在吗")
        .await;
    assert_eq!(
        (code(&v), v["invaliduser"].as_str()),
        (0, Some("zhouyi")),
        "{v}"
    );
    let r = app
        .http
        .get(app.url("/mock/inboxes/user/ZhouYi"))
        .send()
        .await;
    assert!(
        r.is_ok_and(|r| r.status() == 404),
        "a deleted member has no inbox to read"
    );
    // The userid is free again: a new member, a new index.
    let again = json!({"userid": "zhouyi", "name": "周一", "department": [1], "email": "zhouyi@demo.example"});
    assert_eq!(code(&call(&app, &sync, "user/create", again).await), 0);
    assert_eq!(
        next_change(&mut got).await.get("ChangeType"),
        Some("create_user")
    );
}

#[tokio::test]
async fn a_refused_member_write_changes_nothing() {
    let app = spawn_app().await;
    let sync = sync_token(&app).await;
    let before = app.get("/mock/world").await;
    let base =
        json!({"userid": "newbie", "name": "新人", "department": [2], "mobile": "13900000001"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, want) in [
        (with("userid", json!("ZhangSan")), 60102),
        (with("mobile", json!("13800000002")), 60104),
        (with("email", json!("LISI@demo.example")), 60106),
        (with("department", json!([2, 99])), 60003),
        (with("department", json!([])), 60127),
        (with("userid", json!("-bad")), 40003),
        (with("name", json!("")), 60112),
        (with("mobile", json!("12-34")), 60103),
        (
            json!({"userid": "x", "name": "X", "department": [1]}),
            60129,
        ),
    ] {
        assert_eq!(
            code(&call(&app, &sync, "user/create", body.clone()).await),
            want,
            "{body}"
        );
    }
    for (body, want) in [
        (json!({"userid": "nobody", "name": "x"}), 60111),
        (json!({"userid": "lisi", "mobile": "13800000001"}), 60104),
        (json!({"userid": "lisi", "new_userid": "zhangsan"}), 60102),
        (json!({"name": "x"}), 41009),
    ] {
        assert_eq!(
            code(&call(&app, &sync, "user/update", body.clone()).await),
            want,
            "{body}"
        );
    }
    assert_eq!(
        code(&get(&app, &sync, "user/delete?userid=nobody").await),
        60111
    );
    let v = call(
        &app,
        &sync,
        "user/batchdelete",
        json!({"useridlist": ["lisi", "nobody"]}),
    )
    .await;
    assert_eq!(
        code(&v),
        60111,
        "one unknown member refuses the whole batch"
    );
    assert_eq!(
        code(&call(&app, &sync, "user/batchdelete", json!({"useridlist": []})).await),
        40031
    );
    assert_eq!(app.get("/mock/world").await, before);
    assert_eq!(code(&get(&app, &sync, "user/get?userid=lisi").await), 0);
}

#[tokio::test]
async fn a_renamed_member_keeps_tags_and_leadership() {
    let app = spawn_app().await;
    let sync = sync_token(&app).await;
    let v = call(
        &app,
        &sync,
        "user/update",
        json!({"userid": "zhangsan", "new_userid": "zhangsan2"}),
    )
    .await;
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(
        code(&get(&app, &sync, "user/get?userid=zhangsan").await),
        60111
    );
    let v = get(&app, &sync, "tag/get?tagid=1").await;
    assert!(
        v["userlist"]
            .as_array()
            .is_some_and(|l| l.iter().any(|u| u["userid"] == "zhangsan2")),
        "{v}"
    );
    let v = get(&app, &sync, "department/get?id=2").await;
    assert_eq!(v["department"]["department_leader"], json!(["zhangsan2"]));
    let v = call(
        &app,
        &sync,
        "user/batchdelete",
        json!({"useridlist": ["zhangsan2", "lisi"]}),
    )
    .await;
    assert_eq!(code(&v), 0, "{v}");
    let v = get(&app, &sync, "user/list?department_id=1&fetch_child=1").await;
    assert_eq!(v["userlist"].as_array().map(Vec::len), Some(4), "{v}");
}

#[tokio::test]
async fn reset_brings_back_the_fixtures_directory() {
    let app = spawn_app().await;
    let sync = sync_token(&app).await;
    let before = app.get("/mock/world").await;
    assert_eq!(code(&get(&app, &sync, "user/delete?userid=lisi").await), 0);
    assert_eq!(
        code(&call(&app, &sync, "tag/create", json!({"tagname": "临时"})).await),
        0
    );
    assert_ne!(app.get("/mock/world").await, before);
    let r = app.http.post(app.url("/mock/reset")).send().await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    assert_eq!(app.get("/mock/world").await, before);
    assert_eq!(
        code(&get(&app, &sync, "user/get?userid=lisi").await),
        0,
        "the token survives a reset"
    );
}
