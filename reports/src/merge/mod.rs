//! Merging the shards of one run (`loadgen run --shard i/N` on N machines) into the report a single run would
//! have recorded: histograms and counters added, the time series added second by second, thresholds judged
//! again on the merged figures. Different scenarios, seeds, or anything that is not a set of distinct shards of
//! one N are refused.

mod check;
mod figures;
mod run;

use crate::histogram::HistogramError;
use crate::Report;

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("give at least two reports to merge")]
    TooFew,
    #[error("{file} is another scenario ({what}); only shards of one scenario merge")]
    Different { file: String, what: String },
    #[error("{file} is not a shard (it was not run with --shard i/N); merging whole runs would count twice")]
    NotAShard { file: String },
    #[error("{file}: {why}")]
    Shards { file: String, why: String },
    #[error("{file}: a histogram holds values outside 1 µs to 1 h, which no run records")]
    Range { file: String },
    #[error("shards {missing} of {n} are missing; a merge of some shards is not the run")]
    Missing { missing: String, n: u64 },
    #[error("{file} was run with other options ({what}); shards of one run share them")]
    Options { file: String, what: String },
    #[error("{file}: {source}")]
    Histogram {
        file: String,
        source: HistogramError,
    },
}

/// Merges the shards of one run; `files[i]` names `reports[i]` in messages.
pub fn reports(reports: &[Report], files: &[String]) -> Result<Report, MergeError> {
    let (first, rest) = reports.split_first().ok_or(MergeError::TooFew)?;
    if rest.is_empty() {
        return Err(MergeError::TooFew);
    }
    check::one_run(first, reports, files)?;
    // Only then whether they are shards, so another scenario is named as such.
    let n_shards = check::shards(reports, files)?;
    let mut sums = figures::Sums::default();
    for (i, r) in reports.iter().enumerate() {
        sums.add(r, &name(files, i))?;
    }
    let mut merged = first.clone();
    sums.write_into(&mut merged);
    run::combine(&mut merged.run, reports, n_shards);
    merged.partial = reports.iter().any(|r| r.partial);
    merged.stopped = reports.iter().find_map(|r| r.stopped.clone());
    if merged.partial && merged.stopped.is_none() {
        merged.stopped = Some("a shard was stopped early".into());
    }
    merged.scenario.overrides.remove("shard");
    let secs = merged.run.duration_ms as f64 / 1000.0;
    merged.thresholds = merged
        .thresholds
        .iter()
        .map(|t| crate::threshold::judge(&t.expr, &merged.metrics, secs))
        .collect();
    // A merge with a shard cut short is cut short too: its verdict is incomplete, whatever the thresholds say.
    merged.verdict = crate::threshold::verdict(&merged.thresholds, merged.partial).into();
    merged.version = crate::VERSION.into();
    Ok(merged)
}

