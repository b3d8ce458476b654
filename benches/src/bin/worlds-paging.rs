//! Whether 客户联系 keeps its latency as the world grows: one member with `--focus` customers paged through
//! `externalcontact/batch/get_by_user` (100 a page) in a world of `--small` customers and in one of `--big`,
//! in-process through the router, rounds alternating small, big, big, small; the median per-page latency of
//! each and their ratio.
//!
//! `cargo run --release -p benches --bin worlds-paging -- --big 10000000 --small 200000 --focus 100000`

use axum::body::Body;
use axum::http::Request;
use clap::Parser;
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tower::ServiceExt;

use mock_server::{State, World, DEFAULT_FIXTURE};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000_000)]
    big: usize,
    #[arg(long, default_value_t = 200_000)]
    small: usize,
    /// Customers of the member paged over (`generate_customers_for`).
    #[arg(long, default_value_t = 100_000)]
    focus: usize,
    #[arg(long, default_value_t = 1_000)]
    users: usize,
    /// Rounds of small, big, big, small.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// The member every world gives the first `focus` generated customers.
const FOCUS_MEMBER: &str = "member00001";
const PAGE: usize = 100;

struct Target {
    app: mock_server::App,
    uri: String,
}

fn target(n_users: usize, n_customers: usize, focus: usize) -> anyhow::Result<Target> {
    let yaml = DEFAULT_FIXTURE.replacen(
        "    customers:\n",
        &format!(
            "    generate_users: {n_users}\n    generate_customers: {n_customers}\n    generate_customers_for: {{ userid: {FOCUS_MEMBER}, count: {focus} }}\n    customers:\n"
        ),
        1,
    );
    let (world, fixture) = World::parse(&yaml, "worlds-paging")?;
    let state = State::new(world, &fixture, mock_server::Config::default())?;
    let app = mock_server::app(state.clone());
    let w = state.world_view();
    let c = &w.corps[0];
    let secret = c
        .apps
        .iter()
        .find(|a| a.agentid == 1_000_002)
        .map(|a| a.secret.clone())
        .ok_or_else(|| anyhow::anyhow!("the demo's app 1000002 is gone"))?;
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let gettoken = format!("/cgi-bin/gettoken?corpid={}&corpsecret={secret}", c.corpid);
    let token = rt.block_on(call(&app, Request::get(gettoken).body(Body::empty())?))?;
    let token = token["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    Ok(Target {
        app,
        uri: format!("/cgi-bin/externalcontact/batch/get_by_user?access_token={token}"),
    })
}

async fn call(app: &mock_server::App, req: Request<Body>) -> anyhow::Result<serde_json::Value> {
    let resp = app.clone().oneshot(req).await?;
    let bytes = resp.into_body().collect().await?.to_bytes();
    Ok(serde_json::from_slice(&bytes)?)
}

/// Pages through the member's customers once; each page's latency, and how many customers came.
async fn walk(t: &Target) -> anyhow::Result<(Vec<Duration>, usize)> {
    let mut cursor = String::new();
    let (mut took, mut n) = (Vec::new(), 0);
    loop {
        let body =
            serde_json::json!({"userid_list": [FOCUS_MEMBER], "cursor": cursor, "limit": PAGE});
        let req = Request::post(&t.uri).body(Body::from(body.to_string()))?;
        let started = Instant::now();
        let v = call(&t.app, req).await?;
        took.push(started.elapsed());
        anyhow::ensure!(v["errcode"] == 0, "{v}");
        n += v["external_contact_list"].as_array().map_or(0, Vec::len);
        cursor = v["next_cursor"].as_str().unwrap_or_default().to_owned();
        if cursor.is_empty() {
            return Ok((took, n));
        }
    }
}

fn percentile_us(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.rounds > 0, "--rounds must be at least 1");
    let small = target(args.users, args.small, args.focus)?;
    let big = target(args.users, args.big, args.focus)?;
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let (mut p50, mut p99) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    let mut n_paged = [0, 0];
    for _ in 0..args.rounds {
        for which in [0, 1, 1, 0] {
            let (mut took, n) = rt.block_on(walk(if which == 0 { &small } else { &big }))?;
            // The member also has their turn of the customers past the first `focus`.
            anyhow::ensure!(
                n >= args.focus,
                "paged {n} customers, fewer than {}",
                args.focus
            );
            n_paged[which] = n;
            took.sort();
            p50[which].push(percentile_us(&took, 0.5));
            p99[which].push(percentile_us(&took, 0.99));
        }
    }
    let [s50, b50] = p50.map(median);
    let [s99, b99] = p99.map(median);
    println!(
        "batch/get_by_user, {PAGE} a page over one member's customers (median of {} rounds):",
        args.rounds
    );
    println!(
        "  world of {:>10}: {:>7} of theirs, p50 {s50:.0} µs, p99 {s99:.0} µs a page",
        args.small, n_paged[0]
    );
    println!(
        "  world of {:>10}: {:>7} of theirs, p50 {b50:.0} µs, p99 {b99:.0} µs a page",
        args.big, n_paged[1]
    );
    println!(
        "  big / small: p50 {:.2}, p99 {:.2}",
        b50 / s50.max(1e-9),
        b99 / s99.max(1e-9)
    );
    Ok(())
}
