use super::*;

/// A report whose `roundtrip` holds `n` samples around `median_us` (log-normal-ish, from `seed`), times `scale`.
fn run(seed: u64, n: usize, median_us: f64, scale: f64) -> Report {
    let mut r = crate::tests::sample();
    let mut rng = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut h = crate::histogram::new();
    for _ in 0..n {
        // xorshift, then a sum of uniforms for a bell, exponentiated for a right tail.
        let mut u = 0.0;
        for _ in 0..4 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            u += (rng >> 11) as f64 / (1u64 << 53) as f64;
        }
        let z = (u - 2.0) / 0.577;
        crate::histogram::record(&mut h, (median_us * (0.35 * z).exp() * scale) as u64);
    }
    r.metrics = BTreeMap::from([("roundtrip".to_owned(), crate::testing::metric(&h, 0))]);
    r.run.started_at = format!("2026-11-28T00:00:{:02}Z", seed % 60);
    r.run.duration_ms = 60_000;
    r.counters.n_iterations = n as u64;
    r
}

fn verdicts(c: &Comparison, stat: &str) -> Verdict {
    c.rows
        .iter()
        .find(|r| r.metric == "roundtrip" && r.stat == stat)
        .map(|r| r.verdict)
        .unwrap()
}

fn cmp(a: &Report, b: &Report) -> Comparison {
    runs(a, b, ("base", "new"), &Tolerances::default(), false).unwrap()
}

#[test]
fn a_shift_is_a_regression_and_back_an_improvement() {
    let base = run(1, 20_000, 2_000.0, 1.0);
    let slower = run(2, 20_000, 2_000.0, 1.3);
    let c = cmp(&base, &slower);
    for stat in ["p50", "p90", "p99"] {
        assert_eq!(verdicts(&c, stat), Verdict::Regression, "{stat}: {c:#?}");
    }
    assert!(c.failed());
    let back = cmp(&slower, &base);
    assert_eq!(verdicts(&back, "p50"), Verdict::Improvement);
    assert!(!back.failed());
}

#[test]
fn the_same_distribution_twice_is_not_a_regression() {
    for seed in 10..20 {
        let c = cmp(
            &run(seed, 5_000, 2_000.0, 1.0),
            &run(seed + 100, 5_000, 2_000.0, 1.0),
        );
        assert!(
            !c.failed(),
            "seed {seed}: {:#?}",
            c.regressions().collect::<Vec<_>>()
        );
        assert_eq!(verdicts(&c, "distribution"), Verdict::Same, "seed {seed}");
    }
}

#[test]
fn a_small_shift_within_tolerance_is_the_same() {
    let c = cmp(
        &run(3, 50_000, 2_000.0, 1.0),
        &run(4, 50_000, 2_000.0, 1.04),
    );
    assert_eq!(verdicts(&c, "p50"), Verdict::Same);
    assert!(!c.failed());
    // A tighter tolerance for it makes it one, because with 50,000 samples the shift is real.
    let mut tol = Tolerances::default();
    tol.add("roundtrip.p50=2%").unwrap();
    let c = runs(
        &run(3, 50_000, 2_000.0, 1.0),
        &run(4, 50_000, 2_000.0, 1.04),
        ("a", "b"),
        &tol,
        false,
    )
    .unwrap();
    assert_eq!(verdicts(&c, "p50"), Verdict::Regression);
}

#[test]
fn a_big_change_in_few_samples_is_noise_or_too_few() {
    // 40 samples: a 30% move of the median cannot be told from chance as surely as the test asks.
    let c = cmp(&run(5, 40, 2_000.0, 1.0), &run(6, 40, 2_000.0, 1.15));
    assert_ne!(verdicts(&c, "p50"), Verdict::Regression);
    assert_eq!(verdicts(&c, "p99"), Verdict::TooFew);
    assert_eq!(verdicts(&c, "p99.9"), Verdict::TooFew);
    assert!(!c.failed());
    assert!(c.warnings.iter().any(|w| w.contains("too few")));
}

#[test]
fn refuses_itself_and_other_scenarios() {
    let a = run(7, 1_000, 2_000.0, 1.0);
    assert!(matches!(
        runs(&a, &a.clone(), ("a", "a"), &Tolerances::default(), false),
        Err(CompareError::SameRun)
    ));
    let mut other = run(8, 1_000, 2_000.0, 1.0);
    other.scenario.hash = "sha256:else".into();
    assert!(matches!(
        runs(&a, &other, ("a", "b"), &Tolerances::default(), false),
        Err(CompareError::DifferentScenarios { .. })
    ));
    assert!(runs(&a, &other, ("a", "b"), &Tolerances::default(), true).is_ok());
}

