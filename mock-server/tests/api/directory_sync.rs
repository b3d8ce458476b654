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
async fn app_with_sync_receiver() -> (App, mpsc::UnboundedReceiver<String>) {
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

async fn next_change(got: &mut mpsc::UnboundedReceiver<String>) -> wecom_wire::callback::Fields {
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
async fn departments_are_created_moved_and_deleted_by_the_rules() {
    let (app, mut got) = app_with_sync_receiver().await;
    let sync = sync_token(&app).await;
    let v = call(
        &app,
        &sync,
        "department/create",
        json!({"name": "广州研发", "name_en": "GZ", "parentid": 4, "order": 7}),
    )
    .await;
    assert_eq!(
        (code(&v), v["errmsg"].as_str(), v["id"].as_i64()),
        (0, Some("created"), Some(6)),
        "{v}"
    );
    let f = next_change(&mut got).await;
    assert_eq!(
        (
            f.get("ChangeType"),
            f.get("Id"),
            f.get("ParentId"),
            f.get("Order")
        ),
        (Some("create_party"), Some("6"), Some("4"), Some("7"))
    );
    let before = app.get("/mock/world").await;
    for (body, want) in [
        (json!({"name": "广州研发", "parentid": 4}), 60008),
        (json!({"name": "x", "parentid": 99}), 60004),
        (json!({"name": "a|b", "parentid": 1}), 60009),
        (json!({"name": "x", "parentid": 1, "id": 6}), 60008),
        (json!({"parentid": 1}), 60001),
    ] {
        assert_eq!(
            code(&call(&app, &sync, "department/create", body.clone()).await),
            want,
            "{body}"
        );
    }
    for (body, want) in [
        (json!({"id": 4, "parentid": 6}), 60010),
        (json!({"id": 4, "parentid": 4}), 60010),
        (json!({"id": 99, "name": "x"}), 60003),
        (json!({"id": 3, "name": "研发部"}), 60008),
    ] {
        assert_eq!(
            code(&call(&app, &sync, "department/update", body.clone()).await),
            want,
            "{body}"
        );
    }
    for (id, want) in [(1, 60007), (3, 60005), (2, 60006), (99, 60003)] {
        assert_eq!(
            code(&get(&app, &sync, &format!("department/delete?id={id}")).await),
            want,
            "{id}"
        );
    }
    assert_eq!(
        app.get("/mock/world").await,
        before,
        "refusals changed nothing"
    );
    let v = call(
        &app,
        &sync,
        "department/update",
        json!({"id": 6, "parentid": 3, "name": "广州客服"}),
    )
    .await;
    assert_eq!((code(&v), v["errmsg"].as_str()), (0, Some("updated")));
    let f = next_change(&mut got).await;
    assert_eq!(
        (f.get("ChangeType"), f.get("Name"), f.get("ParentId")),
        (Some("update_party"), Some("广州客服"), Some("3"))
    );
    let v = get(&app, &sync, "department/simplelist?id=3").await;
    assert_eq!(
        v["department_id"],
        json!([{"id": 3, "parentid": 1, "order": 2}, {"id": 6, "parentid": 3, "order": 7}])
    );
    let v = get(&app, &sync, "department/delete?id=6").await;
    assert_eq!((code(&v), v["errmsg"].as_str()), (0, Some("deleted")));
    assert_eq!(
        next_change(&mut got).await.get("ChangeType"),
        Some("delete_party")
    );
    assert_eq!(code(&get(&app, &sync, "department/get?id=6").await), 60123);
}

#[tokio::test]
async fn tags_and_their_members() {
    let (app, mut got) = app_with_sync_receiver().await;
    let sync = sync_token(&app).await;
    let v = call(&app, &sync, "tag/create", json!({"tagname": "值班"})).await;
    assert_eq!((code(&v), v["tagid"].as_i64()), (0, Some(3)), "{v}");
    assert_eq!(
        code(&call(&app, &sync, "tag/create", json!({"tagname": "值班"})).await),
        40071
    );
    assert_eq!(
        code(&call(&app, &sync, "tag/create", json!({"tagname": ""})).await),
        40072
    );
    assert_eq!(
        code(
            &call(
                &app,
                &sync,
                "tag/create",
                json!({"tagname": "x", "tagid": 1})
            )
            .await
        ),
        40068
    );
    assert_eq!(
        code(
            &call(
                &app,
                &sync,
                "tag/update",
                json!({"tagid": 3, "tagname": "On-call"})
            )
            .await
        ),
        40071
    );
    let v = call(
        &app,
        &sync,
        "tag/addtagusers",
        json!({"tagid": 3, "userlist": ["lisi", "ghost"], "partylist": [4, 99]}),
    )
    .await;
    assert_eq!(
        (code(&v), v["invalidlist"].as_str(), &v["invalidparty"]),
        (0, Some("ghost"), &json!([99])),
        "{v}"
    );
    let f = next_change(&mut got).await;
    assert_eq!(
        (
            f.get("ChangeType"),
            f.get("TagId"),
            f.get("AddUserItems"),
            f.get("AddPartyItems")
        ),
        (Some("update_tag"), Some("3"), Some("lisi"), Some("4"))
    );
    let v = call(
        &app,
        &sync,
        "tag/addtagusers",
        json!({"tagid": 3, "userlist": ["ghost"]}),
    )
    .await;
    assert_eq!(code(&v), 40070, "nothing usable");
    let v = get(&app, &sync, "tag/get?tagid=3").await;
    assert_eq!(
        (v["userlist"][0]["userid"].as_str(), &v["partylist"]),
        (Some("lisi"), &json!([4]))
    );
    // The bot sees the whole corp: a message to the tag reaches its members and departments.
    let v = app.send(&app.token().await, json!({"totag": "3", "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": "值班"}})).await;
    assert_eq!(code(&v), 0);
    assert_eq!(
        app.inbox("sunba").await["n_total"],
        1,
        "sunba is in department 4"
    );
    let v = call(
        &app,
        &sync,
        "tag/deltagusers",
        json!({"tagid": 3, "userlist": ["lisi"]}),
    )
    .await;
    assert_eq!(code(&v), 0);
    assert_eq!(
        next_change(&mut got).await.get("DelUserItems"),
        Some("lisi")
    );
    assert_eq!(
        code(
            &call(
                &app,
                &sync,
                "tag/update",
                json!({"tagid": 3, "tagname": "夜班"})
            )
            .await
        ),
        0
    );
    assert_eq!(
        get(&app, &sync, "tag/list").await["taglist"][2]["tagname"],
        "夜班"
    );
    assert_eq!(code(&get(&app, &sync, "tag/delete?tagid=3").await), 0);
    assert_eq!(next_change(&mut got).await.get("DelPartyItems"), Some("4"));
    assert_eq!(code(&get(&app, &sync, "tag/get?tagid=3").await), 40068);
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
