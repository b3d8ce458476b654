use super::*;

/// A small report with two metrics, a series point and a failed threshold.
pub(crate) fn sample() -> Report {
    let mut a = histogram::new();
    let mut b = histogram::new();
    for us in [900, 1_100, 1_500, 2_000, 40_000] {
        histogram::record(&mut a, us);
        histogram::record(&mut b, us / 2);
    }
    let metric = |h| crate::testing::metric(h, 1);
    let mut r = crate::testing::report("sample");
    r.metrics = BTreeMap::from([
        ("roundtrip".to_owned(), metric(&a)),
        ("api.message/send".to_owned(), metric(&b)),
    ]);
    r.series = vec![Second {
        t_s: 0,
        n_iterations: 5,
        n_requests: 5,
        n_errors: 0,
        errors_by_kind: BTreeMap::new(),
        metrics: BTreeMap::from([("roundtrip".to_owned(), Encoded::from_histogram(&a))]),
    }];
    r.thresholds = vec![Threshold {
        expr: "roundtrip.p99 < 1ms".into(),
        value: Some(40_000.0),
        unit: "us".into(),
        passed: false,
        share: None,
    }];
    r.verdict = "failed".into();
    r
}

#[test]
fn a_report_reads_back_equal() {
    let r = sample();
    let back = Report::parse(&r.to_json(), "r.json").unwrap();
    assert_eq!(back, r);
    let h = back.metrics["roundtrip"].corrected.decode().unwrap();
    assert_eq!(h.len(), 5);
}

#[test]
fn a_newer_major_version_is_refused_by_name() {
    let text = sample().to_json().replace(
        &format!("\"version\": \"{VERSION}\""),
        "\"version\": \"2.0\"",
    );
    let e = Report::parse(&text, "new.json").unwrap_err();
    assert!(matches!(e, ReadError::Version { .. }), "{e}");
    assert!(e.to_string().contains("version 2.0"), "{e}");
    let minor = sample().to_json().replace(
        &format!("\"version\": \"{VERSION}\""),
        "\"version\": \"1.7\"",
    );
    assert!(Report::parse(&minor, "minor.json").is_ok());
}

#[test]
fn other_json_is_not_a_report() {
    let e = Report::parse("{\"hello\": 1}", "x.json").unwrap_err();
    assert!(matches!(e, ReadError::Schema { .. }), "{e}");
}

#[test]
fn a_truncated_report_is_a_json_error() {
    let text = sample().to_json();
    let e = Report::parse(&text[..text.len() / 2], "cut.json").unwrap_err();
    assert!(matches!(e, ReadError::Json { .. }), "{e}");
}

#[test]
fn a_newer_minor_version_with_more_fields_reads() {
    let text = sample().to_json().replace(
        &format!("\"version\": \"{VERSION}\""),
        "\"version\": \"1.9\", \"gpu\": \"none\"",
    );
    assert!(Report::parse(&text, "newer.json").is_ok());
}

#[test]
fn a_verdict_its_thresholds_do_not_give_is_caught() {
    let text = sample()
        .to_json()
        .replace("\"verdict\": \"failed\"", "\"verdict\": \"passed\"");
    let e = Report::parse(&text, "lie.json").unwrap_err();
    assert!(e.to_string().contains("verdict"), "{e}");
}

#[test]
fn a_hand_edited_count_is_caught() {
    let r = sample();
    let n = r.metrics["roundtrip"].corrected.n;
    let text = r
        .to_json()
        .replacen(&format!("\"n\": {n},"), &format!("\"n\": {},", n + 1), 1);
    let e = Report::parse(&text, "edited.json").unwrap_err();
    assert!(matches!(e, ReadError::Invalid { .. }), "{e}");
}

#[test]
fn a_partial_run_is_incomplete_and_only_that() {
    let mut r = sample();
    r.partial = true;
    r.stopped = Some("terminated (SIGTERM)".into());
    r.thresholds[0].passed = true;
    // Its thresholds passed on what ran; the run is still not passed.
    r.verdict = threshold::INCOMPLETE.into();
    let back = Report::parse(&r.to_json(), "cut.json").unwrap();
    assert!(back.incomplete() && !back.passed());
    r.verdict = threshold::PASSED.into();
    let e = Report::parse(&r.to_json(), "lie.json").unwrap_err();
    assert!(e.to_string().contains("incomplete"), "{e}");
}

#[test]
fn a_partial_1_0_report_reads_as_incomplete() {
    // What loadgen 1.0 wrote after Ctrl-C: "passed", from thresholds judged on part of the run.
    let mut r = sample();
    r.version = "1.0".into();
    r.partial = true;
    r.thresholds[0].passed = true;
    r.verdict = threshold::PASSED.into();
    let back = Report::parse(&r.to_json(), "old.json").unwrap();
    assert_eq!(back.verdict, threshold::INCOMPLETE);
    // A 1.1 report may not say so.
    r.version = VERSION.into();
    assert!(Report::parse(&r.to_json(), "new.json").is_err());
}

/// Shard 1 of 2 whose `iterations.rate >= 95/s` passed on its share (50/s against 47.5/s).
fn shard_on_its_share() -> Report {
    let mut r = sample();
    r.run.shard = Some("1/2".into());
    let t = threshold::parse("iterations.rate >= 95/s").unwrap();
    r.thresholds = vec![t.judged(Some(50.0), 2)];
    r.verdict = "passed".into();
    r
}

#[test]
fn a_shards_share_reads_back_and_must_be_of_its_n() {
    let r = shard_on_its_share();
    let back = Report::parse(&r.to_json(), "shard.json").unwrap();
    assert_eq!(back, r);
    assert!(back.passed());
    assert_eq!(
        back.thresholds[0].share.as_ref().map(|s| s.limit),
        Some(47.5)
    );
    for other in [None, Some("1/3"), Some("merged 2 of 2")] {
        let mut wrong = r.clone();
        wrong.run.shard = other.map(Into::into);
        let e = Report::parse(&wrong.to_json(), "wrong.json").unwrap_err();
        assert!(e.to_string().contains("shard's share"), "{other:?}: {e}");
    }
    // A whole run's threshold has no share, and its JSON no such key (an older reader is not surprised).
    assert!(!sample().to_json().contains("\"share\""));
}

#[test]
fn every_summary_says_a_threshold_was_judged_on_the_share() {
    let r = shard_on_its_share();
    let said = "iterations.rate &gt;= 47.5/s (95/s ÷ 2 shards)";
    let plain = "iterations.rate >= 47.5/s (95/s ÷ 2 shards)";
    let table = summary::render(&r);
    assert!(
        table.contains(&format!("pass  {plain}  (measured 50.0/s)")),
        "{table}"
    );
    assert!(junit::render(&r).contains(said), "{}", junit::render(&r));
    assert!(html::render(&r).contains(said));
    assert!(markdown::report(&r).contains(plain));
}
