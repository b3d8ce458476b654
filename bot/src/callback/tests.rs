//! The callback endpoint against requests signed with the bot's own keys, forged ones and garbage.

use axum::body::{to_bytes, Body};
use axum::http::{Method, Request, StatusCode};
use proptest::prelude::*;
use tower::ServiceExt as _;

use wecom_wire::callback::{message_xml, push_envelope_xml, Value as X};
use wecom_wire::crypto::MsgCrypt;

use super::*;
use crate::Config;

const TIMESTAMP: &str = "1700000000";
const NONCE: &str = "123456789";
const RANDOM: [u8; 16] = *b"0123456789abcdef";

fn bot() -> Arc<Bot> {
    // Nothing listens on port 9 of loopback: a puller these tests start fails fast and quietly.
    let config = Config {
        api_base: "http://127.0.0.1:9".into(),
        ..Config::demo()
    };
    match Bot::new(config) {
        Ok(b) => b,
        Err(e) => panic!("demo config refused: {e}"),
    }
}

fn crypt(bot: &Bot) -> MsgCrypt {
    let c = bot.config();
    match MsgCrypt::new(&c.token, &c.encoding_aes_key, &c.corpid) {
        Ok(m) => m,
        Err(e) => panic!("demo keys refused: {e}"),
    }
}

/// Percent-encodes everything but unreserved characters, as an HTTP client would.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn call(bot: &Arc<Bot>, method: Method, uri: &str, body: String) -> (StatusCode, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body));
    let Ok(req) = req else {
        panic!("bad request {uri}");
    };
    let Ok(resp) = router(Arc::clone(bot)).oneshot(req).await;
    let status = resp.status();
    let bytes = to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn verify_uri(signature: &str, echostr: &str) -> String {
    format!(
        "/callback?msg_signature={signature}&timestamp={TIMESTAMP}&nonce={NONCE}&echostr={}",
        pct(echostr)
    )
}

/// A push as WeCom sends it: the query and the envelope for `plaintext`.
fn push_request(crypt: &MsgCrypt, plaintext: &str) -> (String, String) {
    let encrypt = crypt.encrypt(plaintext.as_bytes(), &RANDOM);
    let signature = crypt.signature(TIMESTAMP, NONCE, &encrypt);
    let uri = format!("/callback?msg_signature={signature}&timestamp={TIMESTAMP}&nonce={NONCE}");
    (
        uri,
        push_envelope_xml(crypt.receive_id(), &encrypt, "1000002"),
    )
}

fn kf_event() -> String {
    message_xml(&[
        ("ToUserName", X::Text("ww5e2d1c0b9a8f7e6d")),
        ("CreateTime", X::Number(1_700_000_000)),
        ("MsgType", X::Text("event")),
        ("Event", X::Text("kf_msg_or_event")),
        (
            "Token",
            X::Text("ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR"),
        ),
        ("OpenKfId", X::Text("wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw")),
    ])
}

#[tokio::test]
async fn verification_answers_the_plaintext() {
    let bot = bot();
    let crypt = crypt(&bot);
    // Random bytes that are not all alphanumeric make sure `+`, `/` and `=` survive the query.
    let echostr = crypt.encrypt(b"5927782489442352469", &[0xfb; 16]);
    let signature = crypt.signature(TIMESTAMP, NONCE, &echostr);
    let (status, body) = call(
        &bot,
        Method::GET,
        &verify_uri(&signature, &echostr),
        String::new(),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "5927782489442352469")
    );
    assert_eq!(bot.stats().n_verifications, 1);
}

