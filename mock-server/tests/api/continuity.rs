//! Customer continuity end to end: a member leaves, their customers appear unassigned, a resigned transfer waits
//! 24 h on the mock clock and completes; on-the-job transfers complete, are refused (`transfer_fail`) or find the
//! taker full; every customer gets their own errcode.

use serde_json::{json, Value};

use wecom_wire::callback::parse_fields;

use crate::callbacks::app_with_bot;
use crate::helpers::*;
use crate::kf::{control, next_push};

const XIAOHONG: &str = "wmDemoXiaoHong00000000000000002B";
const ZHOUJIU: &str = "woDemoPartnerCo0000000000000004D";

fn statuses(v: &Value) -> Vec<(String, i64)> {
    v["customer"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["external_userid"].as_str().unwrap_or("").to_owned(),
                c["status"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_resigned_members_customers_are_handed_over_after_24_hours() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let (status, resigned) = control(&app, "/mock/members/lisi/resign", json!({})).await;
    assert_eq!((status, resigned["n_customers"].as_i64()), (200, Some(2)));
    let unassigned = ec(&app, &t, "get_unassigned_list", json!({"page_size": 1})).await;
    assert_eq!(unassigned["is_last"], false, "a bool: {unassigned}");
    assert_eq!(unassigned["info"][0]["handover_userid"], "lisi");
    let rest = ec(
        &app,
        &t,
        "get_unassigned_list",
        json!({"cursor": unassigned["next_cursor"]}),
    )
    .await;
    assert_eq!(rest["is_last"], true);
    let mut all: Vec<&str> = [&unassigned, &rest]
        .iter()
        .flat_map(|p| p["info"].as_array().into_iter().flatten())
        .filter_map(|i| i["external_userid"].as_str())
        .collect();
    all.sort();
    assert_eq!(all, [XIAOHONG, ZHOUJIU]);

    let body = json!({"handover_userid": "lisi", "takeover_userid": "wangwu", "external_userid": [XIAOHONG, ZHOUJIU, "wmNobody", CUSTOMER]});
    let started = ec(&app, &t, "resigned/transfer_customer", body).await;
    let codes: Vec<i64> = started["customer"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["errcode"].as_i64())
        .collect();
    assert_eq!(
        codes,
        [0, 0, 40096, 40131],
        "one refusal does not stop the others"
    );
    let none_left = ec(&app, &t, "get_unassigned_list", json!({})).await;
    assert_eq!(none_left["info"], json!([]), "both are on their way");
    let pair = json!({"handover_userid": "lisi", "takeover_userid": "wangwu"});
    let waiting = ec(&app, &t, "resigned/transfer_result", pair.clone()).await;
    assert_eq!(
        statuses(&waiting),
        [(XIAOHONG.into(), 2), (ZHOUJIU.into(), 2)]
    );
    let due = waiting["customer"][0]["takeover_time"]
        .as_i64()
        .unwrap_or(0);

    app.advance(24 * 3600).await;
    let t = app.token().await;
    let done = ec(&app, &t, "resigned/transfer_result", pair).await;
    assert_eq!(statuses(&done), [(XIAOHONG.into(), 1), (ZHOUJIU.into(), 1)]);
    assert_eq!(done["customer"][0]["takeover_time"].as_i64(), Some(due));
    let list = app
        .get(&format!(
            "/cgi-bin/externalcontact/list?access_token={t}&userid=wangwu"
        ))
        .await;
    assert_eq!(list["external_userid"], json!([XIAOHONG, ZHOUJIU]));
    let lisi = app
        .get(&format!(
            "/cgi-bin/externalcontact/list?access_token={t}&userid=lisi"
        ))
        .await;
    assert_eq!(code(&lisi), 84061, "nothing left with the member who left");
    for _ in 0..2 {
        let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
        assert_eq!(
            (f.get("ChangeType"), f.get("UserID"), f.get("Source")),
            (
                Some("del_external_contact"),
                Some("lisi"),
                Some("DELETE_BY_TRANSFER")
            )
        );
    }
}

#[tokio::test]
async fn on_the_job_transfers_complete_are_refused_or_find_the_taker_full() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    let body = json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [CUSTOMER, XIAOHONG], "transfer_success_msg": "您好，我是王五"});
    let started = ec(&app, &t, "transfer_customer", body).await;
    assert_eq!(started["customer"][1]["errcode"], 0, "{started}");
    assert_eq!(
        control(
            &app,
            &format!("/mock/customers/{XIAOHONG}/refuse_transfer"),
            json!({})
        )
        .await
        .0,
        200
    );
    let again = ec(&app, &t, "transfer_customer", json!({"handover_userid": "zhangsan", "takeover_userid": "zhaoliu", "external_userid": [CUSTOMER]})).await;
    assert_eq!(
        again["customer"][0]["errcode"], 40129,
        "already being transferred"
    );
    app.advance(24 * 3600).await;
    let t = app.token().await;
    let result = ec(
        &app,
        &t,
        "transfer_result",
        json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu"}),
    )
    .await;
    assert_eq!(
        statuses(&result),
        [(CUSTOMER.into(), 1), (XIAOHONG.into(), 3)]
    );
    let pushes: Vec<_> = [next_push(&mut got).await, next_push(&mut got).await]
        .iter()
        .map(|x| parse_fields(x).unwrap_or_default())
        .collect();
    assert_eq!(pushes[0].get("ChangeType"), Some("del_external_contact"));
    assert_eq!(
        (
            pushes[1].get("ChangeType"),
            pushes[1].get("FailReason"),
            pushes[1].get("UserID")
        ),
        (
            Some("transfer_fail"),
            Some("customer_refused"),
            Some("wangwu")
        )
    );
    let kept = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={XIAOHONG}"
        ))
        .await;
    let followers: Vec<&str> = kept["follow_user"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["userid"].as_str())
        .collect();
    assert_eq!(
        followers,
        ["zhangsan", "lisi"],
        "a refusal keeps the old relation"
    );

    // A taker at the limit.
    let patch = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"max_customers_per_member": 1}))
        .send()
        .await;
    assert!(patch.is_ok_and(|r| r.status() == 200));
    ec(&app, &t, "transfer_customer", json!({"handover_userid": "lisi", "takeover_userid": "wangwu", "external_userid": [ZHOUJIU]})).await;
    app.advance(24 * 3600).await;
    let t = app.token().await;
    let full = ec(
        &app,
        &t,
        "transfer_result",
        json!({"handover_userid": "lisi", "takeover_userid": "wangwu"}),
    )
    .await;
    assert_eq!(statuses(&full), [(ZHOUJIU.into(), 4)]);
    let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
    assert_eq!(f.get("FailReason"), Some("customer_limit_exceed"));
}

