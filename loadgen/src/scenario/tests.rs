use super::*;
use crate::scenario::plan::{Action, Bot, Load, Target};

fn parse_str(text: &str) -> Result<Plan, ScenarioError> {
    parse(text, "t.yaml", Path::new("."))
}

const GOOD: &str = r#"
name: kf-demo
seed: 7
data:
  customer: { from: customers }
  kf: { from: kf_accounts, pick: random }
workload:
  - open: { rate: 50/s, duration: 2s }
  - closed: { vus: 2, iterations: 10 }
    think: 1ms..5ms
steps:
  - name: write
    control: POST /mock/kf/${kf}/messages
    body: { from: "${customer}", content: "hi ${iteration}" }
    capture: { msgid: msgid }
  - expect: { in_reply_to: "${msgid}", route: kf }
    metric: roundtrip
thresholds:
  - roundtrip.p99 < 50ms
  - iterations.error_rate < 1%
"#;

#[test]
fn a_good_scenario_plans() {
    let p = parse_str(GOOD).unwrap();
    assert_eq!(p.name, "kf-demo");
    assert!(matches!(p.target, Target::Embedded(_)));
    assert_eq!(p.bot, Bot::Reference);
    assert_eq!(p.phases.len(), 2);
    assert_eq!(
        p.phases[0].load,
        Load::Open {
            from_per_s: 50.0,
            to_per_s: 50.0,
            duration: std::time::Duration::from_secs(2)
        }
    );
    assert!(matches!(p.phases[1].steps[1].action, Action::Expect(_)));
    for m in [
        "iterations",
        "api.gettoken",
        "api.mock/kf/${kf}/messages",
        "roundtrip",
        "step.write",
    ] {
        assert!(
            p.metrics.iter().any(|x| x == m),
            "{m} missing from {:?}",
            p.metrics
        );
    }
    assert!(p.hash.starts_with("sha256:"));
}

/// (what to replace in GOOD, with what, words the error must say). The error must point at the line where the
/// replacement's last line is.
#[test]
fn errors_are_located() {
    let cases: &[(&str, &str, &str)] = &[
        ("rate: 50/s", "rate: 50/fortnight", "unknown unit"),
        ("vus: 2", "vus: 0", "vus: 1 to"),
        ("${customer}", "${nobody}", "${nobody} is not defined"),
        ("roundtrip.p99 < 50ms", "roundtrip.p99 < 50", "needs a unit"),
        (
            "roundtrip.p99 < 50ms",
            "nothing.p99 < 50ms",
            "no step records",
        ),
        ("from: customers }", "from: people }", "unknown pool"),
        ("control: POST", "control: FETCH", "unknown method"),
        ("seed: 7", "seed: 7\ntypo_key: 1", "unknown field"),
        (
            "think: 1ms..5ms",
            "think: 9ms..5ms",
            "start is above its end",
        ),
        (
            "expect: { in_reply_to:",
            "expect: { msgid: x, in_reply_to:",
            "exactly one of",
        ),
        (
            "route: kf }",
            "route: kf, kind: teleported }",
            "expect kind \"teleported\": one of",
        ),
        (
            "route: kf }",
            "route: pigeon }",
            "expect route \"pigeon\": one of",
        ),
    ];
    for (from, to, says) in cases {
        assert!(GOOD.contains(from), "{from}");
        let text = GOOD.replacen(from, to, 1);
        let marker = to.lines().last().unwrap();
        let want_line = text.lines().position(|l| l.contains(marker)).unwrap() + 1;
        let e = parse_str(&text).expect_err(to);
        assert_eq!(e.line, want_line, "{to}: {e}");
        assert!(e.column > 0, "{to}: {e}");
        assert!(e.message.contains(says), "{to}: {e}");
    }
}

#[test]
fn an_unknown_expect_kind_names_the_valid_ones() {
    let text = GOOD.replacen("route: kf }", "route: kf, kind: deliverd }", 1);
    let e = parse_str(&text).unwrap_err();
    let line = text.lines().position(|l| l.contains("deliverd")).unwrap() + 1;
    assert_eq!((e.line, e.message.as_str()), (line, "expect kind \"deliverd\": one of accepted, attempt, acknowledged, failed, delivered, dropped, first_chunk"), "{e}");
    let text = GOOD.replacen("route: kf }", "route: KF }", 1);
    let e = parse_str(&text).unwrap_err();
    assert_eq!(
        e.message,
        "expect route \"KF\": one of app_message, appchat, robot, callback, kf, customer_message, contact, contact_sync, aibot"
    );
}

