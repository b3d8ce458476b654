//! Bodies refused by what their head declares, before they are read, and bodies whose framing is broken.

use crate::raw::{self, patient, send};

const SEND: &str = "/cgi-bin/message/send?access_token=x";
const UPLOAD: &str = "/cgi-bin/media/upload?access_token=x&type=file";

fn post(path: &str, extra: &str) -> String {
    format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n")
}

#[tokio::test]
async fn a_huge_declared_body_gets_45002_at_once_and_the_connection_closes() {
    // Body timeout 60 s, so an answer within the bound means the body was not waited for.
    let server = raw::serve(patient()).await;
    let mut s = server.connect().await;
    let req = post(SEND, "Content-Length: 1000000000\r\n") + "0123456789";
    send(&mut s, req.as_bytes()).await;
    let r = raw::response(&mut s)
        .await
        .unwrap_or_else(|| panic!("no answer"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["errcode"], 45002, "{r:?}");
    assert_eq!(r.header("error-code"), Some("45002"));
    assert_eq!(r.header("connection"), Some("close"));
    raw::closed(&mut s).await;
}

#[tokio::test]
async fn an_oversized_body_with_expect_continue_gets_the_refusal_not_100_continue() {
    let server = raw::serve(patient()).await;
    for (path, code) in [(SEND, 45002), (UPLOAD, 45001)] {
        let mut s = server.connect().await;
        let req = post(
            path,
            "Content-Length: 900000000\r\nExpect: 100-continue\r\n",
        );
        send(&mut s, req.as_bytes()).await;
        let r = raw::response(&mut s)
            .await
            .unwrap_or_else(|| panic!("no answer"));
        assert_eq!(r.status, 200, "{path}: {r:?}");
        assert_eq!(r.json()["errcode"], code, "{path}: {r:?}");
        let rest = raw::closed(&mut s).await;
        assert!(
            rest.is_empty(),
            "{path}: {}",
            String::from_utf8_lossy(&rest)
        );
    }
}

#[tokio::test]
async fn a_body_within_the_limit_with_expect_continue_gets_100_continue() {
    let server = raw::serve(patient()).await;
    let mut s = server.connect().await;
    let body = br#"{"touser": "lisi"}"#;
    let req = post(
        SEND,
        &format!("Content-Length: {}\r\nExpect: 100-continue\r\n", body.len()),
    );
    send(&mut s, req.as_bytes()).await;
    let r = raw::response(&mut s)
        .await
        .unwrap_or_else(|| panic!("no answer"));
    assert_eq!(r.status, 100, "{r:?}");
    send(&mut s, body).await;
    let r = raw::response(&mut s)
        .await
        .unwrap_or_else(|| panic!("no answer"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.json()["errcode"],
        40014,
        "the token is checked, so the body was read: {r:?}"
    );
}

#[tokio::test]
async fn a_malformed_chunked_body_is_http_400_not_a_size_error() {
    let server = raw::serve(patient()).await;
    for body in [
        &b"zz\r\nhello\r\n0\r\n\r\n"[..],
        b"5\r\nhello world, more than five\r\n0\r\n\r\n",
    ] {
        let mut s = server.connect().await;
        let req = post(SEND, "Transfer-Encoding: chunked\r\n");
        send(&mut s, &[req.as_bytes(), body].concat()).await;
        let r = raw::response(&mut s)
            .await
            .unwrap_or_else(|| panic!("no answer"));
        assert_eq!(r.status, 400, "{}: {r:?}", String::from_utf8_lossy(body));
        assert!(
            r.header("error-code").is_none(),
            "no errcode for a framing error: {r:?}"
        );
        raw::closed(&mut s).await;
    }
    let journal = server.get("/mock/journal?limit=10").await;
    let entries = journal["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2, "{journal}");
    assert!(
        entries
            .iter()
            .all(|e| e["status"] == 400 && e["errcode"].is_null()),
        "journaled as refused below the API, not as a success"
    );
}

#[tokio::test]
async fn a_well_formed_chunked_body_is_read() {
    let server = raw::serve(patient()).await;
    let mut s = server.connect().await;
    let req = post(SEND, "Transfer-Encoding: chunked\r\n") + "2\r\n{}\r\n0\r\n\r\n";
    send(&mut s, req.as_bytes()).await;
    let r = raw::response(&mut s)
        .await
        .unwrap_or_else(|| panic!("no answer"));
    assert_eq!(r.json()["errcode"], 40014, "{r:?}");
}
