//! Comparing two runs: every metric and percentile lined up with its absolute and relative change, judged
//! against a tolerance, and a change is called a regression or an improvement only when the full histograms
//! say it is real: for a percentile, whether a significantly larger share of the new run's samples lies above
//! the base's value (a two-proportion z-test at that value); the mean (with Welch's t) and the max are shown,
//! not judged, being at the mercy of a few outliers; for the whole
//! distribution, the two-sample Kolmogorov–Smirnov test. Runs of other scenarios, other machines, or too few
//! samples are said to be so rather than judged.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;

use crate::Report;

pub mod render;

/// |z| or |t| beyond this is significant (two-sided p ≈ 0.003).
const Z_SIGNIFICANT: f64 = 3.0;
/// A tail percentile needs this many samples beyond it in each run to be judged.
const MIN_TAIL_SAMPLES: f64 = 10.0;
/// Runs shorter than this are too short for their rates to be compared.
const MIN_RATE_SECS: f64 = 5.0;
const PERCENTILES: [(&str, f64); 4] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)];

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("both files hold the same run; compare two runs")]
    SameRun,
    #[error("the runs are of different scenarios ({base} vs {new}); pass --allow-different to compare anyway")]
    DifferentScenarios { base: String, new: String },
    #[error("bad tolerance {0:?}: expected 10%, p99=20%, roundtrip=15% or roundtrip.p99=5%")]
    Tolerance(String),
    #[error("--tolerance {0}: no such metric or figure in these runs (figures: p50, p90, p99, p99.9, mean, max, rate)")]
    UnknownTolerance(String),
    #[error("{0}")]
    Histogram(#[from] crate::histogram::HistogramError),
}

/// Tolerances: relative changes below them are never regressions.
#[derive(Debug, Clone)]
pub struct Tolerances {
    pub default: f64,
    /// By `metric.stat`, `stat` or `metric`, looked up in that order: the most specific wins, and a figure
    /// (`p99=5%`) is more specific than a metric (`roundtrip=50%`).
    pub by_key: BTreeMap<String, f64>,
    /// Error rates: an increase of more than this (absolute, a fraction) may be a regression.
    pub error_rate: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            default: 0.10,
            by_key: BTreeMap::new(),
            error_rate: 0.005,
        }
    }
}

impl Tolerances {
    /// Adds `10%`, `p99=20%`, `roundtrip=15%`, `roundtrip.p99=5%` or `error_rate=1%`.
    pub fn add(&mut self, spec: &str) -> Result<(), CompareError> {
        let pct = |s: &str| -> Option<f64> {
            let v: f64 = s.trim().strip_suffix('%')?.trim().parse().ok()?;
            (v.is_finite() && v >= 0.0).then_some(v / 100.0)
        };
        let bad = || CompareError::Tolerance(spec.to_owned());
        match spec.split_once('=') {
            None => self.default = pct(spec).ok_or_else(bad)?,
            Some(("error_rate", v)) => self.error_rate = pct(v).ok_or_else(bad)?,
            Some((k, v)) if !k.trim().is_empty() => {
                self.by_key
                    .insert(k.trim().to_owned(), pct(v).ok_or_else(bad)?);
            }
            Some(_) => return Err(bad()),
        }
        Ok(())
    }

    fn for_(&self, metric: &str, stat: &str) -> f64 {
        let key = format!("{metric}.{stat}");
        [key.as_str(), stat, metric]
            .iter()
            .find_map(|k| self.by_key.get(*k).copied())
            .unwrap_or(self.default)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within tolerance.
    Same,
    Regression,
    Improvement,
    /// Beyond tolerance, but the histograms do not show a real difference.
    Noise,
    /// Not enough samples to judge.
    TooFew,
    /// The whole distributions differ (the Kolmogorov–Smirnov row): a hint, never a verdict on its own.
    Differs,
    OnlyInBase,
    OnlyInNew,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Regression => "REGRESSION",
            Verdict::Improvement => "improvement",
            Verdict::Noise => "noise",
            Verdict::TooFew => "too few samples",
            Verdict::Differs => "differs",
            Verdict::OnlyInBase => "only in base",
            Verdict::OnlyInNew => "only in new",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub metric: String,
    /// `p50` … `p99.9`, `mean`, `max`, `error_rate`, `rate`, or `distribution` (Kolmogorov–Smirnov).
    pub stat: &'static str,
    /// In `unit`.
    pub base: f64,
    pub new: f64,
    pub unit: &'static str,
    pub verdict: Verdict,
    /// The test behind the verdict, for a person checking it: `z=4.1`, `KS p=0.002`.
    pub evidence: String,
}

impl Row {
    pub fn change(&self) -> f64 {
        self.new - self.base
    }

