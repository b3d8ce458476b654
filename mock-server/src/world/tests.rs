use super::*;

#[test]
fn demo_loads_and_indexes() {
    let (w, _) = World::demo().unwrap_or_else(|e| panic!("demo fixture: {e}"));
    let c = &w.corps[0];
    assert_eq!(w.corp_index(&c.corpid), Some(0));
    assert!(c.app(1_000_002).is_some());
    assert_eq!(c.user("ZhangSan").map(|u| u.name.as_str()), Some("张三"));
    // Department 2 includes its child 5, where lisi is.
    let sales: Vec<&str> = c
        .department_members(2)
        .iter()
        .map(|&i| c.users[i].userid.as_str())
        .collect();
    assert_eq!(sales, vec!["zhangsan", "lisi"]);
    // Tag 2 = sunba + department 3 (wangwu, zhaoliu).
    assert_eq!(c.tag_members(2).len(), 3);
    let hr = c.app(1_000_003).unwrap_or_else(|| panic!("hr app"));
    let wangwu = c.user_index("wangwu").unwrap_or(usize::MAX);
    let qianqi = c.user_index("qianqi").unwrap_or(usize::MAX);
    assert!(
        hr.can_see(wangwu),
        "wangwu is reached through the On-call tag's department"
    );
    assert!(!hr.can_see(qianqi));
    assert!(hr.can_see_department(c, 5));
    assert!(!hr.can_see_department(c, 4));
    assert!(w.robot("8b7a6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d").is_some());
}

fn fails(yaml: &str) -> FixtureError {
    match World::parse(yaml, "t.yaml") {
        Ok(_) => panic!("fixture should fail:\n{yaml}"),
        Err(e) => e,
    }
}

#[test]
fn errors_name_file_line_and_problem() {
    let e = fails("corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a}\n    users:\n      - {userid: u, name: U, department: [9]}\n");
    assert_eq!((e.file.as_str(), e.at.line()), ("t.yaml", 6), "{e}");
    assert!(e.message.contains("department 9"), "{e}");

    let e = fails("corps:\n  - corpid: ww1\n    typo_key: 1\n");
    assert_eq!(e.at.line(), 3, "{e}");
    assert!(
        e.message
            .starts_with("corps[0].typo_key: unknown field `typo_key`"),
        "{e}"
    );
    assert_eq!(e.to_string(), format!("t.yaml:3:5: {}", e.message));

    let e = fails("corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a}\n    users:\n      - {userid: u, name: U, department: [1]}\n      - {userid: U, name: U2, department: [1]}\n");
    assert_eq!(e.at.line(), 7, "{e}");
    assert!(e.message.contains("twice"), "{e}");

    let e = fails("corps:\n  - corpid: ww1\n    apps:\n      - agentid: 1\n        name: a\n        secret: s\n        callback: {token: t, encoding_aes_key: short}\n");
    assert_eq!(e.at.line(), 7, "{e}");
    assert!(e.message.contains("43"), "{e}");

    let e = World::load(std::path::Path::new("/no/such/fixture.yaml")).err();
    assert!(e.is_some_and(|e| e
        .to_string()
        .starts_with("/no/such/fixture.yaml: cannot read")));

    let e = fails("corps:\n  - corpid: ww1\n    apps:\n      - {agentid: 1, name: a, secret: s}\n      - {agentid: 2, name: b, secret: s}\n");
    assert_eq!(e.at.line(), 5, "{e}");
    assert!(e.message.contains("same secret"), "{e}");

    let e = fails("corps: []\n");
    assert!(e.message.contains("no corp"), "{e}");

    let e = fails("corps:\n  - corpid: [1, 2]\n");
    assert_eq!(e.at.line(), 2, "{e}");
}

#[test]
fn a_key_of_the_right_length_that_is_not_base64_is_refused_at_load() {
    // Only its length was checked once, so such a key loaded and then failed every push.
    let bad_key = "!".repeat(43);
    let e = fails(&format!("corps:\n  - corpid: ww1\n    apps:\n      - agentid: 1\n        name: a\n        secret: s\n        callback: {{token: t, encoding_aes_key: \"{bad_key}\"}}\n"));
    assert_eq!((e.file.as_str(), e.at.line()), ("t.yaml", 7), "{e}");
    assert!(e.message.starts_with("encoding_aes_key "), "{e}");
    assert!(e.message.contains("illegal EncodingAESKey"), "{e}");

    let e = fails(&format!("corps:\n  - corpid: ww1\n    contact_sync:\n      secret: s\n      callback: {{token: t, encoding_aes_key: \"{bad_key}\"}}\n"));
    assert_eq!(e.at.line(), 5, "{e}");
    assert!(e.message.starts_with("encoding_aes_key "), "{e}");
}

