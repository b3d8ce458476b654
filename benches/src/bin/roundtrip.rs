//! The customer → bot → customer round trip at a steady rate: mock-server and the reference bot in-process on
//! loopback, customers writing to the demo kf account through the control API, each round trip timed from the
//! moment its message was *meant* to be sent (so a slow server cannot hide its queueing) until the mock's event
//! stream says the bot's answer is in that customer's inbox.
//!
//! `cargo run --release -p benches --bin roundtrip -- --rate 500 --secs 10`

use anyhow::{bail, Context};
use clap::Parser;
use dashmap::DashMap;
use hdrhistogram::Histogram;
use parking_lot::Mutex;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use mock_server::world::World;
use mock_server::State;

const KF: &str = "wkDemoSupportDesk00000000000001A";

#[derive(Parser)]
struct Args {
    /// Customer messages per second.
    #[arg(long, default_value_t = 500)]
    rate: u64,
    /// How long to send for.
    #[arg(long, default_value_t = 10)]
    secs: u64,
    /// Generated customers the messages rotate through.
    #[arg(long, default_value_t = 2_000)]
    customers: usize,
    /// How long to wait for the last answers before counting them lost.
    #[arg(long, default_value_t = 5)]
    drain_secs: u64,
}

/// A message's two ends; whichever side arrives second records the round trip.
#[derive(Default)]
struct Ends {
    intended: Option<Instant>,
    answered: Option<Instant>,
}

struct Timing {
    ends: DashMap<String, Ends>,
    histogram: Mutex<Histogram<u64>>,
}

impl Timing {
    fn note(&self, msgid: String, intended: Option<Instant>, answered: Option<Instant>) {
        let mut e = self.ends.entry(msgid).or_default();
        e.intended = e.intended.or(intended);
        e.answered = e.answered.or(answered);
        if let (Some(i), Some(a)) = (e.intended, e.answered) {
            let us = a.saturating_duration_since(i).as_micros() as u64;
            let _ = self.histogram.lock().record(us.max(1));
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.rate == 0 || args.secs == 0 || args.customers == 0 {
        bail!("--rate, --secs and --customers must be at least 1");
    }
    let (world, fixture) = World::demo_with_customers(args.customers)?;
    let state = State::new(world, &fixture, mock_server::Config::default())?;
    let customers: Vec<String> = state.world().corps[0]
        .customers
        .iter()
        .map(|c| c.external_userid.clone())
        .collect();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = format!("http://{}", listener.local_addr()?);
    tokio::spawn(mock_server::run(
        listener,
        state.clone(),
        std::future::pending::<()>(),
    ));
    let bot = bot::Bot::new(bot::Config {
        api_base: api.clone(),
        ..bot::Config::demo()
    })?;
    let bot_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bot_url = format!("http://{}/callback", bot_listener.local_addr()?);
    tokio::spawn(bot::serve(
        bot_listener,
        bot.clone(),
        std::future::pending::<()>(),
    ));
    let http = reqwest::Client::builder().no_proxy().build()?;
    let set = http
        .put(format!("{api}/mock/apps/1000002/callback"))
        .json(&json!({ "url": bot_url }))
        .send()
        .await?;
    if !set.status().is_success() {
        bail!(
            "the mock did not accept the bot's URL: {}",
            set.text().await?
        );
    }

    let timing = Arc::new(Timing {
        ends: DashMap::new(),
        histogram: Mutex::new(Histogram::new_with_bounds(1, 60_000_000, 3)?),
    });
    let mut events = state.events.subscribe();
    let t = timing.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(e) if e.kind == "delivered" && e.route == "kf" => {
                    if let Some(m) = e.detail.get("in_reply_to").and_then(|m| m.as_str()) {
                        t.note(m.to_owned(), None, Some(Instant::now()));
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("the event stream dropped {n} events; their round trips are lost")
                }
                Err(_) => return,
            }
        }
    });

    let n_total = args.rate * args.secs;
    let interval = Duration::from_nanos(1_000_000_000 / args.rate);
    let start = Instant::now();
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..n_total {
        let intended = start + interval * i as u32;
        tokio::time::sleep_until(intended).await;
        let (http, api, t) = (http.clone(), api.clone(), timing.clone());
        let from = customers[i as usize % customers.len()].clone();
        sends.spawn(async move {
            let r = http
                .post(format!("{api}/mock/kf/{KF}/messages"))
                .json(&json!({ "from": from, "content": format!("question {i}") }))
                .send()
                .await?;
            let v: serde_json::Value = r.json().await?;
            let msgid = v["msgid"].as_str().context("no msgid")?.to_owned();
            t.note(msgid, Some(intended), None);
            anyhow::Ok(())
        });
    }
    let sent_s = start.elapsed().as_secs_f64();
    let mut n_send_errors = 0;
    while let Some(r) = sends.join_next().await {
        if !matches!(r, Ok(Ok(()))) {
            n_send_errors += 1;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(args.drain_secs);
    while timing.histogram.lock().len() < n_total - n_send_errors && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let h = timing.histogram.lock().clone();
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "round trip (customer → mock → bot → kf/send_msg → customer's inbox), {} messages at {} /s for {} s",
        n_total, args.rate, args.secs
    );
    println!(
        "  completed {} ({:.0} /s reached), lost {}, send errors {}",
        h.len(),
        h.len() as f64 / sent_s,
        n_total - n_send_errors - h.len(),
        n_send_errors
    );
    println!(
        "  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  p99.9 {:.2} ms  max {:.2} ms",
        ms(0.5),
        ms(0.9),
        ms(0.99),
        ms(0.999),
        h.max() as f64 / 1000.0
    );
    let s = bot.stats();
    println!(
        "  bot: {} callbacks, {} synced, {} replied, {} reply errors",
        s.n_callbacks, s.n_synced, s.n_replied, s.n_reply_errors
    );
    if h.len() != n_total {
        bail!(
            "{} of {n_total} round trips did not complete",
            n_total - h.len()
        );
    }
    Ok(())
}
