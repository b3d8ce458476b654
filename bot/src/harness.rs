//! The bot on an ephemeral loopback port ([`spawn`]) and its registration with a mock ([`register`]): the one
//! harness the workspace's tests, the benches and loadgen's embedded target start the bot with, and the one
//! `PUT /mock/apps/{agentid}/callback` the binary's `--register` and the tests send.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::Bot;

/// Serves `bot`'s callback endpoint on `127.0.0.1:0` in a task of its own; returns the address bound and a
/// handle that stops the server gracefully when sent to or dropped.
pub async fn spawn(bot: Arc<Bot>) -> std::io::Result<(SocketAddr, oneshot::Sender<()>)> {
    spawn_on(TcpListener::bind("127.0.0.1:0").await?, bot)
}

/// [`spawn`] on a listener bound already, for a caller that must know the bot's URL before the bot exists (a
/// mock whose fixture names it).
pub fn spawn_on(
    listener: TcpListener,
    bot: Arc<Bot>,
) -> std::io::Result<(SocketAddr, oneshot::Sender<()>)> {
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(crate::serve(listener, bot, async move {
        let _ = stopped.await;
    }));
    Ok((addr, stop))
}

/// `PUT {api}/mock/apps/{agentid}/callback {"url": url}`: points a mock's app at a callback URL, which the mock
/// verifies first by calling it (so the bot there must be serving). Returns the HTTP status and the answer (empty if
/// it could not be read).
pub async fn register(
    http: &reqwest::Client,
    api: &str,
    agentid: i64,
    url: &str,
) -> reqwest::Result<(reqwest::StatusCode, String)> {
    let api = api.trim_end_matches('/');
    let resp = http
        .put(format!("{api}/mock/apps/{agentid}/callback"))
        .json(&serde_json::json!({ "url": url }))
        .send()
        .await?;
    let status = resp.status();
    Ok((status, resp.text().await.unwrap_or_default()))
}