#[test]
fn department_cycles_do_not_hang() {
    let yaml = "corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a, parentid: 2}\n      - {id: 2, name: b, parentid: 1}\n    users:\n      - {userid: u, name: U, department: [1]}\n";
    let (w, _) = World::parse(yaml, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.corps[0].department_members(2).len(), 1);
}

#[test]
fn generated_customers_are_many_unique_and_repeatable() {
    let (a, _) = World::demo_with_customers(5_000).unwrap_or_else(|e| panic!("{e}"));
    let (b, _) = World::demo_with_customers(5_000).unwrap_or_else(|e| panic!("{e}"));
    let (ca, cb) = (&a.corps[0].customers, &b.corps[0].customers);
    assert_eq!(ca.len(), 5_004, "4 declared + 5,000 generated");
    let ids: std::collections::HashSet<String> =
        ca.iter().map(|c| c.external_userid.clone()).collect();
    assert_eq!(ids.len(), ca.len());
    assert!(ca
        .iter()
        .skip(4)
        .all(|c| c.external_userid.len() == 32 && c.external_userid.starts_with("wm")));
    assert!(ca
        .iter()
        .zip(cb.iter())
        .all(|(x, y)| x.external_userid == y.external_userid));
    assert_eq!(
        a.corps[0].customer_index(&ca.external_userid(4321)),
        Some(4321)
    );
}

#[test]
fn customers_and_kf_are_checked() {
    let base = "corps:\n  - corpid: ww1\n    departments: [{ id: 1, name: R }]\n    users: [{ userid: u, name: U, department: [1] }]\n    apps: [{ agentid: 1, name: A, secret: s }]\n";
    let cases = [
        ("    customers: [{ external_userid: 'bad id', name: X }]\n", "external_userid"),
        ("    customers: [{ external_userid: wm1, name: X, follow: [ghost] }]\n", "ghost"),
        ("    customers: [{ external_userid: wm1, name: X }, { external_userid: wm1, name: Y }]\n", "twice"),
        ("    kf: { agentid: 9 }\n", "kf.agentid"),
        ("    kf: { agentid: 1, accounts: [{ open_kfid: wk1, name: '', servicers: [] }] }\n", "name"),
        ("    kf: { agentid: 1, accounts: [{ open_kfid: wk1, name: K, servicers: [ghost] }] }\n", "ghost"),
        ("    generate_customers: 100000000\n", "at most"),
        ("    generate_customers: 10\n    generate_customers_for: { userid: ghost, count: 5 }\n", "ghost"),
        ("    generate_customers: 10\n    generate_customers_for: { userid: u, count: 11 }\n", "more than generate_customers"),
        ("    customers: [{ external_userid: wm1, name: X }]\n    generate_customers_for: { userid: u, count: 1 }\n", "more than generate_customers"),
    ];
    for (extra, want) in cases {
        let e = fails(&format!("{base}{extra}"));
        assert!(e.message.contains(want), "{extra}: {e}");
        assert!(e.at.line() > 0, "{extra}: {e}");
    }
}

#[test]
fn from_parsed_validates_like_parse() {
    // A fixture deserialized elsewhere must be refused for the same reason, at the same place, as its text.
    let yaml = "corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a}\n    users:\n      - {userid: u, name: U, department: [9]}\n";
    let parsed: Fixture =
        serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("deserializes: {e}"));
    let via_parsed = World::from_parsed(&parsed, "t.yaml").err();
    assert_eq!(via_parsed, Some(fails(yaml)));

    let demo: Fixture = serde_saphyr::from_str(DEFAULT_FIXTURE)
        .unwrap_or_else(|e| panic!("demo deserializes: {e}"));
    let w = World::from_parsed(&demo, "demo").unwrap_or_else(|e| panic!("demo validates: {e}"));
    let (reference, _) = World::demo().unwrap_or_else(|e| panic!("demo: {e}"));
    assert_eq!(w.corps.len(), reference.corps.len());
    assert_eq!(
        w.corps[0].customers.len(),
        reference.corps[0].customers.len()
    );
    assert_eq!(w.corps[0].users.len(), reference.corps[0].users.len());
}

