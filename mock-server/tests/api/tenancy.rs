//! Tenants are walls: a token opens its own corp and app, and nothing else.

use serde_json::json;

use crate::helpers::*;

/// Two corps, A and B, each with an app, departments and members; B also has a tag and a robot. The crate's own
/// property tests (`src/api/props.rs`) read the same file.
pub const TWO_CORPS: &str = include_str!("two_corps.yaml");

pub async fn two_corps() -> App {
    let (world, fixture) =
        mock_server::World::parse(TWO_CORPS, "two-corps").unwrap_or_else(|e| panic!("{e}"));
    let state = mock_server::State::new(world, &fixture, mock_server::Config::default())
        .unwrap_or_else(|e| panic!("{e}"));
    spawn_state(state).await
}

#[tokio::test]
async fn a_token_never_opens_another_corp() {
    let app = two_corps().await;
    let a = app.token_for("wwaaaaaaaaaaaaaaaa", "a-secret").await;
    let b = app.token_for("wwbbbbbbbbbbbbbbbb", "b-secret").await;
    assert_eq!(
        code(
            &app.get("/cgi-bin/gettoken?corpid=wwaaaaaaaaaaaaaaaa&corpsecret=b-secret")
                .await
        ),
        40001
    );

    // B's things, made with B's token.
    let media = app.media_id(&b, "file", b"b's file").await;
    let chat = app
        .post(
            &format!("/cgi-bin/appchat/create?access_token={b}"),
            json!({"userlist": ["bob", "bea"], "chatid": "BCHAT"}),
        )
        .await;
    assert_eq!(code(&chat), 0);
    let sent = app
        .send(
            &b,
            json!({"touser": "bob", "msgtype": "text", "agentid": 1, "text": {"content": "b"}}),
        )
        .await;
    assert_eq!(code(&sent), 0);

    // A's token, the same agentid, asking for each of them.
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/user/get?access_token={a}&userid=bob"))
                .await
        ),
        60111
    );
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/user/list?access_token={a}&department_id=7"
            ))
            .await
        ),
        60123
    );
    assert_eq!(
        code(
            &app.get(&format!("/cgi-bin/tag/get?access_token={a}&tagid=5"))
                .await
        ),
        40068
    );
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/media/get?access_token={a}&media_id={media}"
            ))
            .await
        ),
        40007
    );
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/appchat/get?access_token={a}&chatid=BCHAT"
            ))
            .await
        ),
        86003
    );
    let send = app.send(&a, json!({"touser": "bob", "toparty": "7", "totag": "5", "msgtype": "text", "agentid": 1, "text": {"content": "x"}})).await;
    assert_eq!(code(&send), 81013);
    let file = app.send(&a, json!({"touser": "alice", "msgtype": "file", "agentid": 1, "file": {"media_id": media}})).await;
    assert_eq!(code(&file), 40007);
    let recall = app
        .post(
            &format!("/cgi-bin/message/recall?access_token={a}"),
            json!({"msgid": sent["msgid"]}),
        )
        .await;
    assert_eq!(code(&recall), 40058);
    let agent = app
        .get(&format!("/cgi-bin/agent/get?access_token={a}&agentid=1"))
        .await;
    assert_eq!(agent["name"], "A app");
    let users = app
        .get(&format!(
            "/cgi-bin/user/list?access_token={a}&department_id=1&fetch_child=1"
        ))
        .await;
    assert_eq!(users["userlist"].as_array().map(Vec::len), Some(1));
    let tags = app
        .get(&format!("/cgi-bin/tag/list?access_token={a}"))
        .await;
    assert_eq!(tags["taglist"], json!([]));
    assert_eq!(
        app.get("/mock/inboxes/user/bob?corpid=wwbbbbbbbbbbbbbbbb")
            .await["n_total"],
        1,
        "only B's own message"
    );
}
