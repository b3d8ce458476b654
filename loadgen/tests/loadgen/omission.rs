//! Coordinated omission: against a server that stalls once for a known time, the corrected histogram shows the
//! requests that queued behind the stall and the uncorrected one hides them.

use axum::routing::post;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

const STALL: Duration = Duration::from_millis(500);
const STALLED_REQUEST: u64 = 25;

/// Answers at once, except request number 25, which it holds for 500 ms.
async fn stalling_server() -> String {
    let n = Arc::new(AtomicU64::new(0));
    let app = axum::Router::new().route(
        "/work",
        post(move || {
            let n = n.clone();
            async move {
                if n.fetch_add(1, Relaxed) == STALLED_REQUEST {
                    tokio::time::sleep(STALL).await;
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_corrected_histogram_shows_the_stall_and_the_uncorrected_hides_it() {
    let url = stalling_server().await;
    // One request at a time, 50 a second for 2 s: 20 ms apart, so ordinary jitter on a busy machine does not
    // pile up, and ~25 arrivals queue behind the 500 ms stall.
    let plan = crate::plan(&format!(
        "name: stall\ntarget: {url}\nbot: none\nworkload:\n  - open: {{ rate: 50/s, duration: 2s }}\n    max_in_flight: 1\nsteps:\n  - request: POST /work\n"
    ));
    let report = crate::run(plan, Default::default()).await;
    let m = &report.metrics["api.work"];
    let corrected = m.corrected.decode().unwrap();
    let uncorrected = m.uncorrected.decode().unwrap();
    assert_eq!(corrected.len(), 100);
    assert_eq!(uncorrected.len(), 100);
    let over = |h: &hdrhistogram::Histogram<u64>, us: u64| h.count_between(us, u64::MAX);
    // Uncorrected: the stalled request alone took long (a busy machine may add one more).
    let n_uncorrected = over(&uncorrected, 100_000);
    assert!(
        (1..=2).contains(&n_uncorrected),
        "uncorrected: {n_uncorrected} over 100 ms; {:?}",
        m.uncorrected
    );
    // Corrected: the stalled request and every arrival in the first 400 ms of the stall (20 of them) waited
    // ≥ 100 ms; a busy machine adds a few queued behind them, never fewer.
    let n = over(&corrected, 100_000);
    assert!(
        (19..=32).contains(&n),
        "corrected: {n} over 100 ms; {:?}",
        m.corrected
    );
    // Both see the stall itself.
    assert!(uncorrected.max() >= 490_000 && corrected.max() >= 490_000);
    // The queueing shows in the corrected p80 and not in the uncorrected one.
    assert!(corrected.value_at_quantile(0.8) > 100_000);
    assert!(uncorrected.value_at_quantile(0.8) < 100_000);
    assert!(
        report.counters.n_late_iterations >= 20,
        "{}",
        report.counters.n_late_iterations
    );
}
