//! The page of one run: verdict, thresholds, metrics, charts, counters, phases, environment and scenario.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{decoded, escape, figure, or, page, row, table};
use crate::charts;
use crate::summary::{duration, value};
use crate::threshold::shown;
use crate::{Encoded, Report, Second};

/// The report of one run as a self-contained HTML page.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    header(&mut out, r);
    thresholds(&mut out, r);
    metrics(&mut out, r);
    spectra(&mut out, r);
    over_time(&mut out, r);
    counters(&mut out, r);
    phases(&mut out, r);
    environment(&mut out, r);
    page(&format!("{} — {}", r.scenario.name, r.verdict), &out)
}

/// The scenario's name and description, where and when it ran, the verdict and whether the run is partial.
fn header(out: &mut String, r: &Report) {
    let s = &r.scenario;
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(&s.name));
    if !s.description.is_empty() {
        let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(&s.description));
    }
    let (target, host, length) = (
        &r.run.target,
        &r.run.host.hostname,
        crate::summary::run_length(r.run.duration_ms),
    );
    let when = escape(&r.run.started_at);
    let _ = writeln!(
        out,
        "<p class=\"sub\">{} on {}, {length} from {when}</p>",
        escape(target),
        escape(host)
    );
    let class = match r.verdict.as_str() {
        "passed" | "failed" | "incomplete" => r.verdict.as_str(),
        _ => "other",
    };
    let _ = write!(
        out,
        "<span class=\"verdict {class}\">{}</span>",
        escape(&r.verdict)
    );
    if r.partial {
        let why = escape(r.stopped.as_deref().unwrap_or("stopped early"));
        let _ = write!(out, "<span class=\"partial\">PARTIAL: {why}</span>");
    }
    out.push_str("\n</header>\n");
}

