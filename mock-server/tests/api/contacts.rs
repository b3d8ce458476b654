//! 客户联系: customers and their members, paging, remarks, tags and the tag library. (`batch/get_by_user`'s
//! paging over every relation is tested beside it, in `src/api/externalcontact/customers/tests.rs`.)

use serde_json::json;

use crate::helpers::*;

/// 小红: followed by zhangsan and lisi.
const XIAOHONG: &str = "wmDemoXiaoHong00000000000000002B";

#[tokio::test]
async fn members_and_their_customers() {
    let app = spawn_app().await;
    let t = app.token().await;
    let users = app
        .get(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={t}"
        ))
        .await;
    assert_eq!(users["follow_user"], json!(["zhangsan", "lisi"]));
    let list = app
        .get(&format!(
            "/cgi-bin/externalcontact/list?access_token={t}&userid=zhangsan"
        ))
        .await;
    assert_eq!(list["external_userid"], json!([CUSTOMER, XIAOHONG]));
    let none = app
        .get(&format!(
            "/cgi-bin/externalcontact/list?access_token={t}&userid=wangwu"
        ))
        .await;
    assert_eq!(code(&none), 84061);
    let ghost = app
        .get(&format!(
            "/cgi-bin/externalcontact/list?access_token={t}&userid=ghost"
        ))
        .await;
    assert_eq!(code(&ghost), 40003);

    let got = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={XIAOHONG}"
        ))
        .await;
    assert_eq!(got["external_contact"]["name"], "小红");
    assert_eq!(got["external_contact"]["type"], 1);
    let followers: Vec<&str> = got["follow_user"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["userid"].as_str())
        .collect();
    assert_eq!(followers, ["zhangsan", "lisi"]);
    assert!(got["follow_user"][0]["createtime"].is_i64());
    assert_eq!(got["next_cursor"], "");
    let unknown = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid=wmNobody"
        ))
        .await;
    assert_eq!(code(&unknown), 40096);

    let hr = app.token_for(CORPID, HR_SECRET).await;
    let forbidden = app
        .get(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={hr}"
        ))
        .await;
    assert_eq!(code(&forbidden), 48002, "not among external_contact_apps");

    // wechatpy sends the older single `userid`.
    let batch = ec(
        &app,
        &t,
        "batch/get_by_user",
        json!({"userid": "lisi", "cursor": "", "limit": 10}),
    )
    .await;
    let names: Vec<&str> = batch["external_contact_list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["external_contact"]["name"].as_str())
        .collect();
    assert_eq!(names, ["小红", "周九"]);
    assert_eq!(
        batch["external_contact_list"][1]["external_contact"]["corp_name"],
        "Partner Co."
    );
    assert_eq!(
        batch["external_contact_list"][1]["follow_info"]["userid"],
        "lisi"
    );
    for (body, want) in [
        (json!({"userid_list": []}), 40058),
        (json!({"userid_list": ["ghost"]}), 40003),
        (json!({"userid_list": ["lisi"], "limit": 0}), 40058),
        (json!({"userid_list": ["lisi"], "cursor": "forged"}), 40058),
    ] {
        assert_eq!(
            code(&ec(&app, &t, "batch/get_by_user", body.clone()).await),
            want,
            "{body}"
        );
    }
}

