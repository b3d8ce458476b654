//! How big a world of external contacts costs: the time to load a generated fixture (members and customers
//! from the seed, with their relations) and the memory it holds per customer, beside the targets a world of
//! ten million must meet (printed, not enforced).
//!
//! `cargo run --release -p benches --bin contacts-scale -- --users 1000 --customers 10000000`

use clap::Parser;
use std::time::Instant;

/// What a world of 10,000,000 customers may cost (issue 17).
const TARGET_LOAD_S: f64 = 15.0;
const TARGET_PER_CUSTOMER_B: f64 = 400.0;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 1_000)]
    users: usize,
    #[arg(long, default_value_t = 100_000)]
    customers: usize,
}

/// Resident memory of this process in KiB (Linux), 0 elsewhere.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let before_kib = rss_kib();
    let started = Instant::now();
    let (world, fixture) = mock_server::World::demo_scaled(args.users, args.customers)?;
    let state = mock_server::State::new(world, &fixture, mock_server::Config::default())?;
    let load_s = started.elapsed().as_secs_f64();
    let after_kib = rss_kib();
    let world = state.world_view();
    let n = world.corps[0].n_customers;
    let per_customer_b = (after_kib.saturating_sub(before_kib) * 1024) as f64 / n.max(1) as f64;
    println!(
        "{} members, {} customers: loaded in {:.2} s, {:.0} MiB resident, {:.0} bytes per customer (world + relations); targets ≤ {TARGET_LOAD_S} s, ≤ {TARGET_PER_CUSTOMER_B} bytes",
        world.corps[0].users.len(),
        n,
        load_s,
        after_kib.saturating_sub(before_kib) as f64 / 1024.0,
        per_customer_b
    );
    Ok(())
}
