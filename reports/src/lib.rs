//! reports: the report a loadgen run writes (`report.json`), its versioned model, and what is done with reports.
//!
//! [`Report`] is the model; [`Report::read`] checks the schema name and major version before anything else, so
//! a report from a newer tool is refused with a clear message rather than read wrongly. Histograms travel
//! losslessly ([`histogram`]), so reports merge and compare without losing accuracy. [`summary`] prints the
//! table a person reads at the end of a run.

pub mod charts;
pub mod cli;
pub mod compare;
pub mod histogram;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod summary;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod threshold;
pub mod units;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use histogram::Encoded;

/// What `schema` says in every report.
pub const SCHEMA: &str = "wecom-testbed/report";
/// The version written. Readers take any minor of the same major. 1.1: a partial run's verdict is
/// `incomplete` (1.0 wrote its thresholds' verdict; [`Report::read`] turns that into `incomplete`). 1.2: a
/// shard's threshold may carry the [`Share`] it was judged on.
pub const VERSION: &str = "1.2";
const MAJOR: &str = "1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub version: String,
    /// True when the run was stopped early (Ctrl-C, SIGTERM): the figures cover what ran, and the verdict is
    /// `incomplete`.
    pub partial: bool,
    /// Why the run is partial, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    pub scenario: Scenario,
    pub run: Run,
    /// Every metric, by name: `api.<path>`, `route.<route>`, `roundtrip`, `step.<name>`, `iterations`.
    pub metrics: BTreeMap<String, Metric>,
    pub counters: Counters,
    /// One point per second of the run.
    pub series: Vec<Second>,
    pub thresholds: Vec<Threshold>,
    /// `passed`, `failed` (a threshold failed) or `incomplete` (the run was cut short; [`threshold::verdict`]).
    pub verdict: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The file as given on the command line.
    pub file: String,
    /// `sha256:` of the file's bytes: two reports of the same scenario have the same hash.
    pub hash: String,
    /// The file itself, so a report says exactly what ran.
    pub text: String,
    pub seed: u64,
    /// Command-line overrides (`--rate`, `--duration`, …) as given.
    #[serde(default)]
    pub overrides: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// RFC 3339, UTC.
    pub started_at: String,
    pub ended_at: String,
    pub duration_ms: u64,
    /// `embedded` or the target's URL.
    pub target: String,
    /// `reference`, `none`, or the external bot's URL.
    pub bot: String,
    pub loadgen_version: String,
    /// `git rev-parse HEAD` of the working directory, when there is one.
    #[serde(default)]
    pub git_revision: Option<String>,
    pub host: Host,
    /// `i/N` when the run was one shard of N.
    #[serde(default)]
    pub shard: Option<String>,
    pub phases: Vec<Phase>,
}

impl Run {
    /// `i/N` → (i, N), when the run was a shard (a merged report's `merged k of N` is not).
    pub fn shard_index(&self) -> Option<(u64, u64)> {
        let (i, n) = self.shard.as_deref()?.split_once('/')?;
        Some((i.parse().ok()?, n.parse().ok()?))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub hostname: String,
    pub os: String,
    pub arch: String,
    pub n_cpus: usize,
    pub cpu_model: String,
}

/// A workload phase as it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    /// `open` or `closed`.
    pub kind: String,
    /// A sentence: "200/s for 10s", "8 users × 100 iterations".
    pub shape: String,
    pub started_ms: u64,
    pub duration_ms: u64,
    pub n_iterations: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Latency from each operation's intended start (open workloads; coordinated omission corrected). In
    /// closed workloads the intended start is the actual one, so both histograms are equal.
    pub corrected: Encoded,
    /// Latency from the actual send.
    pub uncorrected: Encoded,
    /// Operations that failed (not in the histograms).
    pub n_errors: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    pub n_iterations: u64,
    /// Iterations in which a step failed.
    pub n_failed_iterations: u64,
    /// HTTP requests sent, token refreshes included.
    pub n_requests: u64,
    pub n_errors: u64,
    /// Failed steps by WeCom errcode (a call answered with another errcode than expected).
    pub errors_by_errcode: BTreeMap<String, u64>,
    /// Failed steps by kind: `errcode`, `http_status`, `timeout`, `connection`, `assertion`, `body`, `template`.
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Expired tokens met and refreshed (42001/40014), as an SDK refreshes them.
    pub n_token_refreshes: u64,
    /// Iterations an open workload started later than meant, because the in-flight bound was reached.
    pub n_late_iterations: u64,
    /// Events the mock's stream said this run missed (it fell behind); an `expect` waiting for one times out.
    #[serde(default)]
    pub n_events_missed: u64,
    /// The first message of each kind of failure, by `<metric> <kind>`.
    #[serde(default)]
    pub first_errors: BTreeMap<String, String>,
}

