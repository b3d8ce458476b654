//! `bare-axum --bind ADDR`: serve the baseline handler; prints `listening on http://ADDR` first.

use clap::Parser;

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
