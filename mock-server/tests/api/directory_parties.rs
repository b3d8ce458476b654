//! Departments and tags written with the contacts-sync token: the rules WeCom gives each write, and the
//! `change_contact` pushes they make.

use serde_json::json;

use crate::directory_sync::{app_with_sync_receiver, call, get, next_change, sync_token};
use crate::helpers::*;

#[tokio::test]
async fn departments_are_created_moved_and_deleted_by_the_rules() {
    let (app, mut got) = app_with_sync_receiver().await;
    let sync = sync_token(&app).await;
    let v = call(
        &app,
        &sync,
        "department/create",
        json!({"name": "广州研发", "name_en": "GZ", "parentid": 4, "order": 7}),
    )
    .await;
    assert_eq!(
        (code(&v), v["errmsg"].as_str(), v["id"].as_i64()),
        (0, Some("created"), Some(6)),
        "{v}"
    );
    let f = next_change(&mut got).await;
    assert_eq!(
        (
            f.get("ChangeType"),
            f.get("Id"),
            f.get("ParentId"),
            f.get("Order")
        ),
        (Some("create_party"), Some("6"), Some("4"), Some("7"))
    );
    let before = app.get("/mock/world").await;
    for (body, want) in [
        (json!({"name": "广州研发", "parentid": 4}), 60008),
        (json!({"name": "x", "parentid": 99}), 60004),
        (json!({"name": "a|b", "parentid": 1}), 60009),
        (json!({"name": "x", "parentid": 1, "id": 6}), 60008),
        (json!({"parentid": 1}), 60001),
    ] {
        assert_eq!(
            code(&call(&app, &sync, "department/create", body.clone()).await),
            want,
            "{body}"
        );
    }
    for (body, want) in [
        (json!({"id": 4, "parentid": 6}), 60010),
        (json!({"id": 4, "parentid": 4}), 60010),
        (json!({"id": 99, "name": "x"}), 60003),
        (json!({"id": 3, "name": "研发部"}), 60008),
    ] {
        assert_eq!(
            code(&call(&app, &sync, "department/update", body.clone()).await),
            want,
            "{body}"
        );
    }
    for (id, want) in [(1, 60007), (3, 60005), (2, 60006), (99, 60003)] {
        assert_eq!(
            code(&get(&app, &sync, &format!("department/delete?id={id}")).await),
            want,
            "{id}"
        );
    }
    assert_eq!(
        app.get("/mock/world").await,
        before,
        "refusals changed nothing"
    );
    let v = call(
        &app,
        &sync,
        "department/update",
        json!({"id": 6, "parentid": 3, "name": "广州客服"}),
    )
    .await;
    assert_eq!((code(&v), v["errmsg"].as_str()), (0, Some("updated")));
    let f = next_change(&mut got).await;
    assert_eq!(
        (f.get("ChangeType"), f.get("Name"), f.get("ParentId")),
        (Some("update_party"), Some("广州客服"), Some("3"))
    );
    let v = get(&app, &sync, "department/simplelist?id=3").await;
    assert_eq!(
        v["department_id"],
        json!([{"id": 3, "parentid": 1, "order": 2}, {"id": 6, "parentid": 3, "order": 7}])
    );
    let v = get(&app, &sync, "department/delete?id=6").await;
    assert_eq!((code(&v), v["errmsg"].as_str()), (0, Some("deleted")));
    assert_eq!(
        next_change(&mut got).await.get("ChangeType"),
        Some("delete_party")
    );
    assert_eq!(code(&get(&app, &sync, "department/get?id=6").await), 60123);
}

#[tokio::test]
async fn tags_and_their_members() {
    let (app, mut got) = app_with_sync_receiver().await;
    let sync = sync_token(&app).await;
    let v = call(&app, &sync, "tag/create", json!({"tagname": "值班"})).await;
    assert_eq!((code(&v), v["tagid"].as_i64()), (0, Some(3)), "{v}");
    assert_eq!(
        code(&call(&app, &sync, "tag/create", json!({"tagname": "值班"})).await),
        40071
    );
    assert_eq!(
        code(&call(&app, &sync, "tag/create", json!({"tagname": ""})).await),
        40072
    );
    assert_eq!(
        code(
            &call(
                &app,
                &sync,
                "tag/create",
                json!({"tagname": "x", "tagid": 1})
            )
            .await
        ),
        40068
    );
    assert_eq!(
        code(
            &call(
                &app,
                &sync,
                "tag/update",
                json!({"tagid": 3, "tagname": "On-call"})
            )
            .await
        ),
        40071
    );
    let v = call(
        &app,
        &sync,
        "tag/addtagusers",
        json!({"tagid": 3, "userlist": ["lisi", "ghost"], "partylist": [4, 99]}),
    )
    .await;
    assert_eq!(
        (code(&v), v["invalidlist"].as_str(), &v["invalidparty"]),
        (0, Some("ghost"), &json!([99])),
        "{v}"
    );
    let f = next_change(&mut got).await;
    assert_eq!(
        (
            f.get("ChangeType"),
            f.get("TagId"),
            f.get("AddUserItems"),
            f.get("AddPartyItems")
        ),
        (Some("update_tag"), Some("3"), Some("lisi"), Some("4"))
    );
    let v = call(
        &app,
        &sync,
        "tag/addtagusers",
        json!({"tagid": 3, "userlist": ["ghost"]}),
    )
    .await;
    assert_eq!(code(&v), 40070, "nothing usable");
    let v = get(&app, &sync, "tag/get?tagid=3").await;
    assert_eq!(
        (v["userlist"][0]["userid"].as_str(), &v["partylist"]),
        (Some("lisi"), &json!([4]))
    );
    // The bot sees the whole corp: a message to the tag reaches its members and departments.
    let v = app.send(&app.token().await, json!({"totag": "3", "msgtype": "text", "agentid": BOT_AGENTID, "text": {"content": "值班"}})).await;
    assert_eq!(code(&v), 0);
    assert_eq!(
        app.inbox("sunba").await["n_total"],
        1,
        "sunba is in department 4"
    );
    let v = call(
        &app,
        &sync,
        "tag/deltagusers",
        json!({"tagid": 3, "userlist": ["lisi"]}),
    )
    .await;
    assert_eq!(code(&v), 0);
    assert_eq!(
        next_change(&mut got).await.get("DelUserItems"),
        Some("lisi")
    );
    assert_eq!(
        code(
            &call(
                &app,
                &sync,
                "tag/update",
                json!({"tagid": 3, "tagname": "夜班"})
            )
            .await
        ),
        0
    );
    assert_eq!(
        get(&app, &sync, "tag/list").await["taglist"][2]["tagname"],
        "夜班"
    );
    assert_eq!(code(&get(&app, &sync, "tag/delete?tagid=3").await), 0);
    assert_eq!(next_change(&mut got).await.get("DelPartyItems"), Some("4"));
    assert_eq!(code(&get(&app, &sync, "tag/get?tagid=3").await), 40068);
}
