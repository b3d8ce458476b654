//! The figures added up: histograms, counters and the time series, second by second.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;

use super::MergeError;
use crate::{Counters, Encoded, Metric, Report, Second};

/// What the shards add up to, with the histograms decoded until the end.
#[derive(Default)]
pub(super) struct Sums {
    /// Per metric: corrected, uncorrected, failed operations.
    metrics: BTreeMap<String, (Histogram<u64>, Histogram<u64>, u64)>,
    /// Per second of the run: its counts, and its histogram per metric.
    series: BTreeMap<u64, (Second, BTreeMap<String, Histogram<u64>>)>,
    counters: Counters,
}

impl Sums {
    /// Adds one shard, named `file` in errors.
    pub(super) fn add(&mut self, r: &Report, file: &str) -> Result<(), MergeError> {
        for (m, v) in &r.metrics {
            let e = self
                .metrics
                .entry(m.clone())
                .or_insert_with(|| (crate::histogram::new(), crate::histogram::new(), 0));
            add_histogram(&mut e.0, &v.corrected, file)?;
            add_histogram(&mut e.1, &v.uncorrected, file)?;
            e.2 += v.n_errors;
        }
        add_counters(&mut self.counters, &r.counters);
        for s in &r.series {
            let (sum, hs) = self.series.entry(s.t_s).or_insert_with(|| {
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
                add_histogram(
                    hs.entry(m.clone()).or_insert_with(crate::histogram::new),
                    e,
                    file,
                )?;
            }
        }
        Ok(())
    }

    /// Puts the sums in `merged`, histograms encoded again.
    pub(super) fn write_into(self, merged: &mut Report) {
        merged.metrics = self
            .metrics
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
        merged.counters = self.counters;
        merged.series = self
            .series
            .into_values()
            .map(|(mut s, hs)| {
                s.metrics = hs
                    .iter()
                    .map(|(m, h)| (m.clone(), Encoded::from_histogram(h)))
                    .collect();
                s
            })
            .collect();
    }
}

/// Adds a shard's histogram; a value outside the range a run records (a hand-made blob) is an error, not a
/// silently smaller merge.
fn add_histogram(to: &mut Histogram<u64>, from: &Encoded, file: &str) -> Result<(), MergeError> {
    let from = from.decode().map_err(|source| MergeError::Histogram {
        file: file.to_owned(),
        source,
    })?;
    to.add(&from).map_err(|_| MergeError::Range {
        file: file.to_owned(),
    })
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
