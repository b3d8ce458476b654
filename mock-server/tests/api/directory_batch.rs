//! The contacts-sync secret's asynchronous imports: a CSV uploaded with `media/upload`, `batch/syncuser`,
//! `batch/replaceuser`, `batch/replaceparty`, and `batch/getresult`, done when submitted.

use serde_json::{json, Value};

use crate::directory_sync::{call, get, sync_token};
use crate::helpers::*;

async fn upload_csv(app: &App, token: &str, csv: &str) -> String {
    let v = app
        .upload(
            &format!("/cgi-bin/media/upload?access_token={token}&type=file"),
            "media",
            "users.csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(code(&v), 0, "{v}");
    v["media_id"].as_str().unwrap_or_default().to_owned()
}

async fn run(app: &App, token: &str, path: &str, csv: &str) -> Value {
    let media_id = upload_csv(app, token, csv).await;
    let v = call(
        app,
        token,
        path,
        json!({"media_id": media_id, "to_invite": false}),
    )
    .await;
    assert_eq!(code(&v), 0, "{v}");
    let jobid = v["jobid"].as_str().unwrap_or_default().to_owned();
    let r = get(app, token, &format!("batch/getresult?jobid={jobid}")).await;
    assert_eq!(
        (code(&r), r["status"].as_i64(), r["percentage"].as_i64()),
        (0, Some(3), Some(100)),
        "{r}"
    );
    r
}

#[tokio::test]
async fn syncuser_creates_and_updates_row_by_row() {
    let app = spawn_app().await;
    let sync = sync_token(&app).await;
    let csv = "姓名,帐号,手机号,邮箱,所在部门,职位,性别\n\
               周一,zhouyi,13900000001,,2;4,Sales,女\n\
               李四,lisi,,lisi.new@demo.example,,,\n\
               坏人,-bad,13900000002,,1,,\n";
    let r = run(&app, &sync, "batch/syncuser", csv).await;
    assert_eq!(
        (r["type"].as_str(), r["total"].as_i64()),
        (Some("sync_user"), Some(3))
    );
    assert_eq!(
        r["result"][0],
        json!({"userid": "zhouyi", "errcode": 0, "errmsg": ""})
    );
    assert_eq!(r["result"][1]["errcode"], 0);
    assert_eq!(r["result"][2]["errcode"], 40003, "a bad row fails alone");
    let v = get(&app, &sync, "user/get?userid=zhouyi").await;
    assert_eq!(
        (v["department"].clone(), v["gender"].as_str()),
        (json!([2, 4]), Some("2"))
    );
    let v = get(&app, &sync, "user/get?userid=lisi").await;
    assert_eq!(
        (v["email"].as_str(), v["mobile"].as_str()),
        (Some("lisi.new@demo.example"), Some("13800000002")),
        "empty cells change nothing"
    );
    assert_eq!(
        code(&call(&app, &sync, "batch/syncuser", json!({"media_id": "nope"})).await),
        40007
    );
    assert_eq!(
        code(&get(&app, &sync, "batch/getresult?jobid=nope").await),
        40058
    );
    let bot = app.token().await;
    let theirs = upload_csv(&app, &bot, csv).await;
    assert_eq!(
        code(&call(&app, &sync, "batch/syncuser", json!({"media_id": theirs})).await),
        0,
        "a file of the same corp"
    );
    let not_csv = upload_csv(&app, &sync, "just text").await;
    assert_eq!(
        code(&call(&app, &sync, "batch/syncuser", json!({"media_id": not_csv})).await),
        40058
    );
}

#[tokio::test]
async fn replaceuser_deletes_who_the_file_leaves_out() {
    let app = spawn_app().await;
    let sync = sync_token(&app).await;
    let csv = "姓名,帐号,手机号,所在部门\n张三,zhangsan,13800000001,2\n王五,wangwu,13800000003,3\n";
    let r = run(&app, &sync, "batch/replaceuser", csv).await;
    assert_eq!(
        (r["type"].as_str(), r["total"].as_i64()),
        (Some("replace_user"), Some(2))
    );
    let v = get(&app, &sync, "user/list?department_id=1&fetch_child=1").await;
    let ids: Vec<&str> = v["userlist"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["userid"].as_str())
        .collect();
    assert_eq!(ids, ["zhangsan", "wangwu"]);
    assert_eq!(code(&get(&app, &sync, "user/get?userid=lisi").await), 60111);
}

#[tokio::test]
async fn replaceparty_creates_updates_and_removes_empty_departments() {
    let app = spawn_app().await;
    let sync = sync_token(&app).await;
    // 研发部 (4) has members and stays even though the file leaves it out; 华东销售 (5) is emptied first.
    let moved = call(
        &app,
        &sync,
        "user/update",
        json!({"userid": "lisi", "department": [2]}),
    )
    .await;
    assert_eq!(code(&moved), 0);
    let csv = "部门名称,部门ID,父部门ID,排序\n\
               广州分部,7,6,1\n\
               华南区,6,1,9\n\
               Demo Trading Co.,1,,\n\
               销售部,2,1,1\n\
               客服中心,3,1,2\n";
    let r = run(&app, &sync, "batch/replaceparty", csv).await;
    assert_eq!(
        (r["type"].as_str(), r["total"].as_i64()),
        (Some("replace_party"), Some(5))
    );
    let results = r["result"].as_array().cloned().unwrap_or_default();
    assert!(
        results.contains(&json!({"action": 1, "partyid": 7, "errcode": 0, "errmsg": ""})),
        "{r}"
    );
    assert!(
        results.contains(&json!({"action": 2, "partyid": 3, "errcode": 0, "errmsg": ""})),
        "{r}"
    );
    let v = get(&app, &sync, "department/simplelist").await;
    let ids: Vec<i64> = v["department_id"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["id"].as_i64())
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 6, 7]);
    assert_eq!(
        get(&app, &sync, "department/get?id=3").await["department"]["name"],
        "客服中心"
    );
}
