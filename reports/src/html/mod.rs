//! The HTML report (`report html`) and the comparison page: one self-contained file each, inline CSS and inline
//! SVG charts from [`crate::charts`], nothing fetched and no script, so it opens anywhere (a CI artifact, offline).
//!
//! Every chart sits in `<figure class="chart" data-chart="KIND:METRIC">` so tests and people can find it. All text
//! from a report is escaped: scenario files, metric names and error messages are free text.

use std::fmt::Write;

use hdrhistogram::Histogram;

use crate::Encoded;

mod comparison;
mod run;

pub use comparison::compare_page;
pub use run::render;

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
body { font-size: 15px; line-height: 1.45; color: #222; margin: 0 auto;
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
         <title>{}</title>\n<style>\nbody {{ font-family: {fonts}; }}\n\
         pre {{ font-family: ui-monospace, 'DejaVu Sans Mono', monospace, {fonts}; }}{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title),
        fonts = crate::charts::FONTS,
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
pub(crate) use row;

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
/// [`crate::Report::read`], which checks them): an empty histogram then charts as "no data".
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

#[cfg(test)]
mod tests;
