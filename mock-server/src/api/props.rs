//! Property tests over every endpoint, in-process: arbitrary query strings and bodies never panic or give a
//! 5xx, always get a WeCom envelope, and a refused call leaves the world as it was. Beside the router, not in
//! `tests/api`: they issue tokens with chosen values and read the store.

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

use super::ENDPOINTS;
use crate::testing::{BOT_SECRET, CORPID, CUSTOMER, KF_ACCOUNT, ROBOT_KEY};
use crate::State;

fn paths() -> Vec<&'static str> {
    ENDPOINTS.iter().map(|e| e.path).collect()
}

/// The token the fixture issues, so strategies can use it.
const TOKEN: &str = "valid-token";
/// The contacts-sync token the fixture issues, which may write the directory.
const SYNC_TOKEN: &str = "valid-sync-token";

struct Fixture {
    rt: tokio::runtime::Runtime,
    state: Arc<State>,
}

fn fixture() -> Fixture {
    let state = State::demo(crate::Config::default()).unwrap_or_else(|e| panic!("{e}"));
    with_tokens(state, 1_000_002)
}

/// The state with [`TOKEN`] issued to `agentid` of the first corp and [`SYNC_TOKEN`] to its contacts sync.
fn with_tokens(state: Arc<State>, agentid: i64) -> Fixture {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (token, _) = state
        .tokens
        .issue(0, agentid, state.clock.now_ms(), || TOKEN.into());
    assert_eq!(&*token, TOKEN);
    let (sync, _) = state.tokens.issue_for(
        0,
        crate::tokens::Holder::ContactSync,
        state.clock.now_ms(),
        || SYNC_TOKEN.into(),
    );
    assert_eq!(&*sync, SYNC_TOKEN);
    Fixture { rt, state }
}

fn query_value(token: String) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(token),
        Just(SYNC_TOKEN.to_owned()),
        Just(CORPID.to_owned()),
        Just(BOT_SECRET.to_owned()),
        Just(ROBOT_KEY.to_owned()),
        prop::sample::select(vec![
            "zhangsan", "1", "2", "1000002", "image", "file", "voice", "@all", "-1", "", "%FF",
            "%", KF_ACCOUNT
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z0-9%&=+/ _.-]{0,24}",
    ]
}

fn query(token: String) -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "access_token",
        "userid",
        "department_id",
        "fetch_child",
        "id",
        "tagid",
        "agentid",
        "chatid",
        "media_id",
        "key",
        "type",
        "corpid",
        "corpsecret",
        "jobid",
        "debug",
        "open_kfid",
        "jobid",
        "code",
    ]);
    prop::collection::vec((key, query_value(token)), 0..6).prop_map(|kv| {
        kv.into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "text",
            "image",
            "news",
            "markdown",
            "template_card",
            "text_notice",
            "zhangsan",
            "lisi|ghost",
            "@all",
            KF_ACCOUNT,
            CUSTOMER,
            "wangwu",
            "etNoSuchTag",
            "1000002",
            "2",
            "",
            "中文",
            "13800000099",
            "new@demo.example",
        ])
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    let tree = leaf.prop_recursive(3, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "touser",
                    "open_kfid",
                    "external_userid",
                    "add_tag",
                    "remove_tag",
                    "tag_id",
                    "group_id",
                    "group_name",
                    "remark",
                    "external_userid_list",
                    "userid_list",
                    "service_state",
                    "servicer_userid",
                    "cursor",
                    "token",
                    "limit",
                    "code",
                    "toparty",
                    "totag",
                    "msgtype",
                    "agentid",
                    "text",
                    "content",
                    "image",
                    "media_id",
                    "news",
                    "articles",
                    "title",
                    "url",
                    "template_card",
                    "card_type",
                    "card_action",
                    "chatid",
                    "userlist",
                    "owner",
                    "name",
                    "msgid",
                    "enable_duplicate_check",
                    "markdown",
                    "safe",
                    "page_id",
                    "page_size",
                    "tag_filter",
                    "group_list",
                    "tag_list",
                    "tag",
                    "start_time",
                    "end_time",
                    "mobile",
                    "email",
                    "department",
                    "parentid",
                    "tagname",
                    "tagid",
                    "useridlist",
                    "partylist",
                    "new_userid",
                    "userid",
                    "response_code",
                    "button",
                    "task_id",
                    "clicked_key",
                    "userids",
                    "link_id",
                    "link_name",
                    "range",
                    "moment_id",
                    "jobid",
                    "attachments",
                    "visible_range",
                    "member",
                    "groupchat",
                    "type",
                    "sub_button",
                    "description",
                ])
                .prop_map(str::to_owned),
                inner,
                0..7,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    tree.prop_map(|v| v.to_string().into_bytes())
}

fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_body(),
        prop::collection::vec(any::<u8>(), 0..64),
        Just(b"{\"a\":\"\xff\xfe\"}".to_vec())
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(paths()).prop_map(str::to_owned),
        1 => "/cgi-bin/[a-z/]{0,12}",
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop::sample::select(vec![
        Method::GET,
        Method::POST,
        Method::POST,
        Method::PUT,
        Method::DELETE,
    ])
}