#[tokio::test]
async fn bad_transfers_are_refused_whole() {
    let app = spawn_app().await;
    let t = app.token().await;
    control(&app, "/mock/members/sunba/resign", json!({})).await;
    let many: Vec<String> = (0..101).map(|n| format!("wm{n}")).collect();
    let cases = [
        (
            "transfer_customer",
            json!({"handover_userid": "zhangsan", "takeover_userid": "zhangsan", "external_userid": [CUSTOMER]}),
            40130,
        ),
        (
            "transfer_customer",
            json!({"handover_userid": "zhangsan", "takeover_userid": "sunba", "external_userid": [CUSTOMER]}),
            40058,
        ),
        (
            "transfer_customer",
            json!({"handover_userid": "zhangsan", "takeover_userid": "ghost", "external_userid": [CUSTOMER]}),
            40003,
        ),
        (
            "transfer_customer",
            json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": []}),
            40058,
        ),
        (
            "transfer_customer",
            json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": many}),
            40058,
        ),
        (
            "resigned/transfer_customer",
            json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [CUSTOMER]}),
            40097,
        ),
        (
            "transfer_result",
            json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "cursor": "forged"}),
            40058,
        ),
        ("get_unassigned_list", json!({"page_size": 1001}), 40058),
        (
            "get_unassigned_list",
            json!({"page_id": i64::MAX, "page_size": 1000}),
            40058,
        ),
        (
            "transfer_result",
            json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": ["wmNobody"]}),
            40096,
        ),
    ];
    for (path, body, want) in cases {
        assert_eq!(
            code(&ec(&app, &t, path, body.clone()).await),
            want,
            "{path} {body}"
        );
    }
    let none = ec(
        &app,
        &t,
        "transfer_result",
        json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu"}),
    )
    .await;
    assert_eq!(none["customer"], json!([]), "nothing was started");
    assert_eq!(
        control(
            &app,
            &format!("/mock/customers/{CUSTOMER}/refuse_transfer"),
            json!({})
        )
        .await
        .0,
        400
    );
}