    /// Relative change; `None` from a zero base.
    pub fn relative(&self) -> Option<f64> {
        (self.base != 0.0).then(|| (self.new - self.base) / self.base)
    }
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub base: String,
    pub new: String,
    /// Why the verdicts should be read with care (or were not counted).
    pub warnings: Vec<String>,
    /// False when the runs are too different to call anything a regression (other machines).
    pub comparable: bool,
    pub rows: Vec<Row>,
}

impl Comparison {
    pub fn regressions(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::Regression)
    }

    /// Whether CI should fail: a regression in runs that can be compared.
    pub fn failed(&self) -> bool {
        self.comparable && self.regressions().next().is_some()
    }
}

pub fn compare(
    base: &Report,
    new: &Report,
    names: (&str, &str),
    tol: &Tolerances,
    allow_different: bool,
) -> Result<Comparison, CompareError> {
    if base == new || (base.run.started_at == new.run.started_at && base.run.host == new.run.host) {
        return Err(CompareError::SameRun);
    }
    let mut warnings = Vec::new();
    let mut comparable = true;
    if base.scenario.hash != new.scenario.hash {
        if !allow_different {
            return Err(CompareError::DifferentScenarios {
                base: format!("{} {}", base.scenario.name, short(&base.scenario.hash)),
                new: format!("{} {}", new.scenario.name, short(&new.scenario.hash)),
            });
        }
        warnings.push("the runs are of different scenario files (--allow-different)".into());
    }
    let (hb, hn) = (&base.run.host, &new.run.host);
    if (hb.cpu_model.as_str(), hb.n_cpus, hb.arch.as_str())
        != (hn.cpu_model.as_str(), hn.n_cpus, hn.arch.as_str())
    {
        warnings.push(format!(
            "the runs are from different machines ({} × {} vs {} × {}): latencies are not comparable{}",
            hb.n_cpus,
            hb.cpu_model,
            hn.n_cpus,
            hn.cpu_model,
            if allow_different { "" } else { "; no regression is counted (--allow-different counts them)" }
        ));
        comparable = allow_different;
    }
    if base.scenario.overrides != new.scenario.overrides {
        warnings.push("the runs were given different command-line overrides".into());
    }
    for (which, r) in [("base", base), ("new", new)] {
        if r.partial {
            warnings.push(format!("the {which} run is partial (stopped early)"));
        }
    }
    check_tolerances(tol, base, new)?;
    let mut rows = Vec::new();
    let names_all: std::collections::BTreeSet<&String> =
        base.metrics.keys().chain(new.metrics.keys()).collect();
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
            (b, _) => rows.push(Row {
                metric: name.clone(),
                stat: "count",
                base: b.map_or(0.0, |m| m.corrected.n as f64),
                new: new.metrics.get(name).map_or(0.0, |m| m.corrected.n as f64),
                unit: "count",
                verdict: if b.is_some() {
                    Verdict::OnlyInBase
                } else {
                    Verdict::OnlyInNew
                },
                evidence: String::new(),
            }),
        }
    }
    if let Some(row) = rate_row(base, new, tol) {
        rows.push(row);
    }
    let short_runs = rows.iter().any(|r| r.verdict == Verdict::TooFew);
    if short_runs {
        warnings
            .push("some figures have too few samples to judge; run longer to judge them".into());
    }
    Ok(Comparison {
        base: names.0.to_owned(),
        new: names.1.to_owned(),
        warnings,
        comparable,
        rows,
    })
}

/// Figures a tolerance can name.
const STATS: [&str; 7] = ["p50", "p90", "p99", "p99.9", "mean", "max", "rate"];

