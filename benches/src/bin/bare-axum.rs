//! `bare-axum --bind ADDR`: serve the baseline handler; prints `listening on http://ADDR` first.

use clap::Parser;

// mimalloc: a server that allocates per request and runs for hours is cheaper and fragments less with it than
// with glibc's malloc. The bare baseline uses it too, so the benchmarks' ratio measures the mock's work alone.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, benches::bare_app()).await?;
    Ok(())
}
