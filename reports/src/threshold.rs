//! Thresholds: `<metric>.<stat> <op> <value>`, e.g. `roundtrip.p99 < 50ms`, `api.message/send.error_rate <= 1%`,
//! `iterations.rate >= 95/s`. Latencies are judged on the corrected histogram.

use crate::units;

mod share;
pub use share::shown;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stat {
    /// A quantile in (0, 1]: `p50` is 0.5, `p99.9` 0.999.
    Quantile(f64),
    Min,
    Max,
    Mean,
    /// Operations that succeeded.
    Count,
    Errors,
    /// Errors / all operations.
    ErrorRate,
    /// All operations per second of the run.
    Rate,
}

impl Stat {
    fn is_latency(self) -> bool {
        matches!(self, Stat::Quantile(_) | Stat::Min | Stat::Max | Stat::Mean)
    }

    /// The unit of the measured value, as the report names it.
    pub fn unit(self) -> &'static str {
        match self {
            s if s.is_latency() => "us",
            Stat::ErrorRate => "fraction",
            Stat::Rate => "per_s",
            _ => "count",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Op {
    /// The operators as written, longest first where one starts another.
    const ALL: [(&'static str, Op); 5] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Op::Lt => value < limit,
            Op::Le => value <= limit,
            Op::Gt => value > limit,
            Op::Ge => value >= limit,
            Op::Eq => (value - limit).abs() < 1e-9,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub expr: String,
    pub metric: String,
    pub stat: Stat,
    pub op: Op,
    /// In the stat's unit: µs for latencies, a fraction for error_rate, per second for rate.
    pub limit: f64,
}

/// `roundtrip.p99 < 50ms` → (`roundtrip.p99`, `<`, Lt, `50ms`): the first operator, the longer one where two
/// start at the same place.
fn split(expr: &str) -> Option<(&str, &'static str, Op, &str)> {
    let (at, text, op) = Op::ALL
        .iter()
        .filter_map(|(t, op)| expr.find(t).map(|i| (i, *t, *op)))
        .min_by_key(|(i, t, _)| (*i, std::cmp::Reverse(t.len())))?;
    Some((expr[..at].trim(), text, op, expr[at + text.len()..].trim()))
}

pub fn parse(expr: &str) -> Result<Threshold, String> {
    let (lhs, _, op, rhs) = split(expr).ok_or_else(|| {
        format!("{expr:?}: expected `<metric>.<stat> <op> <value>`, e.g. `roundtrip.p99 < 50ms`")
    })?;
    let (metric, stat) = split_stat(lhs)?;
    let limit = match stat {
        s if s.is_latency() => units::duration(rhs)?.as_secs_f64() * 1e6,
        Stat::ErrorRate => match rhs.strip_suffix('%') {
            Some(p) => p
                .trim()
                .parse::<f64>()
                .map(|p| p / 100.0)
                .map_err(|_| format!("{rhs:?} is not a percentage"))?,
            None => rhs
                .parse()
                .map_err(|_| format!("{rhs:?} is not a fraction or a percentage (1%)"))?,
        },
        Stat::Rate => units::rate(rhs)?,
        _ => rhs
            .parse()
            .map_err(|_| format!("{rhs:?} is not a number"))?,
    };
    Ok(Threshold {
        expr: expr.trim().to_owned(),
        metric: metric.to_owned(),
        stat,
        op,
        limit,
    })
}

/// `roundtrip.p99.9` → (`roundtrip`, p99.9): the stat is the longest known suffix.
fn split_stat(lhs: &str) -> Result<(&str, Stat), String> {
    let named = [
        ("min", Stat::Min),
        ("max", Stat::Max),
        ("mean", Stat::Mean),
        ("count", Stat::Count),
        ("errors", Stat::Errors),
        ("error_rate", Stat::ErrorRate),
        ("rate", Stat::Rate),
    ];
    for (name, stat) in named {
        if let Some(m) = lhs.strip_suffix(name).and_then(|m| m.strip_suffix('.')) {
            return nonempty(m).map(|m| (m, stat));
        }
    }
    // pNN or pNN.N: the metric ends at the `.p` before it.
    if let Some(i) = lhs.rfind(".p") {
        let (m, q) = (&lhs[..i], &lhs[i + 2..]);
        if let Ok(pct) = q.parse::<f64>() {
            if pct > 0.0 && pct <= 100.0 {
                // Rounded so `p99.9` is 0.999 exactly, not 0.9990000000000001.
                let q = (pct * 1e6).round() / 1e8;
                return nonempty(m).map(|m| (m, Stat::Quantile(q)));
            }
            return Err(format!("{lhs:?}: a percentile is between p0 and p100"));
        }
    }
    Err(format!(
        "{lhs:?}: expected `<metric>.<stat>` with stat one of p50, p90, p99, p99.9 (any pN), min, max, mean, count, errors, error_rate, rate"
    ))
}

fn nonempty(m: &str) -> Result<&str, String> {
    if m.is_empty() {
        Err("the threshold names no metric".into())
    } else {
        Ok(m)
    }
}

/// A threshold's measured value; `None` when the metric saw no operation at all.
pub fn measure(
    stat: Stat,
    h: &hdrhistogram::Histogram<u64>,
    n_errors: u64,
    secs: f64,
) -> Option<f64> {
    let n = h.len();
    if n + n_errors == 0 {
        return None;
    }
    let latency = |f: &dyn Fn() -> f64| if n == 0 { None } else { Some(f()) };
    match stat {
        Stat::Quantile(q) => latency(&|| h.value_at_quantile(q) as f64),
        Stat::Min => latency(&|| h.min() as f64),
        Stat::Max => latency(&|| h.max() as f64),
        Stat::Mean => latency(&|| h.mean()),
        Stat::Count => Some(n as f64),
        Stat::Errors => Some(n_errors as f64),
        Stat::ErrorRate => Some(n_errors as f64 / (n + n_errors) as f64),
        Stat::Rate => Some(per_second(n + n_errors, secs)),
    }
}

/// `n` over `secs`, 0 for a run of no length: the one rate every rendering and threshold of a report shows, so a
/// short run's rate reads the same in the table, its thresholds and a comparison.
pub fn per_second(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

impl Threshold {
    /// The report's line for this threshold, given the value measured (`None`: the metric saw nothing, a fail)
    /// by a run that was one shard of `n_shards` (1: a whole run), judged on its share ([`Threshold::share`]).
    pub fn judged(&self, value: Option<f64>, n_shards: u64) -> crate::Threshold {
        let share = self.share(n_shards);
        let limit = share.as_ref().map_or(self.limit, |s| s.limit);
        crate::Threshold {
            expr: self.expr.clone(),
            value,
            unit: self.stat.unit().into(),
            passed: value.is_some_and(|v| self.op.holds(v, limit)),
            share,
        }
    }
}

/// Every threshold held over the whole run.
pub const PASSED: &str = "passed";
/// The run ran to its end and a threshold did not hold.
pub const FAILED: &str = "failed";
/// The run was cut short (Ctrl-C, SIGTERM): its thresholds were judged on what ran, which says neither that
/// the whole run would have passed nor that it would have failed.
pub const INCOMPLETE: &str = "incomplete";

/// A run's verdict: [`INCOMPLETE`] when it is partial, whatever its thresholds say (a p99 or a rate over part
/// of a run can land either side of the whole run's); otherwise its thresholds' lines.
pub fn verdict(thresholds: &[crate::Threshold], partial: bool) -> &'static str {
    if partial {
        INCOMPLETE
    } else if thresholds.iter().all(|t| t.passed) {
        PASSED
    } else {
        FAILED
    }
}

/// Judges a threshold, written as in a scenario, on a report's metrics against its whole target (a merged
/// report judges its thresholds again on the merged histograms). `secs` is the run's length.
pub fn judge(
    expr: &str,
    metrics: &std::collections::BTreeMap<String, crate::Metric>,
    secs: f64,
) -> crate::Threshold {
    match parse(expr) {
        Ok(t) => {
            let value = metrics.get(&t.metric).and_then(|m| {
                let h = m.corrected.decode().ok()?;
                measure(t.stat, &h, m.n_errors, secs)
            });
            t.judged(value, 1)
        }
        Err(_) => crate::Threshold {
            expr: expr.to_owned(),
            value: None,
            unit: "count".into(),
            passed: false,
            share: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses() {
        let t = parse("roundtrip.p99 < 50ms").unwrap();
        assert_eq!(
            (t.metric.as_str(), t.stat, t.op, t.limit),
            ("roundtrip", Stat::Quantile(0.99), Op::Lt, 50_000.0)
        );
        let t = parse("api.message/send.p99.9 <= 2s").unwrap();
        assert_eq!(
            (t.metric.as_str(), t.stat, t.limit),
            ("api.message/send", Stat::Quantile(0.999), 2e6)
        );
        let t = parse("iterations.error_rate < 1%").unwrap();
        assert_eq!((t.stat, t.limit), (Stat::ErrorRate, 0.01));
        let t = parse("iterations.rate >= 95/s").unwrap();
        assert_eq!((t.stat, t.op, t.limit), (Stat::Rate, Op::Ge, 95.0));
        let t = parse("api.webhook/send.errors == 5").unwrap();
        assert_eq!((t.stat, t.op, t.limit), (Stat::Errors, Op::Eq, 5.0));
    }

    #[test]
    fn refuses_with_a_reason() {
        assert!(parse("roundtrip.p99 50ms")
            .unwrap_err()
            .contains("expected"));
        assert!(parse("roundtrip.p999 < 5ms")
            .unwrap_err()
            .contains("between"));
        assert!(parse("roundtrip.median < 5ms")
            .unwrap_err()
            .contains("stat one of"));
        assert!(parse("roundtrip.p99 < 5").unwrap_err().contains("unit"));
        assert!(parse(".p99 < 5ms").unwrap_err().contains("no metric"));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,30}") {
            let _ = parse(&s);
        }
    }
}
