//! The charts of the HTML report, drawn by plotters into SVG strings: the HdrHistogram percentile spectrum (one
//! curve per histogram, overlaid to compare) and lines over the seconds of a run.
//!
//! Every function returns an `<svg>` even for no data: plotters panics on an empty or zero-width range, so the
//! ranges are widened here and an empty input draws a "no data" panel instead of a chart.

use hdrhistogram::Histogram;
use plotters::prelude::*;

/// The size of a spectrum chart, in SVG units (the page scales it to its column).
pub const SPECTRUM_SIZE: (u32, u32) = (640, 400);
/// The size of a chart over time; wide, since runs have many seconds.
pub const OVER_TIME_SIZE: (u32, u32) = (1200, 320);

/// The font-family of every text on the page and in its charts: fonts that carry Chinese glyphs first (scenario
/// names, descriptions and files are often Chinese, and a Latin-only font would draw them as boxes), in the names
/// Linux (Noto, Source Han, WenQuanYi), macOS (PingFang) and Windows (YaHei) install them under, then the system's.
pub const FONTS: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'WenQuanYi Zen Hei', \
                         'PingFang SC', 'Microsoft YaHei', system-ui, -apple-system, 'Segoe UI', sans-serif";

/// Distinct colours (Tableau 10), in the order curves are given: the first is the reference curve.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Drawing into a String only fails on a plotters bug; the error is kept to draw a message instead of panicking.
type Drawn = Result<(), Box<dyn std::error::Error>>;

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The points of a histogram's percentile spectrum: x = 1/(1-q) (so 90% is 10, 99% is 100…), y = latency in ms.
///
/// The last step (q = 1, the maximum) would sit at infinity; with n samples the maximum is the 1-1/n quantile,
/// so q is capped there, which puts the maximum at x = n.
pub fn spectrum_points(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    if h.is_empty() {
        return Vec::new();
    }
    let q_cap = 1.0 - 1.0 / h.len() as f64;
    h.iter_quantiles(4)
        .map(|v| {
            let q = v.quantile_iterated_to().min(q_cap);
            (1.0 / (1.0 - q), v.value_iterated_to() as f64 / 1e3)
        })
        .collect()
}

/// A tick of the spectrum's x axis as the percentile it stands for: 1 → 0%, 10 → 90%, 1000 → 99.9%.
pub fn percentile_label(x: f64) -> String {
    let k = x.log10().round() as i32;
    if k <= 0 {
        return "0%".to_owned();
    }
    let decimals = (k - 2).max(0) as usize;
    format!("{:.*}%", decimals, 100.0 * (1.0 - 10f64.powi(-k)))
}

/// The percentile spectrum of each histogram, overlaid, each in its own colour with a legend entry.
pub fn spectrum(title: &str, curves: &[(&str, &Histogram<u64>)]) -> String {
    let points: Vec<(&str, Vec<(f64, f64)>)> = curves
        .iter()
        .map(|(name, h)| (*name, spectrum_points(h)))
        .collect();
    if points.iter().all(|(_, p)| p.is_empty()) {
        return no_data(title, SPECTRUM_SIZE);
    }
    let mut svg = String::new();
    let drawn = draw_spectrum(&mut svg, title, &points);
    finish(svg, drawn, title, SPECTRUM_SIZE)
}

fn draw_spectrum(svg: &mut String, title: &str, curves: &[(&str, Vec<(f64, f64)>)]) -> Drawn {
    let all = || curves.iter().flat_map(|(_, p)| p.iter());
    // At least up to 99% so the familiar percentiles show even for a few samples.
    let x_max_seen = all().map(|p| p.0).fold(100.0, f64::max);
    let decades = x_max_seen.log10().ceil() as i32;
    let x_max = 10f64.powi(decades);
    // The curves rise to the right, away from the legend at the upper left: little headroom needed.
    let (y_max, y_labels) = y_axis(all().map(|p| &p.1), 1.08);
    let bold: Vec<f64> = (0..=decades).map(|k| 10f64.powi(k)).collect();
    let light: Vec<f64> = (0..decades)
        .flat_map(|k| (2..10).map(move |m| f64::from(m) * 10f64.powi(k)))
        .collect();

    let root = SVGBackend::with_string(svg, SPECTRUM_SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONTS, 24))
        .margin(12)
        // Room for the last x label, centred on the right edge.
        .margin_right(36)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (1.0..x_max)
                .log_scale()
                .with_key_points(bold)
                .with_light_points(light),
            0.0..y_max,
        )?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency (ms)")
        .x_label_formatter(&|x| percentile_label(*x))
        .y_labels(y_labels)
        .y_max_light_lines(1)
        .y_label_formatter(&|y| tick(*y))
        .label_style((FONTS, 17))
        .axis_desc_style((FONTS, 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (i, (name, points)) in curves.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(3)));
    }
    legend(&mut chart)?;
    root.present()?;
    Ok(())
}

