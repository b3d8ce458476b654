use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn create_get_update_send() {
    let app = spawn_app().await;
    let t = app.token().await;
    let created = app
        .post(&format!("/cgi-bin/appchat/create?access_token={t}"),
              json!({"name": "项目群", "owner": "zhangsan", "userlist": ["zhangsan", "lisi", "wangwu"], "chatid": "PROJ1"}))
        .await;
    assert_eq!(
        (code(&created), created["chatid"].as_str()),
        (0, Some("PROJ1")),
        "{created}"
    );
    let again = app
        .post(
            &format!("/cgi-bin/appchat/create?access_token={t}"),
            json!({"userlist": ["zhangsan", "lisi"], "chatid": "PROJ1"}),
        )
        .await;
    assert_eq!(code(&again), 86215);
    let got = app
        .get(&format!(
            "/cgi-bin/appchat/get?access_token={t}&chatid=PROJ1"
        ))
        .await;
    assert_eq!(
        got["chat_info"],
        json!({"chatid": "PROJ1", "name": "项目群", "owner": "zhangsan",
                                        "userlist": ["zhangsan", "lisi", "wangwu"], "chat_type": 0})
    );
    let upd = app
        .post(&format!("/cgi-bin/appchat/update?access_token={t}"),
              json!({"chatid": "PROJ1", "name": "新名字", "add_user_list": ["zhaoliu"], "del_user_list": ["wangwu"]}))
        .await;
    assert_eq!(code(&upd), 0, "{upd}");
    let got = app
        .get(&format!(
            "/cgi-bin/appchat/get?access_token={t}&chatid=PROJ1"
        ))
        .await;
    assert_eq!(
        got["chat_info"]["userlist"],
        json!(["zhangsan", "lisi", "zhaoliu"])
    );
    let bad = app
        .post(
            &format!("/cgi-bin/appchat/update?access_token={t}"),
            json!({"chatid": "PROJ1", "name": "x", "del_user_list": ["zhangsan"]}),
        )
        .await;
    assert_eq!(code(&bad), 86005, "removing the owner is refused");
    let got = app
        .get(&format!(
            "/cgi-bin/appchat/get?access_token={t}&chatid=PROJ1"
        ))
        .await;
    assert_eq!(
        got["chat_info"]["name"], "新名字",
        "a refused update changed nothing"
    );
    let sent = app
        .post(
            &format!("/cgi-bin/appchat/send?access_token={t}"),
            json!({"chatid": "PROJ1", "msgtype": "text", "text": {"content": "大家好"}}),
        )
        .await;
    assert_eq!(code(&sent), 0, "{sent}");
    let inbox = app.get("/mock/inboxes/appchat/PROJ1").await;
    assert_eq!(inbox["n_total"], 1);
    assert_eq!(inbox["messages"][0]["content"]["content"], "大家好");
    assert_eq!(inbox["messages"][0]["from"]["chatid"], "PROJ1");
}

#[tokio::test]
async fn appchat_errors() {
    let app = spawn_app().await;
    let t = app.token().await;
    let create = |body: serde_json::Value| {
        let (app, t) = (&app, &t);
        async move {
            code(
                &app.post(&format!("/cgi-bin/appchat/create?access_token={t}"), body)
                    .await,
            )
        }
    };
    assert_eq!(create(json!({"userlist": ["zhangsan"]})).await, 86006);
    assert_eq!(
        create(json!({"userlist": ["zhangsan", "ghost"]})).await,
        86007
    );
    assert_eq!(
        create(json!({"userlist": ["zhangsan", "lisi"], "owner": "wangwu"})).await,
        86005
    );
    assert_eq!(
        create(json!({"userlist": ["zhangsan", "lisi"], "chatid": "bad id!"})).await,
        86001
    );
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/appchat/get?access_token={t}&chatid=NOPE"
            ))
            .await
        ),
        86003
    );
    let generated = app
        .post(
            &format!("/cgi-bin/appchat/create?access_token={t}"),
            json!({"userlist": ["zhangsan", "lisi"]}),
        )
        .await;
    let chatid = generated["chatid"].as_str().unwrap_or_default().to_owned();
    assert!(!chatid.is_empty());
    // Another app of the same corp cannot use the chat.
    let hr = app.token_for(CORPID, HR_SECRET).await;
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/appchat/get?access_token={hr}&chatid={chatid}"
            ))
            .await
        ),
        86003
    );
    let send = app
        .post(
            &format!("/cgi-bin/appchat/send?access_token={t}"),
            json!({"chatid": chatid, "msgtype": "template_card"}),
        )
        .await;
    assert_eq!(code(&send), 40008, "template cards are app-only");
}

#[tokio::test]
async fn a_name_over_50_characters_is_cut() {
    let app = spawn_app().await;
    let t = app.token().await;
    let created = app
        .post(
            &format!("/cgi-bin/appchat/create?access_token={t}"),
            json!({"name": "长".repeat(51), "userlist": ["zhangsan", "lisi"], "chatid": "LONG1"}),
        )
        .await;
    assert_eq!(code(&created), 0, "{created}");
    let got = app
        .get(&format!(
            "/cgi-bin/appchat/get?access_token={t}&chatid=LONG1"
        ))
        .await;
    assert_eq!(got["chat_info"]["name"], "长".repeat(50));
}
