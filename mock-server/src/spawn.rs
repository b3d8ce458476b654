//! [`spawn`]: the mock on an ephemeral loopback port, in the caller's runtime. The one harness the workspace's
//! tests, the benches and loadgen's embedded target start the mock with.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::{serve::Limits, State};

/// Stops the server it came from when sent to or dropped: no new connections, requests under way finish (as
/// [`crate::run`]'s shutdown future).
pub type Stop = tokio::sync::oneshot::Sender<()>;

/// Serves `state` with `limits` on `127.0.0.1:0` in a task of its own; returns the address bound and the
/// [`Stop`] handle. The listener is bound before this returns, so the address answers at once.
pub async fn spawn(state: Arc<State>, limits: Limits) -> std::io::Result<(SocketAddr, Stop)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(crate::run_with(listener, state, limits, async move {
        let _ = stopped.await;
    }));
    Ok((addr, stop))
}