/// Lines over the seconds of a run (x: seconds since the start), each in its own colour with a legend entry.
/// Short series get a dot per point, so a one-second run still shows something. Lines with the same points are
/// drawn once, labelled with every name (see [`coinciding`]).
pub fn over_time(title: &str, y_label: &str, lines: &[(&str, Vec<(f64, f64)>)]) -> String {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let lines: Vec<(&str, Vec<(f64, f64)>)> = lines
        .iter()
        .map(|(name, points)| (*name, points.iter().filter(finite).copied().collect()))
        .collect();
    let lines = coinciding(&lines);
    let lines: Vec<(&str, Vec<(f64, f64)>)> = lines
        .iter()
        .map(|(name, points)| (name.as_str(), points.clone()))
        .collect();
    if lines.iter().all(|(_, p)| p.is_empty()) {
        return no_data(title, OVER_TIME_SIZE);
    }
    let mut svg = String::new();
    let drawn = draw_over_time(&mut svg, title, y_label, &lines);
    finish(svg, drawn, title, OVER_TIME_SIZE)
}

/// The lines with each set of identical ones merged into the first, named `a = b`: a line drawn over another hides
/// it (iterations/s and requests/s coincide when every iteration makes one request), and the reader would see
/// one colour of two and think the other missing.
fn coinciding(lines: &[(&str, Vec<(f64, f64)>)]) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut merged: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (name, points) in lines {
        match merged.iter_mut().find(|(_, p)| p == points) {
            Some((label, _)) => {
                label.push_str(" = ");
                label.push_str(name);
            }
            None => merged.push(((*name).to_owned(), points.clone())),
        }
    }
    merged
}

fn draw_over_time(
    svg: &mut String,
    title: &str,
    y_label: &str,
    lines: &[(&str, Vec<(f64, f64)>)],
) -> Drawn {
    let all = || lines.iter().flat_map(|(_, p)| p.iter());
    let x_min = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = all().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    // A run of one second has a single x: widen it, since plotters cannot map a zero-width range.
    let (x_min, x_max) = if x_max - x_min < 1.0 {
        (x_min - 0.5, x_min + 0.5)
    } else {
        (x_min, x_max)
    };
    // A steady rate is a flat line at the top: headroom keeps it clear of the legend.
    let (y_max, y_labels) = y_axis(all().map(|p| &p.1), 1.35);

    let root = SVGBackend::with_string(svg, OVER_TIME_SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONTS, 24))
        .margin(12)
        // Room for the last x label, centred on the right edge.
        .margin_right(36)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x_min..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("seconds since the start")
        .y_desc(y_label)
        // Whole seconds when the run is long enough for ticks to fall on them; tenths otherwise, so short
        // runs do not repeat a label.
        .x_labels(((x_max - x_min).ceil().clamp(1.0, 10.0) as usize) + 1)
        .x_label_formatter(&|x| {
            if x_max - x_min >= 10.0 {
                format!("{x:.0}s")
            } else {
                format!("{x:.1}s")
            }
        })
        .y_labels(y_labels)
        .y_max_light_lines(1)
        .y_label_formatter(&|y| tick(*y))
        .label_style((FONTS, 17))
        .axis_desc_style((FONTS, 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (i, (name, points)) in lines.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(3)));
        if points.len() <= 60 {
            chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, c.filled())))?;
        }
    }
    legend(&mut chart)?;
    root.present()?;
    Ok(())
}

fn legend<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
) -> Result<(), Box<dyn std::error::Error>>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONTS, 17))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()?;
    Ok(())
}

/// A y axis from 0: its top (`headroom` times the highest value, 1 when all are 0) and how many labels it takes.
/// Counts (all values whole) get at most one label per unit, so an axis of errors never reads "0.5".
fn y_axis<'a>(values: impl Iterator<Item = &'a f64>, headroom: f64) -> (f64, usize) {
    let (max, whole) = values.fold((0.0f64, true), |(max, whole), v| {
        (max.max(*v), whole && v.fract() == 0.0)
    });
    let top = if max > 0.0 { max * headroom } else { 1.0 };
    let n_labels = if whole {
        (top.floor() as usize + 1).clamp(2, 10)
    } else {
        10
    };
    (top, n_labels)
}

/// An axis label without trailing zeros: `0.5`, `4`, `0.025`.
fn tick(v: f64) -> String {
    let text = format!("{v:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The drawn chart, or a panel saying why there is none.
fn finish(svg: String, drawn: Drawn, title: &str, size: (u32, u32)) -> String {
    match drawn {
        Ok(()) => svg,
        Err(e) => message(title, &format!("chart not drawn: {e}"), size),
    }
}

/// A panel with the title and "no data", in place of a chart.
fn no_data(title: &str, size: (u32, u32)) -> String {
    message(title, "no data", size)
}

fn message(title: &str, text: &str, size: (u32, u32)) -> String {
    let mut svg = String::new();
    let drawn: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let (w, h) = (size.0 as i32, size.1 as i32);
        let centred = |size: u32| {
            (FONTS, size).into_font().color(&RGBColor(90, 90, 90)).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ),
            )
        };
        root.draw(&Text::new(title, (w / 2, 24), centred(20)))?;
        root.draw(&Text::new(text, (w / 2, h / 2), centred(18)))?;
        root.present()?;
        Ok(())
    })();
    // Only a plotters bug fails here; an empty string then shows as a missing chart, not a crash.
    match drawn {
        Ok(()) => svg,
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests;
