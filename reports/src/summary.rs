//! The table a person reads at the end of a run (and `report show`): every metric's percentiles, the
//! counters, and each threshold with its verdict.

use std::fmt::Write;

use crate::threshold::shown;
use crate::{Counters, Report};

/// A latency in µs as a person reads it: `412µs`, `1.23ms`, `2.50s`.
pub fn duration(us: u64) -> String {
    match us {
        0..1_000 => format!("{us}µs"),
        1_000..1_000_000 => format!("{:.2}ms", us as f64 / 1e3),
        _ => format!("{:.2}s", us as f64 / 1e6),
    }
}

/// How long a run took, as every rendering says it: `49ms` under a second (where `0.0s` would read as nothing
/// beside a rate of 200/s), `30.0s` above.
pub fn run_length(duration_ms: u64) -> String {
    if duration_ms < 1_000 {
        format!("{duration_ms}ms")
    } else {
        format!("{:.1}s", duration_ms as f64 / 1e3)
    }
}

/// The run's headline, its metrics' table, counters, thresholds and verdict.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let secs = r.run.duration_ms as f64 / 1000.0;
    let _ = writeln!(
        out,
        "{} — {} on {}, {}{}",
        r.scenario.name,
        r.run.target,
        r.run.host.hostname,
        run_length(r.run.duration_ms),
        if r.partial { " (PARTIAL)" } else { "" }
    );
    metrics(&mut out, r, secs);
    counters(&mut out, &r.counters);
    thresholds(&mut out, r);
    out
}

/// One line per metric: counts, the rate over the run's `secs`, and the percentiles.
fn metrics(out: &mut String, r: &Report, secs: f64) {
    let header = [
        "metric",
        "n",
        "errors",
        "rate/s",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "p99 uncorr.",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for (name, m) in &r.metrics {
        let c = &m.corrected;
        let rate = crate::threshold::per_second(c.n + m.n_errors, secs);
        rows.push(vec![
            name.clone(),
            c.n.to_string(),
            m.n_errors.to_string(),
            format!("{rate:.1}"),
            duration(c.p50_us),
            duration(c.p90_us),
            duration(c.p99_us),
            duration(c.p999_us),
            duration(c.max_us),
            duration(m.uncorrected.p99_us),
        ]);
    }
    table(out, &rows, Align::Right);
}

/// The counters, errors by kind and errcode, the first errors, and events missed.
fn counters(out: &mut String, c: &Counters) {
    let _ = writeln!(
        out,
        "iterations {} ({} failed), requests {}, errors {}, token refreshes {}, late starts {}",
        c.n_iterations,
        c.n_failed_iterations,
        c.n_requests,
        c.n_errors,
        c.n_token_refreshes,
        c.n_late_iterations
    );
    if !c.errors_by_kind.is_empty() {
        let kinds: Vec<String> = c
            .errors_by_kind
            .iter()
            // `errcode: 7`: the kind, then how many (`errcode 7` would read as errcode number 7).
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        let _ = writeln!(out, "errors by kind: {}", kinds.join(", "));
    }
    if !c.errors_by_errcode.is_empty() {
        let codes: Vec<String> = c
            .errors_by_errcode
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect();
        let _ = writeln!(out, "errors by errcode: {}", codes.join(", "));
    }
    for (what, msg) in &c.first_errors {
        let _ = writeln!(out, "  first {what}: {msg}");
    }
    if c.n_events_missed > 0 {
        let _ = writeln!(
            out,
            "the event stream dropped {} events (loadgen fell behind)",
            c.n_events_missed
        );
    }
}

/// Each threshold with its mark, then the verdict.
fn thresholds(out: &mut String, r: &Report) {
    for t in &r.thresholds {
        let value = t.value.map_or("no data".to_owned(), |v| value(v, &t.unit));
        let mark = if t.passed { "pass" } else { "FAIL" };
        let _ = writeln!(out, "  {mark}  {}  (measured {value})", shown(t));
    }
    match (&r.stopped, r.incomplete()) {
        // The thresholds above were judged on part of the run: the line says why they decide nothing.
        (Some(why), true) => {
            let _ = writeln!(out, "verdict: {} — {why}", r.verdict);
        }
        _ => {
            let _ = writeln!(out, "verdict: {}", r.verdict);
        }
    }
}

/// A threshold's measured value in its unit.
pub fn value(v: f64, unit: &str) -> String {
    match unit {
        "us" => duration(v.round() as u64),
        "fraction" => format!("{:.3}%", v * 100.0),
        "per_s" => format!("{v:.1}/s"),
        _ => format!("{v}"),
    }
}

/// How a table's columns after the first line up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Numbers: right-aligned.
    Right,
    /// Words: left-aligned.
    Left,
}

