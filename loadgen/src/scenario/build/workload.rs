//! The plan's workload: its phases, each with its load, think time and steps.

use serde_saphyr::{Location, Spanned};
use std::collections::BTreeSet;
use std::time::Duration;

use super::{at, dur, Fail, Metrics};
use crate::scenario::plan::*;
use crate::scenario::{raw, units};

/// Bounds that keep a typo from spawning more tasks than memory holds.
const MAX_IN_FLIGHT: usize = 1_000_000;
const MAX_VUS: usize = 100_000;
const DEFAULT_MAX_IN_FLIGHT: usize = 1000;

/// Every phase, each with its own steps or the top level's `default_steps`.
pub(super) fn phases(
    workload: Spanned<Vec<Spanned<raw::Phase>>>,
    default_steps: &[Spanned<raw::Step>],
    known: &BTreeSet<String>,
    metrics: &mut Metrics,
) -> Result<Vec<Phase>, Fail> {
    let default_steps = steps(default_steps, known, metrics)?;
    if workload.value.is_empty() {
        return at(workload.referenced, "the workload has no phase");
    }
    let mut phases = Vec::new();
    for (i, p) in workload.value.into_iter().enumerate() {
        let loc = p.referenced;
        let p = p.value;
        let own = match &p.steps {
            Some(s) => Some(steps(s, known, metrics)?),
            None => None,
        };
        let steps = own.unwrap_or_else(|| default_steps.clone());
        if steps.is_empty() {
            return at(
                loc,
                "this phase has no steps (give `steps:` here or at the top level)",
            );
        }
        phases.push(Phase {
            name: p.name.clone().unwrap_or_else(|| format!("phase {}", i + 1)),
            load: load(&p, loc)?,
            max_in_flight: match p.max_in_flight {
                Some(n) if !(1..=MAX_IN_FLIGHT).contains(&n) => {
                    return at(loc, format!("max_in_flight: 1 to {MAX_IN_FLIGHT}"))
                }
                Some(n) => n,
                None => DEFAULT_MAX_IN_FLIGHT,
            },
            think: match (&p.think, &p.open) {
                (Some(t), Some(_)) => {
                    return at(
                        t.referenced,
                        "think is for closed phases: an open phase's arrivals keep their own time",
                    )
                }
                (t, _) => t.as_ref().map(think).transpose()?,
            },
            steps: steps.into(),
        });
    }
    Ok(phases)
}

fn rate(s: &Spanned<raw::Scalar>) -> Result<f64, Fail> {
    units::rate(&s.value.0).or_else(|e| at(s.referenced, e))
}

fn load(p: &raw::Phase, loc: Location) -> Result<Load, Fail> {
    match (&p.open, &p.closed) {
        (Some(o), None) => {
            let (from, to) = match (&o.rate, &o.from, &o.to) {
                (Some(r), None, None) => (rate(r)?, rate(r)?),
                (None, Some(f), Some(t)) => (rate(f)?, rate(t)?),
                _ => return at(loc, "open: give `rate`, or `from` and `to` for a ramp"),
            };
            if from == 0.0 && to == 0.0 {
                return at(loc, "open: the rate is 0");
            }
            Ok(Load::Open {
                from_per_s: from,
                to_per_s: to,
                duration: dur(&o.duration)?,
            })
        }
        (None, Some(c)) => {
            if !(1..=MAX_VUS).contains(&c.vus.value) {
                return at(c.vus.referenced, format!("vus: 1 to {MAX_VUS}"));
            }
            let duration = c.duration.as_ref().map(dur).transpose()?;
            if c.iterations.is_none() && duration.is_none() {
                return at(loc, "closed: give `iterations`, `duration` or both");
            }
            Ok(Load::Closed {
                vus: c.vus.value,
                iterations: c.iterations,
                duration,
            })
        }
        _ => at(loc, "a phase is exactly one of `open` and `closed`"),
    }
}

fn think(t: &Spanned<raw::Scalar>) -> Result<(Duration, Duration), Fail> {
    let (lo, hi) = t
        .value
        .0
        .split_once("..")
        .unwrap_or((&t.value.0, &t.value.0));
    let parse = |s: &str| units::duration(s).or_else(|e| at(t.referenced, e));
    let (a, b) = (parse(lo)?, parse(hi)?);
    if a > b {
        return at(t.referenced, "think: the range's start is above its end");
    }
    Ok((a, b))
}

fn steps(
    raw: &[Spanned<raw::Step>],
    known: &BTreeSet<String>,
    metrics: &mut Metrics,
) -> Result<Vec<Step>, Fail> {
    let mut known = known.clone();
    let mut out: Vec<Step> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let loc = s.referenced;
        let st = crate::scenario::step::plan(&s.value, loc, i, &out, &known, metrics)?;
        if let Action::Http(r) = &st.action {
            known.extend(r.captures.iter().map(|(k, _)| k.clone()));
        }
        out.push(st);
    }
    Ok(out)
}
