//! Updating interactive cards an app sent: `message/update_template_card` by `response_code` (single use, 72 h)
//! and `message/update_taskcard` by `task_id`.

use serde_json::{json, Value};

use crate::helpers::*;

fn card(task_id: &str) -> Value {
    json!({"touser": "zhangsan|lisi", "agentid": BOT_AGENTID, "msgtype": "template_card", "template_card": {
        "card_type": "button_interaction", "main_title": {"title": "审批"}, "task_id": task_id,
        "button_list": [{"text": "同意", "key": "yes"}, {"text": "驳回", "key": "no"}]}})
}

async fn update(app: &App, t: &str, path: &str, body: Value) -> Value {
    app.post(&format!("/cgi-bin/message/{path}?access_token={t}"), body)
        .await
}

#[tokio::test]
async fn a_template_card_is_updated_once_by_its_response_code() {
    let app = spawn_app().await;
    let t = app.token().await;
    let sent = app.send(&t, card("task-1")).await;
    let code_ = sent["response_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!code_.is_empty(), "{sent}");
    let body = |code: &str| json!({"userids": ["zhangsan", "wangwu"], "agentid": BOT_AGENTID, "response_code": code, "button": {"replace_name": "已同意"}});
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let mut theirs = body(&code_);
    theirs["agentid"] = json!(HR_AGENTID);
    assert_eq!(
        code(&update(&app, &hr, "update_template_card", theirs).await),
        42015,
        "another app's card"
    );
    assert_eq!(
        code(&update(&app, &t, "update_template_card", body("nope")).await),
        60140
    );
    let no_what = json!({"userids": ["zhangsan"], "agentid": BOT_AGENTID, "response_code": code_});
    assert_eq!(
        code(&update(&app, &t, "update_template_card", no_what).await),
        40058
    );
    let done = update(&app, &t, "update_template_card", body(&code_)).await;
    assert_eq!(code(&done), 0, "{done}");
    assert_eq!(
        done["invaliduser"],
        json!(["wangwu"]),
        "wangwu never got the card"
    );
    let inbox = app.inbox("zhangsan").await;
    assert_eq!(
        inbox["messages"][0]["msgtype"], "update_template_card",
        "{inbox}"
    );
    assert_eq!(app.inbox("wangwu").await["n_total"], 0);
    assert_eq!(
        code(&update(&app, &t, "update_template_card", body(&code_)).await),
        60140,
        "single use"
    );

    let later = app.send(&t, card("task-2")).await;
    let late_code = later["response_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.advance(72 * 3600 + 1).await;
    let t = app.token().await;
    assert_eq!(
        code(&update(&app, &t, "update_template_card", body(&late_code)).await),
        60140,
        "72 h"
    );
    let all = json!({"atall": 1, "agentid": BOT_AGENTID, "response_code": late_code, "template_card": card("task-2")["template_card"]});
    assert_eq!(
        code(&update(&app, &t, "update_template_card", all).await),
        60140
    );
}

#[tokio::test]
async fn a_task_card_is_updated_by_its_task_id() {
    let app = spawn_app().await;
    let t = app.token().await;
    assert_eq!(code(&app.send(&t, card("task-9")).await), 0);
    let body = |task: &str, key: Option<&str>| {
        let mut b = json!({"userids": ["lisi", "ghost"], "agentid": BOT_AGENTID, "task_id": task, "replace_name": "已处理"});
        if let Some(k) = key {
            b["clicked_key"] = json!(k);
        }
        b
    };
    assert_eq!(
        code(&update(&app, &t, "update_taskcard", body("task-0", Some("yes"))).await),
        42016
    );
    assert_eq!(
        code(&update(&app, &t, "update_taskcard", body("task-9", Some("maybe"))).await),
        42017
    );
    assert_eq!(
        code(&update(&app, &t, "update_taskcard", body("task-9", None)).await),
        42017
    );
    assert_eq!(
        code(
            &update(
                &app,
                &t,
                "update_taskcard",
                body(&"t".repeat(129), Some("yes"))
            )
            .await
        ),
        42014
    );
    let done = update(&app, &t, "update_taskcard", body("task-9", Some("yes"))).await;
    assert_eq!(
        (code(&done), done["invaliduser"].clone()),
        (0, json!(["ghost"])),
        "{done}"
    );
    assert_eq!(
        app.inbox("lisi").await["messages"][0]["msgtype"],
        "update_taskcard"
    );
}
