use super::*;
use crate::errcode::{Errcode, WireError};
use proptest::prelude::*;

fn req(json: &str) -> SendRequest {
    serde_json::from_str(json).unwrap_or_default()
}

fn code(r: Result<ValidContent, WireError>) -> i64 {
    r.map(|_| 0).unwrap_or_else(|e| e.code.0)
}

#[test]
fn every_msgtype_has_a_valid_example() {
    let examples = [
        r#"{"msgtype":"text","text":{"content":"hi"}}"#,
        r#"{"msgtype":"markdown","markdown":{"content":"**hi**"}}"#,
        r#"{"msgtype":"image","image":{"media_id":"m"}}"#,
        r#"{"msgtype":"voice","voice":{"media_id":"m"}}"#,
        r#"{"msgtype":"file","file":{"media_id":"m"}}"#,
        r#"{"msgtype":"video","video":{"media_id":"m","title":"t"}}"#,
        r#"{"msgtype":"textcard","textcard":{"title":"t","description":"d","url":"https://example.com"}}"#,
        r#"{"msgtype":"news","news":{"articles":[{"title":"t","url":"u"}]}}"#,
        r#"{"msgtype":"mpnews","mpnews":{"articles":[{"title":"t","thumb_media_id":"m","content":"c"}]}}"#,
        r#"{"msgtype":"miniprogram_notice","miniprogram_notice":{"appid":"wx1","title":"t"}}"#,
        r#"{"msgtype":"template_card","template_card":{"card_type":"text_notice","main_title":{"title":"t"},"card_action":{"type":1,"url":"u"}}}"#,
    ];
    let mut seen = Vec::new();
    for ex in examples {
        let v = validate_content(&req(ex), &Msgtype::ALL);
        assert!(v.is_ok(), "{ex}: {v:?}");
        seen.push(v.map(|v| v.msgtype).ok());
    }
    for m in Msgtype::ALL {
        assert!(seen.contains(&Some(m)), "{m:?} has no example");
    }
}

