//! The HTML report opened in a real browser: Debian's chromium, headless, renders the page of a sample report
//! without a console error, takes a screenshot of it, and its DOM holds every chart as an `<svg>`; its Chinese text
//! is drawn in glyphs, not as boxes (the page's fonts name CJK ones, and scripts/test-all.sh installs one).
//!
//! Without chromium on PATH the test says so and passes, for developer machines; `REQUIRE_BROWSER=1` (set by
//! scripts/test-all.sh, which installs chromium) makes that a failure, so CI cannot skip it silently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test may panic on what it does not expect"
)]
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use reports::{histogram, testing, Counters, Encoded, Metric, Phase, Report, Second, Threshold};

/// Long enough for a cold chromium start on a loaded CI machine; a hung browser fails the test instead of
/// hanging it.
const TIMEOUT: Duration = Duration::from_secs(90);

/// A deterministic pseudo-random stream (xorshift), so the sample is the same on every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A report shaped like a real one: three metrics over 30 seconds, a latency spike, errors of two kinds.
fn sample() -> Report {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let names = ["api.message/send", "roundtrip", "step.send"];
    let mut whole: BTreeMap<&str, (hdrhistogram::Histogram<u64>, hdrhistogram::Histogram<u64>)> =
        names
            .iter()
            .map(|n| (*n, (histogram::new(), histogram::new())))
            .collect();
    let mut series = Vec::new();
    for t in 0..30u64 {
        let mut metrics = BTreeMap::new();
        // Seconds 12 to 15 are slow: the corrected histogram shows the queueing the uncorrected one hides.
        let spike = if (12..16).contains(&t) { 20 } else { 1 };
        for (i, name) in names.iter().enumerate() {
            let mut second = histogram::new();
            for _ in 0..200 {
                let base = 800 + 400 * i as u64 + noise.next() % 1_500;
                let tail = if noise.next() % 100 == 0 {
                    noise.next() % 30_000
                } else {
                    0
                };
                let us = base + tail;
                let (corrected, uncorrected) = whole.get_mut(name).expect("a known name");
                histogram::record(corrected, us * spike);
                histogram::record(uncorrected, us);
                histogram::record(&mut second, us * spike);
            }
            metrics.insert(name.to_string(), Encoded::from_histogram(&second));
        }
        let errors_by_kind = match t {
            12..16 => BTreeMap::from([("timeout".to_owned(), 3), ("errcode".to_owned(), 1)]),
            20 => BTreeMap::from([("connection".to_owned(), 2)]),
            _ => BTreeMap::new(),
        };
        series.push(Second {
            t_s: t,
            n_iterations: 200,
            n_requests: 400,
            n_errors: errors_by_kind.values().sum(),
            errors_by_kind,
            metrics,
        });
    }
    let metrics = whole
        .iter()
        .map(|(name, (c, u))| {
            let metric = Metric {
                corrected: Encoded::from_histogram(c),
                uncorrected: Encoded::from_histogram(u),
                n_errors: 4,
            };
            (name.to_string(), metric)
        })
        .collect();
    let mut r = testing::report("kf-customer-service");
    r.scenario.description =
        "微信客服: Customers write to the <kf> account & the bot answers \"quickly\"".into();
    r.scenario.file = "scenarios/kf-customer-service.yaml".into();
    r.scenario.hash = "sha256:0123456789abcdef".into();
    r.scenario.text =
        "# 客户写信给客服账号\nname: kf-customer-service\nworkload:\n  - rate: 200/s\n    duration: 30s\n".into();
    r.scenario.overrides = BTreeMap::from([("rate".to_owned(), "200/s".to_owned())]);
    r.run.ended_at = "2026-11-28T00:00:30Z".into();
    r.run.duration_ms = 30_000;
    r.run.git_revision = Some("5a5cd75".into());
    r.run.host.n_cpus = 4;
    r.run.phases = vec![Phase {
        name: "steady".into(),
        kind: "open".into(),
        shape: "200/s for 30s".into(),
        started_ms: 0,
        duration_ms: 30_000,
        n_iterations: 6_000,
    }];
    r.metrics = metrics;
    r.counters = Counters {
        n_iterations: 6_000,
        n_requests: 12_000,
        n_errors: 18,
        errors_by_kind: BTreeMap::from([
            ("timeout".to_owned(), 12),
            ("errcode".to_owned(), 4),
            ("connection".to_owned(), 2),
        ]),
        first_errors: BTreeMap::from([(
            "roundtrip timeout".to_owned(),
            "no answer within 5s <after send>".to_owned(),
        )]),
        ..Counters::default()
    };
    r.series = series;
    r.thresholds = vec![
        Threshold {
            expr: "roundtrip.p99 < 50ms".into(),
            value: Some(41_000.0),
            unit: "us".into(),
            passed: true,
            share: None,
        },
        Threshold {
            expr: "errors < 0.1%".into(),
            value: Some(0.003),
            unit: "fraction".into(),
            passed: false,
            share: None,
        },
    ];
    r.verdict = "failed".into();
    r
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs chromium headless on `page` with `args`, in its own profile directory, killed after [`TIMEOUT`].
fn run_chromium(bin: &Path, dir: &Path, page: &Path, args: &[&str]) -> Output {
    use std::os::unix::process::CommandExt;
    // A fresh profile per run: no state from a developer's browser, no lock held by the previous run.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let profile = dir.join(format!("profile-{}", RUNS.fetch_add(1, Ordering::Relaxed)));
    let child = Command::new(bin)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        // Console messages (a script error among them) go to stderr, where the test reads them.
        .arg("--enable-logging=stderr")
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills chromium's helper processes too.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => panic!("waiting for chromium: {e}"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
            panic!("chromium {args:?} did not finish within {TIMEOUT:?}");
        }
    }
}

