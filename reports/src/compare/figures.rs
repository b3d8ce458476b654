//! The rows of a comparison: each metric's percentiles, mean, max, distribution and error rate, and the
//! iteration rate.

use hdrhistogram::Histogram;
use std::collections::BTreeSet;

use super::stats::{above, judge, ks_p_value, two_proportions, Z_SIGNIFICANT};
use super::{Row, Tolerances, Verdict};
use crate::histogram::HistogramError;
use crate::{Metric, Report};

/// A tail percentile needs this many samples beyond it in each run to be judged.
const MIN_TAIL_SAMPLES: f64 = 10.0;
/// Runs shorter than this are too short for their rates to be compared.
const MIN_RATE_SECS: f64 = 5.0;
const PERCENTILES: [(&str, f64); 4] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)];

/// Every metric of either run, by name, then the iteration rate.
pub(super) fn rows(
    base: &Report,
    new: &Report,
    tol: &Tolerances,
) -> Result<Vec<Row>, HistogramError> {
    let mut rows = Vec::new();
    let names_all: BTreeSet<&String> = base.metrics.keys().chain(new.metrics.keys()).collect();
    for name in names_all {
        match (base.metrics.get(name), new.metrics.get(name)) {
            (Some(b), Some(n)) => {
                let (hb, hn) = (b.corrected.decode()?, n.corrected.decode()?);
                latency_rows(&mut rows, name, &hb, &hn, tol);
                rows.push(error_row(
                    name,
                    (hb.len(), b.n_errors),
                    (hn.len(), n.n_errors),
                    tol,
                ));
            }
            (b, n) => rows.push(count_row(name, b, n)),
        }
    }
    if let Some(row) = rate_row(base, new, tol) {
        rows.push(row);
    }
    Ok(rows)
}

/// A metric only one of the runs has: its counts, nothing judged.
fn count_row(name: &str, base: Option<&Metric>, new: Option<&Metric>) -> Row {
    Row {
        metric: name.to_owned(),
        stat: "count",
        base: base.map_or(0.0, |m| m.corrected.n as f64),
        new: new.map_or(0.0, |m| m.corrected.n as f64),
        unit: "count",
        verdict: if base.is_some() {
            Verdict::OnlyInBase
        } else {
            Verdict::OnlyInNew
        },
        evidence: String::new(),
    }
}

fn latency_rows(
    rows: &mut Vec<Row>,
    name: &str,
    b: &Histogram<u64>,
    n: &Histogram<u64>,
    tol: &Tolerances,
) {
    if b.is_empty() || n.is_empty() {
        return;
    }
    for (stat, q) in PERCENTILES {
        rows.push(percentile_row(name, (stat, q), b, n, tol));
    }
    let (sb, sn) = (b.stdev(), n.stdev());
    let se = (sb * sb / b.len() as f64 + sn * sn / n.len() as f64).sqrt();
    let t = if se > 0.0 {
        (n.mean() - b.mean()) / se
    } else {
        0.0
    };
    // Shown, not judged: a handful of outliers moves a mean of latencies, and Welch's t trusts a spread that
    // heavy tails do not have. The percentiles carry the verdicts.
    rows.push(Row {
        metric: name.to_owned(),
        stat: "mean",
        base: b.mean(),
        new: n.mean(),
        unit: "us",
        verdict: Verdict::NotJudged,
        evidence: format!("t={t:.1}"),
    });
    rows.push(Row {
        metric: name.to_owned(),
        stat: "max",
        base: b.max() as f64,
        new: n.max() as f64,
        unit: "us",
        // One sample: never a verdict on its own.
        verdict: Verdict::NotJudged,
        evidence: "one sample".into(),
    });
    let p = ks_p_value(b, n);
    rows.push(Row {
        metric: name.to_owned(),
        stat: "distribution",
        base: b.len() as f64,
        new: n.len() as f64,
        unit: "count",
        verdict: if p < 0.01 {
            Verdict::Differs
        } else {
            Verdict::Same
        },
        evidence: format!("KS p={p:.3}"),
    });
}

