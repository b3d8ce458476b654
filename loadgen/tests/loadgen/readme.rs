//! The README's sample summary (the block after `<!-- sample: loadgen run … -->`) is what loadgen prints for
//! that scenario: the same header, the same metric rows (`step.*` included) and the same thresholds. The
//! figures are a sample's and not compared.

use std::path::Path;
use std::process::Command;

const MARKER: &str = "<!-- sample: loadgen run scenarios/kf-customer-service.yaml -->\n```\n";

fn readme_sample() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme
        .find(MARKER)
        .expect("README.md has the sample summary")
        + MARKER.len();
    let len = readme[start..].find("```\n").expect("the block ends");
    readme[start..start + len].to_owned()
}

/// The header line, the metric rows' names and the thresholds' expressions of a summary.
fn shape(summary: &str) -> (String, Vec<String>, Vec<String>) {
    let lines: Vec<&str> = summary.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("metric "))
        .unwrap_or_else(|| panic!("no header in {summary}"));
    let header = lines[at].split_whitespace().collect::<Vec<_>>().join(" ");
    // The rows end at the counters' line (`iterations 300 (0 failed), …`); a name may hold single spaces
    // (`step.bot answers`) and ends at the columns' two.
    let rows = lines[at + 1..]
        .iter()
        .take_while(|l| !(l.starts_with("iterations ") && l.contains('(')))
        .map(|l| l.split("  ").next().unwrap_or(l).to_owned())
        .collect();
    let thresholds = lines
        .iter()
        .filter_map(|l| {
            let l = l.trim_start();
            l.strip_prefix("pass  ")
                .or_else(|| l.strip_prefix("FAIL  "))
                .or_else(|| l.strip_prefix("fail  "))
        })
        .map(|l| l.split("  (").next().unwrap_or(l).to_owned())
        .collect();
    (header, rows, thresholds)
}

#[test]
fn the_readmes_sample_summary_has_the_rows_loadgen_prints() {
    let scenario = crate::scenarios_dir().join("kf-customer-service.yaml");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-sample");
    let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .arg("run")
        .arg(&scenario)
        .args(["--duration", "1s", "--quiet", "--out"])
        .arg(&out_dir)
        .output()
        .expect("loadgen runs");
    let printed = String::from_utf8(out.stdout).expect("UTF-8");
    let (header, rows, thresholds) = shape(&printed);
    assert!(
        rows.iter().any(|r| r.starts_with("step.")),
        "loadgen prints step rows: {printed}"
    );
    let (sample_header, sample_rows, sample_thresholds) = shape(&readme_sample());
    assert_eq!(sample_header, header, "README.md's sample header");
    assert_eq!(sample_rows, rows, "README.md's sample rows");
    assert_eq!(
        sample_thresholds, thresholds,
        "README.md's sample thresholds"
    );
}
