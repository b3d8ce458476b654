use base64::Engine as _;
use md5::{Digest, Md5};
use serde_json::json;

use crate::helpers::*;

fn send_url() -> String {
    format!("/cgi-bin/webhook/send?key={ROBOT_KEY}")
}

#[tokio::test]
async fn robot_message_types_land_in_the_group() {
    let app = spawn_app().await;
    let up = app
        .upload(
            &format!("/cgi-bin/webhook/upload_media?key={ROBOT_KEY}&type=file"),
            "media",
            "r.txt",
            b"robot file",
        )
        .await;
    assert_eq!((code(&up), up["type"].as_str()), (0, Some("file")), "{up}");
    assert!(up["created_at"].is_string());
    let voice = app
        .upload(
            &format!("/cgi-bin/webhook/upload_media?key={ROBOT_KEY}&type=voice"),
            "media",
            "v.amr",
            AMR,
        )
        .await;
    let b64 = base64::engine::general_purpose::STANDARD.encode(PNG);
    let md5 = hex::encode(Md5::digest(PNG));
    let bodies = [
        json!({"msgtype": "text", "text": {"content": "build failed <@lisi>", "mentioned_list": ["lisi", "@all"], "mentioned_mobile_list": ["13800000001"]}}),
        json!({"msgtype": "markdown", "markdown": {"content": "<font color=\"warning\">3</font> alerts"}}),
        json!({"msgtype": "markdown_v2", "markdown_v2": {"content": "| a | b |\n|---|---|\n| 1 | 2 |"}}),
        json!({"msgtype": "image", "image": {"base64": b64, "md5": md5}}),
        json!({"msgtype": "news", "news": {"articles": [{"title": "t", "url": "https://e.example"}]}}),
        json!({"msgtype": "file", "file": {"media_id": up["media_id"]}}),
        json!({"msgtype": "voice", "voice": {"media_id": voice["media_id"]}}),
        json!({"msgtype": "template_card", "template_card": {"card_type": "news_notice", "main_title": {"title": "t"},
               "card_action": {"type": 1, "url": "https://e.example"}}}),
    ];
    for b in &bodies {
        assert_eq!(code(&app.post(&send_url(), b.clone()).await), 0, "{b}");
    }
    let inbox = app.get(&format!("/mock/inboxes/robot/{ROBOT_KEY}")).await;
    assert_eq!(inbox["n_total"], bodies.len());
    assert_eq!(
        inbox["messages"][7]["content"]["mentioned_list"],
        json!(["lisi", "@all"])
    );
}

#[tokio::test]
async fn robot_errors() {
    let app = spawn_app().await;
    assert_eq!(
        code(
            &app.post(
                "/cgi-bin/webhook/send?key=nope",
                json!({"msgtype": "text", "text": {"content": "x"}})
            )
            .await
        ),
        93000
    );
    assert_eq!(
        code(&app.post("/cgi-bin/webhook/send", json!({})).await),
        93000
    );
    let md = app
        .post(
            &send_url(),
            json!({"msgtype": "markdown", "markdown": {"content": "x".repeat(4097)}}),
        )
        .await;
    assert_eq!(code(&md), 40058);
    assert!(md["errmsg"].as_str().is_some_and(|m| m.starts_with(
        "markdown.content exceed max length 4096. invalid Request Parameter, hint: ["
    )));
    let wrong_md5 = json!({"msgtype": "image", "image": {"base64": base64::engine::general_purpose::STANDARD.encode(PNG), "md5": "0"}});
    assert_eq!(code(&app.post(&send_url(), wrong_md5).await), 40058);
    assert_eq!(
        code(
            &app.post(
                &send_url(),
                json!({"msgtype": "file", "file": {"media_id": "forged"}})
            )
            .await
        ),
        40007
    );
    // Another robot's upload is not this robot's.
    let other = app
        .upload(
            "/cgi-bin/webhook/upload_media?key=1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9&type=file",
            "media",
            "f",
            b"other file",
        )
        .await;
    assert_eq!(
        code(
            &app.post(
                &send_url(),
                json!({"msgtype": "file", "file": {"media_id": other["media_id"]}})
            )
            .await
        ),
        40007
    );
    let bad_json = app.post_raw(&send_url(), b"{oops".to_vec()).await;
    assert!(
        bad_json["errmsg"]
            .as_str()
            .is_some_and(|m| m.starts_with("Warning: wrong json format.")),
        "{bad_json}"
    );
    // The file is looked at before the key.
    assert_eq!(
        code(
            &app.upload(
                "/cgi-bin/webhook/upload_media?key=nope&type=file",
                "media",
                "f",
                b""
            )
            .await
        ),
        44001
    );
    assert_eq!(
        code(
            &app.upload(
                "/cgi-bin/webhook/upload_media?key=nope&type=file",
                "media",
                "f",
                b"content"
            )
            .await
        ),
        93000
    );
    assert_eq!(
        code(
            &app.upload(
                &format!("/cgi-bin/webhook/upload_media?key={ROBOT_KEY}&type=image"),
                "media",
                "f",
                PNG
            )
            .await
        ),
        40005
    );
}

#[tokio::test]
async fn twenty_a_minute_then_the_configured_errcode() {
    let app = spawn_app().await;
    let msg = json!({"msgtype": "text", "text": {"content": "tick"}});
    for i in 0..20 {
        assert_eq!(
            code(&app.post(&send_url(), msg.clone()).await),
            0,
            "message {i}"
        );
    }
    let limited = app.post(&send_url(), msg.clone()).await;
    assert_eq!(code(&limited), 45009);
    assert!(limited["errmsg"]
        .as_str()
        .is_some_and(|m| m.starts_with("api freq out of limit")));
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"webhook_limit_errcode": 45033}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    assert_eq!(code(&app.post(&send_url(), msg.clone()).await), 45033);
    app.advance(61).await;
    assert_eq!(code(&app.post(&send_url(), msg).await), 0, "a new minute");
    assert_eq!(
        app.get(&format!("/mock/inboxes/robot/{ROBOT_KEY}")).await["n_total"],
        21
    );
}