#[test]
fn msgtype_errors() {
    assert_eq!(code(validate_content(&req(r#"{}"#), &Msgtype::ALL)), 40008);
    assert_eq!(
        code(validate_content(
            &req(r#"{"msgtype":"taskcard"}"#),
            &Msgtype::ALL
        )),
        40008
    );
    assert_eq!(
        code(validate_content(
            &req(r#"{"msgtype":"news","news":{"articles":[{"title":"t"}]}}"#),
            &[Msgtype::Text]
        )),
        40008
    );
}

#[test]
fn text_limits() {
    assert_eq!(
        code(validate_content(
            &req(r#"{"msgtype":"text","text":{"content":""}}"#),
            &Msgtype::ALL
        )),
        44004
    );
    assert_eq!(
        code(validate_content(
            &req(r#"{"msgtype":"text"}"#),
            &Msgtype::ALL
        )),
        44004
    );
    let ok = format!(
        r#"{{"msgtype":"text","text":{{"content":"{}"}}}}"#,
        "a".repeat(MAX_TEXT_BYTES)
    );
    let whole = validate_content(&req(&ok), &Msgtype::ALL).map(|c| c.cut_content);
    assert_eq!(whole, Ok(None));
    // 683 three-byte characters = 2049 bytes: the limit counts bytes, not characters, and WeCom cuts the text
    // (at a whole character: 682 of them, 2046 bytes) instead of refusing it.
    for msgtype in ["text", "markdown"] {
        let big = format!(
            r#"{{"msgtype":"{msgtype}","{msgtype}":{{"content":"{}"}}}}"#,
            "中".repeat(683)
        );
        let cut = validate_content(&req(&big), &Msgtype::ALL).map(|c| c.cut_content);
        assert_eq!(cut, Ok(Some("中".repeat(682))));
    }
    assert_eq!(truncate_utf8("ab中", 3), "ab");
    assert_eq!(truncate_utf8("ab中", 5), "ab中");
}

#[test]
fn articles_between_one_and_eight() {
    let n = |k: usize| {
        let arts = vec![r#"{"title":"t"}"#; k].join(",");
        code(validate_content(
            &req(&format!(
                r#"{{"msgtype":"news","news":{{"articles":[{arts}]}}}}"#
            )),
            &Msgtype::ALL,
        ))
    };
    assert_eq!(n(0), 40058);
    assert_eq!(n(1), 0);
    assert_eq!(n(8), 0);
    assert_eq!(n(9), 40058);
}

#[test]
fn media_ids_are_collected() {
    let v = validate_content(
        &req(
            r#"{"msgtype":"mpnews","mpnews":{"articles":[{"title":"a","thumb_media_id":"m1","content":"c"},{"title":"b","thumb_media_id":"m2","content":"c"}]}}"#,
        ),
        &Msgtype::ALL,
    );
    assert_eq!(
        v.map(|v| v.media_ids).unwrap_or_default(),
        vec!["m1".to_owned(), "m2".to_owned()]
    );
    assert_eq!(
        code(validate_content(
            &req(r#"{"msgtype":"image","image":{}}"#),
            &Msgtype::ALL
        )),
        40007
    );
}

#[test]
fn interactive_cards_are_flagged() {
    let v = validate_content(
        &req(
            r#"{"msgtype":"template_card","template_card":{"card_type":"button_interaction","task_id":"t1","button_list":[{"text":"ok","key":"k"}]}}"#,
        ),
        &Msgtype::ALL,
    );
    assert_eq!(v.map(|v| v.interactive).ok(), Some(true));
    let no_task = r#"{"msgtype":"template_card","template_card":{"card_type":"button_interaction","button_list":[{}]}}"#;
    assert_eq!(code(validate_content(&req(no_task), &Msgtype::ALL)), 40058);
    let bad_type = r#"{"msgtype":"template_card","template_card":{"card_type":"nope"}}"#;
    assert_eq!(code(validate_content(&req(bad_type), &Msgtype::ALL)), 40058);
}

#[test]
fn recipients_split_and_lowercase() {
    let r = recipients(Some("ZhangSan|lisi||"), Some("1|2"), None).unwrap_or_default();
    assert_eq!(r.users, vec!["zhangsan", "lisi"]);
    assert_eq!(r.parties, vec!["1", "2"]);
    assert!(r.tags.is_empty());
    assert!(
        recipients(Some("a|@all"), Some("1"), None).is_ok_and(|r| r.all && r.parties.is_empty())
    );
    assert_eq!(
        recipients(None, Some(""), Some("|")).map_err(|e| e.code),
        Err(Errcode::NO_RECIPIENT)
    );
    let many = vec!["u"; MAX_TOUSER + 1].join("|");
    assert_eq!(
        recipients(Some(&many), None, None).map_err(|e| e.code),
        Err(Errcode::INVALID_PARAMETER)
    );
}

#[test]
fn agentid_as_string_is_accepted() {
    let r = req(r#"{"agentid":"1000002","msgtype":"text","text":{"content":"x"}}"#);
    assert_eq!(r.agentid, Some(1_000_002));
}

#[test]
fn send_response_shape() {
    let body = crate::Envelope::ok(SendResponse {
        msgid: "m".into(),
        ..SendResponse::default()
    });
    let s = serde_json::to_string(&body).unwrap_or_default();
    assert_eq!(
        s,
        r#"{"errcode":0,"errmsg":"ok","invaliduser":"","invalidparty":"","invalidtag":"","unlicenseduser":"","msgid":"m"}"#
    );
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,20}".prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "text",
            "news",
            "template_card",
            "button_interaction",
            "@all",
            "content"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..10).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "msgtype",
                    "text",
                    "content",
                    "news",
                    "articles",
                    "title",
                    "template_card",
                    "card_type",
                    "task_id",
                    "button_list",
                    "image",
                    "media_id",
                    "touser",
                    "agentid",
                    "mpnews",
                    "video",
                ])
                .prop_map(str::to_owned),
                inner,
                0..8
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn validation_never_panics(v in arb_json()) {
        if let Ok(r) = serde_json::from_value::<SendRequest>(v) {
            let out = validate_content(&r, &Msgtype::ALL);
            if let Err(e) = out {
                prop_assert!(e.code.0 > 0);
                prop_assert_ne!(e.code.text(), "unknown error");
            }
        }
    }

    #[test]
    fn recipients_never_panic(u in ".{0,40}", p in ".{0,40}", t in ".{0,40}") {
        if let Ok(r) = recipients(Some(&u), Some(&p), Some(&t)) {
            prop_assert!(r.all || !(r.users.is_empty() && r.parties.is_empty() && r.tags.is_empty()));
            prop_assert!(r.users.iter().all(|u| !u.contains('|') && *u == u.to_lowercase()));
        }
    }
}

#[test]
fn userids_are_lower_cased_title_case_letters_too() {
    let r = recipients(Some("ZhangSan|ᾈ"), None, None).map(|r| r.users);
    assert_eq!(r, Ok(vec!["zhangsan".to_owned(), "ᾀ".to_owned()]));
}
