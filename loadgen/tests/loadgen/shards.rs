//! Shards through the binary: each judges its rate and count thresholds on its share and exits 0 when that
//! passes (1 when it does not), and `report merge` judges the whole against the written targets. Then an
//! orchestrator's Indexed Job, simulated: N processes with the same command line and `JOB_COMPLETION_INDEX`
//! 0..N-1 in their environment, against one mock, merge into exactly the run's figures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// 60 arrivals in 1 s, each one call: the whole run's figures are exact (iteration k is shard k mod N's).
const SIXTY: &str = "name: sixty\nbot: none\nworkload:\n  - open: { rate: 60/s, duration: 1s }\nsteps:\n  - call: GET /cgi-bin/user/get\n    query: { userid: zhangsan }\nthresholds:\n  - THRESHOLDS\n";
const TOTAL: u64 = 60;

fn loadgen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_loadgen"))
}

fn scenario(name: &str, thresholds: &[&str]) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("loadgen-shards-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("s.yaml");
    let text = SIXTY.replace("THRESHOLDS", &thresholds.join("\n  - "));
    std::fs::write(&file, text).expect("write scenario");
    (file, dir)
}

fn said(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `loadgen report merge` of `shards` into `<dir>/merged.json`, which it returns read back.
fn merge(dir: &Path, shards: &[PathBuf]) -> reports::Report {
    let merged = dir.join("merged.json");
    let o = loadgen()
        .args(["report", "merge"])
        .args(shards)
        .arg("--out")
        .arg(&merged)
        .output()
        .expect("merge runs");
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    reports::Report::read(&merged).expect("the merge reads back")
}

/// Shard `i` of 2 of `file` on its own embedded mock; its report in `<dir>/<i>`.
fn shard_of_two(file: &Path, dir: &Path, i: u64) -> (Output, PathBuf) {
    let out = dir.join(i.to_string());
    let o = loadgen()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--shard", &format!("{i}/2")])
        .output()
        .expect("loadgen runs");
    (o, out.join("report.json"))
}

#[test]
fn two_shards_pass_on_their_share_and_their_merge_on_the_whole() {
    let (file, dir) = scenario(
        "pass",
        &[
            "iterations.rate >= 40/s",
            "iterations.count == 60",
            "iterations.error_rate == 0",
        ],
    );
    let mut files = Vec::new();
    for i in 0..2 {
        let (o, report) = shard_of_two(&file, &dir, i);
        // 30 iterations in about a second: 40/s would fail it, 20/s is its share.
        assert_eq!(o.status.code(), Some(0), "shard {i}: {}", said(&o));
        let out = said(&o);
        assert!(
            out.contains("pass  iterations.rate >= 20/s (40/s ÷ 2 shards)"),
            "{out}"
        );
        assert!(
            out.contains("pass  iterations.count == 30 (60 ÷ 2 shards)"),
            "{out}"
        );
        assert!(out.contains("pass  iterations.error_rate == 0  "), "{out}");
        files.push(report);
    }
    let merged = merge(&dir, &files);
    assert_eq!(merged.verdict, "passed", "{:?}", merged.thresholds);
    assert_eq!(merged.counters.n_iterations, TOTAL);
    assert!(merged.thresholds.iter().all(|t| t.share.is_none()));
    assert!(merged.thresholds[0].value.is_some_and(|v| v >= 40.0));
}

#[test]
fn a_shard_that_misses_its_share_exits_1() {
    // 30/s against 100/s ÷ 2: short of its share by 20/s.
    let (file, dir) = scenario("miss", &["iterations.rate >= 100/s"]);
    let (o, report) = shard_of_two(&file, &dir, 1);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    assert!(
        said(&o).contains("FAIL  iterations.rate >= 50/s (100/s ÷ 2 shards)"),
        "{}",
        said(&o)
    );
    let r = reports::Report::read(&report).expect("the report reads back");
    assert_eq!(r.verdict, "failed");
    assert_eq!(r.run.shard.as_deref(), Some("1/2"));
}

#[test]
fn a_shard_index_the_environment_lacks_is_an_argument_error() {
    let (file, _) = scenario("unset", &["iterations.error_rate == 0"]);
    let o = loadgen()
        .arg("run")
        .arg(&file)
        .args([
            "--shards",
            "2",
            "--shard-index-env",
            "LOADGEN_TEST_NO_SUCH_INDEX",
        ])
        .env_remove("LOADGEN_TEST_NO_SUCH_INDEX")
        .output()
        .expect("loadgen runs");
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
    assert!(
        said(&o).contains("LOADGEN_TEST_NO_SUCH_INDEX is not set"),
        "{}",
        said(&o)
    );
    let o = loadgen()
        .arg("run")
        .arg(&file)
        .args(["--shards", "2", "--shard-index-env", "JOB_COMPLETION_INDEX"])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .expect("loadgen runs");
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
    assert!(
        said(&o).contains("out of range for --shards 2"),
        "{}",
        said(&o)
    );
}

/// A Kubernetes Indexed Job of N completions: one command line, the index in `JOB_COMPLETION_INDEX`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indexed_job_of_n_shards_against_one_mock_merges_exactly() {
    const N: u64 = 3;
    let (url, _state, _stop) = crate::spawn_mock().await;
    let (file, dir) = scenario(
        "indexed",
        &["iterations.rate >= 45/s", "iterations.count == 60"],
    );
    let mut jobs = Vec::new();
    for index in 0..N {
        let mut cmd = loadgen();
        cmd.arg("run")
            .arg(&file)
            .arg("--out")
            .arg(dir.join(index.to_string()))
            .args(["--quiet", "--target", &url])
            .args(["--shards", &N.to_string()])
            .args(["--shard-index-env", "JOB_COMPLETION_INDEX"])
            .env("JOB_COMPLETION_INDEX", index.to_string());
        // All at once, as the Job's pods; each waited for off the runtime's threads, so the mock keeps serving.
        let child = cmd.spawn().expect("loadgen starts");
        jobs.push(tokio::task::spawn_blocking(move || {
            child.wait_with_output().expect("loadgen runs")
        }));
    }
    let mut files = Vec::new();
    for (index, job) in jobs.into_iter().enumerate() {
        let o = job.await.expect("joined");
        assert_eq!(o.status.code(), Some(0), "index {index}: {}", said(&o));
        let report = dir.join(index.to_string()).join("report.json");
        let r = reports::Report::read(&report).expect("each shard's report reads back");
        assert_eq!(r.run.shard, Some(format!("{index}/{N}")));
        assert_eq!(r.counters.n_iterations, TOTAL / N);
        files.push(report);
    }
    let merged = merge(&dir, &files);
    assert_eq!(merged.verdict, "passed", "{:?}", merged.thresholds);
    assert_eq!(merged.counters.n_iterations, TOTAL);
    // Every call, and the tokens the shards' workers fetched.
    let tokens = merged.metrics["api.gettoken"].corrected.n;
    assert!(tokens >= N, "{tokens} tokens");
    assert_eq!(merged.counters.n_requests, TOTAL + tokens);
    assert_eq!(merged.counters.n_errors, 0);
    assert_eq!(merged.metrics["api.user/get"].corrected.n, TOTAL);
    assert_eq!(merged.run.phases[0].n_iterations, TOTAL);
    assert_eq!(merged.run.shard.as_deref(), Some("merged 3 of 3"));
}
