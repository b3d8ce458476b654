//! Comparing two runs: every metric and percentile lined up with its absolute and relative change, judged
//! against a tolerance, and a change is called a regression or an improvement only when the full histograms
//! say it is real: for a percentile, whether a significantly larger share of the new run's samples lies above
//! the base's value (a two-proportion z-test at that value); the mean (with Welch's t) and the max are shown,
//! not judged, being at the mercy of a few outliers; for the whole
//! distribution, the two-sample Kolmogorov–Smirnov test. Runs of other scenarios, other machines, or too few
//! samples are said to be so rather than judged.

use std::collections::BTreeMap;

use crate::Report;

mod check;
mod figures;
pub mod render;
mod stats;

pub use stats::ks_p_value;

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
    /// Shown for reading, never judged (the mean, the max): "same" would claim a judgement not made.
    NotJudged,
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
            Verdict::NotJudged => "not judged",
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

/// Two runs lined up figure by figure, each change judged; `names` are how the comparison names base and new.
pub fn runs(
    base: &Report,
    new: &Report,
    names: (&str, &str),
    tol: &Tolerances,
    allow_different: bool,
) -> Result<Comparison, CompareError> {
    let (mut warnings, comparable) = check::caveats(base, new, allow_different)?;
    check::tolerances(tol, base, new)?;
    let rows = figures::rows(base, new, tol)?;
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

#[cfg(test)]
mod tests;
