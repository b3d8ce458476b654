//! The HTML pages' unit tests: charts present, text escaped, empty and broken reports rendered.

use super::*;

/// The `<figure>` of a chart, from its opening tag to its closing one.
fn figure_of<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let start = html.find(&format!("data-chart=\"{id}\""))?;
    let len = html[start..].find("</figure>")?;
    Some(&html[start..start + len])
}

#[test]
fn every_metric_has_a_spectrum_and_a_latency_chart() {
    let r = crate::tests::sample();
    let html = render(&r);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for name in r.metrics.keys() {
        let spectrum = figure_of(&html, &format!("spectrum:{name}"));
        let spectrum = spectrum.unwrap_or_else(|| panic!("no spectrum for {name}"));
        assert!(
            spectrum.contains("<svg") && spectrum.contains("<polyline"),
            "{spectrum}"
        );
        assert!(spectrum.contains("uncorrected"), "{spectrum}");
        assert!(
            figure_of(&html, &format!("latency:{name}")).is_some(),
            "{name}"
        );
    }
    for id in ["rate", "errors"] {
        assert!(
            figure_of(&html, id).is_some_and(|f| f.contains("<svg")),
            "{id}"
        );
    }
}

#[test]
fn the_page_carries_the_verdict_thresholds_and_table() {
    let html = render(&crate::tests::sample());
    assert!(html.contains("<span class=\"verdict failed\">failed</span>"));
    assert!(html.contains("<td class=\"fail\">FAIL</td><td><code>roundtrip.p99 &lt; 1ms</code>"));
    assert!(html.contains("40.00ms"), "the measured value and the max");
    assert!(!html.contains("PARTIAL"));
    // Self-contained: nothing is fetched.
    for external in ["<script", "<link", "src=\"http", "href=\"http", "@import"] {
        assert!(!html.contains(external), "{external}");
    }
}

#[test]
fn text_from_the_report_is_escaped() {
    let mut r = crate::tests::sample();
    r.scenario.name = "<script>alert('x')</script>".into();
    r.scenario.text = "body: \"<b>&amp;</b>\"".into();
    r.partial = true;
    r.stopped = Some("Ctrl-C <now>".into());
    r.counters
        .first_errors
        .insert("roundtrip <timeout>".into(), "a & b".into());
    let m = r.metrics["roundtrip"].clone();
    r.metrics.insert("api.\"odd\"<path>".into(), m);
    let html = render(&r);
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("body: &quot;&lt;b&gt;&amp;amp;&lt;/b&gt;&quot;"));
    assert!(html.contains("PARTIAL: Ctrl-C &lt;now&gt;"));
    assert!(html.contains("roundtrip &lt;timeout&gt;</td><td>a &amp; b"));
    assert!(html.contains("data-chart=\"spectrum:api.&quot;odd&quot;&lt;path&gt;\""));
    assert!(!html.contains("<path>"));
}

#[test]
fn an_empty_report_renders() {
    let mut r = crate::tests::sample();
    let empty = Encoded::from_histogram(&crate::histogram::new());
    for m in r.metrics.values_mut() {
        m.corrected = empty.clone();
        m.uncorrected = empty.clone();
    }
    r.series.clear();
    r.thresholds.clear();
    let html = render(&r);
    let spectrum = figure_of(&html, "spectrum:roundtrip").unwrap_or_default();
    assert!(spectrum.contains("no data"), "{spectrum}");
    assert!(figure_of(&html, "rate").is_some_and(|f| f.contains("no data")));
    r.metrics.clear();
    let html = render(&r);
    assert!(!html.contains("data-chart=\"spectrum:"));
}

#[test]
fn a_broken_histogram_is_noted_not_a_panic() {
    let mut r = crate::tests::sample();
    if let Some(m) = r.metrics.get_mut("roundtrip") {
        m.uncorrected.hdr = "***".into();
    }
    let html = render(&r);
    assert!(html.contains("<p class=\"warn\">roundtrip (uncorrected): not base64"));
    assert!(figure_of(&html, "spectrum:roundtrip").is_some_and(|f| f.contains("<polyline")));
}

#[test]
fn the_comparison_embeds_the_table_and_overlays_both_runs() {
    let base = crate::tests::sample();
    let mut new = crate::tests::sample();
    new.metrics.remove("api.message/send");
    let html = compare_page(&base, &new, "<table id=\"cmp\"><tr><td>x</td></tr></table>");
    assert!(html.contains("<table id=\"cmp\"><tr><td>x</td></tr></table>"));
    let spectrum = figure_of(&html, "spectrum:roundtrip").unwrap_or_default();
    assert!(
        spectrum.contains("\nbase\n") && spectrum.contains("\nnew\n"),
        "{spectrum}"
    );
    assert!(spectrum.matches("<polyline").count() >= 2, "{spectrum}");
    assert!(figure_of(&html, "spectrum:api.message/send").is_none());
    assert!(html.contains("Only in base: api.message/send"));
}

#[test]
fn page_and_charts_name_cjk_fonts_before_the_generic_one() {
    let html = render(&crate::tests::sample());
    let body = html
        .find("body { font-family: ")
        .map(|at| &html[at..at + html[at..].find('}').unwrap_or(0)])
        .expect("a font-family for the body");
    let cjk = body.find("Noto Sans CJK SC").expect("Noto Sans CJK named");
    assert!(
        body.contains("WenQuanYi Zen Hei") && body.contains("Microsoft YaHei"),
        "{body}"
    );
    assert!(
        cjk < body.find("sans-serif;").expect("the generic last"),
        "{body}"
    );
    // The Chinese of a scenario file, shown in <pre>, falls back to the same fonts after the monospace ones.
    assert!(html.contains("monospace, 'Noto Sans CJK SC'"), "{html}");
    // The charts' text too: plotters writes the family into every <text>, its quotes escaped.
    let rate = figure_of(&html, "rate").expect("the rate chart");
    assert!(
        rate.contains("font-family=\"&apos;Noto Sans CJK SC&apos;"),
        "{rate}"
    );
    assert!(!html.contains("font-family=\"sans-serif\""));
}
