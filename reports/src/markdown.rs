//! Markdown fit for a pull-request comment: a run's verdict, thresholds and metrics, or a comparison of two.

use std::fmt::Write;

use crate::compare::{Comparison, Verdict};
use crate::summary::{duration, value};
use crate::threshold::shown;
use crate::Report;

pub fn report(r: &Report) -> String {
    let mut out = String::new();
    let mark = if r.passed() {
        "✅ passed"
    } else if r.incomplete() {
        "⚠️ incomplete"
    } else {
        "❌ failed"
    };
    let _ = writeln!(
        out,
        "### {} — {mark}{}\n",
        cell(&r.scenario.name),
        if r.partial { " (partial run)" } else { "" }
    );
    if !r.scenario.description.is_empty() {
        let _ = writeln!(out, "{}\n", cell(&r.scenario.description));
    }
    let _ = writeln!(
        out,
        "{} on {} ({} × {}), target {}, seed {}\n",
        crate::summary::run_length(r.run.duration_ms),
        code(&r.run.host.hostname),
        r.run.host.n_cpus,
        cell(&r.run.host.cpu_model),
        cell(&r.run.target),
        r.scenario.seed
    );
    if !r.thresholds.is_empty() {
        let _ = writeln!(out, "| threshold | measured | |\n|---|---|---|");
        for t in &r.thresholds {
            let v = t.value.map_or("no data".to_owned(), |v| value(v, &t.unit));
            let _ = writeln!(
                out,
                "| {} | {v} | {} |",
                code(&shown(t)),
                if t.passed { "✅" } else { "❌" }
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "| metric | n | errors | p50 | p90 | p99 | p99.9 | max |\n|---|--:|--:|--:|--:|--:|--:|--:|");
    for (name, m) in &r.metrics {
        let c = &m.corrected;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            code(name),
            c.n,
            m.n_errors,
            duration(c.p50_us),
            duration(c.p90_us),
            duration(c.p99_us),
            duration(c.p999_us),
            duration(c.max_us)
        );
    }
    let c = &r.counters;
    let _ = writeln!(
        out,
        "\n{} iterations ({} failed), {} requests, {} errors.",
        c.n_iterations, c.n_failed_iterations, c.n_requests, c.n_errors
    );
    for (what, msg) in &c.first_errors {
        let _ = writeln!(out, "* first {}: {}", code(what), cell(msg));
    }
    out
}

pub fn comparison(c: &Comparison) -> String {
    let mut out = String::new();
    let n_reg = c.regressions().count();
    let head = match (c.failed(), n_reg) {
        (true, n) => format!("❌ {n} regression{}", if n == 1 { "" } else { "s" }),
        (false, 0) => "✅ no regression".to_owned(),
        (false, n) => format!("⚠️ {n} change{} not counted", if n == 1 { "" } else { "s" }),
    };
    let _ = writeln!(out, "### {} vs {} — {head}\n", cell(&c.base), cell(&c.new));
    for w in &c.warnings {
        let _ = writeln!(out, "> ⚠️ {}", cell(w));
    }
    if !c.warnings.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "| metric | stat | base | new | change | verdict | evidence |\n|---|---|--:|--:|--:|---|---|");
    for r in &c.rows {
        let verdict = match r.verdict {
            Verdict::Regression => "🔴 **regression**".to_owned(),
            Verdict::Improvement => "🟢 improvement".to_owned(),
            v => v.label().to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {verdict} | {} |",
            code(&r.metric),
            r.stat,
            value(r.base, r.unit),
            value(r.new, r.unit),
            change(r),
            cell(&r.evidence)
        );
    }
    out
}

/// `+12.3%`, or the absolute change where relative makes no sense.
pub fn change(r: &crate::compare::Row) -> String {
    match (r.unit, r.relative()) {
        ("fraction", _) => format!("{:+.2} pp", r.change() * 100.0),
        (_, Some(rel)) => format!("{:+.1}%", rel * 100.0),
        (_, None) => format!("{:+}", r.change()),
    }
}

/// A code span safe in a table cell: its text shows as written (GitHub does not read HTML inside code).
fn code(s: &str) -> String {
    let inner = s
        .replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ");
    format!("`{inner}`")
}

/// Text safe in a table cell of a pull-request comment: no pipe, no line break, no HTML, no image, no mention.
fn cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("![", "!\\[")
        // A zero-width joiner after @ keeps `@team` from notifying anyone.
        .replace('@', "@\u{2060}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_in_markdown() {
        let md = report(&crate::tests::sample());
        assert!(md.starts_with("### sample — ❌ failed"), "{md}");
        assert!(
            md.contains("| `roundtrip.p99 < 1ms` | 40.00ms | ❌ |"),
            "{md}"
        );
        assert!(md.contains("| `api.message/send` | 5 | 1 |"), "{md}");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\n<script>"), "a\\|b &lt;script&gt;");
        assert_eq!(
            cell("@team ![x](http://e)"),
            "@\u{2060}team !\\[x](http://e)"
        );
    }
}