#[test]
fn every_kind_and_route_the_mock_emits_is_expectable() {
    use wecom_wire::mock::events::{EventKind, Route};
    for k in EventKind::ALL {
        for r in Route::ALL {
            let text = GOOD.replacen("route: kf }", &format!("route: {r}, kind: {k} }}"), 1);
            let p = parse_str(&text).unwrap_or_else(|e| panic!("{k} on {r}: {e}"));
            let Action::Expect(x) = &p.phases[0].steps[1].action else {
                panic!("{k} on {r}: not an expect");
            };
            assert_eq!((x.kind, x.route), (*k, Some(*r)));
        }
    }
}

const AIBOT: &str = r#"
name: aibot
bot_chunks: 4
bot_chunk_ms: 20
data:
  member: { from: members }
  aibot: { from: aibots }
workload:
  - open: { rate: 5/s, duration: 1s }
steps:
  - control: POST /mock/aibots/${aibot}/messages
    body: { from: "${member}", content: hi }
"#;

#[test]
fn the_ai_bot_pool_and_stream_settings_plan() {
    use crate::scenario::plan::{BotStream, Source, WorldPool};
    let p = parse_str(AIBOT).unwrap();
    assert!(p.uses_aibots());
    assert!(!parse_str(GOOD).unwrap().uses_aibots());
    assert!(matches!(
        p.pools[0].source,
        Source::World(WorldPool::Aibots)
    ));
    assert_eq!(
        p.bot_stream,
        BotStream {
            chunks: Some(4),
            chunk_ms: Some(20)
        }
    );
    let unset = parse_str(&AIBOT.replacen("bot_chunks: 4\nbot_chunk_ms: 20\n", "", 1)).unwrap();
    assert_eq!(unset.bot_stream, BotStream::default());
    for (from, to, says) in [
        ("bot_chunks: 4", "bot_chunks: 0", "bot_chunks: 1 or more"),
        (
            "bot_chunks: 4",
            "bot: none\nbot_chunks: 4",
            "the reference bot's streams",
        ),
    ] {
        let text = AIBOT.replacen(from, to, 1);
        let e = parse_str(&text).expect_err(to);
        let line = text
            .lines()
            .position(|l| l.starts_with("bot_chunks"))
            .unwrap()
            + 1;
        assert_eq!(e.line, line, "{e}");
        assert!(e.message.contains(says), "{e}");
    }
}

#[test]
fn a_missing_file_names_itself() {
    let e = load(Path::new("no/such/scenario.yaml")).unwrap_err();
    // No place to give: no `:0:0` standing for one.
    assert!(
        e.to_string()
            .starts_with("no/such/scenario.yaml: cannot read"),
        "{e}"
    );
}

#[test]
fn the_schema_names_every_top_level_key() {
    let s: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
    for key in [
        "name",
        "target",
        "bot",
        "fixture",
        "workload",
        "steps",
        "thresholds",
        "data",
        "seed",
        "bot_chunks",
        "bot_chunk_ms",
    ] {
        assert!(
            s["properties"].get(key).is_some(),
            "{key} missing from the schema"
        );
    }
}

mod malformed {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Any edit of a good scenario either still plans or is refused with a place inside the file and a
        /// message; it never panics.
        #[test]
        fn edits_are_planned_or_located(at in 0usize..600, cut in 0usize..8, insert in "[ -~\n]{0,12}") {
            let mut text = GOOD.to_owned();
            let at = at.min(text.len());
            let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            let end = (at + cut).min(text.len());
            let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
            text.replace_range(at..end, &insert);
            if let Err(e) = parse_str(&text) {
                prop_assert!(!e.message.is_empty());
                prop_assert!(e.line <= text.lines().count() + 1, "{e} for {text}");
            }
        }

