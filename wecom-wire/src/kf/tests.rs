//! The kf rules against the reference: every documented body, wechatpy's off-spec ones, state changes, items.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::Errcode;

fn bodies(v: serde_json::Value) -> SendMsg {
    serde_json::from_value(v).unwrap_or_default()
}

fn check(v: serde_json::Value) -> Result<Sendable, crate::WireError> {
    let req = bodies(v);
    sendable(req.msgtype.as_deref(), &req.bodies, SEND_TYPES)
}

#[test]
fn every_documented_body_is_sendable() {
    let ok = [
        json!({"msgtype": "text", "text": {"content": "你好"}}),
        json!({"msgtype": "image", "image": {"media_id": "M"}}),
        json!({"msgtype": "voice", "voice": {"media_id": "M"}}),
        json!({"msgtype": "video", "video": {"media_id": "M"}}),
        json!({"msgtype": "file", "file": {"media_id": "M"}}),
        json!({"msgtype": "link", "link": {"title": "t", "desc": "d", "url": "https://x", "thumb_media_id": "M"}}),
        json!({"msgtype": "miniprogram", "miniprogram": {"appid": "wx1", "title": "t", "thumb_media_id": "M", "pagepath": "p"}}),
        json!({"msgtype": "msgmenu", "msgmenu": {"head_content": "h", "list": [
            {"type": "click", "click": {"id": "1", "content": "yes"}},
            {"type": "view", "view": {"url": "https://x", "content": "see"}},
            {"type": "miniprogram", "miniprogram": {"appid": "wx1", "pagepath": "p", "content": "open"}}
        ], "tail_content": "t"}}),
        json!({"msgtype": "location", "location": {"latitude": 23.1, "longitude": 113.3, "name": "n", "address": "a"}}),
    ];
    for v in ok {
        let s = check(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(s.body, v[s.msgtype]);
    }
    let media = check(
        json!({"msgtype": "link", "link": {"title": "t", "url": "u", "thumb_media_id": "T"}}),
    );
    assert_eq!(media.map(|s| s.media_ids), Ok(vec!["T".to_owned()]));
}

#[test]
fn wechatpy_off_spec_bodies_are_refused() {
    // send_articles_link: msgtype "news"; send_location: the fields under "msgmenu".
    let news = check(json!({"msgtype": "news", "link": {"link": {"title": "t"}}}));
    assert_eq!(news.map_err(|e| e.code), Err(Errcode::INVALID_MSGTYPE));
    let loc = check(json!({"msgtype": "location", "msgmenu": {"latitude": 1.0, "longitude": 2.0}}));
    assert_eq!(loc.map_err(|e| e.code), Err(Errcode::INVALID_PARAMETER));
}

#[test]
fn bad_bodies_get_wecom_errcodes() {
    let cases = [
        (
            json!({"msgtype": "text", "text": {"content": ""}}),
            Errcode::EMPTY_CONTENT,
        ),
        (json!({"msgtype": "text"}), Errcode::EMPTY_CONTENT),
        (
            json!({"msgtype": "text", "text": {"content": "x".repeat(2049)}}),
            Errcode::INVALID_PARAMETER,
        ),
        (
            json!({"msgtype": "image", "image": {}}),
            Errcode::INVALID_MEDIA_ID,
        ),
        (json!({"msgtype": "mpnews"}), Errcode::INVALID_MSGTYPE),
        (json!({}), Errcode::INVALID_MSGTYPE),
        (
            json!({"msgtype": "msgmenu", "msgmenu": {"list": [{"type": "click", "click": {}}]}}),
            Errcode::INVALID_PARAMETER,
        ),
        (
            json!({"msgtype": "msgmenu", "msgmenu": {"list": [{"type": "bogus", "bogus": {"content": "x"}}]}}),
            Errcode::INVALID_PARAMETER,
        ),
        (
            json!({"msgtype": "location", "location": {"latitude": 91.0, "longitude": 0.0}}),
            Errcode::INVALID_PARAMETER,
        ),
    ];
    for (v, code) in cases {
        assert_eq!(check(v.clone()).map_err(|e| e.code), Err(code), "{v}");
    }
    let only_menu = sendable(
        Some("image"),
        &bodies(json!({"image": {"media_id": "M"}})).bodies,
        &["text", "msgmenu"],
    );
    assert_eq!(only_menu.map_err(|e| e.code), Err(Errcode::INVALID_MSGTYPE));
}

#[test]
fn names_scenes_and_msgids() {
    assert!(check_account_name("售后客服").is_ok());
    assert!(check_account_name(&"客".repeat(16)).is_ok());
    assert!(check_account_name(&"客".repeat(17)).is_err());
    assert!(check_account_name("").is_err());
    assert!(check_scene("spring_sale-2026").is_ok());
    assert!(check_scene("a b").is_err());
    assert!(check_scene(&"a".repeat(33)).is_err());
    assert!(check_msgid("re-0123456789abcdef01234567").is_ok());
    assert!(check_msgid("中文").is_err());
}

#[test]
fn state_changes_follow_the_table() {
    use ServiceState as S;
    assert!(S::NEW.may_become(S::SERVICER));
    assert!(S::SERVICER.may_become(S::SERVICER), "a transfer");
    assert!(!S::QUEUED.may_become(S::ASSISTANT));
    assert!(!S::ENDED.may_become(S::NEW));
    assert!(!S::NEW.may_become(S::NEW));
    assert!(S::ASSISTANT.api_may_send() && !S::SERVICER.api_may_send());
}

#[test]
fn sync_items_put_event_ids_inside_the_event() {
    let body = json!({"content": "hi"});
    let mut item = SyncItem {
        msgid: "m1",
        open_kfid: "wk1",
        external_userid: "wm1",
        send_time: 100,
        origin: ORIGIN_CUSTOMER,
        servicer_userid: None,
        msgtype: "text",
        body: &body,
    };
    let text = item.to_json();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(v["open_kfid"], "wk1");
    assert_eq!(v["text"]["content"], "hi");
    assert_eq!(v["send_time"], 100);
    let event = json!({"event_type": "enter_session"});
    item.msgtype = "event";
    item.origin = ORIGIN_EVENT;
    item.body = &event;
    let ev = item.to_json();
    let v: serde_json::Value = serde_json::from_str(&ev).unwrap_or_default();
    assert!(v.get("open_kfid").is_none() && v.get("external_userid").is_none());
    assert_eq!(v["origin"], 4);
}

#[test]
fn callback_is_the_documented_xml() {
    let xml = callback_xml("ww1", 1348831860, "ENCabc", "wk1");
    let f = crate::callback::parse_fields(&xml).unwrap_or_default();
    assert_eq!(f.get("Event"), Some("kf_msg_or_event"));
    assert_eq!(f.get("Token"), Some("ENCabc"));
    assert_eq!(f.get("OpenKfId"), Some("wk1"));
    assert_eq!(f.get("CreateTime"), Some("1348831860"));
}

proptest! {
    #[test]
    fn sendable_never_panics(v in any::<String>(), msgtype in "[a-z]{0,12}") {
        let body = json!({"content": v, "media_id": v, "title": v, "url": v, "list": [{"type": v}]});
        let req = bodies(json!({ "msgtype": msgtype, msgtype.as_str(): body }));
        let _ = sendable(req.msgtype.as_deref(), &req.bodies, SEND_TYPES);
    }
}
