//! Files both ways: the bot's chunked upload (any order, a repeat harmless, checked whole) and its media
//! sent with `aibot_send_msg`; a member's image at a URL of the mock's, encrypted under the message's aeskey.

use base64::Engine;
use md5::{Digest, Md5};
use serde_json::json;

use super::*;

fn cmd(cmd: &str, req_id: &str, body: Value) -> Value {
    json!({"cmd": cmd, "headers": {"req_id": req_id}, "body": body})
}

/// Uploads `data` in chunks of `size`, sent last first and the first twice; the media_id.
async fn upload(ws: &mut Socket, data: &[u8], size: usize) -> String {
    let md5 = hex::encode(Md5::digest(data));
    let chunks: Vec<&[u8]> = data.chunks(size).collect();
    send(
        ws,
        cmd(
            "aibot_upload_media_init",
            "init_1",
            json!({"type": "file", "filename": "报告.pdf",
        "total_size": data.len(), "total_chunks": chunks.len(), "md5": md5}),
        ),
    )
    .await;
    let init = recv(ws).await;
    assert_eq!(init["errcode"], 0, "{init}");
    let upload_id = init["body"]["upload_id"].as_str().unwrap().to_owned();
    let mut order: Vec<usize> = (0..chunks.len()).rev().collect();
    order.push(0);
    for i in order {
        let b64 = base64::engine::general_purpose::STANDARD.encode(chunks[i]);
        send(
            ws,
            cmd(
                "aibot_upload_media_chunk",
                &format!("chunk_{i}"),
                json!({"upload_id": upload_id, "chunk_index": i, "base64_data": b64}),
            ),
        )
        .await;
        assert_eq!(recv(ws).await["errcode"], 0);
    }
    send(
        ws,
        cmd(
            "aibot_upload_media_finish",
            "finish_1",
            json!({"upload_id": upload_id}),
        ),
    )
    .await;
    let done = recv(ws).await;
    assert_eq!(done["errcode"], 0, "{done}");
    assert_eq!(done["body"]["type"], "file");
    assert!(done["body"]["created_at"].as_str().is_some());
    done["body"]["media_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_upload_in_chunks_is_sent_to_a_member_who_wrote() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    let data: Vec<u8> = (0..1_200_000u32).map(|i| (i % 251) as u8).collect();
    let media_id = upload(&mut ws, &data, 512 * 1024).await;
    let file = json!({"chatid": "zhangsan", "msgtype": "file", "file": {"media_id": media_id}});
    send(&mut ws, cmd("aibot_send_msg", "send_0", file.clone())).await;
    assert_eq!(
        recv(&mut ws).await["errcode"],
        40058,
        "zhangsan has not written yet"
    );
    said(&app, &mut ws, "zhangsan", "把报告发我").await;
    send(&mut ws, cmd("aibot_send_msg", "send_1", file.clone())).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    let inbox = app.get("/mock/inboxes/user/zhangsan").await;
    assert_eq!(inbox["messages"][0]["msgtype"], "file");
    assert_eq!(
        inbox["messages"][0]["content"]["media_id"],
        media_id.as_str()
    );
    // A media_id lives 3 days.
    app.post("/mock/clock/advance", json!({"seconds": 3 * 86400 + 1}))
        .await;
    send(&mut ws, cmd("aibot_send_msg", "send_2", file)).await;
    assert_eq!(recv(&mut ws).await["errcode"], 40007);
}

#[tokio::test]
async fn a_broken_upload_is_refused() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    let init = json!({"type": "file", "filename": "a.bin", "total_size": 10, "total_chunks": 2,
        "md5": hex::encode(Md5::digest(b"0123456789"))});
    send(&mut ws, cmd("aibot_upload_media_init", "i", init)).await;
    let id = recv(&mut ws).await["body"]["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chunk = |i: usize, data: &[u8]| {
        cmd(
            "aibot_upload_media_chunk",
            "c",
            json!({"upload_id": id, "chunk_index": i,
            "base64_data": base64::engine::general_purpose::STANDARD.encode(data)}),
        )
    };
    send(&mut ws, chunk(2, b"xx")).await;
    assert_eq!(
        recv(&mut ws).await["errcode"],
        40058,
        "index past total_chunks"
    );
    send(&mut ws, chunk(0, b"01234")).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    let finish = cmd("aibot_upload_media_finish", "f", json!({"upload_id": id}));
    send(&mut ws, finish.clone()).await;
    assert_eq!(recv(&mut ws).await["errmsg"], "chunks missing");
    send(&mut ws, chunk(1, b"5678X")).await;
    assert_eq!(recv(&mut ws).await["errcode"], 0);
    send(&mut ws, finish.clone()).await;
    assert_eq!(recv(&mut ws).await["errmsg"], "md5 mismatch");
    send(&mut ws, finish).await;
    assert_eq!(
        recv(&mut ws).await["errmsg"],
        "invalid upload_id",
        "a failed finish ends the upload"
    );
    let small = json!({"type": "file", "filename": "a", "total_size": 4, "total_chunks": 1});
    send(&mut ws, cmd("aibot_upload_media_init", "i2", small)).await;
    assert_eq!(recv(&mut ws).await["errcode"], 40006);
}

/// A member's image reaches the bot as a URL of the mock and an aeskey; the URL serves the placeholder PNG
/// encrypted under that key (AES-256-CBC, IV its first 16 bytes), for 5 minutes of mock time.
#[tokio::test]
async fn a_members_image_downloads_and_decrypts() {
    let app = spawn_app().await;
    let mut ws = subscribed(&app).await;
    app.post(
        &format!("/mock/aibots/{BOTID}/messages"),
        json!({"from": "zhangsan", "msgtype": "image"}),
    )
    .await;
    let callback = recv(&mut ws).await;
    let image = &callback["body"]["image"];
    let url = image["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("http://{}/wwaibot/", app.addr)),
        "{url}"
    );
    let aeskey = image["aeskey"].as_str().unwrap();
    let key: [u8; 32] = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(aeskey)
        .unwrap()
        .try_into()
        .unwrap();
    let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    let plain = wecom_wire::crypto::decrypt_file(&key, &bytes).expect("decrypts");
    assert!(plain.starts_with(b"\x89PNG"), "{plain:?}");
    app.post("/mock/clock/advance", json!({"seconds": 301}))
        .await;
    assert_eq!(reqwest::get(url).await.unwrap().status(), 404);

    app.post(
        &format!("/mock/aibots/{BOTID}/messages"),
        json!({"from": "zhangsan", "msgtype": "mixed",
        "items": [{"msgtype": "text", "content": "看图"}, {"msgtype": "image"}]}),
    )
    .await;
    let mixed = recv(&mut ws).await;
    let items = &mixed["body"]["mixed"]["msg_item"];
    assert_eq!(items[0]["text"]["content"], "看图");
    assert!(items[1]["image"]["url"].as_str().is_some());
}
