use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn text_lands_in_each_recipient_inbox_with_invalid_lists() {
    let app = spawn_app().await;
    let t = app.token().await;
    let v = app
        .send(&t, json!({"touser": "ZhangSan|Ghost|qianqi", "toparty": "5|999", "totag": "1|77", "msgtype": "text",
                         "agentid": BOT_AGENTID, "text": {"content": "你好\n<a href=\"https://example.com\">x</a>"}}))
        .await;
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(v["invaliduser"], "ghost");
    assert_eq!(v["invalidparty"], "999");
    assert_eq!(v["invalidtag"], "77");
    assert_eq!(v["unlicenseduser"], "qianqi");
    assert!(v["msgid"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(v.get("response_code").is_none());
    // zhangsan (named, and in tag 1), lisi (department 5), wangwu (tag 1); each gets it once.
    for u in ["zhangsan", "lisi", "wangwu"] {
        let inbox = app.inbox(u).await;
        assert_eq!(inbox["n_total"], 1, "{u}: {inbox}");
        assert_eq!(inbox["messages"][0]["msgid"], v["msgid"]);
        assert_eq!(
            inbox["messages"][0]["content"]["content"],
            "你好\n<a href=\"https://example.com\">x</a>"
        );
    }
    for u in ["qianqi", "zhaoliu", "sunba"] {
        assert_eq!(app.inbox(u).await["n_total"], 0, "{u}");
    }
}

#[tokio::test]
async fn all_reaches_the_apps_scope_only() {
    let app = spawn_app().await;
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let v = app
        .send(
            &hr,
            json!({"touser": "@all", "toparty": "4", "msgtype": "markdown", "agentid": HR_AGENTID,
                                "markdown": {"content": "**notice**"}}),
        )
        .await;
    assert_eq!(code(&v), 0, "{v}");
    // HR sees department 2 (zhangsan, lisi via 5) and tag 2 (sunba, wangwu and zhaoliu via department 3).
    for (u, n) in [
        ("zhangsan", 1),
        ("lisi", 1),
        ("sunba", 1),
        ("wangwu", 1),
        ("zhaoliu", 1),
        ("qianqi", 0),
    ] {
        assert_eq!(app.inbox(u).await["n_total"], n, "{u}");
    }
    let v = app.send(&hr, json!({"touser": "qianqi", "msgtype": "text", "agentid": HR_AGENTID, "text": {"content": "x"}})).await;
    assert_eq!(code(&v), 81013, "out of scope is invalid: {v}");
    assert_eq!(v["invaliduser"], "qianqi", "81013 keeps the invalid lists");
}

#[tokio::test]
async fn every_msgtype_is_accepted() {
    let app = spawn_app().await;
    let t = app.token().await;
    let img = app.media_id(&t, "image", PNG).await;
    let voice = app.media_id(&t, "voice", AMR).await;
    let video = app.media_id(&t, "video", MP4).await;
    let file = app.media_id(&t, "file", b"hello file").await;
    let bodies = [
        json!({"msgtype": "text", "text": {"content": "x"}}),
        json!({"msgtype": "image", "image": {"media_id": img}}),
        json!({"msgtype": "voice", "voice": {"media_id": voice}}),
        json!({"msgtype": "video", "video": {"media_id": video, "title": "t", "description": "d"}}),
        json!({"msgtype": "file", "file": {"media_id": file}}),
        json!({"msgtype": "textcard", "textcard": {"title": "t", "description": "d", "url": "https://e.example", "btntxt": "更多"}}),
        json!({"msgtype": "news", "news": {"articles": [{"title": "t", "url": "https://e.example", "picurl": "https://e.example/p.png"}]}}),
        json!({"msgtype": "mpnews", "mpnews": {"articles": [{"title": "t", "thumb_media_id": img, "content": "<p>c</p>"}]}}),
        json!({"msgtype": "markdown", "markdown": {"content": "# h"}}),
        json!({"msgtype": "miniprogram_notice", "miniprogram_notice": {"appid": "wx123", "page": "p", "title": "t",
               "content_item": [{"key": "k", "value": "v"}]}}),
        json!({"msgtype": "template_card", "template_card": {"card_type": "text_notice", "main_title": {"title": "t"},
               "card_action": {"type": 1, "url": "https://e.example"}}}),
        json!({"msgtype": "template_card", "template_card": {"card_type": "vote_interaction", "task_id": "task1",
               "checkbox": {"question_key": "q", "option_list": [{"id": "a", "text": "A"}]}, "submit_button": {"text": "ok", "key": "k"}}}),
    ];
    for mut b in bodies {
        b["touser"] = json!("lisi");
        b["agentid"] = json!(BOT_AGENTID);
        let v = app.send(&t, b.clone()).await;
        assert_eq!(code(&v), 0, "{b} → {v}");
        let interactive = b["template_card"]["card_type"] == "vote_interaction";
        assert_eq!(v["response_code"].is_string(), interactive, "{v}");
    }
    let inbox = app.inbox("lisi").await;
    assert_eq!(inbox["n_total"], 12);
    assert_eq!(inbox["messages"][0]["msgtype"], "template_card");
}

#[tokio::test]
async fn send_errors() {
    let app = spawn_app().await;
    let t = app.token().await;
    let cases = [
        (
            json!({"touser": "lisi", "msgtype": "text", "text": {"content": "x"}}),
            40056,
        ),
        (
            json!({"touser": "lisi", "msgtype": "text", "agentid": 42, "text": {"content": "x"}}),
            40056,
        ),
        (
            json!({"touser": "lisi", "msgtype": "text", "agentid": HR_AGENTID, "text": {"content": "x"}}),
            301002,
        ),
        (
            json!({"touser": "lisi", "msgtype": "sms", "agentid": BOT_AGENTID}),
            40008,
        ),
        (
            json!({"touser": "lisi", "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": ""}}),
            44004,
        ),
        (
            json!({"touser": "lisi", "msgtype": "image", "agentid": BOT_AGENTID, "image": {"media_id": "forged"}}),
            40007,
        ),
        (
            json!({"msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": "x"}}),
            82001,
        ),
        (
            json!({"touser": "nobody", "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": "x"}}),
            81013,
        ),
        (
            // A wrong type: WeCom reads the fields before it, so the agentid is missing.
            json!({"touser": "lisi", "msgtype": "text", "agentid": "abc", "text": {"content": "x"}}),
            40056,
        ),
    ];
    for (body, want) in cases {
        assert_eq!(code(&app.send(&t, body.clone()).await), want, "{body}");
    }
    for raw in [&b"{not json"[..], b"{\"touser\":\"\xff\"}", b"[1]"] {
        let v = app
            .post_raw(
                &format!("/cgi-bin/message/send?access_token={t}"),
                raw.to_vec(),
            )
            .await;
        assert_eq!(code(&v), 40056, "{v}");
        assert!(
            v["errmsg"].as_str().is_some_and(
                |m| m.starts_with("Warning: wrong json format. invalid agentid, hint: [")
            ),
            "{v}"
        );
    }
    assert_eq!(
        app.inbox("lisi").await["n_total"],
        0,
        "nothing was delivered by a refused call"
    );
}