/// One second of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Second {
    /// Seconds since the start.
    pub t_s: u64,
    pub n_iterations: u64,
    pub n_requests: u64,
    pub n_errors: u64,
    /// This second's failed steps by kind.
    #[serde(default)]
    pub errors_by_kind: BTreeMap<String, u64>,
    /// The operations that ended in this second, per metric (corrected latency).
    pub metrics: BTreeMap<String, Encoded>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// As written: `roundtrip.p99 < 50ms`.
    pub expr: String,
    /// The measured value, in the unit of the threshold (µs for latencies, a fraction for rates of errors,
    /// per second for rates, a count for counts); absent when the metric never ran.
    pub value: Option<f64>,
    /// The value's unit: `us`, `fraction`, `per_s` or `count`.
    pub unit: String,
    pub passed: bool,
    /// Set when a shard judged this threshold on its share of the target (a rate or a count ÷ N); `expr` stays
    /// as written, so a merge judges the whole run against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<Share>,
}

/// The part of a threshold's target one shard of N is judged on ([`threshold`] says which stats have one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The N the written limit was divided by.
    pub n_shards: u64,
    /// The limit judged, in the threshold's unit: the written one ÷ N.
    pub limit: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} is not JSON (or is cut short): {source}")]
    Json {
        file: String,
        source: serde_json::Error,
    },
    #[error("{file} is not a report of this tool (schema {found:?}, expected {SCHEMA:?})")]
    Schema { file: String, found: String },
    #[error(
        "{file} is a version {found} report; this tool reads version {MAJOR}.x (a newer tool wrote it?)"
    )]
    Version { file: String, found: String },
    #[error("{file}: {what}")]
    Invalid { file: String, what: String },
}

impl Report {
    /// Reads a report file: schema and major version first, then the whole model, then every histogram.
    pub fn read(path: &std::path::Path) -> Result<Report, ReadError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
            file: file.clone(),
            source,
        })?;
        Report::parse(&text, &file)
    }

    pub fn parse(text: &str, file: &str) -> Result<Report, ReadError> {
        let json = |source| ReadError::Json {
            file: file.to_owned(),
            source,
        };
        #[derive(Deserialize)]
        struct Head {
            schema: Option<String>,
            version: Option<String>,
        }
        let head: Head = serde_json::from_str(text).map_err(json)?;
        let schema = head.schema.unwrap_or_default();
        if schema != SCHEMA {
            return Err(ReadError::Schema {
                file: file.to_owned(),
                found: schema,
            });
        }
        let version = head.version.unwrap_or_default();
        if version.split('.').next() != Some(MAJOR) {
            return Err(ReadError::Version {
                file: file.to_owned(),
                found: version,
            });
        }
        let mut report: Report = serde_json::from_str(text).map_err(json)?;
        report.upgrade();
        report.check().map_err(|what| ReadError::Invalid {
            file: file.to_owned(),
            what,
        })?;
        Ok(report)
    }

    /// A 1.0 report gave a partial run its thresholds' verdict, which read as if the run had passed (or
    /// failed); it is read as the `incomplete` it was. Anything else is left for [`Report::check`] to judge.
    fn upgrade(&mut self) {
        let old = threshold::verdict(&self.thresholds, false);
        if self.partial && self.version == "1.0" && self.verdict == old {
            self.verdict = threshold::INCOMPLETE.into();
        }
    }

    /// Every histogram decodes and agrees with the figures beside it, and the verdict is the one its thresholds
    /// and its being partial give.
    fn check(&self) -> Result<(), String> {
        let verdict = threshold::verdict(&self.thresholds, self.partial);
        if self.verdict != verdict {
            let why = if self.partial {
                "a partial run's verdict is incomplete".to_owned()
            } else {
                format!("its thresholds say {verdict}")
            };
            return Err(format!(
                "the verdict {:?} is not right: {why}",
                self.verdict
            ));
        }
        let n_shards = self.run.shard_index().map(|(_, n)| n);
        if let Some(t) = self.thresholds.iter().find(|t| {
            t.share
                .as_ref()
                .is_some_and(|s| Some(s.n_shards) != n_shards)
        }) {
            return Err(format!(
                "threshold {:?} was judged on a shard's share, but the run is not a shard of that many",
                t.expr
            ));
        }
        for (name, m) in &self.metrics {
            for (which, e) in [("corrected", &m.corrected), ("uncorrected", &m.uncorrected)] {
                e.decode()
                    .map_err(|e| format!("metric {name} ({which}): {e}"))?;
            }
        }
        for s in &self.series {
            for (name, e) in &s.metrics {
                e.decode()
                    .map_err(|e| format!("second {} of metric {name}: {e}", s.t_s))?;
            }
        }
        Ok(())
    }

    #[allow(
        clippy::expect_used,
        reason = "the model is plain data: serializing it cannot fail"
    )]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    pub fn passed(&self) -> bool {
        self.verdict == threshold::PASSED
    }

    /// The run was cut short: its figures cover what ran and judge nothing.
    pub fn incomplete(&self) -> bool {
        self.verdict == threshold::INCOMPLETE
    }
}

#[cfg(test)]
mod tests;
