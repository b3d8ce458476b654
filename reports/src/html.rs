//! The HTML report (`report html`) and the comparison page: one self-contained file each, inline CSS and inline
//! SVG charts from [`crate::charts`], nothing fetched and no script, so it opens anywhere (a CI artifact, offline).
//!
//! Every chart sits in `<figure class="chart" data-chart="KIND:METRIC">` so tests and people can find it. All text
//! from a report is escaped: scenario files, metric names and error messages are free text.

use std::collections::BTreeSet;
use std::fmt::Write;

use hdrhistogram::Histogram;

use crate::charts;
use crate::summary::{duration, value};
use crate::{Encoded, Report, Second};

/// Text made safe for HTML content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #222; margin: 0 auto;
       max-width: 1260px; padding: 16px 24px 48px; }
h1 { margin: 0 0 4px; font-size: 28px; } h2 { margin: 32px 0 10px; border-bottom: 1px solid #ddd; }
.sub { color: #555; margin: 0 0 8px; }
.verdict { display: inline-block; font-size: 26px; font-weight: 700; padding: 4px 18px; border-radius: 6px;
           color: #fff; text-transform: uppercase; letter-spacing: .04em; }
.passed { background: #2e7d32; } .failed { background: #c62828; } .other { background: #6d6d6d; }
.incomplete { background: #b26a00; }
.partial { display: inline-block; margin-left: 12px; padding: 4px 12px; border-radius: 6px; font-weight: 700;
           background: #ffe0b2; color: #8a4b00; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
table.nums td + td { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { color: #2e7d32; font-weight: 700; } td.fail { color: #c62828; font-weight: 700; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
figure.chart { margin: 0 0 16px; border: 1px solid #e4e4e4; border-radius: 4px; overflow: hidden; }
figure.chart svg { display: block; width: 100%; height: auto; }
pre { background: #f7f7f7; border: 1px solid #e4e4e4; padding: 10px; overflow-x: auto; }
.note { color: #555; font-size: 14px; } .warn { color: #c62828; }
";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

fn figure(out: &mut String, id: &str, svg: &str) {
    let _ = writeln!(
        out,
        "<figure class=\"chart\" data-chart=\"{}\">\n{svg}</figure>",
        escape(id)
    );
}

/// A row of table cells from anything printable.
macro_rules! row {
    ($($cell:expr),* $(,)?) => { vec![$($cell.to_string()),*] };
}

/// A table of escaped cells; `header` is the column names separated by `|`. In a `nums` table every column after
/// the first is right-aligned, as numbers read best.
fn table(out: &mut String, class: &str, header: &str, rows: &[Vec<String>]) {
    let _ = write!(out, "<table class=\"{class}\">\n<tr>");
    for h in header.split('|') {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for cells in rows {
        out.push_str("<tr>");
        for cell in cells {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// A histogram to chart, or a note on the page when its blob does not decode (a report not read through
/// [`Report::read`], which checks them): an empty histogram then charts as "no data".
fn decoded(out: &mut String, what: &str, e: &Encoded) -> Histogram<u64> {
    e.decode().unwrap_or_else(|err| {
        let _ = writeln!(
            out,
            "<p class=\"warn\">{}: {}</p>",
            escape(what),
            escape(&err.to_string())
        );
        crate::histogram::new()
    })
}

fn or(v: &Option<String>, default: &str) -> String {
    v.clone().unwrap_or_else(|| default.to_owned())
}

/// The report of one run as a self-contained HTML page.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let s = &r.scenario;
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(&s.name));
    if !s.description.is_empty() {
        let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(&s.description));
    }
    let (target, host, secs) = (
        &r.run.target,
        &r.run.host.hostname,
        r.run.duration_ms as f64 / 1e3,
    );
    let when = escape(&r.run.started_at);
    let _ = writeln!(
        out,
        "<p class=\"sub\">{} on {}, {secs:.1}s from {when}</p>",
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
    out.push_str("\n</header>\n<h2>Thresholds</h2>\n");
    if r.thresholds.is_empty() {
        out.push_str("<p class=\"note\">The scenario sets no thresholds.</p>\n");
    } else {
        out.push_str("<table>\n<tr><th>verdict</th><th>threshold</th><th>measured</th></tr>\n");
        for t in &r.thresholds {
            let (class, mark) = if t.passed {
                ("pass", "pass")
            } else {
                ("fail", "FAIL")
            };
            let measured = t.value.map_or("no data".to_owned(), |v| value(v, &t.unit));
            let (expr, measured) = (escape(&t.expr), escape(&measured));
            let _ = writeln!(
                out,
                "<tr><td class=\"{class}\">{mark}</td><td><code>{expr}</code></td><td>{measured}</td></tr>"
            );
        }
        out.push_str("</table>\n");
    }

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
    table(&mut out, "nums", header, &rows);

    out.push_str("<h2>Latency percentile spectrum</h2>\n<p class=\"note\">Latency at each percentile, the \
        percentile on a log axis. Corrected latency counts from each operation's intended start (coordinated \
        omission corrected); in closed workloads both curves are the same.</p>\n<div class=\"charts\">\n");
    for (name, m) in &r.metrics {
        let c = decoded(&mut out, &format!("{name} (corrected)"), &m.corrected);
        let u = decoded(&mut out, &format!("{name} (uncorrected)"), &m.uncorrected);
        let svg = charts::spectrum(name, &[("corrected", &c), ("uncorrected", &u)]);
        figure(&mut out, &format!("spectrum:{name}"), &svg);
    }
    out.push_str("</div>\n");

    over_time(&mut out, r);
    counters(&mut out, r);
    run_and_scenario(&mut out, r);
    page(&format!("{} — {}", s.name, r.verdict), &out)
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

fn run_and_scenario(out: &mut String, r: &Report) {
    out.push_str("<h2>Phases</h2>\n");
    let (run, host, s, d) = (&r.run, &r.run.host, &r.scenario, duration);
    let rows: Vec<Vec<String>> = run
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

    out.push_str("<h2>Environment</h2>\n");
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

/// The comparison page: the comparison table (HTML made by the caller, inserted as is) and, for every metric in
/// both runs, the two percentile spectra overlaid.
pub fn compare_page(base: &Report, new: &Report, table_html: &str) -> String {
    let mut out = String::new();
    let (b, n) = (escape(&base.scenario.name), escape(&new.scenario.name));
    let title = if b == n {
        format!("{n}: base vs new")
    } else {
        format!("{b} (base) vs {n} (new)")
    };
    let _ = writeln!(out, "<header>\n<h1>{title}</h1>");
    let rows: Vec<Vec<String>> = [("base", base), ("new", new)]
        .into_iter()
        .map(|(which, r)| {
            let run = &r.run;
            row![
                which,
                run.started_at,
                or(&run.git_revision, "unknown"),
                run.host.hostname,
                run.target,
                duration(run.duration_ms.saturating_mul(1000)),
                r.verdict
            ]
        })
        .collect();
    table(
        &mut out,
        "",
        "run|started|git revision|host|target|duration|verdict",
        &rows,
    );
    out.push_str("</header>\n<h2>Comparison</h2>\n");
    out.push_str(table_html);
    out.push_str(
        "\n<h2>Latency percentile spectrum, base vs new</h2>\n<p class=\"note\">Corrected latency \
        at each percentile, the percentile on a log axis.</p>\n<div class=\"charts\">\n",
    );
    for (name, b) in &base.metrics {
        let Some(n) = new.metrics.get(name) else {
            continue;
        };
        let bh = decoded(&mut out, &format!("{name} (base)"), &b.corrected);
        let nh = decoded(&mut out, &format!("{name} (new)"), &n.corrected);
        let svg = charts::spectrum(name, &[("base", &bh), ("new", &nh)]);
        figure(&mut out, &format!("spectrum:{name}"), &svg);
    }
    out.push_str("</div>\n");
    let only = |a: &Report, b: &Report| -> Vec<String> {
        a.metrics
            .keys()
            .filter(|k| !b.metrics.contains_key(*k))
            .cloned()
            .collect()
    };
    for (which, names) in [("base", only(base, new)), ("new", only(new, base))] {
        if !names.is_empty() {
            let names = escape(&names.join(", "));
            let _ = writeln!(out, "<p class=\"note\">Only in {which}: {names}</p>");
        }
    }
    page(&format!("{} — comparison", new.scenario.name), &out)
}

#[cfg(test)]
mod tests;