#[tokio::test]
async fn verification_refuses_forgeries_and_garbage() {
    let bot = bot();
    let crypt = crypt(&bot);
    let echostr = crypt.encrypt(b"42", &RANDOM);
    let forged = crypt.signature(TIMESTAMP, "987654321", &echostr);
    let other_keys = MsgCrypt::new(
        "OtherToken",
        &bot.config().encoding_aes_key,
        "ww5e2d1c0b9a8f7e6d",
    );
    let Ok(other_keys) = other_keys else {
        panic!("other keys refused");
    };
    let theirs = other_keys.signature(TIMESTAMP, NONCE, &echostr);
    for uri in [
        verify_uri(&forged, &echostr),
        verify_uri(&theirs, &echostr),
        verify_uri(&crypt.signature(TIMESTAMP, NONCE, "garbage"), "garbage"),
        "/callback".to_owned(),
        "/callback?msg_signature=&timestamp=&nonce=&echostr=".to_owned(),
        "/callback?echostr=a&echostr=b".to_owned(),
    ] {
        let (status, body) = call(&bot, Method::GET, &uri, String::new()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(!body.is_empty() && !body.contains("42"), "{uri}: {body}");
    }
    assert_eq!(bot.stats().n_verifications, 0);
}

#[tokio::test]
async fn kf_push_is_acknowledged_at_once() {
    let bot = bot();
    let (uri, body) = push_request(&crypt(&bot), &kf_event());
    let (status, answer) = call(&bot, Method::POST, &uri, body).await;
    assert_eq!((status, answer.as_str()), (StatusCode::OK, "success"));
    let stats = bot.stats();
    assert_eq!(
        (
            stats.n_callbacks,
            stats.n_kf_callbacks,
            stats.n_bad_callbacks
        ),
        (1, 1, 0)
    );
}

#[tokio::test]
async fn other_pushes_are_counted_and_acknowledged() {
    let bot = bot();
    let text = message_xml(&[
        ("ToUserName", X::Text("ww5e2d1c0b9a8f7e6d")),
        ("FromUserName", X::Text("zhangsan")),
        ("MsgType", X::Text("text")),
        ("Content", X::Text("hello")),
    ]);
    let (uri, body) = push_request(&crypt(&bot), &text);
    let (status, answer) = call(&bot, Method::POST, &uri, body).await;
    assert_eq!((status, answer.as_str()), (StatusCode::OK, "success"));
    assert_eq!(bot.stats().n_other_callbacks, 1);
}

#[tokio::test]
async fn tampered_and_broken_pushes_are_refused() {
    let bot = bot();
    let crypt = crypt(&bot);
    let (uri, body) = push_request(&crypt, &kf_event());
    // One changed character in the ciphertext breaks the signature.
    let tampered = body.replacen("<Encrypt><![CDATA[", "<Encrypt><![CDATA[A", 1);
    let kf_without_token = message_xml(&[
        ("MsgType", X::Text("event")),
        ("Event", X::Text("kf_msg_or_event")),
    ]);
    let (uri_nt, body_nt) = push_request(&crypt, &kf_without_token);
    let (uri_nx, body_nx) = push_request(&crypt, "not xml");
    let cases = [
        (uri.clone(), tampered),
        (uri.replace("nonce=", "nonce=1"), body.clone()),
        ("/callback".to_owned(), body),
        (uri.clone(), "garbage".to_owned()),
        (uri, String::new()),
        (uri_nt, body_nt),
        (uri_nx, body_nx),
    ];
    let n_cases = cases.len() as u64;
    for (uri, body) in cases {
        let (status, _) = call(&bot, Method::POST, &uri, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {body}");
    }
    let stats = bot.stats();
    assert_eq!(
        (
            stats.n_callbacks,
            stats.n_bad_callbacks,
            stats.n_kf_callbacks
        ),
        (n_cases, n_cases, 0)
    );
}

#[tokio::test]
async fn other_paths_are_not_found() {
    let bot = bot();
    let (status, _) = call(&bot, Method::GET, "/elsewhere", String::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_pushes_get_400_never_a_panic(query in "[a-z_=&%0-9]{0,60}", body in ".{0,200}") {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let Ok(rt) = rt else { return Err(TestCaseError::fail("no runtime")) };
        let bot = bot();
        let (status, _) = rt.block_on(call(&bot, Method::POST, &format!("/callback?{query}"), body));
        prop_assert_eq!(status, StatusCode::BAD_REQUEST);
        prop_assert_eq!(bot.stats().n_bad_callbacks, 1);
    }
}

#[test]
fn a_flaky_bot_fails_its_share_and_the_same_pushes() {
    let n_failed = (0..10_000).filter(|n| fails(30, 7, *n)).count();
    assert!((2_800..3_200).contains(&n_failed), "{n_failed}");
    let a: Vec<u64> = (0..100).filter(|n| fails(30, 7, *n)).collect();
    let b: Vec<u64> = (0..100).filter(|n| fails(30, 7, *n)).collect();
    assert_eq!(a, b);
    assert_ne!(a, (0..100).filter(|n| fails(30, 8, *n)).collect::<Vec<_>>());
    assert!(!(0..1000).any(|n| fails(0, 7, n)));
    assert!((0..1000).all(|n| fails(100, 7, n)));
}
