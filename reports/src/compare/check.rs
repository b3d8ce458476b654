//! Whether two runs can be compared, what to read their verdicts with, and whether the tolerances name anything.

use super::{CompareError, Tolerances};
use crate::Report;

/// Figures a tolerance can name.
const STATS: [&str; 7] = ["p50", "p90", "p99", "p99.9", "mean", "max", "rate"];

/// Refuses a run against itself and, unless `allow_different`, runs of other scenarios; else the warnings the
/// verdicts are read with, and whether a regression counts (not between other machines, unless allowed).
pub(super) fn caveats(
    base: &Report,
    new: &Report,
    allow_different: bool,
) -> Result<(Vec<String>, bool), CompareError> {
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
    Ok((warnings, comparable))
}

/// Every tolerance names a figure or a metric one of the runs has: a misspelt one would silently do nothing.
pub(super) fn tolerances(
    tol: &Tolerances,
    base: &Report,
    new: &Report,
) -> Result<(), CompareError> {
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