#[test]
fn upgrade_service_names_members_departments_and_groups_that_exist() {
    let (w, _) = World::demo().unwrap_or_else(|e| panic!("demo fixture: {e}"));
    let up = w.corps[0]
        .kf
        .as_ref()
        .map(|k| k.upgrade.clone())
        .unwrap_or_default();
    assert_eq!(
        (up.userids, up.departments),
        (vec!["zhangsan".to_owned()], vec![3])
    );
    let vip = w.corps[0]
        .groups
        .iter()
        .find(|g| g.name == "VIP客户群")
        .map(|g| g.chat_id.clone());
    assert_eq!(
        up.chat_ids,
        vip.into_iter().collect::<Vec<_>>(),
        "a group named by its name"
    );

    let base = "corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a}\n    users:\n      - {userid: u, name: U, department: [1]}\n    apps:\n      - {agentid: 1, name: A, secret: s}\n    kf:\n      agentid: 1\n      upgrade_service:\n";
    let e = fails(&format!(
        "{base}        member_range: {{userid_list: [ghost]}}\n"
    ));
    assert!(e.message.contains("ghost"), "{e}");
    let e = fails(&format!(
        "{base}        member_range: {{department_id_list: [9]}}\n"
    ));
    assert!(e.message.contains("department 9"), "{e}");
    let e = fails(&format!(
        "{base}        groupchat_range: {{chat_id_list: [nope]}}\n"
    ));
    assert!(e.message.contains("nope"), "{e}");
}

