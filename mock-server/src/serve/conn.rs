//! One accepted connection served: its place under the cap, its deadlines, TLS first on the TLS listener, the
//! reserve's rule, a `CONNECT` the app accepted turned into a tunnel on the same socket, and a protocol switch
//! (the AI bots' WebSocket) served on it, directly or inside the tunnel.

use crate::App;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use super::pools::{self, Pools, Seat};
use super::{body, io, tunnel, upgrade, Limits, RESERVE_TIMEOUT_MS, SHUTDOWN_GRACE_MS};

/// One accepted connection and what it needs to serve itself.
pub(super) struct Conn {
    pub(super) app: App,
    pub(super) limits: Limits,
    pub(super) peer: SocketAddr,
    pub(super) seat: Option<Seat>,
    pub(super) pools: Arc<Pools>,
    pub(super) stop: watch::Receiver<bool>,
    /// Set on the TLS listener: every connection is TLS from its first byte.
    pub(super) tls: Option<Arc<rustls::ServerConfig>>,
    pub(super) _open: mpsc::Sender<()>,
}

impl Conn {
    pub(super) fn seated(mut self, seat: Seat) -> Conn {
        self.seat = Some(seat);
        self
    }

    pub(super) async fn run(mut self, stream: TcpStream) {
        // Answers are written whole in one go; Nagle would only delay the last segment.
        let _ = stream.set_nodelay(true);
        let reserve = matches!(self.seat, Some(Seat::Reserve(_)));
        if reserve {
            let short = |ms: u64| {
                if ms == 0 {
                    RESERVE_TIMEOUT_MS
                } else {
                    ms.min(RESERVE_TIMEOUT_MS)
                }
            };
            self.limits.header_timeout_ms = short(self.limits.header_timeout_ms);
            self.limits.idle_timeout_ms = short(self.limits.idle_timeout_ms);
        }
        let watch = Arc::new(io::Watch::new(&self.limits));
        let reaping = Arc::new(pools::Reaping::default());
        let pools = self.pools.clone();
        let _listed = pools.list(watch.clone(), reaping.clone());
        // Declared before the connection, so dropped after it: the place passes on once the socket is closed.
        let _seat = SeatOnExit {
            seat: self.seat.take(),
            reaping: reaping.clone(),
        };
        let io = io::TimedIo::new(stream, watch.clone());
        let slot = tunnel::Slot::default();
        let switched = upgrade::Slot::default();
        let served = match self.tls.clone() {
            None => {
                self.http(io, &watch, &reaping, Some(&slot), &switched, reserve)
                    .await
            }
            Some(config) => {
                match tunnel::handshake(config, io, self.limits.header_timeout_ms).await {
                    Some(tls) => {
                        self.http(tls, &watch, &reaping, Some(&slot), &switched, reserve)
                            .await
                    }
                    None => false,
                }
            }
        };
        if !served {
            return;
        }
        // A `CONNECT` the app accepted: the same socket, now the tunnel, served by the same app.
        if let Some((upgrade, t)) = slot.take() {
            let Ok(upgraded) = upgrade.await else { return };
            let io = TokioIo::new(upgraded);
            let served = match t.tls {
                None => {
                    self.http(io, &watch, &reaping, None, &switched, false)
                        .await
                }
                Some(config) => {
                    match tunnel::handshake(config, io, self.limits.header_timeout_ms).await {
                        Some(tls) => {
                            self.http(tls, &watch, &reaping, None, &switched, false)
                                .await
                        }
                        None => false,
                    }
                }
            };
            if !served {
                return;
            }
        }
        self.switch(&switched).await;
    }

    /// The session of a protocol switch the app accepted, if any, on this connection's socket.
    async fn switch(&self, switched: &upgrade::Slot) {
        let Some(s) = switched.take() else { return };
        let Ok(upgraded) = s.upgrade.await else {
            return;
        };
        s.session
            .run(TokioIo::new(upgraded), self.stop.clone())
            .await;
        drop(s.busy);
    }

