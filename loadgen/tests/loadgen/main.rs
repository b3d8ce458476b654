//! loadgen's integration tests: one binary. Every target is on 127.0.0.1 and every run is bounded.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test may panic on what it does not expect"
)]
mod beside;
mod cli;
mod deploy;
mod determinism;
mod omission;
mod readme;
mod scenarios;
mod shards;

use std::path::{Path, PathBuf};

/// The workspace's `scenarios/` folder.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// A plan from scenario text (relative fixture files resolve against `scenarios/`).
pub fn plan(text: &str) -> loadgen::scenario::Plan {
    match loadgen::scenario::parse(text, "test.yaml", &scenarios_dir()) {
        Ok(p) => p,
        Err(e) => panic!("test scenario refused: {e}"),
    }
}

/// Runs a plan to its end with the given options.
pub async fn run(plan: loadgen::scenario::Plan, opts: loadgen::run::Options) -> reports::Report {
    match loadgen::run::execute(plan, &opts, std::future::pending::<()>()).await {
        Ok(r) => r,
        Err(e) => panic!("run failed: {e}"),
    }
}

/// The demo mock-server on an ephemeral loopback port, for runs with `--target`; returns its URL, its state and
/// the handle that keeps it serving.
pub async fn spawn_mock() -> (
    String,
    std::sync::Arc<mock_server::State>,
    mock_server::Stop,
) {
    let state =
        mock_server::State::demo(mock_server::Config::default()).expect("the demo world loads");
    let (url, stop) = serve(state.clone()).await;
    (url, state, stop)
}

/// `state` served on an ephemeral loopback port; returns its URL and the handle that keeps it serving.
pub async fn serve(state: std::sync::Arc<mock_server::State>) -> (String, mock_server::Stop) {
    let (addr, stop) = mock_server::spawn(state, Default::default())
        .await
        .expect("the mock starts");
    (format!("http://{addr}"), stop)
}