fn call(
    f: &Fixture,
    method: Method,
    path: &str,
    query: &str,
    body: Vec<u8>,
) -> Result<(u16, Option<Value>, bool), TestCaseError> {
    let before = f.state.fingerprint();
    let req = Request::builder()
        .method(method)
        .uri(format!("{path}?{query}"))
        .body(Body::from(body));
    let req = req.map_err(|e| TestCaseError::reject(e.to_string()))?;
    let app = crate::app(f.state.clone());
    let (status, is_json, bytes) = f.rt.block_on(async {
        let resp = app.oneshot(req).await.unwrap_or_else(|e| match e {});
        let status = resp.status().as_u16();
        let is_json = resp
            .headers()
            .get("content-type")
            .is_some_and(|c| c.as_bytes().starts_with(b"application/json"));
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        (status, is_json, bytes)
    });
    prop_assert!(status < 500, "{path}?{query} → {status}");
    let v = if is_json {
        serde_json::from_slice::<Value>(&bytes).ok()
    } else {
        None
    };
    let unchanged = f.state.fingerprint() == before;
    Ok((status, v, unchanged))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_call_gets_an_envelope_and_refusals_change_nothing(
        m in method(), p in path(), query in query(TOKEN.to_owned()), body in any_body(),
    ) {
        let f = fixture();
        let known = ENDPOINTS.iter().any(|e| e.path == p) || super::is_unmodelled(&p);
        let (status, v, unchanged) = call(&f, m, &p, &query, body)?;
        if !known {
            prop_assert_eq!(status, 404);
            return Ok(());
        }
        prop_assert_eq!(status, 200);
        if let Some(v) = v {
            let code = v["errcode"].as_i64();
            prop_assert!(code.is_some(), "errcode missing or not a number: {}", v);
            prop_assert!(v["errmsg"].is_string());
            if code != Some(0) {
                prop_assert!(unchanged, "{} refused with {} but changed the world", p, v);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// `get_unassigned_list`'s legacy paging multiplies two numbers from the request: any of them, including
    /// ones whose product overflows, gets a page or 40058, never a panic.
    #[test]
    fn unassigned_paging_takes_any_numbers(
        page_id in prop_oneof![any::<i64>(), Just(i64::MAX), Just(i64::MAX / 1000 + 1), 0i64..4],
        page_size in prop_oneof![any::<i64>(), 1i64..=1000, Just(1000i64)],
    ) {
        let f = fixture();
        let body = serde_json::json!({"page_id": page_id, "page_size": page_size}).to_string().into_bytes();
        let (status, v, unchanged) = call(&f, Method::POST, "/cgi-bin/externalcontact/get_unassigned_list", &format!("access_token={TOKEN}"), body)?;
        prop_assert_eq!(status, 200);
        let code = v.as_ref().and_then(|v| v["errcode"].as_i64());
        prop_assert!(code == Some(0) || code == Some(40058), "{:?}", v);
        prop_assert!(unchanged);
    }
}

/// Two corps, A and B; the integration tests' `tenancy` reads the same file.
const TWO_CORPS: &str = include_str!("../../tests/api/two_corps.yaml");

/// Names that exist only in corp B of [`TWO_CORPS`].
const B_ONLY: &[&str] = &[
    "bob",
    "bea",
    "Bob",
    "Bea",
    "B only",
    "B tag",
    "B app",
    "b-robot-key",
];

fn two_corps() -> Fixture {
    let (world, fx) = crate::World::parse(TWO_CORPS, "two").unwrap_or_else(|e| panic!("{e}"));
    let state = State::new(world, &fx, crate::Config::default()).unwrap_or_else(|e| panic!("{e}"));
    with_tokens(state, 1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn corp_a_token_never_reveals_corp_b(
        m in method(),
        p in prop::sample::select(paths()),
        id in prop::sample::select(vec!["bob", "bea", "7", "5", "1", "BCHAT", "b-robot-key"]),
        key in prop::sample::select(vec!["userid", "department_id", "tagid", "chatid", "key", "agentid", "id"]),
        deep in any::<bool>(),
        token in prop::sample::select(vec![TOKEN, SYNC_TOKEN]),
    ) {
        let f = two_corps();
        let query = format!("access_token={token}&{key}={id}&fetch_child={}", u8::from(deep));
        let body = serde_json::json!({"touser": id, "toparty": id, "totag": id, "chatid": id, "agentid": 1,
                                      "userid": id, "mobile": id, "tagid": id, "id": id,
                                      "msgtype": "text", "text": {"content": "x"}}).to_string().into_bytes();
        let (_, v, _) = call(&f, m, p, &query, body)?;
        if let Some(mut v) = v {
            // The invalid lists echo what the caller named; that is not B's data.
            for echo in ["invaliduser", "invalidparty", "invalidtag"] {
                v.as_object_mut().map(|o| o.remove(echo));
            }
            let text = v.to_string();
            for name in B_ONLY {
                prop_assert!(!text.contains(&format!("\"{name}\"")), "{} leaked {}: {}", p, name, text);
            }
        }
        // Nothing reached B's members.
        let sim = f.state.sim();
        let reached_b = sim.store.inboxes.iter().any(|i| matches!(i.key(), crate::store::InboxId::User { corp: 1, .. }));
        prop_assert!(!reached_b, "a message reached corp B");
    }
}