#[tokio::test]
async fn agentid_as_string_and_no_content_type_are_accepted() {
    let app = spawn_app().await;
    let t = app.token().await;
    let body =
        r#"{"touser":"lisi","msgtype":"text","agentid":"1000002","text":{"content":"中文"}}"#;
    assert_eq!(
        code(
            &app.post_raw(
                &format!("/cgi-bin/message/send?access_token={t}"),
                body.as_bytes().to_vec()
            )
            .await
        ),
        0
    );
}

#[tokio::test]
async fn duplicate_check_delivers_once_within_interval() {
    let app = spawn_app().await;
    let t = app.token().await;
    let body = json!({"touser": "lisi", "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": "once"},
                      "enable_duplicate_check": 1, "duplicate_check_interval": 60});
    let a = app.send(&t, body.clone()).await;
    let b = app.send(&t, body.clone()).await;
    assert_eq!((code(&a), code(&b)), (0, 0));
    assert_eq!(a["msgid"], b["msgid"]);
    assert_eq!(app.inbox("lisi").await["n_total"], 1);
    app.advance(61).await;
    let c = app.send(&t, body).await;
    assert_ne!(a["msgid"], c["msgid"]);
    assert_eq!(app.inbox("lisi").await["n_total"], 2);
}

#[tokio::test]
async fn recall_marks_the_message_in_every_inbox() {
    let app = spawn_app().await;
    let t = app.token().await;
    let v = app.text_to(&t, "lisi|zhangsan", "oops").await;
    let msgid = v["msgid"].clone();
    let recall = |m: serde_json::Value| {
        let (app, t) = (&app, &t);
        async move {
            app.post(
                &format!("/cgi-bin/message/recall?access_token={t}"),
                json!({"msgid": m}),
            )
            .await
        }
    };
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let other_app = app
        .post(
            &format!("/cgi-bin/message/recall?access_token={hr}"),
            json!({"msgid": msgid}),
        )
        .await;
    assert_eq!(code(&other_app), 40058, "another app cannot recall it");
    assert_eq!(code(&recall(msgid.clone()).await), 0);
    for u in ["lisi", "zhangsan"] {
        assert_eq!(app.inbox(u).await["messages"][0]["recalled"], true);
    }
    assert_eq!(code(&recall(msgid).await), 40058, "twice");
    assert_eq!(code(&recall(json!("unknown")).await), 40058);
    let old = app.text_to(&t, "lisi", "old").await;
    app.advance(24 * 3600 + 1).await;
    let t = app.token().await;
    let late = app
        .post(
            &format!("/cgi-bin/message/recall?access_token={t}"),
            json!({"msgid": old["msgid"]}),
        )
        .await;
    assert_eq!(code(&late), 40058, "past 24 h");
}