/// A plain-text table: the first column left-aligned, the others as `rest` says, two spaces between columns.
pub(crate) fn table(out: &mut String, rows: &[Vec<String>], rest: Align) {
    let n_cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..n_cols)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.chars().count());
            if i > 0 {
                line.push_str("  ");
            }
            if i > 0 && rest == Align::Right {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(412), "412µs");
        assert_eq!(duration(1_234), "1.23ms");
        assert_eq!(duration(2_500_000), "2.50s");
    }

    #[test]
    fn the_table_names_every_metric_and_threshold() {
        let r = crate::tests::sample();
        let text = render(&r);
        assert!(text.contains("roundtrip"), "{text}");
        assert!(text.contains("api.message/send"), "{text}");
        assert!(
            text.contains("FAIL  roundtrip.p99 < 1ms  (measured 40.00ms)"),
            "{text}"
        );
        assert!(text.contains("verdict: failed"), "{text}");
    }

    #[test]
    fn a_run_cut_short_says_so_and_why() {
        let mut r = crate::tests::sample();
        r.partial = true;
        r.stopped = Some("terminated (SIGTERM): the figures cover what ran".into());
        r.verdict = crate::threshold::INCOMPLETE.into();
        let text = render(&r);
        assert!(text.contains("(PARTIAL)"), "{text}");
        assert!(
            text.contains("verdict: incomplete — terminated (SIGTERM)"),
            "{text}"
        );
    }

    #[test]
    fn a_short_run_says_its_length_and_one_rate_everywhere() {
        let mut r = crate::tests::sample();
        r.run.duration_ms = 49;
        r.thresholds = vec![crate::threshold::judge(
            "roundtrip.rate >= 95/s",
            &r.metrics,
            0.049,
        )];
        let text = render(&r);
        assert!(
            text.lines().next().is_some_and(|l| l.ends_with(", 49ms")),
            "{text}"
        );
        let m = &r.metrics["roundtrip"];
        let rate = (m.corrected.n + m.n_errors) as f64 / 0.049;
        let row = text.lines().find(|l| l.starts_with("roundtrip")).unwrap();
        assert!(
            row.contains(&format!("  {rate:.1}  ")),
            "{row} lacks {rate:.1}"
        );
        assert!(text.contains(&format!("(measured {rate:.1}/s)")), "{text}");
        assert_eq!(run_length(30_000), "30.0s");
        assert_eq!(crate::threshold::per_second(10, 0.0), 0.0);
    }

    #[test]
    fn errors_by_kind_read_as_a_kind_and_a_count() {
        let mut r = crate::tests::sample();
        r.counters.errors_by_kind = [("errcode".to_owned(), 7), ("timeout".to_owned(), 3)].into();
        r.counters.errors_by_errcode = [("45009".to_owned(), 7)].into();
        let text = render(&r);
        assert!(
            text.contains("errors by kind: errcode: 7, timeout: 3"),
            "{text}"
        );
        assert!(text.contains("errors by errcode: 45009 ×7"), "{text}");
    }
}