fn thresholds(out: &mut String, r: &Report) {
    out.push_str("<h2>Thresholds</h2>\n");
    if r.thresholds.is_empty() {
        out.push_str("<p class=\"note\">The scenario sets no thresholds.</p>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>verdict</th><th>threshold</th><th>measured</th></tr>\n");
    for t in &r.thresholds {
        let (class, mark) = if t.passed {
            ("pass", "pass")
        } else {
            ("fail", "FAIL")
        };
        let measured = t.value.map_or("no data".to_owned(), |v| value(v, &t.unit));
        let (expr, measured) = (escape(&shown(t)), escape(&measured));
        let _ = writeln!(
            out,
            "<tr><td class=\"{class}\">{mark}</td><td><code>{expr}</code></td><td>{measured}</td></tr>"
        );
    }
    out.push_str("</table>\n");
}

/// Each metric's count, errors and percentiles.
fn metrics(out: &mut String, r: &Report) {
    out.push_str("<h2>Metrics</h2>\n");
    let rows: Vec<Vec<String>> = r
        .metrics
        .iter()
        .map(|(name, m)| {
            let (c, d) = (&m.corrected, duration);
            row![
                name,
                c.n,
                m.n_errors,
                d(c.p50_us),
                d(c.p90_us),
                d(c.p99_us),
                d(c.p999_us),
                d(c.max_us),
                d(m.uncorrected.p99_us)
            ]
        })
        .collect();
    let header = "metric|n|errors|p50|p90|p99|p99.9|max|p99 uncorrected";
    table(out, "nums", header, &rows);
}

/// Each metric's percentile spectrum, corrected and uncorrected.
fn spectra(out: &mut String, r: &Report) {
    out.push_str("<h2>Latency percentile spectrum</h2>\n<p class=\"note\">Latency at each percentile, the \
        percentile on a log axis. Corrected latency counts from each operation's intended start (coordinated \
        omission corrected); in closed workloads both curves are the same.</p>\n<div class=\"charts\">\n");
    for (name, m) in &r.metrics {
        let c = decoded(out, &format!("{name} (corrected)"), &m.corrected);
        let u = decoded(out, &format!("{name} (uncorrected)"), &m.uncorrected);
        let svg = charts::spectrum(name, &[("corrected", &c), ("uncorrected", &u)]);
        figure(out, &format!("spectrum:{name}"), &svg);
    }
    out.push_str("</div>\n");
}

/// Latency (p50, p99) per metric, rates and errors by kind, per second of the run.
fn over_time(out: &mut String, r: &Report) {
    let t = |s: &Second| s.t_s as f64;
    out.push_str("<h2>Latency over time</h2>\n<p class=\"note\">Per second, of the operations that ended in \
        it (corrected latency).</p>\n");
    for name in r.metrics.keys() {
        // Seconds in which the metric had no operation are left out, rather than drawn as a latency of 0.
        let at = |f: fn(&Encoded) -> u64| -> Vec<(f64, f64)> {
            let ended = |s: &Second| {
                s.metrics
                    .get(name)
                    .filter(|e| e.n > 0)
                    .map(|e| (t(s), f(e) as f64 / 1e3))
            };
            r.series.iter().filter_map(ended).collect()
        };
        let lines = [("p50", at(|e| e.p50_us)), ("p99", at(|e| e.p99_us))];
        let svg = charts::over_time(name, "latency (ms)", &lines);
        figure(out, &format!("latency:{name}"), &svg);
    }

    out.push_str("<h2>Rate over time</h2>\n");
    let per_s = |f: &dyn Fn(&Second) -> u64| -> Vec<(f64, f64)> {
        r.series.iter().map(|s| (t(s), f(s) as f64)).collect()
    };
    let lines = [
        ("iterations/s", per_s(&|s| s.n_iterations)),
        ("requests/s", per_s(&|s| s.n_requests)),
    ];
    figure(
        out,
        "rate",
        &charts::over_time("Rate", "per second", &lines),
    );

    out.push_str("<h2>Errors over time</h2>\n");
    // A kind absent from a second's map had no error in it: drawn as 0, so each line spans the run.
    let kinds: BTreeSet<&String> = r
        .series
        .iter()
        .flat_map(|s| s.errors_by_kind.keys())
        .collect();
    let mut lines = vec![("all errors", per_s(&|s| s.n_errors))];
    for kind in kinds {
        lines.push((
            kind.as_str(),
            per_s(&|s| s.errors_by_kind.get(kind).copied().unwrap_or(0)),
        ));
    }
    figure(
        out,
        "errors",
        &charts::over_time("Errors by kind", "errors per second", &lines),
    );
}

fn counters(out: &mut String, r: &Report) {
    let c = &r.counters;
    out.push_str("<h2>Counters</h2>\n");
    let mut rows = vec![
        row!["iterations", c.n_iterations],
        row!["failed iterations", c.n_failed_iterations],
        row!["requests", c.n_requests],
        row!["errors", c.n_errors],
        row!["token refreshes", c.n_token_refreshes],
        row!["late iteration starts", c.n_late_iterations],
        row!["events missed", c.n_events_missed],
    ];
    rows.extend(
        c.errors_by_kind
            .iter()
            .map(|(kind, n)| row![format!("errors of kind {kind}"), n]),
    );
    rows.extend(
        c.errors_by_errcode
            .iter()
            .map(|(code, n)| row![format!("errors with errcode {code}"), n]),
    );
    table(out, "nums", "counter|value", &rows);
    if !c.first_errors.is_empty() {
        out.push_str("<h3>First errors</h3>\n");
        let rows: Vec<Vec<String>> = c
            .first_errors
            .iter()
            .map(|(what, msg)| row![what, msg])
            .collect();
        table(out, "", "metric and kind|first message", &rows);
    }
}

fn phases(out: &mut String, r: &Report) {
    out.push_str("<h2>Phases</h2>\n");
    let d = duration;
    let rows: Vec<Vec<String>> = r
        .run
        .phases
        .iter()
        .map(|p| {
            row![
                p.name,
                p.kind,
                p.shape,
                d(p.started_ms.saturating_mul(1000)),
                d(p.duration_ms.saturating_mul(1000)),
                p.n_iterations
            ]
        })
        .collect();
    table(
        out,
        "",
        "phase|kind|shape|started at|duration|iterations",
        &rows,
    );
}

/// Where and with what the run ran, then the scenario file as it was.
fn environment(out: &mut String, r: &Report) {
    out.push_str("<h2>Environment</h2>\n");
    let (run, host, s, d) = (&r.run, &r.run.host, &r.scenario, duration);
    let overrides: Vec<String> = s
        .overrides
        .iter()
        .map(|(k, v)| format!("--{k} {v}"))
        .collect();
    let rows = [
        row![
            "host",
            format!(
                "{} ({} {}, {} CPUs: {})",
                host.hostname, host.os, host.arch, host.n_cpus, host.cpu_model
            )
        ],
        row!["target", run.target],
        row!["bot", run.bot],
        row!["loadgen", run.loadgen_version],
        row!["git revision", or(&run.git_revision, "unknown")],
        row!["started", run.started_at],
        row!["ended", run.ended_at],
        row!["duration", d(run.duration_ms.saturating_mul(1000))],
        row!["shard", or(&run.shard, "none (a whole run)")],
        row!["scenario file", s.file],
        row!["scenario hash", s.hash],
        row!["seed", s.seed],
        row![
            "overrides",
            if overrides.is_empty() {
                "none".to_owned()
            } else {
                overrides.join(" ")
            }
        ],
    ];
    table(out, "", "what|value", &rows);
    let _ = writeln!(out, "<h2>Scenario</h2>\n<pre>{}</pre>", escape(&s.text));
}
