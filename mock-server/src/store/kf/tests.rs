//! The kf store's log, cursors, codes and tokens.

use super::*;

fn kf() -> Kf {
    let (world, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
    Kf::new(&world, usize::MAX, 0)
}

fn entry(k: &str, n: u64) -> Entry {
    Entry {
        open_kfid: k.into(),
        json: n.to_string().into(),
    }
}

#[test]
fn pull_tokens_are_capped_oldest_first() {
    let kf = kf();
    for i in 0..MAX_LIVE_TOKENS + 10 {
        kf.add_token(format!("t{i}"), 0, 600_000, 0);
    }
    assert!(!kf.token_valid("t0", 0, 1), "the oldest lapsed early");
    assert!(kf.token_valid(&format!("t{}", MAX_LIVE_TOKENS + 9), 0, 1));
    assert_eq!(kf.tokens.len(), MAX_LIVE_TOKENS);
}

#[test]
fn the_log_stays_under_its_budget_and_cursors_keep_their_meaning() {
    let (world, _) = World::demo().unwrap_or_else(|e| panic!("{e}"));
    let one = entry("a", 0).cost_bytes();
    let kf = Kf::new(&world, 100 * one, 7);
    for n in 0..1_000 {
        kf.append(0, entry("a", n % 10));
    }
    assert!(kf.log_bytes().0 <= 100 * one);
    let p = kf.page(0, 0, None, 1_000);
    assert_eq!(p.items.len(), 100, "the newest 100");
    assert_eq!(p.next, 1_000, "positions still count every entry");
    let v = kf.cursor_value(p.next);
    assert_eq!(kf.cursor_pos(0, v), Some(1_000));
    assert_eq!(
        kf.cursor_pos(0, kf.cursor_value(1_001)),
        None,
        "past the end"
    );
    let other = Kf::new(&world, usize::MAX, 8);
    assert_eq!(other.cursor_pos(0, v), None, "another store's cursor");
}

#[test]
fn pages_visit_each_entry_once_and_filter_by_account() {
    let kf = kf();
    for n in 0..10 {
        kf.append(0, entry(if n % 2 == 0 { "a" } else { "b" }, n));
    }
    let (mut from, mut seen) = (0, Vec::new());
    loop {
        let p = kf.page(0, from, None, 3);
        seen.extend(p.items.iter().map(|e| e.json.to_string()));
        from = p.next;
        if !p.has_more {
            break;
        }
    }
    assert_eq!(seen, (0..10).map(|n| n.to_string()).collect::<Vec<_>>());
    let only_b = kf.page(0, 0, Some("b"), 100);
    assert_eq!(only_b.items.len(), 5);
    assert_eq!((only_b.next, only_b.has_more), (10, false));
    assert_eq!(kf.page(0, 10, None, 5).items.len(), 0);
}

#[test]
fn codes_are_single_use_and_expire() {
    let kf = kf();
    let code = |e| Code {
        corp: 0,
        open_kfid: "a".into(),
        customer: 0,
        expires_ms: e,
    };
    kf.add_code("c1".into(), code(1_000), 0);
    assert!(kf.take_code("c1", 1, 10).is_none(), "another corp");
    assert!(kf.take_code("c1", 0, 10).is_some());
    assert!(kf.take_code("c1", 0, 10).is_none(), "used");
    kf.add_code("c2".into(), code(1_000), 0);
    assert!(kf.take_code("c2", 0, 1_000).is_none(), "expired");
}

#[test]
fn demo_accounts_are_seeded() {
    let kf = kf();
    let a = kf
        .accounts
        .get(&(0, "wkDemoSupportDesk00000000000001A".into()));
    assert_eq!(a.map(|a| a.servicers.len()), Some(2));
}
