//! 客户朋友圈: the corp's moment task, members publishing it (control API), the lists, and customers' reactions.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::kf::control;

const XIAOHONG: &str = "wmDemoXiaoHong00000000000000002B";

async fn now_s(app: &App) -> i64 {
    app.get("/mock/clock").await["now_ms"]
        .as_i64()
        .unwrap_or_default()
        / 1000
}

#[tokio::test]
async fn a_moment_is_published_by_members_and_reaches_their_customers() {
    let app = spawn_app().await;
    let t = app.token().await;
    let img = app.media_id(&t, "image", PNG).await;
    let task = json!({"text": {"content": "新品上市"}, "attachments": [{"msgtype": "image", "image": {"media_id": img}}],
        "visible_range": {"sender_list": {"user_list": ["zhangsan", "lisi", "ghost"], "department_list": [99]}}});
    let refused = [
        (json!({}), 41089),
        (
            json!({"attachments": [{"msgtype": "image", "image": {"media_id": "nope"}}]}),
            40007,
        ),
    ];
    for (body, want) in refused {
        assert_eq!(
            code(&ec(&app, &t, "add_moment_task", body.clone()).await),
            want,
            "{body}"
        );
    }
    let job = ec(&app, &t, "add_moment_task", task).await;
    let jobid = job["jobid"].as_str().unwrap_or_default().to_owned();
    assert!(!jobid.is_empty(), "{job}");
    let result = app
        .get(&format!(
            "/cgi-bin/externalcontact/get_moment_task_result?access_token={t}&jobid={jobid}"
        ))
        .await;
    assert_eq!(
        (result["status"].as_i64(), result["type"].as_str()),
        (Some(3), Some("add_moment_task")),
        "{result}"
    );
    assert_eq!(
        result["result"]["invalid_sender_list"],
        json!({"user_list": ["ghost"], "department_list": [99]})
    );
    let moment_id = result["result"]["moment_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let bad_job = app
        .get(&format!(
            "/cgi-bin/externalcontact/get_moment_task_result?access_token={t}&jobid=nope"
        ))
        .await;
    assert_eq!(code(&bad_job), 40088);

    let statuses = |v: &Value| -> Vec<(String, i64)> {
        v["task_list"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                (
                    x["userid"].as_str().unwrap_or_default().to_owned(),
                    x["publish_status"].as_i64().unwrap_or(-1),
                )
            })
            .collect()
    };
    let before = ec(&app, &t, "get_moment_task", json!({"moment_id": moment_id})).await;
    assert_eq!(
        statuses(&before),
        [("zhangsan".to_owned(), 0), ("lisi".to_owned(), 0)]
    );
    let who = json!({"moment_id": moment_id, "userid": "zhangsan"});
    assert_eq!(
        code(&ec(&app, &t, "get_moment_customer_list", who.clone()).await),
        41062,
        "not published yet"
    );
    let publish = format!("/mock/moments/{moment_id}/publish");
    let (status, published) = control(&app, &publish, json!({"userid": "zhangsan"})).await;
    assert_eq!(
        (status, published["n_customers"].as_i64()),
        (200, Some(2)),
        "{published}"
    );
    assert_eq!(
        control(&app, &publish, json!({"userid": "wangwu"})).await.0,
        400,
        "not asked"
    );
    let after = ec(&app, &t, "get_moment_task", json!({"moment_id": moment_id})).await;
    assert_eq!(
        statuses(&after),
        [("zhangsan".to_owned(), 1), ("lisi".to_owned(), 0)]
    );
    let reached = ec(&app, &t, "get_moment_customer_list", who.clone()).await;
    assert_eq!(
        reached["customer_list"],
        json!([{"userid": "zhangsan", "external_userid": CUSTOMER}, {"userid": "zhangsan", "external_userid": XIAOHONG}])
    );
    let sent = ec(
        &app,
        &t,
        "get_moment_send_result",
        json!({"moment_id": moment_id, "userid": "zhangsan", "limit": 1}),
    )
    .await;
    assert_eq!(
        sent["customer_list"],
        json!([{"external_userid": CUSTOMER}])
    );
    assert!(
        sent["next_cursor"].as_str().is_some_and(|c| !c.is_empty()),
        "{sent}"
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "get_moment_customer_list",
                json!({"moment_id": moment_id, "userid": "wangwu"})
            )
            .await
        ),
        41061
    );

    let react = format!("/mock/moments/{moment_id}/react");
    assert_eq!(
        control(
            &app,
            &react,
            json!({"customer": CUSTOMER, "userid": "zhangsan", "like": true})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        control(
            &app,
            &react,
            json!({"customer": XIAOHONG, "userid": "zhangsan", "comment": "好看"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        control(
            &app,
            &react,
            json!({"customer": CUSTOMER, "userid": "lisi", "like": true})
        )
        .await
        .0,
        400,
        "lisi has not published"
    );
    let reactions = ec(&app, &t, "get_moment_comments", who).await;
    assert_eq!(
        reactions["like_list"][0]["external_userid"], CUSTOMER,
        "{reactions}"
    );
    assert_eq!(reactions["comment_list"][0]["external_userid"], XIAOHONG);

    let now = now_s(&app).await;
    let listed = ec(
        &app,
        &t,
        "get_moment_list",
        json!({"start_time": now - 60, "end_time": now + 60, "filter_type": 0}),
    )
    .await;
    assert_eq!(
        listed["moment_list"][0]["moment_id"],
        moment_id.as_str(),
        "{listed}"
    );
    assert_eq!(listed["moment_list"][0]["create_type"], 0);
    assert_eq!(
        listed["moment_list"][0]["image"],
        json!([{"media_id": img}])
    );
    let personal = ec(
        &app,
        &t,
        "get_moment_list",
        json!({"start_time": now - 60, "end_time": now + 60, "filter_type": 1}),
    )
    .await;
    assert_eq!(personal["moment_list"], json!([]));
    let long = ec(
        &app,
        &t,
        "get_moment_list",
        json!({"start_time": 0, "end_time": 31 * 86_400}),
    )
    .await;
    assert_eq!(code(&long), 40058, "more than 30 days");

    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "cancel_moment_task",
                json!({"moment_id": moment_id})
            )
            .await
        ),
        0
    );
    assert_eq!(
        control(&app, &publish, json!({"userid": "lisi"})).await.0,
        400,
        "cancelled"
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "cancel_moment_task",
                json!({"moment_id": "momNope"})
            )
            .await
        ),
        41060
    );
    assert_eq!(
        code(&ec(&app, &t, "get_moment_task", json!({})).await),
        41059
    );
}
