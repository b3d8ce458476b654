//! The `reports` binary's contract: exit 0 when fine, 1 for a regression (compare) or a failed run (show
//! --check), 2 with a clear message for anything it cannot read or will not compare — never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test may panic on what it does not expect"
)]
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use reports::{histogram, testing, Encoded, Report, Second};

fn reports_bin(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reports"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("reports-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A report of `n` round trips around `median_us`, from a deterministic spread.
fn report(n: u64, median_us: u64, started_at: &str) -> Report {
    let mut h = histogram::new();
    for i in 0..n {
        // A spread of ±50% around the median, evenly.
        histogram::record(&mut h, median_us / 2 + (median_us * (i % 101)) / 100);
    }
    let e = Encoded::from_histogram(&h);
    let mut r = testing::report("rt");
    r.scenario.hash = "sha256:1".into();
    r.scenario.seed = 1;
    r.run.started_at = started_at.into();
    r.run.ended_at = started_at.into();
    r.run.duration_ms = 60_000;
    r.run.host.cpu_model = "cpu".into();
    r.metrics = BTreeMap::from([("roundtrip".to_owned(), testing::metric(&h, 0))]);
    r.counters.n_iterations = n;
    r.series = vec![Second {
        t_s: 0,
        n_iterations: n,
        n_requests: n,
        n_errors: 0,
        errors_by_kind: BTreeMap::new(),
        metrics: BTreeMap::from([("roundtrip".to_owned(), e)]),
    }];
    r
}

fn save(d: &Path, name: &str, r: &Report) -> PathBuf {
    let p = d.join(name);
    std::fs::write(&p, r.to_json()).expect("write");
    p
}

#[test]
fn compare_exits_1_on_a_regression_and_0_without() {
    let d = dir("compare");
    let base = save(
        &d,
        "base.json",
        &report(20_000, 2_000, "2026-11-28T00:00:00Z"),
    );
    let same = save(
        &d,
        "same.json",
        &report(20_000, 2_000, "2026-11-28T01:00:00Z"),
    );
    let slow = save(
        &d,
        "slow.json",
        &report(20_000, 3_000, "2026-11-28T02:00:00Z"),
    );
    let out = reports_bin(&[Path::new("compare"), &base, &same]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let md = d.join("c.md");
    let html = d.join("c.html");
    let out = reports_bin(&[
        Path::new("compare"),
        &base,
        &slow,
        Path::new("--md"),
        &md,
        Path::new("--html"),
        &html,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("REGRESSION"), "{stdout}");
    assert!(std::fs::read_to_string(&md)
        .expect("md written")
        .contains("regression"));
    assert!(std::fs::read_to_string(&html)
        .expect("html written")
        .contains("<svg"));
}

#[test]
fn bad_input_is_a_message_and_exit_2() {
    let d = dir("bad");
    let good = report(100, 2_000, "2026-11-28T00:00:00Z");
    let base = save(&d, "base.json", &good);
    let text = good.to_json();
    let cut = d.join("cut.json");
    std::fs::write(&cut, &text[..text.len() / 3]).expect("write");
    let lie = d.join("lie.json");
    std::fs::write(
        &lie,
        text.replace("\"verdict\": \"passed\"", "\"verdict\": \"failed\""),
    )
    .expect("write");
    let newer = d.join("newer.json");
    std::fs::write(
        &newer,
        text.replace(
            &format!("\"version\": \"{}\"", reports::VERSION),
            "\"version\": \"2.0\"",
        ),
    )
    .expect("write");
    let mut other = good.clone();
    other.scenario.hash = "sha256:2".into();
    other.run.started_at = "2026-11-28T05:00:00Z".into();
    let other = save(&d, "other.json", &other);
    let merged = d.join("m.json");
    let cases: Vec<(Vec<&Path>, &str)> = vec![
        (vec![Path::new("show"), &cut], "cut short"),
        (vec![Path::new("show"), &newer], "version 2.0"),
        (vec![Path::new("show"), &lie], "verdict"),
        (
            vec![Path::new("show"), Path::new("/no/such/report.json")],
            "cannot read",
        ),
        (vec![Path::new("compare"), &base, &base], "same run"),
        (
            vec![Path::new("compare"), &base, &other],
            "different scenarios",
        ),
        (
            vec![
                Path::new("merge"),
                &base,
                &other,
                Path::new("--out"),
                &merged,
            ],
            "another scenario",
        ),
    ];
    for (args, says) in cases {
        let out = reports_bin(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn show_check_fails_a_failed_run() {
    let d = dir("check");
    let mut r = report(10, 2_000, "2026-11-28T00:00:00Z");
    r.thresholds = vec![reports::Threshold {
        expr: "roundtrip.p99 < 1ms".into(),
        value: Some(2_900.0),
        unit: "us".into(),
        passed: false,
        share: None,
    }];
    r.verdict = "failed".into();
    let p = save(&d, "r.json", &r);
    assert_eq!(reports_bin(&[Path::new("show"), &p]).status.code(), Some(0));
    assert_eq!(
        reports_bin(&[Path::new("show"), &p, Path::new("--check")])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn show_check_exits_3_for_a_run_cut_short() {
    let d = dir("check-partial");
    let mut r = report(10, 2_000, "2026-11-28T00:00:00Z");
    r.partial = true;
    r.stopped = Some("terminated (SIGTERM): the figures cover what ran".into());
    r.verdict = reports::threshold::INCOMPLETE.into();
    let p = save(&d, "r.json", &r);
    let out = reports_bin(&[Path::new("show"), &p, Path::new("--check")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("verdict: incomplete"), "{stdout}");
    assert_eq!(reports_bin(&[Path::new("show"), &p]).status.code(), Some(0));
    // A partial report as loadgen 1.0 wrote it, "passed" from thresholds judged on what ran, fails the check too.
    let mut old = r.clone();
    old.version = "1.0".into();
    old.verdict = "passed".into();
    let p = save(&d, "old.json", &old);
    let out = reports_bin(&[Path::new("show"), &p, Path::new("--check")]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn every_command_that_writes_a_file_prints_its_path() {
    let d = dir("paths");
    let base = save(
        &d,
        "base.json",
        &report(1_000, 2_000, "2026-11-28T00:00:00Z"),
    );
    let new = save(
        &d,
        "new.json",
        &report(1_000, 2_000, "2026-11-28T01:00:00Z"),
    );
    let shard = |i: u64| {
        let mut r = report(500, 2_000, "2026-11-28T00:00:00Z");
        r.run.shard = Some(format!("{i}/2"));
        save(&d, &format!("shard{i}.json"), &r)
    };
    let (shard0, shard1) = (shard(0), shard(1));
    let (html, md, junit) = (d.join("r.html"), d.join("r.md"), d.join("r.xml"));
    let (cmp_md, cmp_html, merged) = (d.join("c.md"), d.join("c.html"), d.join("m.json"));
    let p = Path::new;
    let cases: Vec<(Vec<&Path>, Vec<&Path>)> = vec![
        (vec![p("html"), &base, p("--out"), &html], vec![&html]),
        (vec![p("md"), &base, p("--out"), &md], vec![&md]),
        (vec![p("junit"), &base, p("--out"), &junit], vec![&junit]),
        (
            vec![
                p("compare"),
                &base,
                &new,
                p("--md"),
                &cmp_md,
                p("--html"),
                &cmp_html,
            ],
            vec![&cmp_md, &cmp_html],
        ),
        (
            vec![p("merge"), &shard0, &shard1, p("--out"), &merged],
            vec![&merged],
        ),
    ];
    for (args, files) in cases {
        let out = reports_bin(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for f in files {
            assert!(f.is_file(), "{args:?}: no {}", f.display());
            let path = f.display().to_string();
            assert!(
                stdout.lines().any(|l| l == path),
                "{args:?} did not print {path}: {stdout}"
            );
        }
    }
}
