//! The binary's contract: exit codes 0 passed, 1 a threshold failed, 2 invalid scenario or arguments, 3 the run
//! could not be carried out; a located message for a bad scenario; a report another tool reads; a stopped run's
//! report is marked partial.

use std::path::{Path, PathBuf};
use std::process::Command;

fn loadgen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_loadgen"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("loadgen-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write scenario");
    p
}

const QUICK: &str = "name: quick\nworkload:\n  - closed: { vus: 1, iterations: 3 }\nsteps:\n  - call: GET /cgi-bin/user/get\n    query: { userid: zhangsan }\nthresholds:\n  - THRESHOLD\n";

/// Runs QUICK with `threshold` (and `args`), its report into `<dir>/out`.
fn run_quick(name: &str, threshold: &str, args: &[&str]) -> (std::process::Output, PathBuf) {
    let dir = temp_dir(name);
    let s = write(&dir, "s.yaml", &QUICK.replace("THRESHOLD", threshold));
    let out = loadgen()
        .arg("run")
        .arg(&s)
        .arg("--out")
        .arg(dir.join("out"))
        .args(args)
        .output()
        .expect("runs");
    (out, dir)
}

#[test]
fn a_passing_run_exits_0_and_writes_a_readable_report() {
    let (out, dir) = run_quick("pass", "iterations.error_rate == 0", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("api.user/get"), "{stdout}");
    assert!(stdout.contains("verdict: passed"), "{stdout}");
    let r = reports::Report::read(&dir.join("out/report.json")).expect("the report reads back");
    assert_eq!(r.counters.n_iterations, 3);
    assert_eq!(r.scenario.name, "quick");
    assert!(r.scenario.hash.starts_with("sha256:"));
    assert_eq!(r.metrics["api.user/get"].corrected.n, 3);
}

#[test]
fn a_failed_threshold_exits_1() {
    let (out, _) = run_quick("fail", "api.user/get.p99 < 1us", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL  api.user/get.p99 < 1us"));
}

#[test]
fn an_invalid_scenario_exits_2_with_its_place() {
    let dir = temp_dir("invalid");
    let s = write(
        &dir,
        "bad.yaml",
        &QUICK.replace("THRESHOLD", "api.user/get.p99 < fast"),
    );
    for sub in ["run", "validate"] {
        let out = loadgen().arg(sub).arg(&s).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{sub}: {stderr}");
        assert!(stderr.contains("bad.yaml:8:5:"), "{sub}: {stderr}");
    }
    let out = loadgen()
        .args(["run", "x.yaml", "--rate", "fast"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "a bad flag");
}

#[test]
fn a_target_that_is_down_exits_3_with_a_message() {
    // Port 9 (discard) on loopback: nothing listens there in CI.
    let (out, _) = run_quick(
        "down",
        "iterations.error_rate == 0",
        &["--target", "http://127.0.0.1:9"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("does not answer"), "{stderr}");
}

#[test]
fn a_target_that_answers_garbage_exits_3() {
    // A listener that answers every connection with something that is not HTTP.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten().take(4) {
            use std::io::Write;
            let _ = s.write_all(b"SSH-2.0-not-http\r\n");
        }
    });
    let target = format!("http://{addr}");
    let (out, _) = run_quick(
        "garbage",
        "iterations.error_rate == 0",
        &["--target", &target],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_still_reports_marked_partial() {
    let plan = crate::plan("name: long\nworkload:\n  - open: { rate: 50/s, duration: 60s }\nsteps:\n  - call: GET /cgi-bin/user/get\n    query: { userid: zhangsan }\n");
    // The stop stands in for Ctrl-C, some iterations into the run.
    let stop = tokio::time::sleep(std::time::Duration::from_millis(500));
    let report = loadgen::run::execute(plan, &Default::default(), stop)
        .await
        .expect("runs");
    assert!(report.partial);
    assert!(report
        .stopped
        .as_deref()
        .is_some_and(|s| s.contains("interrupted")));
    assert!(
        report.run.duration_ms < 10_000,
        "{}",
        report.run.duration_ms
    );
    assert!(report.counters.n_iterations > 0);
    assert_eq!(report.verdict, "incomplete", "a run cut short never passes");
    let back = reports::Report::parse(&report.to_json(), "partial.json").expect("reads back");
    assert!(back.partial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_abandons_long_steps_at_once() {
    let plan = crate::plan("name: slow\nworkload:\n  - closed: { vus: 2, iterations: 4 }\nsteps:\n  - call: GET /cgi-bin/user/get\n    query: { userid: zhangsan }\n  - think: 60s\n");
    let stop = tokio::time::sleep(std::time::Duration::from_millis(500));
    let opts = loadgen::run::Options::default();
    let run = loadgen::run::execute(plan, &opts, stop);
    // The guard only bounds the test: the run must end long before the 60 s pause would.
    let report = tokio::time::timeout(std::time::Duration::from_secs(20), run)
        .await
        .expect("the stop ended the pause")
        .expect("runs");
    assert!(report.partial);
    assert_eq!(
        report.counters.n_iterations, 0,
        "an abandoned iteration is not counted"
    );
    assert_eq!(
        report.metrics["api.user/get"].corrected.n, 2,
        "the steps that ran are"
    );
}