/// Every tolerance names a figure or a metric one of the runs has: a misspelt one would silently do nothing.
fn check_tolerances(tol: &Tolerances, base: &Report, new: &Report) -> Result<(), CompareError> {
    let metric =
        |m: &str| m == "iterations" || base.metrics.contains_key(m) || new.metrics.contains_key(m);
    for key in tol.by_key.keys() {
        let known = STATS.contains(&key.as_str())
            || metric(key)
            || STATS.iter().any(|s| {
                key.strip_suffix(s)
                    .and_then(|m| m.strip_suffix('.'))
                    .is_some_and(metric)
            });
        if !known {
            return Err(CompareError::UnknownTolerance(key.clone()));
        }
    }
    Ok(())
}

fn short(hash: &str) -> &str {
    hash.get(..15).unwrap_or(hash)
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
        if (b.len() as f64) * tail < MIN_TAIL_SAMPLES || (n.len() as f64) * tail < MIN_TAIL_SAMPLES
        {
            row.verdict = Verdict::TooFew;
            rows.push(row);
            continue;
        }
        // The value the runs are compared at is the one that moved: above the lower of the two, how much of
        // each run lies? The same distribution puts the same share of both there.
        let at = vb.min(vn);
        let z = two_proportions((above(b, at), b.len()), (above(n, at), n.len()));
        row.evidence = format!("z={z:.1}");
        row.verdict = judge(row.relative(), tol.for_(name, stat), z);
        rows.push(row);
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
        verdict: Verdict::Same,
        evidence: format!("t={t:.1}, not judged"),
    });
    rows.push(Row {
        metric: name.to_owned(),
        stat: "max",
        base: b.max() as f64,
        new: n.max() as f64,
        unit: "us",
        // One sample: never a verdict on its own.
        verdict: Verdict::Same,
        evidence: "not judged (one sample)".into(),
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

/// A change beyond tolerance in the direction the test confirms.
fn judge(relative: Option<f64>, tolerance: f64, z: f64) -> Verdict {
    match relative {
        Some(r) if r > tolerance && z > Z_SIGNIFICANT => Verdict::Regression,
        Some(r) if r < -tolerance && z < -Z_SIGNIFICANT => Verdict::Improvement,
        Some(r) if r.abs() > tolerance => Verdict::Noise,
        None if z.abs() > Z_SIGNIFICANT => Verdict::Noise,
        _ => Verdict::Same,
    }
}

/// Samples of `h` whose bucket lies wholly above `v`.
fn above(h: &Histogram<u64>, v: u64) -> u64 {
    h.iter_recorded()
        .filter(|x| h.lowest_equivalent(x.value_iterated_to()) > v)
        .map(|x| x.count_at_value())
        .sum()
}

/// z of the second proportion against the first (positive: the second is larger).
fn two_proportions((k1, n1): (u64, u64), (k2, n2): (u64, u64)) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 0.0;
    }
    let (p1, p2) = (k1 as f64 / n1 as f64, k2 as f64 / n2 as f64);
    let p = (k1 + k2) as f64 / (n1 + n2) as f64;
    let se = (p * (1.0 - p) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        return 0.0;
    }
    (p2 - p1) / se
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
        (secs, r.counters.n_iterations as f64 / secs.max(1e-3))
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

/// The asymptotic two-sample Kolmogorov–Smirnov p-value, from the histograms' buckets.
pub fn ks_p_value(a: &Histogram<u64>, b: &Histogram<u64>) -> f64 {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    if na == 0.0 || nb == 0.0 {
        return 1.0;
    }
    let mut at: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for x in a.iter_recorded() {
        at.entry(a.highest_equivalent(x.value_iterated_to()))
            .or_default()
            .0 += x.count_at_value();
    }
    for x in b.iter_recorded() {
        at.entry(b.highest_equivalent(x.value_iterated_to()))
            .or_default()
            .1 += x.count_at_value();
    }
    let (mut ca, mut cb, mut d) = (0u64, 0u64, 0f64);
    for (x, y) in at.values() {
        ca += x;
        cb += y;
        d = d.max((ca as f64 / na - cb as f64 / nb).abs());
    }
    let ne = (na * nb / (na + nb)).sqrt();
    let lambda = (ne + 0.12 + 0.11 / ne) * d;
    // Below ~0.3 the series does not converge (its terms alternate near ±2), and the true value is 1 to many
    // digits.
    if lambda < 0.3 {
        return 1.0;
    }
    let mut q = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = 2.0 * (-1f64).powf(k - 1.0) * (-2.0 * k * k * lambda * lambda).exp();
        q += term;
        if term.abs() < 1e-12 {
            break;
        }
    }
    q.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests;
