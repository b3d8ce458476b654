//! `message/send` in-process: the mock's whole path (layer, token, validation, routing, inbox, journal,
//! metrics) beside the bare axum baseline doing the same JSON parse and reply, measured in the same run.

use axum::body::Body;
use axum::http::Request;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let state = mock_server::State::demo(mock_server::Config::default()).expect("demo world");
    let mock = mock_server::app(state.clone());
    // A token as the demo bot gets one: `gettoken` with its app's secret.
    let w = state.world_view();
    let corp = &w.corps[0];
    let secret = corp
        .apps
        .iter()
        .find(|a| a.agentid == 1_000_002)
        .map(|a| a.secret.as_str())
        .expect("the demo bot's app");
    let gettoken = format!(
        "/cgi-bin/gettoken?corpid={}&corpsecret={secret}",
        corp.corpid
    );
    let token = rt.block_on(async {
        let req = Request::get(gettoken).body(Body::empty()).expect("request");
        let resp = mock.clone().oneshot(req).await.expect("infallible");
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        v["access_token"].as_str().expect("a token").to_owned()
    });
    let bare = benches::bare_app();
    let uri = format!("/cgi-bin/message/send?access_token={token}");

    let mut g = c.benchmark_group("message_send");
    g.throughput(Throughput::Elements(1));
    // One type for both (the mock is its own service, the bare baseline an axum router); the box costs both alike.
    let (mock, bare) = (
        tower::util::BoxCloneService::new(mock),
        tower::util::BoxCloneService::new(bare),
    );
    for (name, app) in [("mock", mock), ("bare_axum", bare)] {
        g.bench_function(name, |b| {
            b.to_async(&rt).iter(|| {
                let req = Request::post(uri.as_str())
                    .body(Body::from(benches::BODY))
                    .expect("request");
                let app = app.clone();
                async move {
                    let resp = app.oneshot(req).await.expect("infallible");
                    let body = resp.into_body().collect().await.expect("body").to_bytes();
                    assert!(
                        body.starts_with(br#"{"errcode":0"#),
                        "{}",
                        String::from_utf8_lossy(&body)
                    );
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
