//! `externalcontact/get` and a full page of 50 from `batch/get_by_user` at 10,000, 1,000,000 and 10,000,000
//! customers (over 100 members, so every member has more than a page): lookups and pages must not grow with the
//! world.

use axum::body::Body;
use axum::http::Request;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

use mock_server::State;
use mock_server::World;

struct Setup {
    app: mock_server::App,
    token: String,
    customer: String,
    member: String,
}

fn setup(rt: &tokio::runtime::Runtime, n_customers: usize) -> Setup {
    let (world, fixture) = World::demo_scaled(100, n_customers).unwrap_or_else(|e| panic!("{e}"));
    let state = State::new(world, &fixture, mock_server::Config::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let app = mock_server::app(state.clone());
    let w = state.world_view();
    let c = &w.corps[0];
    let member = c.users[c.users.len() / 2].userid.clone();
    let secret = c
        .apps
        .iter()
        .find(|a| a.agentid == 1_000_002)
        .map(|a| a.secret.clone())
        .unwrap_or_default();
    let gettoken = format!("/cgi-bin/gettoken?corpid={}&corpsecret={secret}", c.corpid);
    let middle = format!("/mock/customers?offset={}&limit=1", c.n_customers / 2);
    let (token, customer) = rt.block_on(async {
        let token = get_json(&app, &gettoken).await["access_token"].clone();
        let customer = get_json(&app, &middle).await["customers"][0].clone();
        (token, customer)
    });
    Setup {
        token: token.as_str().unwrap_or_default().to_owned(),
        customer: customer.as_str().unwrap_or_default().to_owned(),
        member,
        app,
    }
}

/// A GET through the router (the control API answers in-process callers), its answer as JSON.
async fn get_json(app: &mock_server::App, uri: &str) -> serde_json::Value {
    let req = Request::get(uri).body(Body::empty()).unwrap_or_default();
    let bytes = answer(app, req).await;
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

/// The body of the router's answer to `req` (the router is built once; a clone shares it).
async fn answer(app: &mock_server::App, req: Request<Body>) -> bytes::Bytes {
    let resp = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    resp.into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default()
}

async fn call(s: &Setup, req: Request<Body>) -> usize {
    let bytes = answer(&s.app, req).await;
    assert!(
        bytes.starts_with(br#"{"errcode":0"#),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    bytes.len()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("contacts");
    g.measurement_time(Duration::from_secs(3)).sample_size(30);
    // `cargo test` runs benches once as a smoke test: a small world is enough for that.
    let benching = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if benching {
        &[10_000, 1_000_000, 10_000_000]
    } else {
        &[1_000, 10_000]
    };
    for &n in sizes {
        let s = setup(&rt, n);
        g.bench_with_input(BenchmarkId::new("get", n), &s, |b, s| {
            b.to_async(&rt).iter(|| async {
                let uri = format!(
                    "/cgi-bin/externalcontact/get?access_token={}&external_userid={}",
                    s.token, s.customer
                );
                call(s, Request::get(uri).body(Body::empty()).unwrap_or_default()).await
            })
        });
        g.bench_with_input(BenchmarkId::new("batch_get_by_user_50", n), &s, |b, s| {
            b.to_async(&rt).iter(|| async {
                let uri = format!(
                    "/cgi-bin/externalcontact/batch/get_by_user?access_token={}",
                    s.token
                );
                let body = format!(r#"{{"userid_list":["{}"],"limit":50}}"#, s.member);
                call(
                    s,
                    Request::post(uri)
                        .body(Body::from(body))
                        .unwrap_or_default(),
                )
                .await
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
