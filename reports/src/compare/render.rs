//! A comparison as a person reads it in a terminal, and as an HTML table for the comparison page.

use std::fmt::Write;

use super::{Comparison, Verdict};
use crate::markdown::change;
use crate::summary::value;

pub fn text(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} → {}", c.base, c.new);
    for w in &c.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let header = [
        "metric", "stat", "base", "new", "change", "verdict", "evidence",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.map(String::from).to_vec()];
    rows.extend(
        c.rows
            .iter()
            // The terminal keeps to what decides: rows not judged are in --md and --html.
            .filter(|r| {
                !matches!(r.verdict, Verdict::Same | Verdict::NotJudged)
                    || r.stat == "p50"
                    || r.stat == "p99"
            })
            .map(|r| {
                vec![
                    r.metric.clone(),
                    r.stat.to_owned(),
                    value(r.base, r.unit),
                    value(r.new, r.unit),
                    change(r),
                    r.verdict.label().to_owned(),
                    r.evidence.clone(),
                ]
            }),
    );
    crate::summary::table(&mut out, &rows, crate::summary::Align::Left);
    let n = c.regressions().count();
    let _ = writeln!(
        out,
        "{}",
        match (c.failed(), n) {
            (true, n) => format!("{n} regression(s) beyond tolerance"),
            (false, 0) => "no regression".to_owned(),
            (false, n) =>
                format!("{n} change(s) that would be regressions, not counted (see the warnings)"),
        }
    );
    out
}

pub fn html_table(c: &Comparison) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut out = String::new();
    for w in &c.warnings {
        let _ = writeln!(out, "<p class=\"warning\">⚠ {}</p>", esc(w));
    }
    out.push_str("<table class=\"compare\"><thead><tr><th>metric</th><th>stat</th><th>base</th><th>new</th><th>change</th><th>verdict</th><th>evidence</th></tr></thead><tbody>\n");
    for r in &c.rows {
        let class = match r.verdict {
            Verdict::Regression => "regression",
            Verdict::Improvement => "improvement",
            Verdict::Noise | Verdict::TooFew | Verdict::Differs | Verdict::NotJudged => "muted",
            _ => "",
        };
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.metric),
            r.stat,
            esc(&value(r.base, r.unit)),
            esc(&value(r.new, r.unit)),
            esc(&change(r)),
            r.verdict.label(),
            esc(&r.evidence)
        );
    }
    out.push_str("</tbody></table>\n");
    out
}
