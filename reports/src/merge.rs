//! Merging the shards of one run (`loadgen run --shard i/N` on N machines) into the report a single run would
//! have recorded: histograms and counters added, the time series added second by second, thresholds judged
//! again on the merged figures. Different scenarios, seeds, or anything that is not a set of distinct shards of
//! one N are refused.

use hdrhistogram::Histogram;
use std::collections::{BTreeMap, BTreeSet};

use crate::histogram::HistogramError;
use crate::{Counters, Encoded, Metric, Report, Second};

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

/// `files[i]` names `reports[i]` in messages.
pub fn merge(reports: &[Report], files: &[String]) -> Result<Report, MergeError> {
    let (first, rest) = reports.split_first().ok_or(MergeError::TooFew)?;
    if rest.is_empty() {
        return Err(MergeError::TooFew);
    }
    let name = |i: usize| {
        files
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("report {}", i + 1))
    };
    let mut seen = BTreeSet::new();
    let mut n_shards = None;
    for (i, r) in reports.iter().enumerate() {
        if r.scenario.hash != first.scenario.hash {
            return Err(MergeError::Different {
                file: name(i),
                what: format!("hash {}", r.scenario.hash),
            });
        }
        if r.scenario.seed != first.scenario.seed {
            return Err(MergeError::Different {
                file: name(i),
                what: format!("seed {}", r.scenario.seed),
            });
        }
        let mut theirs = r.scenario.overrides.clone();
        let mut ours = first.scenario.overrides.clone();
        theirs.remove("shard");
        ours.remove("shard");
        if theirs != ours {
            return Err(MergeError::Options {
                file: name(i),
                what: format!("{theirs:?} vs {ours:?}"),
            });
        }
    }
    // Only then whether they are shards, so another scenario is named as such.
    for (i, r) in reports.iter().enumerate() {
        let Some((idx, n)) = r.run.shard.as_deref().and_then(shard) else {
            return Err(MergeError::NotAShard { file: name(i) });
        };
        if *n_shards.get_or_insert(n) != n {
            return Err(MergeError::Shards {
                file: name(i),
                why: format!("a shard of {n}, the others of {}", n_shards.unwrap_or(n)),
            });
        }
        if idx >= n {
            return Err(MergeError::Shards {
                file: name(i),
                why: format!("shard {idx}/{n} does not exist"),
            });
        }
        if !seen.insert(idx) {
            return Err(MergeError::Shards {
                file: name(i),
                why: format!("shard {idx}/{n} is given twice"),
            });
        }
    }
    let n = n_shards.unwrap_or(0);
    let missing: Vec<String> = (0..n)
        .filter(|i| !seen.contains(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing: missing.join(", "),
            n,
        });
    }
    let hist = |i: usize, e: &Encoded| {
        e.decode().map_err(|source| MergeError::Histogram {
            file: name(i),
            source,
        })
    };

    let mut metrics: BTreeMap<String, (Histogram<u64>, Histogram<u64>, u64)> = BTreeMap::new();
    let mut series: BTreeMap<u64, (Second, BTreeMap<String, Histogram<u64>>)> = BTreeMap::new();
    let mut counters = Counters::default();
    for (i, r) in reports.iter().enumerate() {
        for (m, v) in &r.metrics {
            let e = metrics
                .entry(m.clone())
                .or_insert_with(|| (crate::histogram::new(), crate::histogram::new(), 0));
            add(&mut e.0, &hist(i, &v.corrected)?, || name(i))?;
            add(&mut e.1, &hist(i, &v.uncorrected)?, || name(i))?;
            e.2 += v.n_errors;
        }
        add_counters(&mut counters, &r.counters);
        for s in &r.series {
            let (sum, hs) = series.entry(s.t_s).or_insert_with(|| {
                (
                    Second {
                        t_s: s.t_s,
                        n_iterations: 0,
                        n_requests: 0,
                        n_errors: 0,
                        errors_by_kind: BTreeMap::new(),
                        metrics: BTreeMap::new(),
                    },
                    BTreeMap::new(),
                )
            });
            sum.n_iterations += s.n_iterations;
            sum.n_requests += s.n_requests;
            sum.n_errors += s.n_errors;
            add_map(&mut sum.errors_by_kind, &s.errors_by_kind);
            for (m, e) in &s.metrics {
                let h = hs.entry(m.clone()).or_insert_with(crate::histogram::new);
                add(h, &hist(i, e)?, || name(i))?;
            }
        }
    }
    let mut merged = first.clone();
    merged.metrics = metrics
        .into_iter()
        .map(|(m, (c, u, n_errors))| {
            (
                m,
                Metric {
                    corrected: Encoded::from_histogram(&c),
                    uncorrected: Encoded::from_histogram(&u),
                    n_errors,
                },
            )
        })
        .collect();
    merged.counters = counters;
    merged.series = series
        .into_values()
        .map(|(mut s, hs)| {
            s.metrics = hs
                .iter()
                .map(|(m, h)| (m.clone(), Encoded::from_histogram(h)))
                .collect();
            s
        })
        .collect();
    let run = &mut merged.run;
    run.started_at = reports
        .iter()
        .map(|r| r.run.started_at.clone())
        .min()
        .unwrap_or_default();
    run.ended_at = reports
        .iter()
        .map(|r| r.run.ended_at.clone())
        .max()
        .unwrap_or_default();
    run.duration_ms = reports
        .iter()
        .map(|r| r.run.duration_ms)
        .max()
        .unwrap_or_default();
    run.shard = Some(format!(
        "merged {} of {}",
        reports.len(),
        n_shards.unwrap_or(0)
    ));
    let hosts: BTreeSet<&str> = reports
        .iter()
        .map(|r| r.run.host.hostname.as_str())
        .collect();
    if hosts.len() > 1 {
        run.host.hostname = hosts.into_iter().collect::<Vec<_>>().join(", ");
    }
    for (p, phase) in run.phases.iter_mut().enumerate() {
        phase.n_iterations = reports
            .iter()
            .filter_map(|r| r.run.phases.get(p))
            .map(|x| x.n_iterations)
            .sum();
        phase.duration_ms = reports
            .iter()
            .filter_map(|r| r.run.phases.get(p))
            .map(|x| x.duration_ms)
            .max()
            .unwrap_or(0);
    }
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