#[tokio::test]
async fn a_customer_who_deletes_the_member_mid_transfer_goes_to_nobody() {
    let (app, mut got) = app_with_bot(0).await;
    let t = app.token().await;
    control(&app, "/mock/members/zhangsan/resign", json!({})).await;
    let body = json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [CUSTOMER]});
    let started = ec(&app, &t, "resigned/transfer_customer", body).await;
    assert_eq!(started["customer"][0]["errcode"], 0, "{started}");
    let (status, _) = control(
        &app,
        &format!("/mock/customers/{CUSTOMER}/contacts/zhangsan"),
        json!({"action": "remove"}),
    )
    .await;
    assert_eq!(status, 200);
    let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
    assert_eq!(f.get("ChangeType"), Some("del_follow_user"));

    app.advance(24 * 3600).await;
    let t = app.token().await;
    let pair = json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu"});
    let result = ec(&app, &t, "resigned/transfer_result", pair).await;
    assert_eq!(
        statuses(&result),
        [(CUSTOMER.into(), 5)],
        "no transfer is left to complete"
    );
    let wangwu = app
        .get(&format!(
            "/cgi-bin/externalcontact/list?access_token={t}&userid=wangwu"
        ))
        .await;
    assert_eq!(code(&wangwu), 84061, "wangwu did not get 小明: {wangwu}");
    let x = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={CUSTOMER}"
        ))
        .await;
    assert_eq!(code(&x), 84061, "小明 is nobody's contact now: {x}");
    // The next push is one made now, not a DELETE_BY_TRANSFER for the relation that ended.
    control(
        &app,
        &format!("/mock/customers/{XIAOHONG}/contacts/lisi"),
        json!({"action": "edit"}),
    )
    .await;
    let f = parse_fields(&next_push(&mut got).await).unwrap_or_default();
    assert_eq!(
        (f.get("ChangeType"), f.get("UserID")),
        (Some("edit_external_contact"), Some("lisi"))
    );
}

#[tokio::test]
async fn each_members_share_of_a_customer_is_transferred_on_its_own() {
    let app = spawn_app().await;
    let t = app.token().await;
    control(&app, "/mock/members/zhangsan/resign", json!({})).await;
    control(&app, "/mock/members/lisi/resign", json!({})).await;
    let body = json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [XIAOHONG]});
    let started = ec(&app, &t, "resigned/transfer_customer", body).await;
    assert_eq!(started["customer"][0]["errcode"], 0, "{started}");
    let left = ec(&app, &t, "get_unassigned_list", json!({})).await;
    let pairs: Vec<(&str, &str)> = left["info"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some((
                i["handover_userid"].as_str()?,
                i["external_userid"].as_str()?,
            ))
        })
        .collect();
    assert!(
        pairs.contains(&("lisi", XIAOHONG)),
        "lisi's share of 小红 is still unassigned: {left}"
    );
    let body = json!({"handover_userid": "lisi", "takeover_userid": "zhaoliu", "external_userid": [XIAOHONG]});
    let second = ec(&app, &t, "resigned/transfer_customer", body).await;
    assert_eq!(second["customer"][0]["errcode"], 0, "{second}");

    app.advance(24 * 3600).await;
    let t = app.token().await;
    let x = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={XIAOHONG}"
        ))
        .await;
    let followers: Vec<&str> = x["follow_user"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["userid"].as_str())
        .collect();
    assert_eq!(followers, ["wangwu", "zhaoliu"], "{x}");
}

#[tokio::test]
async fn transfer_result_names_customers_without_a_record_status_5() {
    let app = spawn_app().await;
    let t = app.token().await;
    let body = json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [CUSTOMER]});
    ec(&app, &t, "transfer_customer", body).await;
    let asked = json!({"handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [XIAOHONG, CUSTOMER]});
    let r = ec(&app, &t, "transfer_result", asked).await;
    assert_eq!(statuses(&r), [(XIAOHONG.into(), 5), (CUSTOMER.into(), 2)]);
    assert_eq!(r["customer"][0]["takeover_time"], 0);
}