#[tokio::test]
async fn per_member_limit_drops_silently_and_counts() {
    let app = spawn_app().await;
    let t = app.token().await;
    for i in 0..31 {
        assert_eq!(
            code(&app.text_to(&t, "lisi", &format!("n{i}")).await),
            0,
            "no errcode, ever"
        );
    }
    let inbox = app.inbox("lisi").await;
    assert_eq!(
        (inbox["n_total"].as_u64(), inbox["n_dropped"].as_u64()),
        (Some(30), Some(1))
    );
    // Another app has its own allowance, and another member is untouched.
    let hr = app.token_for(CORPID, HR_SECRET).await;
    let v = app.send(&hr, json!({"touser": "lisi", "msgtype": "text", "agentid": HR_AGENTID, "text": {"content": "hr"}})).await;
    assert_eq!(code(&v), 0);
    assert_eq!(app.inbox("lisi").await["n_total"], 31);
    app.advance(60).await;
    let t = app.token().await;
    app.text_to(&t, "lisi", "next minute").await;
    assert_eq!(app.inbox("lisi").await["n_total"], 32);
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"member_per_minute": 0, "member_per_hour": 0}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    for _ in 0..40 {
        app.text_to(&t, "zhaoliu", "unlimited").await;
    }
    assert_eq!(app.inbox("zhaoliu").await["n_total"], 40);
}

#[tokio::test]
async fn msgids_never_repeat_across_resets_and_sources() {
    let app = spawn_app().await;
    let t = app.token().await;
    let robot = app
        .post(
            &format!("/cgi-bin/webhook/send?key={ROBOT_KEY}"),
            json!({"msgtype": "text", "text": {"content": "r"}}),
        )
        .await;
    assert_eq!(code(&robot), 0);
    let before = app.text_to(&t, "zhangsan", "A").await["msgid"].clone();
    let r = app.http.post(app.url("/mock/reset")).send().await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    let after = app.text_to(&t, "lisi", "B").await["msgid"].clone();
    assert_ne!(before, after, "a reset does not restart msgids");
    let robot_msgid = app.get(&format!("/mock/inboxes/robot/{ROBOT_KEY}")).await;
    assert_eq!(
        robot_msgid["n_total"], 0,
        "the reset emptied the robot inbox"
    );
    // The old msgid is not the new message's: recalling it must not recall B.
    let recall = app
        .post(
            &format!("/cgi-bin/message/recall?access_token={t}"),
            json!({"msgid": before}),
        )
        .await;
    assert_eq!(code(&recall), 40058);
    assert_eq!(app.inbox("lisi").await["messages"][0]["recalled"], false);
}

#[tokio::test]
async fn duplicate_check_holds_under_concurrent_identical_calls() {
    let app = spawn_app().await;
    let t = app.token().await;
    let body = json!({"touser": "lisi", "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": "once only"},
                      "enable_duplicate_check": 1});
    let url = app.url(&format!("/cgi-bin/message/send?access_token={t}"));
    let calls: Vec<_> = (0..32)
        .map(|_| {
            let (http, url, body) = (app.http.clone(), url.clone(), body.to_string());
            tokio::spawn(async move {
                let r = http.post(url).body(body).send().await.ok()?;
                r.json::<serde_json::Value>().await.ok()
            })
        })
        .collect();
    let mut msgids = std::collections::HashSet::new();
    for c in calls {
        let v = c.await.ok().flatten().unwrap_or_default();
        assert_eq!(code(&v), 0, "{v}");
        msgids.insert(v["msgid"].to_string());
    }
    assert_eq!(
        msgids.len(),
        1,
        "every duplicate answers with the first msgid"
    );
    assert_eq!(app.inbox("lisi").await["n_total"], 1, "delivered once");
}

#[tokio::test]
async fn a_long_text_is_cut_at_2048_bytes_and_sent() {
    let app = spawn_app().await;
    let t = app.token().await;
    // 2047 bytes of ASCII then a 3-byte character: the cut falls inside it, so the whole character goes.
    let text = format!("{}中and more", "x".repeat(2047));
    let v = app.text_to(&t, "lisi", &text).await;
    assert_eq!(code(&v), 0, "{v}");
    let inbox = app.inbox("lisi").await;
    let got = inbox["messages"][0]["content"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(got, "x".repeat(2047));
}
