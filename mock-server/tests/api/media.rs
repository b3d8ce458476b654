use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn upload_then_get_the_same_bytes() {
    let app = spawn_app().await;
    let t = app.token().await;
    let v = app
        .upload(
            &format!("/cgi-bin/media/upload?access_token={t}&type=image"),
            "media",
            "a.png",
            PNG,
        )
        .await;
    assert_eq!(
        (code(&v), v["errmsg"].as_str(), v["type"].as_str()),
        (0, Some(""), Some("image")),
        "{v}"
    );
    assert!(v["created_at"].is_string(), "created_at is a string: {v}");
    let id = v["media_id"].as_str().unwrap_or_default();
    let r = app
        .http
        .get(app.url(&format!(
            "/cgi-bin/media/get?access_token={t}&media_id={id}"
        )))
        .send()
        .await;
    let r = r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|h| h.to_str().ok()),
        Some("image/png")
    );
    assert!(r
        .headers()
        .get("content-disposition")
        .is_some_and(|h| h.to_str().is_ok_and(|s| s.contains("a.png"))));
    assert_eq!(r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(), PNG);
}

#[tokio::test]
async fn upload_rules() {
    let app = spawn_app().await;
    let t = app.token().await;
    let up = |kind: &str, field: &str, data: &[u8]| {
        let pq = format!("/cgi-bin/media/upload?access_token={t}&type={kind}");
        let (app, field, data) = (&app, field.to_owned(), data.to_vec());
        async move { code(&app.upload(&pq, &field, "f", &data).await) }
    };
    assert_eq!(up("image", "media", b"").await, 44001);
    assert_eq!(
        up("image", "file", PNG).await,
        44001,
        "the field must be called media"
    );
    assert_eq!(up("file", "media", b"12345").await, 40006);
    assert_eq!(up("image", "media", b"GIF89a-not-allowed").await, 40004);
    assert_eq!(up("voice", "media", MP4).await, 40004);
    assert_eq!(up("gif", "media", PNG).await, 40005);
    let mut big = PNG.to_vec();
    big.resize(10 * 1024 * 1024 + 1, 0);
    assert_eq!(up("image", "media", &big).await, 40009);
    assert_eq!(
        code(
            &app.post_raw(
                &format!("/cgi-bin/media/upload?access_token={t}&type=file"),
                b"not multipart".to_vec()
            )
            .await
        ),
        44001
    );
}

#[tokio::test]
async fn media_expires_after_three_days_and_is_the_corps_own() {
    let app = spawn_app().await;
    let t = app.token().await;
    let id = app.media_id(&t, "file", b"report.pdf").await;
    let send = json!({"touser": "lisi", "msgtype": "file", "agentid": BOT_AGENTID, "file": {"media_id": id}});
    assert_eq!(code(&app.send(&t, send.clone()).await), 0);
    // The other app of the same corp may use it: media is shared among a corp's apps.
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let bytes = app.media_bytes(&hr, &id).await;
    assert_eq!(bytes, b"report.pdf");
    app.advance(3 * 24 * 3600).await;
    let t = app.token().await;
    assert_eq!(code(&app.send(&t, send).await), 40007);
    assert_eq!(
        code(
            &app.get(&format!(
                "/cgi-bin/media/get?access_token={t}&media_id={id}"
            ))
            .await
        ),
        40007
    );
}

#[tokio::test]
async fn uploadimg_url_is_wecoms_and_resolves_to_the_mock() {
    let app = spawn_app().await;
    let t = app.token().await;
    let v = app
        .upload(
            &format!("/cgi-bin/media/uploadimg?access_token={t}"),
            "media",
            "p.png",
            PNG,
        )
        .await;
    assert_eq!(code(&v), 0, "{v}");
    let url = v["url"].as_str().unwrap_or_default();
    assert!(url.starts_with("https://wework.qpic.cn/wwpic/"), "{url}");
    let (status, what) =
        crate::kf::control(&app, "/mock/links/resolve", serde_json::json!({"url": url})).await;
    assert_eq!(
        (status, what["kind"].as_str()),
        (200, Some("image")),
        "{what}"
    );
    let mock_url = what["mock_url"].as_str().unwrap_or_default();
    assert!(
        mock_url.starts_with(&format!("http://{}/wwpic/", app.addr)),
        "{what}"
    );
    let body = app
        .http
        .get(mock_url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .bytes()
        .await;
    assert_eq!(body.map(|b| b.to_vec()).unwrap_or_default(), PNG);
}
