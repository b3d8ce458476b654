//! The charts' unit tests: axes, labels, the spectrum's shape, empty inputs, escaping, coinciding lines.

use super::*;
use crate::histogram;

fn hist(samples: &[u64]) -> Histogram<u64> {
    let mut h = histogram::new();
    for s in samples {
        histogram::record(&mut h, *s);
    }
    h
}

#[test]
fn percentiles_are_labelled_as_people_read_them() {
    assert_eq!(percentile_label(1.0), "0%");
    assert_eq!(percentile_label(10.0), "90%");
    assert_eq!(percentile_label(100.0), "99%");
    assert_eq!(percentile_label(1000.0), "99.9%");
    assert_eq!(percentile_label(10_000.0), "99.99%");
}

#[test]
fn axes_read_as_numbers_and_counts_as_whole_numbers() {
    assert_eq!(tick(0.5), "0.5");
    assert_eq!(tick(4.0), "4");
    assert_eq!(tick(0.025), "0.025");
    assert_eq!(tick(250.0), "250");
    assert_eq!(y_axis([0.0, 4.0].iter(), 1.25), (5.0, 6));
    assert_eq!(y_axis([0.0, 0.0].iter(), 1.25), (1.0, 2));
    assert_eq!(y_axis([0.5, 2.0].iter(), 1.25).1, 10);
    assert_eq!(y_axis([400.0].iter(), 1.25).1, 10);
}

#[test]
fn the_spectrum_rises_to_the_maximum_at_one_over_n() {
    let samples: Vec<u64> = (1..=1000).map(|i| i * 10).collect();
    let p = spectrum_points(&hist(&samples));
    assert!(p.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
    let last = p.last().copied().unwrap_or_default();
    assert!((last.0 - 1000.0).abs() < 1e-6, "{last:?}");
    // 10 ms, within the histogram's 3 significant digits.
    assert!((last.1 - 10.0).abs() < 0.01, "{last:?}");
    assert!(p.iter().all(|(x, _)| x.is_finite()));
}

#[test]
fn a_spectrum_is_an_svg_with_the_percentile_axis_and_a_legend() {
    let a = hist(&[900, 1_100, 1_500, 2_000, 40_000]);
    let b = hist(&[450, 550, 750, 1_000, 20_000]);
    let svg = spectrum("roundtrip", &[("corrected", &a), ("uncorrected", &b)]);
    assert!(svg.starts_with("<svg"), "{svg}");
    for text in [
        "0%",
        "90%",
        "99%",
        "corrected",
        "uncorrected",
        "latency (ms)",
    ] {
        assert!(svg.contains(text), "{text} missing");
    }
    // One polyline per curve (legend marks are short paths of two points).
    assert!(svg.matches("<polyline").count() >= 2, "{svg}");
}

#[test]
fn empty_and_single_sample_inputs_do_not_panic() {
    let empty = histogram::new();
    let svg = spectrum("nothing", &[("corrected", &empty)]);
    assert!(svg.contains("no data"), "{svg}");
    assert!(spectrum("none at all", &[]).contains("no data"));
    let one = hist(&[5]);
    assert!(spectrum("one", &[("corrected", &one)]).contains("<polyline"));
    assert!(over_time("t", "ms", &[]).contains("no data"));
    assert!(over_time("t", "ms", &[("p50", vec![])]).contains("no data"));
    let single = over_time("t", "ms", &[("p50", vec![(0.0, 0.0)])]);
    assert!(single.contains("<circle"), "{single}");
    let nan = over_time("t", "ms", &[("p50", vec![(f64::NAN, 1.0)])]);
    assert!(nan.contains("no data"), "{nan}");
}

#[test]
fn titles_are_escaped_by_the_svg_backend() {
    let svg = over_time(
        "a<b & \"c\"",
        "ms",
        &[("x<y", vec![(0.0, 1.0), (1.0, 2.0)])],
    );
    assert!(!svg.contains("a<b"), "{svg}");
    assert!(svg.contains("a&lt;b &amp;"), "{svg}");
}

#[test]
fn coinciding_lines_are_drawn_once_and_labelled_for_each() {
    let same = vec![(0.0, 200.0), (1.0, 200.0)];
    let other = vec![(0.0, 400.0), (1.0, 400.0)];
    let lines = [
        ("iterations/s", same.clone()),
        ("requests/s", same.clone()),
        ("bytes/s", other.clone()),
    ];
    assert_eq!(
        coinciding(&lines),
        vec![
            ("iterations/s = requests/s".to_owned(), same.clone()),
            ("bytes/s".to_owned(), other)
        ]
    );
    let svg = over_time("Rate", "per second", &lines);
    assert!(svg.contains("iterations/s = requests/s"), "{svg}");
    // Two lines, so two colours (each a line and its legend mark); a third would mean one hidden under another.
    let stroke = |c: RGBColor| format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
    assert_eq!(svg.matches(&stroke(PALETTE[0])).count(), 2, "{svg}");
    assert_eq!(svg.matches(&stroke(PALETTE[1])).count(), 2, "{svg}");
    assert!(!svg.contains(&stroke(PALETTE[2])), "{svg}");
    // Lines that differ anywhere keep a line and a label each.
    let apart = [("a", same.clone()), ("b", vec![(0.0, 200.0), (1.0, 201.0)])];
    let svg = over_time("Rate", "per second", &apart);
    assert_eq!(svg.matches(&stroke(PALETTE[1])).count(), 2, "{svg}");
    assert!(!svg.contains("a = b"), "{svg}");
}
