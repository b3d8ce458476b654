use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn user_get_has_wecom_field_types() {
    let app = spawn_app().await;
    let t = app.token().await;
    let u = app
        .get(&format!(
            "/cgi-bin/user/get?access_token={t}&userid=ZHANGSAN"
        ))
        .await;
    assert_eq!(code(&u), 0, "{u}");
    assert_eq!(u["userid"], "zhangsan");
    assert_eq!(u["name"], "张三");
    assert_eq!(u["gender"], "1", "gender is a string");
    assert_eq!(u["department"], json!([2]));
    assert_eq!(u["is_leader_in_dept"], json!([1]));
    assert_eq!(u["status"], 1);
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/user/get?access_token={t}&userid=ghost"))
                .await
        ),
        60111
    );
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/user/get?access_token={t}"))
                .await
        ),
        40003
    );
    let hr = app.token_for(CORPID, HR_SECRET).await;
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/user/get?access_token={hr}&userid=qianqi"
            ))
            .await
        ),
        60011
    );
}

#[tokio::test]
async fn user_lists_respect_depth_and_scope() {
    let app = spawn_app().await;
    let t = app.token().await;
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["userlist"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|u| u["userid"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let direct = app
        .get(&format!(
            "/cgi-bin/user/list?access_token={t}&department_id=2"
        ))
        .await;
    assert_eq!(ids(&direct), vec!["zhangsan"]);
    let deep = app
        .get(&format!(
            "/cgi-bin/user/simplelist?access_token={t}&department_id=2&fetch_child=1"
        ))
        .await;
    assert_eq!(ids(&deep), vec!["zhangsan", "lisi"]);
    assert!(
        deep["userlist"][0].get("mobile").is_none(),
        "simplelist is simple"
    );
    let root = app
        .get(&format!(
            "/cgi-bin/user/list?access_token={t}&department_id=1&fetch_child=1"
        ))
        .await;
    assert_eq!(ids(&root).len(), 6);
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/user/list?access_token={t}&department_id=99"
            ))
            .await
        ),
        60123
    );
    let hr = app.token_for(CORPID, HR_SECRET).await;
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/user/list?access_token={hr}&department_id=4"
            ))
            .await
        ),
        60011
    );
    let depts = app
        .get(&format!("/cgi-bin/department/list?access_token={hr}"))
        .await;
    let dept_ids: Vec<i64> = depts["department"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(dept_ids, vec![2, 5]);
}

#[tokio::test]
async fn departments_tags_agent_and_ips() {
    let app = spawn_app().await;
    let t = app.token().await;
    let d = app
        .get(&format!("/cgi-bin/department/list?access_token={t}&id=2"))
        .await;
    assert_eq!(d["department"].as_array().map(Vec::len), Some(2), "{d}");
    assert_eq!(d["department"][0]["department_leader"], json!(["zhangsan"]));
    assert_eq!(d["department"][1]["parentid"], 2);
    let tags = app
        .get(&format!("/cgi-bin/tag/list?access_token={t}"))
        .await;
    assert_eq!(
        tags["taglist"][0],
        json!({"tagid": 1, "tagname": "VIP接待"})
    );
    let tag = app
        .get(&format!("/cgi-bin/tag/get?access_token={t}&tagid=2"))
        .await;
    assert_eq!(tag["partylist"], json!([3]));
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/tag/get?access_token={t}&tagid=9"))
                .await
        ),
        40068
    );
    let agent = app
        .get(&format!(
            "/cgi-bin/agent/get?access_token={t}&agentid={BOT_AGENTID}"
        ))
        .await;
    assert_eq!(
        (
            agent["agentid"].as_i64(),
            agent["allow_partys"]["partyid"].clone()
        ),
        (Some(BOT_AGENTID), json!([1]))
    );
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/agent/get?access_token={t}&agentid={HR_AGENTID}"
            ))
            .await
        ),
        301002
    );
    let ips = app
        .get(&format!("/cgi-bin/getcallbackip?access_token={t}"))
        .await;
    assert_eq!(ips["ip_list"], json!(["127.0.0.1"]));
    let bad = app.get("/cgi-bin/getcallbackip?access_token=nope").await;
    assert_eq!(
        (code(&bad), bad["ip_list"].clone()),
        (40014, json!([])),
        "ip_list stays on error"
    );
}
