//! The write rules against the official docs' limits.

use super::*;

fn user(json: &str, creating: bool) -> Result<UserFields, i64> {
    let raw: UserRaw = serde_json::from_str(json).map_err(|_| -2)?;
    user_fields(raw, creating).map_err(|e| e.code.0)
}

#[test]
fn userid_rules() {
    for ok in ["zhangsan", "a", "Z.h-a_n@g", "1abc", &"a".repeat(64)] {
        assert!(valid_userid(ok), "{ok}");
    }
    for bad in ["", "_a", "-a", "a b", "张三", "a|b", &"a".repeat(65)] {
        assert!(!valid_userid(bad), "{bad}");
    }
}

#[test]
fn create_needs_what_the_doc_requires() {
    let ok = r#"{"userid":"x","name":"X","department":[1],"mobile":"13800000009"}"#;
    assert!(user(ok, true).is_ok());
    assert_eq!(
        user(r#"{"name":"X","department":[1],"mobile":"1380000"}"#, true),
        Err(41009)
    );
    assert_eq!(
        user(r#"{"userid":"_x","name":"X","department":[1]}"#, true),
        Err(40003)
    );
    assert_eq!(
        user(
            r#"{"userid":"x","department":[1],"mobile":"13800000009"}"#,
            true
        ),
        Err(60112)
    );
    assert_eq!(
        user(r#"{"userid":"x","name":"X","mobile":"13800000009"}"#, true),
        Err(60127)
    );
    assert_eq!(
        user(r#"{"userid":"x","name":"X","department":[1]}"#, true),
        Err(60129)
    );
    assert_eq!(
        user(
            r#"{"userid":"x","name":"X","department":[1],"mobile":"12ab"}"#,
            true
        ),
        Err(60103)
    );
    assert_eq!(
        user(
            r#"{"userid":"x","name":"X","department":[1],"email":"a@b"}"#,
            true
        ),
        Err(60105)
    );
    let many = format!(
        r#"{{"userid":"x","name":"X","department":{:?},"email":"a@b.c"}}"#,
        (1..=21).collect::<Vec<_>>()
    );
    assert_eq!(user(&many, true), Err(60110));
    assert_eq!(
        user(
            r#"{"userid":"x","name":"X","department":[1,2],"is_leader_in_dept":[1],"email":"a@b.c"}"#,
            true
        ),
        Err(60132)
    );
    assert_eq!(
        user(
            r#"{"userid":"x","name":"X","department":[1],"email":"a@b.c","gender":"3"}"#,
            true
        ),
        Err(40058)
    );
    assert_eq!(
        user(
            r#"{"userid":"x","name":"X","department":[1],"email":"a@b.c","gender":"1"}"#,
            true
        )
        .map(|u| u.gender),
        Ok(Some(1))
    );
}

#[test]
fn update_needs_only_the_userid() {
    assert_eq!(user(r#"{"userid":"x"}"#, false).map(|u| u.name), Ok(None));
    assert_eq!(user(r#"{"userid":"x","name":""}"#, false), Err(60112));
    assert_eq!(user(r#"{"userid":"x","department":[]}"#, false), Err(60127));
}

#[test]
fn mobiles_and_emails() {
    assert!(valid_mobile("13800000000") && valid_mobile("+86-13800000000"));
    assert!(!valid_mobile("+86 138") && !valid_mobile("138x0000000") && !valid_mobile("+-1234567"));
    assert!(valid_email("zhangsan@demo.example"));
    assert!(
        !valid_email("a@b")
            && !valid_email("@b.c")
            && !valid_email("a b@c.d")
            && !valid_email("a@@b.c")
    );
}

#[test]
fn department_rules() {
    let d = |json: &str, creating| {
        department_fields(serde_json::from_str(json).unwrap_or_default(), creating)
            .map_err(|e| e.code.0)
    };
    assert!(d(r#"{"name":"广州研发中心","parentid":1}"#, true).is_ok());
    assert_eq!(d(r#"{"parentid":1}"#, true), Err(60001));
    assert_eq!(d(r#"{"name":"a:b","parentid":1}"#, true), Err(60009));
    assert_eq!(d(r#"{"name":"a"}"#, true), Err(60124));
    assert_eq!(d(r#"{"name":"a","parentid":1,"id":1}"#, true), Err(60123));
    assert_eq!(d(r#"{"name":"a"}"#, false), Err(60123));
    assert_eq!(
        d(
            &format!(r#"{{"name":"{}","parentid":1}}"#, "长".repeat(65)),
            true
        ),
        Err(60001)
    );
}

#[test]
fn tag_rules() {
    assert_eq!(tag_name(Some("UI")), Ok("UI".into()));
    assert_eq!(tag_name(Some("")).map_err(|e| e.code.0), Err(40072));
    assert_eq!(
        tag_name(Some(&"标".repeat(33))).map_err(|e| e.code.0),
        Err(40072)
    );
    let raw = TagUsersRaw {
        tagid: Some(1),
        userlist: None,
        partylist: None,
    };
    assert_eq!(tag_users(raw).map_err(|e| e.code.0), Err(40070));
}

#[test]
fn change_contact_head_is_the_docs() {
    let xml = change_contact_xml(
        "wwcorp",
        1403610513,
        "delete_user",
        &[("UserID", Value::Text("zhangsan"))],
    );
    let f = crate::callback::parse_fields(&xml).unwrap_or_default();
    assert_eq!(f.get("Event"), Some("change_contact"));
    assert_eq!(f.get("FromUserName"), Some("sys"));
    assert_eq!(f.get("ChangeType"), Some("delete_user"));
    assert_eq!(f.get("UserID"), Some("zhangsan"));
}
