//! Whether the reports are the shards of one run: same scenario, seed and options, each shard of one N once.

use std::collections::BTreeSet;

use super::{name, MergeError};
use crate::Report;

/// Every report ran the same scenario with the same seed and options (the shard aside).
pub(super) fn one_run(
    first: &Report,
    reports: &[Report],
    files: &[String],
) -> Result<(), MergeError> {
    for (i, r) in reports.iter().enumerate() {
        if r.scenario.hash != first.scenario.hash {
            return Err(MergeError::Different {
                file: name(files, i),
                what: format!("hash {}", r.scenario.hash),
            });
        }
        if r.scenario.seed != first.scenario.seed {
            return Err(MergeError::Different {
                file: name(files, i),
                what: format!("seed {}", r.scenario.seed),
            });
        }
        let mut theirs = r.scenario.overrides.clone();
        let mut ours = first.scenario.overrides.clone();
        theirs.remove("shard");
        ours.remove("shard");
        if theirs != ours {
            return Err(MergeError::Options {
                file: name(files, i),
                what: format!("{theirs:?} vs {ours:?}"),
            });
        }
    }
    Ok(())
}

/// Every report is a distinct shard of one N, and none of the N is missing; returns N.
pub(super) fn shards(reports: &[Report], files: &[String]) -> Result<u64, MergeError> {
    let mut seen = BTreeSet::new();
    let mut n_shards = None;
    for (i, r) in reports.iter().enumerate() {
        let Some((idx, n)) = r.run.shard_index() else {
            return Err(MergeError::NotAShard {
                file: name(files, i),
            });
        };
        if *n_shards.get_or_insert(n) != n {
            return Err(MergeError::Shards {
                file: name(files, i),
                why: format!("a shard of {n}, the others of {}", n_shards.unwrap_or(n)),
            });
        }
        if idx >= n {
            return Err(MergeError::Shards {
                file: name(files, i),
                why: format!("shard {idx}/{n} does not exist"),
            });
        }
        if !seen.insert(idx) {
            return Err(MergeError::Shards {
                file: name(files, i),
                why: format!("shard {idx}/{n} is given twice"),
            });
        }
    }
    let n = n_shards.unwrap_or(0);
    let missing: Vec<String> = (0..n)
        .filter(|i| !seen.contains(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing: missing.join(", "),
            n,
        });
    }
    Ok(n)
}
