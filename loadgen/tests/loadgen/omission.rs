//! Coordinated omission: against a server that stalls once for a known time, the corrected histogram shows the
//! requests that queued behind the stall and the uncorrected one hides them.

use axum::routing::post;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

const STALL: Duration = Duration::from_millis(500);
const STALLED_REQUEST: u64 = 50;

/// Answers at once, except request number 50, which it holds for 500 ms.
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
    // One request at a time, 100 a second for 2 s: during the 500 ms stall ~50 arrivals queue behind it.
    let plan = crate::plan(&format!(
        "name: stall\ntarget: {url}\nbot: none\nworkload:\n  - open: {{ rate: 100/s, duration: 2s }}\n    max_in_flight: 1\nsteps:\n  - request: POST /work\n"
    ));
    let report = crate::run(plan, Default::default()).await;
    let m = &report.metrics["api.work"];
    let corrected = m.corrected.decode().unwrap();
    let uncorrected = m.uncorrected.decode().unwrap();
    assert_eq!(corrected.len(), 200);
    assert_eq!(uncorrected.len(), 200);
    let over = |h: &hdrhistogram::Histogram<u64>, us: u64| h.count_between(us, u64::MAX);
    // Uncorrected: the stalled request alone took long.
    assert_eq!(
        over(&uncorrected, 100_000),
        1,
        "uncorrected: {:?}",
        m.uncorrected
    );
    // Corrected: every arrival in the first 400 ms of the stall waited ≥ 100 ms: about 40 of them.
    let n = over(&corrected, 100_000);
    assert!(
        (33..=47).contains(&n),
        "corrected: {n} over 100 ms; {:?}",
        m.corrected
    );
    // Both see the stall itself.
    assert!(uncorrected.max() >= 490_000 && corrected.max() >= 490_000);
    // The queueing shows in the corrected p90 and not in the uncorrected one.
    assert!(corrected.value_at_quantile(0.9) > 100_000);
    assert!(uncorrected.value_at_quantile(0.9) < 100_000);
    assert!(
        report.counters.n_late_iterations >= 40,
        "{}",
        report.counters.n_late_iterations
    );
}
