//! A shard's share of a threshold. A shard of N does 1/N of the run's work, so a rate or a count it measures is
//! about 1/N of the whole run's: judged against the written target it would fail although the merged run passes
//! (`iterations.rate >= 95/s` on a shard doing 50/s). It is judged against the target ÷ N instead. Latencies and
//! error rates are the same on a part as on the whole, and an error count is a budget for the whole run (a
//! shard's errors are never more than the whole's), so those are judged as written. `report merge` judges the
//! whole against the written targets ([`super::judge`]).

use super::{split, Stat, Threshold};

impl Stat {
    /// A stat that adds up over the shards of a run, so a shard is judged on its share of the target.
    pub fn scales_with_shards(self) -> bool {
        matches!(self, Stat::Rate | Stat::Count)
    }
}

impl Threshold {
    /// What a shard of `n_shards` is judged against, when it is not the written limit.
    pub fn share(&self, n_shards: u64) -> Option<crate::Share> {
        (n_shards > 1 && self.stat.scales_with_shards()).then(|| crate::Share {
            n_shards,
            limit: self.limit / n_shards as f64,
        })
    }
}

/// A threshold as a summary shows it: as written, or, judged on a shard's share, with the limit it was judged
/// against and where that came from: `iterations.rate >= 47.5/s (95/s ÷ 2 shards)`.
pub fn shown(t: &crate::Threshold) -> String {
    let (Some(share), Some((lhs, op, _, rhs))) = (&t.share, split(&t.expr)) else {
        return t.expr.clone();
    };
    let n = number(share.limit);
    let limit = if t.unit == Stat::Rate.unit() {
        format!("{n}/s")
    } else {
        n
    };
    format!("{lhs} {op} {limit} ({rhs} ÷ {} shards)", share.n_shards)
}

/// At most three decimals, none that are zeros: 47.5, 33.333, 50.
fn number(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::{judge, parse};
    use super::*;

    fn judged(expr: &str, value: f64, n_shards: u64) -> crate::Threshold {
        parse(expr).unwrap().judged(Some(value), n_shards)
    }

    #[test]
    fn rates_and_counts_are_judged_on_the_share() {
        // A shard of 2 doing half of 100/s passes `>= 95/s`; the whole run's threshold it would fail.
        let t = judged("iterations.rate >= 95/s", 50.0, 2);
        assert!(t.passed);
        assert_eq!(
            t.share,
            Some(crate::Share {
                n_shards: 2,
                limit: 47.5
            })
        );
        assert!(!judged("iterations.rate >= 95/s", 50.0, 1).passed);
        assert!(!judged("iterations.rate >= 95/s", 47.0, 2).passed);
        // Either way of a bound: a count cap is shared too.
        assert!(judged("iterations.count >= 300", 150.0, 2).passed);
        assert!(!judged("iterations.count >= 300", 149.0, 2).passed);
        assert!(!judged("iterations.count <= 100", 51.0, 2).passed);
        assert!(judged("iterations.count <= 100", 50.0, 2).passed);
        assert!(judged("iterations.rate >= 5700/min", 50.0, 2).passed);
    }

    #[test]
    fn latencies_and_errors_are_judged_as_written() {
        for (expr, value) in [
            ("roundtrip.p99 < 50ms", 60_000.0),
            ("roundtrip.mean < 50ms", 60_000.0),
            ("iterations.error_rate < 1%", 0.02),
            ("iterations.errors <= 10", 11.0),
        ] {
            for n in [1, 2, 4] {
                let t = judged(expr, value, n);
                assert!(!t.passed, "{expr} on a shard of {n}");
                assert_eq!(t.share, None, "{expr}");
            }
        }
        // A shard of one is the whole run.
        assert_eq!(judged("iterations.rate >= 95/s", 100.0, 1).share, None);
    }

    #[test]
    fn a_shared_threshold_says_what_it_was_judged_against() {
        let t = judged("iterations.rate >= 95/s", 50.0, 2);
        assert_eq!(shown(&t), "iterations.rate >= 47.5/s (95/s ÷ 2 shards)");
        let t = judged("iterations.count >= 100", 40.0, 3);
        assert_eq!(shown(&t), "iterations.count >= 33.333 (100 ÷ 3 shards)");
        let t = judged("iterations.rate>=5700/min", 50.0, 2);
        assert_eq!(shown(&t), "iterations.rate >= 47.5/s (5700/min ÷ 2 shards)");
        let t = judged("roundtrip.p99 < 50ms", 1.0, 2);
        assert_eq!(shown(&t), "roundtrip.p99 < 50ms");
    }

    #[test]
    fn a_merge_judges_the_written_target() {
        let mut h = crate::histogram::new();
        for _ in 0..100 {
            crate::histogram::record(&mut h, 1_000);
        }
        let metrics = std::collections::BTreeMap::from([(
            "iterations".to_owned(),
            crate::testing::metric(&h, 0),
        )]);
        // 100 operations in 2 s: 50/s, which a shard of 2 would pass and the whole does not.
        let t = judge("iterations.rate >= 95/s", &metrics, 2.0);
        assert_eq!((t.passed, t.share), (false, None));
        assert!(judge("iterations.rate >= 95/s", &metrics, 1.0).passed);
    }
}