#[test]
fn a_member_index_past_the_list_reads_as_deleted() {
    let (w, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
    let c = &w.corps[0];
    assert_eq!(c.member(0).userid, c.users[0].userid);
    let beyond = c.member(c.users.len());
    assert!(beyond.deleted && beyond.userid.is_empty());
}

/// The first department and member every case below builds on; `user` is added to the member's map, `corp` to
/// the corp (from line 8).
fn corp(user: &str, corp: &str) -> String {
    format!(
        "corps:\n  - corpid: ww1\n    departments:\n      - {{id: 1, name: a, leaders: [u]}}\n      - {{id: 2, name: b}}\n    users:\n      - {{userid: u, name: U, department: [1]{user}}}\n{corp}"
    )
}

#[test]
fn a_value_of_the_wrong_type_names_the_field_the_type_expected_and_what_it_got() {
    let apps = |app: &str| corp("", &format!("    apps:\n      - {{{app}}}\n"));
    let cases = [
        (
            apps("agentid: abc, name: a, secret: s"),
            9,
            "corps[0].apps[0].agentid: expected an integer, got abc",
        ),
        (
            apps("agentid: 1.5, name: a, secret: s"),
            9,
            "corps[0].apps[0].agentid: expected an integer, got 1.5",
        ),
        (
            apps("agentid: 1, name: [a], secret: s"),
            9,
            "corps[0].apps[0].name: expected a string, got a list",
        ),
        (
            corp(", licensed: maybe", ""),
            7,
            "corps[0].users[0].licensed: expected true or false, got maybe",
        ),
        (
            corp(", gender: \"x\"", ""),
            7,
            "corps[0].users[0].gender: expected an integer, got \"x\"",
        ),
        (
            "corps:\n  - corpid: ww1\n    users:\n      - {userid: u, name: U, department: 1}\n"
                .to_owned(),
            4,
            "corps[0].users[0].department: expected a list, got 1",
        ),
        (
            corp(", name: V", ""),
            7,
            "corps[0].users[0]: duplicate mapping key: name",
        ),
        (
            corp("", "    generate_users: -5\n"),
            8,
            "corps[0].generate_users: expected an integer, 0 or more, got -5",
        ),
        (
            "seed: many\ncorps: []\n".to_owned(),
            1,
            "seed: expected an integer, 0 or more, got many",
        ),
        (
            "settings: {inbox_capacity: lots}\ncorps: []\n".to_owned(),
            1,
            "settings.inbox_capacity: expected an integer, 0 or more, got lots",
        ),
        (
            apps("name: a, secret: s"),
            9,
            "corps[0].apps[0]: missing field `agentid`",
        ),
    ];
    for (yaml, line, message) in cases {
        let e = fails(&yaml);
        assert_eq!((e.at.line(), e.message.as_str()), (line, message), "{yaml}");
        // The position is said once, by the file:line:column prefix.
        assert_eq!(
            e.to_string(),
            format!("t.yaml:{line}:{}: {message}", e.at.column())
        );
    }
}

#[test]
fn every_documented_range_is_enforced() {
    let user = |extra: &str| corp(extra, "");
    let under = |extra: &str| corp("", extra);
    let key = "a".repeat(43);
    let token = "t".repeat(33);
    let cases = [
        // FIXTURE.md, corps[]
        ("corps:\n  - corpid: w-1\n".to_owned(), 2, "corpid \"w-1\" must be letters and digits"),
        (under("    generate_users: 100001\n"), 8, "generate_users is at most 100000"),
        (under("    generate_customers: 20000001\n"), 8, "generate_customers is at most 20000000"),
        (under(&format!("    contact_sync:\n      secret: s\n      callback: {{token: {token}, encoding_aes_key: {key}}}\n")), 10, "token must be 1-32 characters"),
        // apps[]
        (under("    apps:\n      - {agentid: 0, name: a, secret: s}\n"), 9, "agentid 0 must be positive"),
        (under(&format!("    apps:\n      - {{agentid: 1, name: a, secret: s, callback: {{token: {token}, encoding_aes_key: {key}}}}}\n")), 9, "token must be 1-32 characters"),
        // departments[]
        ("corps:\n  - corpid: ww1\n    departments:\n      - {id: 0, name: a}\n".to_owned(), 4, "department id 0 must be positive"),
        ("corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a, parentid: 7}\n".to_owned(), 4, "parentid 7 is not a department"),
        ("corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a, leaders: [nobody]}\n".to_owned(), 4, "department 1: leader \"nobody\" is not a member of this corp"),
        // users[]
        ("corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a}\n    users:\n      - {userid: \"a|b\", name: U, department: [1]}\n".to_owned(), 6, "must be 1-64 characters without '|'"),
        ("corps:\n  - corpid: ww1\n    departments:\n      - {id: 1, name: a}\n    users:\n      - {userid: u, name: U, department: []}\n".to_owned(), 6, "belongs to no department"),
        (user(", gender: 3"), 7, "user \"u\": gender must be 0 (unknown), 1 (male) or 2 (female), not 3"),
        (user(", gender: -1"), 7, "gender must be 0 (unknown), 1 (male) or 2 (female), not -1"),
        (user(", status: 3"), 7, "user \"u\": status must be 1 (active), 2 (disabled), 4 (not joined) or 5 (resigned), not 3"),
        (user(", leader_in: [2]"), 7, "user \"u\": leader_in 2 is not one of its departments [1]"),
        // customers[]
        (under("    customers:\n      - {external_userid: \"w m\", name: c}\n"), 9, "must be 1-64 letters, digits, '_' or '-'"),
        (under("    customers:\n      - {external_userid: wm1, name: c, type: 3}\n"), 9, "type must be 1 (WeChat) or 2 (WeCom)"),
        (under("    customers:\n      - {external_userid: wm1, name: c, gender: 7}\n"), 9, "customer \"wm1\": gender must be 0 (unknown), 1 (male) or 2 (female), not 7"),
        // kf
        (under("    apps:\n      - {agentid: 1, name: a, secret: s}\n    kf:\n      agentid: 2\n"), 11, "kf.agentid 2 is not an app"),
        (under("    apps:\n      - {agentid: 1, name: a, secret: s}\n    kf:\n      agentid: 1\n      accounts:\n        - {open_kfid: \"w k\", name: k}\n"), 13, "must be 1-64 letters, digits, '_' or '-'"),
        (under(&format!("    apps:\n      - {{agentid: 1, name: a, secret: s}}\n    kf:\n      agentid: 1\n      accounts:\n        - {{open_kfid: wk1, name: {}}}\n", "名".repeat(17))), 13, "kf account name"),
    ];
    for (yaml, line, fragment) in cases {
        let e = fails(&yaml);
        assert_eq!(e.at.line(), line, "{e}\n{yaml}");
        assert!(
            e.message.contains(fragment),
            "{e} lacks {fragment:?}\n{yaml}"
        );
    }
    // The edges of each range load.
    for ok in [
        user(", gender: 2, status: 5, leader_in: [1]"),
        user(", gender: 0, status: 4"),
    ] {
        World::parse(&ok, "t.yaml").unwrap_or_else(|e| panic!("{e}\n{ok}"));
    }
}
