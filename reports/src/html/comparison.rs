//! The comparison page: both runs named, the comparison table, the two runs' spectra overlaid.

use std::fmt::Write;

use super::{decoded, escape, figure, or, page, row, table};
use crate::charts;
use crate::summary::duration;
use crate::Report;

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