/// How `reports[i]` is named in messages.
fn name(files: &[String], i: usize) -> String {
    files
        .get(i)
        .cloned()
        .unwrap_or_else(|| format!("report {}", i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::sample;
    use crate::{Encoded, Second};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn shard_of(samples: &[u64], i: usize, n: usize) -> Report {
        let mut r = sample();
        let mut h = crate::histogram::new();
        for s in samples {
            crate::histogram::record(&mut h, *s);
        }
        r.metrics =
            BTreeMap::from([("roundtrip".to_owned(), crate::testing::metric(&h, i as u64))]);
        r.series = vec![Second {
            t_s: 0,
            n_iterations: samples.len() as u64,
            n_requests: 0,
            n_errors: 0,
            errors_by_kind: BTreeMap::new(),
            metrics: BTreeMap::from([("roundtrip".to_owned(), Encoded::from_histogram(&h))]),
        }];
        r.counters.n_iterations = samples.len() as u64;
        r.run.shard = Some(format!("{i}/{n}"));
        r
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Shards of any samples merge into exactly the histogram of all the samples.
        #[test]
        fn merging_shards_is_exact(samples in proptest::collection::vec(1u64..50_000_000, 1..300), n in 2usize..5) {
            let shards: Vec<Report> = (0..n).map(|i| {
                let mine: Vec<u64> = samples.iter().skip(i).step_by(n).copied().collect();
                shard_of(&mine, i, n)
            }).collect();
            let merged = reports(&shards, &[]).unwrap();
            let mut all = crate::histogram::new();
            for s in &samples {
                crate::histogram::record(&mut all, *s);
            }
            let m = &merged.metrics["roundtrip"];
            prop_assert_eq!(m.corrected.decode().unwrap(), all.clone());
            prop_assert_eq!(&m.corrected, &Encoded::from_histogram(&all));
            prop_assert_eq!(m.n_errors, (0..n as u64).sum::<u64>());
            prop_assert_eq!(merged.counters.n_iterations, samples.len() as u64);
            prop_assert_eq!(merged.series[0].metrics["roundtrip"].decode().unwrap(), all);
        }
    }

    #[test]
    fn thresholds_are_judged_again_on_the_merge() {
        let a = shard_of(&[500, 600], 0, 2);
        let b = shard_of(&[900_000], 1, 2);
        let mut a2 = a.clone();
        a2.thresholds = vec![crate::Threshold {
            expr: "roundtrip.max < 1ms".into(),
            value: Some(600.0),
            unit: "us".into(),
            passed: true,
            share: None,
        }];
        a2.verdict = "passed".into();
        let merged = reports(&[a2, b], &[]).unwrap();
        assert!(!merged.thresholds[0].passed);
        assert!(merged.thresholds[0].value.unwrap() >= 899_000.0);
        assert_eq!(merged.verdict, "failed");
        let _ = a;
    }

    /// Shards that passed `roundtrip.rate` on their share: the merge judges the whole against the written target.
    #[test]
    fn shards_judged_on_their_share_merge_into_the_whole_judged_in_full() {
        let shards = |per_shard: usize, target: &str| -> Vec<Report> {
            (0..2)
                .map(|i| {
                    let mut r = shard_of(&vec![1_000; per_shard], i, 2);
                    // No failed operation: the rates below are the samples'.
                    r.metrics.values_mut().for_each(|m| m.n_errors = 0);
                    let t = crate::threshold::parse(target).unwrap();
                    // 5 s runs: `per_shard / 5` per second each.
                    r.thresholds = vec![t.judged(Some(per_shard as f64 / 5.0), 2)];
                    r.verdict = crate::threshold::verdict(&r.thresholds, false).into();
                    r
                })
                .collect()
        };
        // 250 each in 5 s: 50/s against 47.5/s; together 100/s against 95/s.
        let pass = shards(250, "roundtrip.rate >= 95/s");
        assert!(pass.iter().all(Report::passed));
        let merged = reports(&pass, &[]).unwrap();
        assert_eq!(merged.thresholds[0].share, None);
        assert_eq!(merged.thresholds[0].value, Some(100.0));
        assert_eq!(merged.verdict, "passed");
        // Each passes on its share, the whole does not: shard 1 did its 50/s for 1 s only, so the run did
        // 300 in 5 s, 60/s.
        let mut short = pass.clone();
        short[1] = shard_of(&[1_000; 50], 1, 2);
        short[1].run.duration_ms = 1_000;
        short[1].metrics.values_mut().for_each(|m| m.n_errors = 0);
        short[1].thresholds = vec![crate::threshold::parse("roundtrip.rate >= 95/s")
            .unwrap()
            .judged(Some(50.0), 2)];
        short[1].verdict = "passed".into();
        assert!(short.iter().all(Report::passed));
        let merged = reports(&short, &[]).unwrap();
        assert_eq!(merged.thresholds[0].value, Some(60.0));
        assert_eq!(merged.verdict, "failed");
        let merged = reports(&shards(250, "roundtrip.count >= 400"), &[]).unwrap();
        assert_eq!(merged.verdict, "passed");
        let merged = reports(&shards(150, "roundtrip.count >= 301"), &[]).unwrap();
        assert_eq!(
            (merged.thresholds[0].value, merged.verdict.as_str()),
            (Some(300.0), "failed")
        );
    }

    #[test]
    fn a_merge_with_a_partial_shard_is_incomplete() {
        let mut a = shard_of(&[500], 0, 2);
        a.thresholds.clear();
        a.verdict = "passed".into();
        let mut b = shard_of(&[600], 1, 2);
        b.thresholds.clear();
        b.partial = true;
        b.stopped = Some("terminated (SIGTERM): the figures cover what ran".into());
        b.verdict = crate::threshold::INCOMPLETE.into();
        let merged = reports(&[a.clone(), b], &[]).unwrap();
        assert!(merged.partial);
        assert_eq!(merged.verdict, crate::threshold::INCOMPLETE);
        assert!(merged
            .stopped
            .as_deref()
            .is_some_and(|s| s.contains("SIGTERM")));
        let back = Report::parse(&merged.to_json(), "merged.json").unwrap();
        assert!(back.incomplete());
        let mut whole = a.clone();
        whole.run.shard = Some("1/2".into());
        assert_eq!(reports(&[a, whole], &[]).unwrap().verdict, "passed");
    }

    #[test]
    fn refuses_what_is_not_shards_of_one_scenario() {
        let a = shard_of(&[1], 0, 2);
        let mut other = shard_of(&[1], 1, 2);
        other.scenario.hash = "sha256:other".into();
        assert!(matches!(
            reports(&[a.clone(), other], &[]),
            Err(MergeError::Different { .. })
        ));
        assert!(matches!(
            reports(&[a.clone(), a.clone()], &[]),
            Err(MergeError::Shards { .. })
        ));
        let mut whole = shard_of(&[1], 1, 2);
        whole.run.shard = None;
        assert!(matches!(
            reports(&[a.clone(), whole], &[]),
            Err(MergeError::NotAShard { .. })
        ));
        let mut three = shard_of(&[1], 1, 3);
        three.run.shard = Some("1/3".into());
        assert!(matches!(
            reports(&[a.clone(), three], &[]),
            Err(MergeError::Shards { .. })
        ));
        assert!(matches!(reports(&[a], &[]), Err(MergeError::TooFew)));
    }
}
