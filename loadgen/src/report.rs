//! From what a run recorded to the report model of the `reports` crate: metrics, counters, the time series,
//! the phases, the thresholds judged, and where and when it ran.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use reports::{Counters, Encoded, Host, Metric, Report, Second, Threshold};

use crate::executor::PhaseRun;
use crate::recorder::{Counts, ErrorKind, Point, Totals};
use crate::scenario::Plan;

pub struct Inputs<'a> {
    pub plan: &'a Plan,
    pub totals: &'a Totals,
    /// The time series, one second per point, made as the run went.
    pub series: Vec<Second>,
    pub phases: &'a [PhaseRun],
    pub run_start: tokio::time::Instant,
    pub started_at: SystemTime,
    pub duration: Duration,
    pub target: String,
    pub bot: String,
    pub overrides: BTreeMap<String, String>,
    /// (i, N) when the run was shard i of N: its rate and count thresholds are judged on 1/N of the target.
    pub shard: Option<(u64, u64)>,
    pub stopped: Option<String>,
    pub first_errors: BTreeMap<String, String>,
    pub n_events_missed: u64,
}

pub fn build(i: Inputs) -> Report {
    let plan = i.plan;
    let t = i.totals;
    let mut metrics = BTreeMap::new();
    for (m, name) in plan.metrics.iter().enumerate() {
        if t.corrected[m].is_empty() && t.n_errors[m] == 0 {
            continue;
        }
        metrics.insert(
            name.clone(),
            Metric {
                corrected: Encoded::from_histogram(&t.corrected[m]),
                uncorrected: Encoded::from_histogram(&t.uncorrected[m]),
                n_errors: t.n_errors[m],
            },
        );
    }
    let series = i.series;
    // Over the whole milliseconds the report records, so the rate judged here is the one its table, `report
    // show` and `report compare` compute from it.
    let secs = i.duration.as_millis() as f64 / 1e3;
    let n_shards = i.shard.map_or(1, |(_, n)| n);
    let thresholds: Vec<Threshold> = plan
        .thresholds
        .iter()
        .map(|th| {
            let value = plan
                .metrics
                .iter()
                .position(|n| *n == th.metric)
                .and_then(|m| {
                    reports::threshold::measure(th.stat, &t.corrected[m], t.n_errors[m], secs)
                });
            th.judged(value, n_shards)
        })
        .collect();
    let verdict = reports::threshold::verdict(&thresholds, i.stopped.is_some());
    let fmt = |t: SystemTime| humantime::format_rfc3339_millis(t).to_string();
    Report {
        schema: reports::SCHEMA.into(),
        version: reports::VERSION.into(),
        partial: i.stopped.is_some(),
        stopped: i.stopped,
        scenario: reports::Scenario {
            name: plan.name.clone(),
            description: plan.description.clone(),
            file: plan.file.clone(),
            hash: plan.hash.clone(),
            text: plan.text.clone(),
            seed: plan.seed,
            overrides: i.overrides,
        },
        run: reports::Run {
            started_at: fmt(i.started_at),
            ended_at: fmt(i.started_at + i.duration),
            duration_ms: i.duration.as_millis() as u64,
            target: i.target,
            bot: i.bot,
            loadgen_version: env!("CARGO_PKG_VERSION").into(),
            git_revision: git_revision(&plan.file),
            host: host(),
            shard: i.shard.map(crate::shard::text),
            phases: i
                .phases
                .iter()
                .map(|p| reports::Phase {
                    name: p.name.clone(),
                    kind: p.kind.into(),
                    shape: p.shape.clone(),
                    started_ms: p.started.saturating_duration_since(i.run_start).as_millis() as u64,
                    duration_ms: p.ended.saturating_duration_since(p.started).as_millis() as u64,
                    n_iterations: p.n_iterations,
                })
                .collect(),
        },
        metrics,
        counters: counters(&t.counts, i.first_errors, i.n_events_missed),
        series,
        thresholds,
        verdict: verdict.into(),
    }
}

fn counters(c: &Counts, first_errors: BTreeMap<String, String>, n_events_missed: u64) -> Counters {
    Counters {
        n_iterations: c.n_iterations,
        n_failed_iterations: c.n_failed_iterations,
        n_requests: c.n_requests,
        n_errors: c.n_errors,
        errors_by_errcode: c
            .errors_by_errcode
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        errors_by_kind: by_kind(c),
        n_token_refreshes: c.n_token_refreshes,
        n_late_iterations: c.n_late_iterations,
        n_events_missed,
        first_errors,
    }
}

/// Second `t_s` of the run as the report keeps it: the counters and each metric's histogram, encoded at once
/// so a long run does not hold a live histogram per metric per second.
pub fn second(plan: &Plan, t_s: u64, p: &Point) -> Second {
    Second {
        t_s,
        n_iterations: p.counts.n_iterations,
        n_requests: p.counts.n_requests,
        n_errors: p.counts.n_errors,
        errors_by_kind: by_kind(&p.counts),
        metrics: plan
            .metrics
            .iter()
            .enumerate()
            .filter(|(m, _)| !p.corrected[*m].is_empty())
            .map(|(m, name)| (name.clone(), Encoded::from_histogram(&p.corrected[m])))
            .collect(),
    }
}

fn by_kind(c: &Counts) -> BTreeMap<String, u64> {
    ErrorKind::ALL
        .iter()
        .filter(|k| c.errors_by_kind[**k as usize] > 0)
        .map(|k| (k.name().to_owned(), c.errors_by_kind[*k as usize]))
        .collect()
}

/// The revision of the repository the scenario file is in (not of wherever loadgen was started).
fn git_revision(scenario_file: &str) -> Option<String> {
    let dir = std::path::Path::new(scenario_file)
        .parent()
        .filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(std::path::Path::new("."));
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    let rev = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !rev.is_empty()).then_some(rev)
}

fn host() -> Host {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu_model = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let hostname = read("/proc/sys/kernel/hostname").trim().to_owned();
    Host {
        hostname: if hostname.is_empty() {
            "unknown".into()
        } else {
            hostname
        },
        os: std::env::consts::OS.into(),
        arch: std::env::consts::ARCH.into(),
        n_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model,
    }
}