/// Console messages and uncaught errors in chromium's log; the page has no script, so any is a fault.
fn console_errors(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains("Uncaught") || l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect()
}

/// A directory of the test's own: the tests run in parallel, each removing its directory when it starts.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("reports-browser-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Chromium, or None (said on stderr) when it is missing and not required.
fn browser() -> Option<PathBuf> {
    let bin = chromium();
    if bin.is_none() {
        if std::env::var("REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("REQUIRE_BROWSER=1 but neither chromium nor chromium-browser is on PATH");
        }
        eprintln!("note: chromium not found on PATH; the browser test is skipped (REQUIRE_BROWSER=1 to require it)");
    }
    bin
}

#[test]
fn chromium_renders_the_report_with_every_chart() {
    let Some(bin) = browser() else { return };
    let dir = temp_dir("charts");
    let report = sample();
    let page = dir.join("report.html");
    std::fs::write(&page, reports::html::render(&report)).expect("writing the page");

    // The detector must see a broken page, or its silence below would prove nothing.
    let broken = dir.join("broken.html");
    std::fs::write(
        &broken,
        "<!DOCTYPE html><p>x</p><script>throw new Error('on purpose')</script>",
    )
    .expect("writing the control page");
    let control = run_chromium(&bin, &dir, &broken, &["--dump-dom"]);
    let caught = console_errors(&control.stderr);
    assert!(
        caught.iter().any(|l| l.contains("on purpose")),
        "a script error went unseen: {caught:?}"
    );

    let shot = dir.join("shot.png");
    let out = run_chromium(
        &bin,
        &dir,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,4000",
            "--hide-scrollbars",
        ],
    );
    assert!(
        out.status.success(),
        "chromium --screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(console_errors(&out.stderr), Vec::<String>::new());
    let png =
        std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", shot.display()));
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        png.len() > 10_000,
        "a blank page? the screenshot is {} bytes",
        png.len()
    );
    // Kept for a person to look at (REPORT_SHOT=/path/shot.png).
    if let Some(keep) = std::env::var_os("REPORT_SHOT") {
        std::fs::copy(&shot, keep).expect("copying the screenshot");
    }

    let out = run_chromium(&bin, &dir, &page, &["--dump-dom"]);
    assert!(
        out.status.success(),
        "chromium --dump-dom: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(console_errors(&out.stderr), Vec::<String>::new());
    let dom = String::from_utf8_lossy(&out.stdout);
    let charts: Vec<String> = report
        .metrics
        .keys()
        .flat_map(|name| [format!("spectrum:{name}"), format!("latency:{name}")])
        .chain(["rate".to_owned(), "errors".to_owned()])
        .collect();
    for chart in &charts {
        let at = dom
            .find(&format!("data-chart=\"{chart}\""))
            .unwrap_or_else(|| panic!("no {chart} figure in the DOM"));
        let figure = &dom[at..at + dom[at..].find("</figure>").unwrap_or(0)];
        assert!(
            figure.contains("<svg") && figure.contains("</svg>"),
            "{chart}: no svg in {figure}"
        );
        assert!(figure.contains("<polyline"), "{chart}: no curve drawn");
    }
    // The browser parsed the escaped text back into text, not into elements.
    assert!(
        dom.contains("the &lt;kf&gt; account &amp; the bot"),
        "the description as the DOM holds it"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Appended to the report's page: draws two distinct characters of an element's text on a canvas in that
/// element's font and tells whether their pixels differ. Without a font for them both come out as the same box
/// (the .notdef glyph), so "same" is the tofu a reader would see. Two unassigned code points are the control: they
/// are boxes in every font, so the probe must say "same" for them, or its "differ" would prove nothing.
const GLYPH_PROBE: &str = r#"<script>
function draws(el, a, b) {
  const style = getComputedStyle(el);
  const ink = ch => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 64;
    const g = c.getContext('2d');
    g.font = style.fontSize + ' ' + style.fontFamily;
    g.fillText(ch, 8, 40);
    return Array.from(g.getImageData(0, 0, 64, 64).data).join();
  };
  return ink(a) === ink(b) ? 'same' : 'differ';
}
function han(el) {
  const chars = Array.from(el.textContent).filter(c => /\p{Script=Han}/u.test(c));
  return draws(el, chars[0], chars.find(c => c !== chars[0]));
}
const sub = document.querySelector('p.sub'), pre = document.querySelector('pre');
document.documentElement.setAttribute('data-glyphs',
  'control:' + draws(sub, '\u0378', '\u0379') + ' description:' + han(sub) + ' scenario:' + han(pre));
</script>"#;

#[test]
fn chromium_draws_the_reports_chinese_text_in_glyphs_not_boxes() {
    let Some(bin) = browser() else { return };
    let dir = temp_dir("glyphs");
    let html = reports::html::render(&sample());
    assert!(html.contains("微信客服") && html.contains("客户写信给客服账号"));
    let page = dir.join("probe.html");
    std::fs::write(
        &page,
        html.replace("</body>", &format!("{GLYPH_PROBE}</body>")),
    )
    .expect("writing the probe page");
    let out = run_chromium(&bin, &dir, &page, &["--dump-dom"]);
    assert!(
        out.status.success(),
        "chromium --dump-dom: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(console_errors(&out.stderr), Vec::<String>::new());
    let dom = String::from_utf8_lossy(&out.stdout);
    let at = dom.find("data-glyphs=\"").expect("the probe ran") + "data-glyphs=\"".len();
    let glyphs = &dom[at..at + dom[at..].find('"').unwrap_or(0)];
    assert_eq!(
        glyphs, "control:same description:differ scenario:differ",
        "\"same\" for Chinese is boxes: no CJK font among the page's font-family or the system's \
         (scripts/test-all.sh installs fonts-wqy-zenhei)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