/// The percentile `stat` (quantile `q`), judged when each run has enough samples beyond it.
fn percentile_row(
    name: &str,
    (stat, q): (&'static str, f64),
    b: &Histogram<u64>,
    n: &Histogram<u64>,
    tol: &Tolerances,
) -> Row {
    let (vb, vn) = (b.value_at_quantile(q), n.value_at_quantile(q));
    let mut row = Row {
        metric: name.to_owned(),
        stat,
        base: vb as f64,
        new: vn as f64,
        unit: "us",
        verdict: Verdict::Same,
        evidence: String::new(),
    };
    let tail = 1.0 - q;
    if (b.len() as f64) * tail < MIN_TAIL_SAMPLES || (n.len() as f64) * tail < MIN_TAIL_SAMPLES {
        row.verdict = Verdict::TooFew;
        return row;
    }
    // The value the runs are compared at is the one that moved: above the lower of the two, how much of
    // each run lies? The same distribution puts the same share of both there.
    let at = vb.min(vn);
    let z = two_proportions((above(b, at), b.len()), (above(n, at), n.len()));
    row.evidence = format!("z={z:.1}");
    row.verdict = judge(row.relative(), tol.for_(name, stat), z);
    row
}

fn error_row(
    name: &str,
    (ok_b, err_b): (u64, u64),
    (ok_n, err_n): (u64, u64),
    tol: &Tolerances,
) -> Row {
    let (nb, nn) = (ok_b + err_b, ok_n + err_n);
    let rate = |e: u64, n: u64| if n == 0 { 0.0 } else { e as f64 / n as f64 };
    let (rb, rn) = (rate(err_b, nb), rate(err_n, nn));
    let z = two_proportions((err_b, nb), (err_n, nn));
    let verdict = if rn - rb > tol.error_rate && z > Z_SIGNIFICANT {
        Verdict::Regression
    } else if rb - rn > tol.error_rate && z < -Z_SIGNIFICANT {
        Verdict::Improvement
    } else {
        Verdict::Same
    };
    Row {
        metric: name.to_owned(),
        stat: "error_rate",
        base: rb,
        new: rn,
        unit: "fraction",
        verdict,
        evidence: format!("z={z:.1}"),
    }
}

/// Iterations per second, for runs long enough to say.
fn rate_row(base: &Report, new: &Report, tol: &Tolerances) -> Option<Row> {
    let per_s = |r: &Report| {
        let secs = r.run.duration_ms as f64 / 1000.0;
        (
            secs,
            crate::threshold::per_second(r.counters.n_iterations, secs),
        )
    };
    let ((sb, rb), (sn, rn)) = (per_s(base), per_s(new));
    let mut row = Row {
        metric: "iterations".into(),
        stat: "rate",
        base: rb,
        new: rn,
        unit: "per_s",
        verdict: Verdict::Same,
        evidence: String::new(),
    };
    if sb < MIN_RATE_SECS || sn < MIN_RATE_SECS {
        row.verdict = Verdict::TooFew;
        row.evidence = format!("runs under {MIN_RATE_SECS} s");
    } else {
        // The counts are Poisson: a rate moved beyond tolerance is a regression only when the counts say so.
        let (nb, nn) = (
            base.counters.n_iterations as f64,
            new.counters.n_iterations as f64,
        );
        let se = (nb / (sb * sb) + nn / (sn * sn)).sqrt();
        let z = if se > 0.0 { (rn - rb) / se } else { 0.0 };
        row.evidence = format!("z={z:.1}");
        // Fewer iterations a second is the regression: judge the rate the other way round.
        row.verdict = match judge(row.relative(), tol.for_("iterations", "rate"), z) {
            Verdict::Regression => Verdict::Improvement,
            Verdict::Improvement => Verdict::Regression,
            v => v,
        };
    }
    Some(row)
}
