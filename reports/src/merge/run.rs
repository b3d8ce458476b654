//! The run's own description (times, hosts, phases) for the shards taken together.

use std::collections::BTreeSet;

use crate::{Report, Run};

/// The run as a whole: from the first start to the last end, every host named, each phase's iterations added
/// (its duration the longest shard's).
pub(super) fn combine(run: &mut Run, reports: &[Report], n_shards: u64) {
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
    run.shard = Some(format!("merged {} of {n_shards}", reports.len()));
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
}