#[test]
fn other_machines_are_said_and_not_counted() {
    let base = run(9, 20_000, 2_000.0, 1.0);
    let mut slower = run(10, 20_000, 2_000.0, 1.5);
    slower.run.host.cpu_model = "another CPU".into();
    let c = cmp(&base, &slower);
    assert_eq!(verdicts(&c, "p50"), Verdict::Regression);
    assert!(!c.comparable);
    assert!(!c.failed());
    assert!(c.warnings.iter().any(|w| w.contains("different machines")));
}

#[test]
fn tolerances_parse_and_refuse() {
    let mut t = Tolerances::default();
    t.add("15%").unwrap();
    t.add("p99=30%").unwrap();
    t.add("roundtrip.p99=5%").unwrap();
    t.add("error_rate=1%").unwrap();
    assert_eq!(t.for_("roundtrip", "p99"), 0.05);
    assert_eq!(t.for_("api.x", "p99"), 0.30);
    assert_eq!(t.for_("api.x", "p50"), 0.15);
    assert_eq!(t.error_rate, 0.01);
    for bad in ["ten", "=5%", "p99=", "p99=-1%", "5"] {
        assert!(t.add(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_tolerance_for_nothing_is_refused() {
    let (a, b) = (run(20, 100, 2_000.0, 1.0), run(21, 100, 2_000.0, 1.0));
    let mut tol = Tolerances::default();
    tol.add("rountrip.p99=5%").unwrap();
    assert!(matches!(
        runs(&a, &b, ("a", "b"), &tol, false),
        Err(CompareError::UnknownTolerance(_))
    ));
    let mut ok = Tolerances::default();
    for t in [
        "roundtrip.p99=5%",
        "p99.9=30%",
        "roundtrip=15%",
        "iterations.rate=5%",
    ] {
        ok.add(t).unwrap();
    }
    assert!(runs(&a, &b, ("a", "b"), &ok, false).is_ok());
}

#[test]
fn a_rate_is_judged_on_its_counts() {
    let base = run(22, 20_000, 2_000.0, 1.0);
    let mut fewer = run(23, 20_000, 2_000.0, 1.0);
    fewer.counters.n_iterations = 15_000;
    let rate = |c: &Comparison| {
        c.rows
            .iter()
            .find(|r| r.stat == "rate")
            .map(|r| r.verdict)
            .unwrap()
    };
    assert_eq!(rate(&cmp(&base, &fewer)), Verdict::Regression);
    // 12 against 9 iterations in a minute: 25% fewer, and nothing the counts can tell from chance.
    let (mut few, mut fewer_still) = (base.clone(), fewer.clone());
    few.counters.n_iterations = 12;
    fewer_still.counters.n_iterations = 9;
    assert_eq!(rate(&cmp(&few, &fewer_still)), Verdict::Noise);
}

#[test]
fn ks_sees_a_shift_and_not_a_reshuffle() {
    let a = run(11, 5_000, 2_000.0, 1.0).metrics["roundtrip"]
        .corrected
        .decode()
        .unwrap();
    let b = run(12, 5_000, 2_000.0, 1.0).metrics["roundtrip"]
        .corrected
        .decode()
        .unwrap();
    let c = run(13, 5_000, 2_000.0, 1.2).metrics["roundtrip"]
        .corrected
        .decode()
        .unwrap();
    assert!(ks_p_value(&a, &b) > 0.01);
    assert_eq!(ks_p_value(&a, &a), 1.0, "identical histograms");
    assert!(ks_p_value(&a, &c) < 1e-6);
}

#[test]
fn the_mean_and_max_are_not_judged_and_say_so_not_same() {
    // A 30% slower run: its mean moves far, yet no verdict is made on it, and none is claimed.
    let c = cmp(&run(1, 20_000, 2_000.0, 1.0), &run(2, 20_000, 2_000.0, 1.3));
    for stat in ["mean", "max"] {
        assert_eq!(verdicts(&c, stat), Verdict::NotJudged, "{stat}");
    }
    let mean = c.rows.iter().find(|r| r.stat == "mean").unwrap();
    assert!(mean.change() > 0.2, "{mean:?}");
    assert_eq!(Verdict::NotJudged.label(), "not judged");
    let md = crate::markdown::comparison(&c);
    let line = md.lines().find(|l| l.contains(" mean ")).unwrap();
    assert!(
        line.contains("not judged") && !line.contains("same"),
        "{line}"
    );
    let html = super::render::html_table(&c);
    assert!(html.contains(">not judged<"), "{html}");
}
