//! Reports for tests, built in one place ([`report`], [`metric`]): a plain report a test then sets what it
//! needs on. Behind the `test-support` feature (reports' own tests turn it on; other crates' tests may).

use std::collections::BTreeMap;

use crate::{Counters, Encoded, Host, Metric, Report, Run, Scenario, SCHEMA, VERSION};

/// A whole, passed report of scenario `name` (file `{name}.yaml`, text `name: {name}\n`, hash `sha256:00`,
/// seed 7), run for 5 s from 2026-11-28T00:00:00Z on the embedded target with the reference bot, on a 2-CPU
/// linux host `ci`; no metrics, counters, series, phases or thresholds.
pub fn report(name: &str) -> Report {
    Report {
        schema: SCHEMA.into(),
        version: VERSION.into(),
        partial: false,
        stopped: None,
        scenario: Scenario {
            name: name.into(),
            description: String::new(),
            file: format!("{name}.yaml"),
            hash: "sha256:00".into(),
            text: format!("name: {name}\n"),
            seed: 7,
            overrides: BTreeMap::new(),
        },
        run: Run {
            started_at: "2026-11-28T00:00:00Z".into(),
            ended_at: "2026-11-28T00:00:05Z".into(),
            duration_ms: 5_000,
            target: "embedded".into(),
            bot: "reference".into(),
            loadgen_version: "0.1.0".into(),
            git_revision: None,
            host: Host {
                hostname: "ci".into(),
                os: "linux".into(),
                arch: "x86_64".into(),
                n_cpus: 2,
                cpu_model: "test".into(),
            },
            shard: None,
            phases: vec![],
        },
        metrics: BTreeMap::new(),
        counters: Counters::default(),
        series: vec![],
        thresholds: vec![],
        verdict: "passed".into(),
    }
}

/// A metric whose corrected and uncorrected histograms are both `h`.
pub fn metric(h: &hdrhistogram::Histogram<u64>, n_errors: u64) -> Metric {
    Metric {
        corrected: Encoded::from_histogram(h),
        uncorrected: Encoded::from_histogram(h),
        n_errors,
    }
}
