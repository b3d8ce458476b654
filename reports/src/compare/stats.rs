//! The tests behind the verdicts: two proportions' z, the Kolmogorov–Smirnov p-value, on histograms.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;

use super::Verdict;

/// |z| or |t| beyond this is significant (two-sided p ≈ 0.003).
pub(super) const Z_SIGNIFICANT: f64 = 3.0;

/// A change beyond tolerance in the direction the test confirms.
pub(super) fn judge(relative: Option<f64>, tolerance: f64, z: f64) -> Verdict {
    match relative {
        Some(r) if r > tolerance && z > Z_SIGNIFICANT => Verdict::Regression,
        Some(r) if r < -tolerance && z < -Z_SIGNIFICANT => Verdict::Improvement,
        Some(r) if r.abs() > tolerance => Verdict::Noise,
        None if z.abs() > Z_SIGNIFICANT => Verdict::Noise,
        _ => Verdict::Same,
    }
}

/// Samples of `h` whose bucket lies wholly above `v`.
pub(super) fn above(h: &Histogram<u64>, v: u64) -> u64 {
    h.iter_recorded()
        .filter(|x| h.lowest_equivalent(x.value_iterated_to()) > v)
        .map(|x| x.count_at_value())
        .sum()
}

/// z of the second proportion against the first (positive: the second is larger).
pub(super) fn two_proportions((k1, n1): (u64, u64), (k2, n2): (u64, u64)) -> f64 {
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
