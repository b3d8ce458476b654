//! `mock-server`: serve the simulated WeCom on an address, with the built-in demo company or a fixture file.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;

use mock_server::{Config, State};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "A mock WeCom (企业微信) server for testing bots and SDKs offline"
)]
struct Args {
    /// Address to listen on. Port 0 picks a free one (the first line printed says which).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// The world to load (YAML; see mock-server/FIXTURE.md). Default: the built-in demo company.
    #[arg(long)]
    fixture: Option<PathBuf>,
    /// Protect the /mock/ control API with this bearer token (needed to reach it from other hosts).
    #[arg(long, env = "MOCK_ADMIN_TOKEN")]
    admin_token: Option<String>,
}

fn main() -> std::process::ExitCode {
    // Errors a person can act on are one line, not a backtrace.
    match serve() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mock-server: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

#[tokio::main]
async fn serve() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = Config {
        admin_token: args.admin_token,
    };
    let state = match &args.fixture {
        Some(path) => State::from_file(path, config)?,
        None => State::demo(config)?,
    };
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    println!("mock-server listening on http://{addr}");
    print_credentials(&state, addr);
    mock_server::run(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// What a person needs to point a bot at the mock, printed once at start.
fn print_credentials(state: &State, addr: std::net::SocketAddr) {
    let world = state.world();
    for c in &world.corps {
        println!("corp {} ({})  corpid={}", c.name, c.users.len(), c.corpid);
        for a in &c.apps {
            println!(
                "  app {:<12} agentid={} secret={}",
                a.name, a.agentid, a.secret
            );
            if let Some(cb) = &a.callback {
                println!(
                    "      callback url={} token={} encoding_aes_key={}",
                    cb.url.as_deref().unwrap_or("-"),
                    cb.token,
                    cb.encoding_aes_key
                );
            }
        }
        if let Some(sync) = &c.contact_sync {
            println!("  contacts sync  secret={}", sync.secret);
            if let Some(cb) = &sync.callback {
                println!(
                    "      callback url={} token={} encoding_aes_key={}",
                    cb.url.as_deref().unwrap_or("-"),
                    cb.token,
                    cb.encoding_aes_key
                );
            }
        }
        for r in &c.robots {
            println!(
                "  robot {:<10} http://{addr}/cgi-bin/webhook/send?key={}",
                r.name, r.key
            );
        }
        if let Some(kf) = &c.kf {
            for a in &kf.accounts {
                println!(
                    "  kf account {} open_kfid={} (managed by app {})",
                    a.name, a.open_kfid, kf.agentid
                );
            }
        }
        if let Some(first) = c.customers.first() {
            println!(
                "  {} customers, e.g. {} external_userid={}",
                c.customers.len(),
                first.name,
                first.external_userid
            );
        }
    }
    println!("API base: http://{addr}/cgi-bin/   control: http://{addr}/mock/world   metrics: http://{addr}/metrics");
}
