//! The connection side of the proxy: a `CONNECT` the app accepted (`proxy::Tunnel` on its answer) turns the
//! connection into a tunnel once the 200 is out, and the tunnel is served by the same app, TLS first when it
//! is for port 443. Also the TLS handshake of the `--tls-bind` listener.

use axum::http::{Response, StatusCode};
use hyper::upgrade::OnUpgrade;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;

use crate::proxy::Tunnel;

/// Where the service leaves an accepted tunnel for the connection to serve once hyper lets go of the socket.
#[derive(Clone, Default)]
pub struct Slot(Arc<Mutex<Option<(OnUpgrade, Tunnel)>>>);

impl Slot {
    pub fn take(&self) -> Option<(OnUpgrade, Tunnel)> {
        self.0.lock().take()
    }
}

/// The app's answer, its tunnel (if any) moved into `slot`. Inside a tunnel there is no slot: a `CONNECT`
/// there is refused rather than nested.
pub fn take(
    mut resp: Response<axum::body::Body>,
    slot: Option<&Slot>,
    upgrade: Option<OnUpgrade>,
) -> Response<axum::body::Body> {
    let Some(tunnel) = resp.extensions_mut().remove::<Tunnel>() else {
        return resp;
    };
    match (slot, upgrade) {
        (Some(slot), Some(upgrade)) => {
            *slot.0.lock() = Some((upgrade, tunnel));
            resp
        }
        _ => {
            let mut r = Response::new(axum::body::Body::from(
                r#"{"error":"a CONNECT inside a tunnel is not served"}"#,
            ));
            *r.status_mut() = StatusCode::BAD_REQUEST;
            r
        }
    }
}

/// The server's side of a TLS handshake on `io`, within the head's deadline (0: none); none when it fails,
/// which a client that does not trust the mock's CA makes it do.
pub async fn handshake<I>(
    config: Arc<rustls::ServerConfig>,
    io: I,
    timeout_ms: u64,
) -> Option<TlsStream<I>>
where
    I: AsyncRead + AsyncWrite + Unpin,
{
    let accept = tokio_rustls::TlsAcceptor::from(config).accept(io);
    if timeout_ms == 0 {
        return accept.await.ok();
    }
    tokio::time::timeout(Duration::from_millis(timeout_ms), accept)
        .await
        .ok()?
        .ok()
}