    /// HTTP/1.1 on `io` until the client closes, the connection is reaped, or the server stops (false then).
    /// With a tunnel `slot`, a `CONNECT` the app accepts ends this connection into the slot; a protocol switch
    /// the app accepts ends it into `switched`.
    async fn http<I>(
        &mut self,
        io: I,
        watch: &Arc<io::Watch>,
        reaping: &Arc<pools::Reaping>,
        slot: Option<&tunnel::Slot>,
        switched: &upgrade::Slot,
        reserve: bool,
    ) -> bool
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let service = self.service(watch, slot.cloned(), switched.clone(), reserve);
        let conn = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        tokio::pin!(conn);
        loop {
            tokio::select! {
                _ = conn.as_mut() => return true,
                // Closed for a newcomer while the server is full, unless a request began meanwhile.
                () = reaping.chosen() => if watch.reapable() { return false },
                _ = self.stop.wait_for(|stop| *stop) => break,
            }
        }
        conn.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(Duration::from_millis(SHUTDOWN_GRACE_MS), conn).await;
        false
    }

    /// Each request: the reserve's rule, the body's deadline, the caller's address, the app; a tunnel the
    /// app accepted goes into `slot`, a protocol switch into `switched`.
    fn service(
        &self,
        watch: &Arc<io::Watch>,
        slot: Option<tunnel::Slot>,
        switched: upgrade::Slot,
        reserve: bool,
    ) -> impl hyper::service::Service<
        Request<Incoming>,
        Response = Response<body::Tracked<axum::body::Body>>,
        Error = std::convert::Infallible,
        Future = impl Future + Send,
    > + Clone {
        let (app, peer, body_timeout_ms) =
            (self.app.clone(), self.peer, self.limits.body_timeout_ms);
        let watch = watch.clone();
        hyper::service::service_fn(move |mut req: Request<Incoming>| {
            let busy = io::Busy::new(watch.clone());
            // Only a request that asks to leave HTTP can take the socket over: the API's calls pay nothing
            // for it (not even the two handles cloned here).
            let switch = req
                .headers()
                .contains_key(header::UPGRADE)
                .then(|| (switched.clone(), watch.clone()));
            let (app, slot) = (app.clone(), slot.clone());
            async move {
                let resp = if reserve && !reserved_path(req.uri().path()) {
                    over_cap()
                } else {
                    let connect = req.method() == Method::CONNECT;
                    let upgrade =
                        (connect || switch.is_some()).then(|| hyper::upgrade::on(&mut req));
                    let mut req = req.map(|b| body::TimedBody::new(b, body_timeout_ms));
                    req.extensions_mut().insert(ConnectInfo(peer));
                    let resp = app.answer(req).await;
                    match (connect, switch) {
                        (true, _) => tunnel::take(resp, slot.as_ref(), upgrade),
                        (false, Some((switched, watch))) => switched.keep(resp, upgrade, &watch),
                        (false, None) => resp,
                    }
                };
                Ok::<_, std::convert::Infallible>(resp.map(|b| body::Tracked::new(b, busy)))
            }
        })
    }
}

/// A connection's place while it is open; when it ends, handed to the newcomer it was closed for, if any.
struct SeatOnExit {
    seat: Option<Seat>,
    reaping: Arc<pools::Reaping>,
}

impl Drop for SeatOnExit {
    fn drop(&mut self) {
        self.reaping.hand_over(self.seat.take());
    }
}

/// What a connection in the reserve may ask for: the control API (health included) and metrics.
pub(super) fn reserved_path(path: &str) -> bool {
    path.starts_with("/mock/") || path == "/metrics"
}

/// The answer on a reserve connection to anything but the control API: the server is full.
fn over_cap() -> Response<axum::body::Body> {
    let mut r = Response::new(axum::body::Body::from(
        r#"{"error":"too many open connections: only /mock/ and /metrics are served on this one"}"#,
    ));
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}