/// Adds a shard's histogram; a value outside the range a run records (a hand-made blob) is an error, not a
/// silently smaller merge.
fn add(
    to: &mut Histogram<u64>,
    from: &Histogram<u64>,
    file: impl Fn() -> String,
) -> Result<(), MergeError> {
    to.add(from).map_err(|_| MergeError::Range { file: file() })
}

/// `i/N` → (i, N).
fn shard(s: &str) -> Option<(u64, u64)> {
    let (i, n) = s.split_once('/')?;
    Some((i.parse().ok()?, n.parse().ok()?))
}

fn add_map(to: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *to.entry(k.clone()).or_default() += v;
    }
}

fn add_counters(to: &mut Counters, c: &Counters) {
    to.n_iterations += c.n_iterations;
    to.n_failed_iterations += c.n_failed_iterations;
    to.n_requests += c.n_requests;
    to.n_errors += c.n_errors;
    add_map(&mut to.errors_by_errcode, &c.errors_by_errcode);
    add_map(&mut to.errors_by_kind, &c.errors_by_kind);
    to.n_token_refreshes += c.n_token_refreshes;
    to.n_late_iterations += c.n_late_iterations;
    to.n_events_missed += c.n_events_missed;
    for (k, v) in &c.first_errors {
        to.first_errors
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::sample;
    use proptest::prelude::*;

    fn shard_of(samples: &[u64], i: usize, n: usize) -> Report {
        let mut r = sample();
        let mut h = crate::histogram::new();
        for s in samples {
            crate::histogram::record(&mut h, *s);
        }
        r.metrics = BTreeMap::from([(
            "roundtrip".to_owned(),
            Metric {
                corrected: Encoded::from_histogram(&h),
                uncorrected: Encoded::from_histogram(&h),
                n_errors: i as u64,
            },
        )]);
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
            let merged = merge(&shards, &[]).unwrap();
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
        }];
        a2.verdict = "passed".into();
        let merged = merge(&[a2, b], &[]).unwrap();
        assert!(!merged.thresholds[0].passed);
        assert!(merged.thresholds[0].value.unwrap() >= 899_000.0);
        assert_eq!(merged.verdict, "failed");
        let _ = a;
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
        let merged = merge(&[a.clone(), b], &[]).unwrap();
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
        assert_eq!(merge(&[a, whole], &[]).unwrap().verdict, "passed");
    }

    #[test]
    fn refuses_what_is_not_shards_of_one_scenario() {
        let a = shard_of(&[1], 0, 2);
        let mut other = shard_of(&[1], 1, 2);
        other.scenario.hash = "sha256:other".into();
        assert!(matches!(
            merge(&[a.clone(), other], &[]),
            Err(MergeError::Different { .. })
        ));
        assert!(matches!(
            merge(&[a.clone(), a.clone()], &[]),
            Err(MergeError::Shards { .. })
        ));
        let mut whole = shard_of(&[1], 1, 2);
        whole.run.shard = None;
        assert!(matches!(
            merge(&[a.clone(), whole], &[]),
            Err(MergeError::NotAShard { .. })
        ));
        let mut three = shard_of(&[1], 1, 3);
        three.run.shard = Some("1/3".into());
        assert!(matches!(
            merge(&[a.clone(), three], &[]),
            Err(MergeError::Shards { .. })
        ));
        assert!(matches!(merge(&[a], &[]), Err(MergeError::TooFew)));
    }
}