        /// Whole lines swapped for garbage: the same.
        #[test]
        fn garbage_lines_are_located(line in 0usize..24, garbage in "[a-z:{}\\[\\]$ -]{0,30}") {
            let mut lines: Vec<&str> = GOOD.lines().collect();
            let i = line.min(lines.len() - 1);
            lines[i] = &garbage;
            let text = lines.join("\n");
            if let Err(e) = parse_str(&text) {
                prop_assert!(!e.message.is_empty());
                prop_assert!(e.line <= lines.len() + 1, "{e}");
            }
        }
    }
}

#[test]
fn the_parsers_errors_give_their_position_once() {
    let cases = [
        GOOD.replacen("seed: 7", "seed: seven", 1),
        GOOD.replacen("seed: 7", "seeds: 7", 1),
        GOOD.replacen("name: kf-demo", "name: [kf-demo", 1),
        GOOD.replacen("    metric: roundtrip", "  metric: roundtrip\n    - x", 1),
        GOOD.replacen("name: kf-demo", "name: kf-demo\nname: again", 1),
    ];
    for text in &cases {
        let e = parse_str(text).expect_err(text);
        let shown = e.to_string();
        let prefix = format!("t.yaml:{}:{}: ", e.line, e.column);
        assert!(e.line > 0 && shown.starts_with(&prefix), "{shown}");
        assert_eq!(shown.strip_prefix(&prefix), Some(e.message.as_str()));
        assert!(
            !e.message.contains("line ")
                && !e.message.contains("column ")
                && !e.message.starts_with("error"),
            "the position repeated: {shown}"
        );
        assert!(!shown.contains(":0:0"), "{shown}");
    }
}

#[test]
fn the_parsers_errors_name_the_field_and_what_it_takes() {
    let e = parse_str(&GOOD.replacen("seed: 7", "seed: seven", 1)).unwrap_err();
    assert_eq!(e.message, "seed: expected an integer, 0 or more, got seven");
    let e = parse_str(&GOOD.replacen("seed: 7", "seed: 7\ntypo_key: 1", 1)).unwrap_err();
    assert!(
        e.message.starts_with("typo_key: unknown field `typo_key`"),
        "{e}"
    );
}

#[cfg(feature = "embedded")]
#[test]
fn an_inline_fixtures_problem_is_at_its_own_line_of_the_scenario() {
    let text = format!(
        "{GOOD}fixture:\n  inline:\n    corps:\n      - corpid: ww1\n        apps:\n          - agentid: abc\n"
    );
    let e = parse_str(&text).unwrap_err();
    let at = text
        .lines()
        .position(|l| l.contains("agentid: abc"))
        .unwrap()
        + 1;
    assert_eq!(e.line, at, "{e}");
    assert_eq!(
        e.message,
        "fixture.inline.corps[0].apps[0].agentid: expected an integer, got abc"
    );
    let text = format!(
        "{GOOD}fixture:\n  inline:\n    corps:\n      - corpid: ww1\n        gender_typo: 1\n"
    );
    let e = parse_str(&text).unwrap_err();
    let at = text
        .lines()
        .position(|l| l.contains("gender_typo"))
        .unwrap()
        + 1;
    assert_eq!(e.line, at, "{e}");
    assert!(!e.message.contains("line "), "the position repeated: {e}");
    // A problem found after reading (a key of the wrong length) is at its line too, said once.
    let text = format!(
        "{GOOD}fixture:\n  inline:\n    corps:\n      - corpid: ww1\n        apps:\n          - agentid: 1\n            name: a\n            secret: s\n            callback: {{token: t, encoding_aes_key: short}}\n"
    );
    let e = parse_str(&text).unwrap_err();
    let at = text.lines().position(|l| l.contains("key: short")).unwrap() + 1;
    assert_eq!(e.line, at, "{e}");
    assert!(
        e.message.starts_with("fixture: ") && e.message.contains("43"),
        "{e}"
    );
    assert!(!e.message.contains("line "), "the position repeated: {e}");
}

#[cfg(feature = "embedded")]
#[test]
fn an_inline_fixtures_problem_without_a_place_is_not_given_line_0() {
    let text = format!("{GOOD}fixture:\n  inline:\n    corps: []\n");
    let e = parse_str(&text).unwrap_err();
    let at = text.lines().position(|l| l == "  inline:").unwrap() + 1;
    assert_eq!(e.line, at, "{e}");
    assert!(
        e.message
            .starts_with("fixture: the fixture declares no corp"),
        "{e}"
    );
    assert!(!e.message.contains("line 0"), "{e}");
}