#[tokio::test]
async fn remarks_and_tags_show_on_the_customer() {
    let app = spawn_app().await;
    let t = app.token().await;
    let library = ec(&app, &t, "get_corp_tag_list", json!({})).await;
    let groups = library["tag_group"].as_array().cloned().unwrap_or_default();
    assert_eq!(groups.len(), 2);
    let vip = groups[0]["tag"][1]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(vip.starts_with("et") && vip.len() == 32, "{vip}");

    let remark = json!({"userid": "zhangsan", "external_userid": CUSTOMER, "remark": "老客户", "description": "每月下单", "remark_mobiles": ["13900000000"]});
    assert_eq!(code(&ec(&app, &t, "remark", remark).await), 0);
    let tag = json!({"userid": "zhangsan", "external_userid": CUSTOMER, "add_tag": [vip]});
    assert_eq!(code(&ec(&app, &t, "mark_tag", tag).await), 0);
    let got = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={CUSTOMER}"
        ))
        .await;
    let f = &got["follow_user"][0];
    assert_eq!(
        (f["remark"].as_str(), f["description"].as_str()),
        (Some("老客户"), Some("每月下单"))
    );
    assert_eq!(f["remark_mobiles"], json!(["13900000000"]));
    assert_eq!(f["tags"][0]["tag_name"], "重要");
    assert_eq!(f["tags"][0]["group_name"], "客户等级");
    // The control API's view of the customer (the console's) is the same relations, live.
    let seen = app.get(&format!("/mock/customers/{CUSTOMER}")).await;
    assert_eq!(seen["follow_user"], got["follow_user"]);
    assert_eq!(seen["external_contact"], got["external_contact"]);
    let r = app
        .http
        .get(app.url("/mock/customers/wmNobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let refused = [
        (
            "mark_tag",
            json!({"userid": "zhangsan", "external_userid": CUSTOMER, "add_tag": ["etNoSuchTag"]}),
            40068,
        ),
        (
            "mark_tag",
            json!({"userid": "zhangsan", "external_userid": CUSTOMER}),
            40058,
        ),
        (
            "mark_tag",
            json!({"userid": "wangwu", "external_userid": CUSTOMER, "add_tag": [vip]}),
            84061,
        ),
        (
            "remark",
            json!({"userid": "zhangsan", "external_userid": CUSTOMER, "remark": "长".repeat(21)}),
            40058,
        ),
        (
            "remark",
            json!({"userid": "zhangsan", "external_userid": "wmNobody", "remark": "x"}),
            40096,
        ),
    ];
    for (path, body, want) in refused {
        assert_eq!(
            code(&ec(&app, &t, path, body.clone()).await),
            want,
            "{path} {body}"
        );
    }
    let again = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={CUSTOMER}"
        ))
        .await;
    assert_eq!(
        again["follow_user"], got["follow_user"],
        "refusals changed nothing"
    );

    // Deleting the tag takes it off the customer.
    assert_eq!(
        code(&ec(&app, &t, "del_corp_tag", json!({"tag_id": [vip]})).await),
        0
    );
    let after = app
        .get(&format!(
            "/cgi-bin/externalcontact/get?access_token={t}&external_userid={CUSTOMER}"
        ))
        .await;
    assert_eq!(after["follow_user"][0]["tags"], json!([]));
}

#[tokio::test]
async fn the_tag_library_is_added_to_edited_and_deleted() {
    let app = spawn_app().await;
    let t = app.token().await;
    let added = ec(&app, &t, "add_corp_tag", json!({"group_name": "兴趣", "order": 3, "tag": [{"name": "茶"}, {"name": "咖啡"}, {"name": "茶"}]})).await;
    assert_eq!(code(&added), 0, "{added}");
    let group = added["tag_group"].clone();
    assert_eq!(
        group["tag"].as_array().map(Vec::len),
        Some(2),
        "one tag per name"
    );
    let group_id = group["group_id"].as_str().unwrap_or_default().to_owned();
    let tea = group["tag"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let more = ec(
        &app,
        &t,
        "add_corp_tag",
        json!({"group_id": group_id, "tag": [{"name": "酒"}]}),
    )
    .await;
    assert_eq!(more["tag_group"]["tag"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "add_corp_tag",
                json!({"group_id": group_id, "tag": [{"name": "茶"}]})
            )
            .await
        ),
        40071
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "add_corp_tag",
                json!({"group_name": "x", "tag": []})
            )
            .await
        ),
        40058
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "edit_corp_tag",
                json!({"id": tea, "name": "咖啡"})
            )
            .await
        ),
        40071
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "edit_corp_tag",
                json!({"id": tea, "name": "绿茶"})
            )
            .await
        ),
        0
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "edit_corp_tag",
                json!({"id": group_id, "name": "来源"})
            )
            .await
        ),
        40071
    );
    assert_eq!(
        code(
            &ec(
                &app,
                &t,
                "edit_corp_tag",
                json!({"id": "etNope", "name": "x"})
            )
            .await
        ),
        40068
    );
    let one = ec(&app, &t, "get_corp_tag_list", json!({"tag_id": [tea]})).await;
    assert_eq!(
        one["tag_group"][0]["tag"],
        json!([{"id": tea, "name": "绿茶", "create_time": one["tag_group"][0]["tag"][0]["create_time"], "order": 0, "deleted": false}])
    );
    assert_eq!(code(&ec(&app, &t, "del_corp_tag", json!({})).await), 40058);
    assert_eq!(
        code(&ec(&app, &t, "del_corp_tag", json!({"group_id": [group_id]})).await),
        0
    );
    let all = ec(&app, &t, "get_corp_tag_list", json!({})).await;
    assert_eq!(
        all["tag_group"].as_array().map(Vec::len),
        Some(2),
        "back to the fixture's two groups"
    );
}
