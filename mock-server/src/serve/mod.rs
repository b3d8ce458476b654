//! The connection layer under the app: an accept loop on hyper's HTTP/1 server with header, body and idle
//! timeouts, a cap on open connections with a reserve kept for the control API, and graceful shutdown.
//!
//! Why not `axum::serve`: it has no timeouts and no cap, so slow or idle clients hold sockets until the
//! file-descriptor limit is reached and every other client waits (issue 11).

mod body;
mod conn;
mod io;
mod pools;
mod tunnel;
mod upgrade;

pub(crate) use upgrade::{Session, Socket};

use crate::App;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use conn::Conn;
use pools::{pools_wait, Pools};

pub use body::BodyTimedOut;

/// Connections kept apart for `/mock/` and `/metrics` once `max_connections` are open, so the control API
/// stays reachable under a flood of WeCom-API clients.
pub const N_RESERVED_CONNECTIONS: usize = 32;

/// A reserve connection must send its head within this and is closed when idle this long: idle or slowloris
/// clients that spill into the reserve would otherwise hold it for the full timeouts, and the control API with it.
const RESERVE_TIMEOUT_MS: u64 = 1_000;

/// File descriptors left for what is not an accepted connection (the listener, pushes to bots, files).
const FD_HEADROOM: u64 = 64;

/// How long connections get to finish what they are doing after shutdown starts; an event stream never
/// finishes, so without a bound it would hold the server up for ever.
const SHUTDOWN_GRACE_MS: u64 = 5_000;

/// After an accept error other than a dropped handshake (out of file descriptors, mostly), wait before
/// the next accept rather than spin.
const ACCEPT_BACKOFF_MS: u64 = 50;

/// Connections the kernel completes before the server accepts them. Past it a client's SYN is dropped and
/// retried a second later, so a flood of connects would delay every newcomer, `/mock/health` included, by a
/// whole second; Linux clamps it to `net.core.somaxconn` (4096 by default since 5.4).
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` (`host:port`, the first address it resolves to) with room for [`LISTEN_BACKLOG`]
/// connections not yet accepted; tokio's own `bind` leaves room for 1024.
pub async fn listen(addr: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for a in tokio::net::lookup_host(addr).await? {
        let socket = if a.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket.bind(a).and_then(|()| socket.listen(LISTEN_BACKLOG)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the address resolves to nothing",
        )
    }))
}

/// Start-time limits of the connection layer. A timeout of 0 turns that timeout off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request head (request line and headers) must arrive whole within this, counted from the
    /// connection's opening for its first request and from the head's first byte for later ones.
    pub header_timeout_ms: u64,
    /// A declared request body must arrive whole within this, counted from when the server first reads it
    /// (when `100 Continue` goes out, for a client that asked).
    pub body_timeout_ms: u64,
    /// A keep-alive connection with no request under way is closed after this; so is one whose client has
    /// not read a byte of its answer for this long.
    pub idle_timeout_ms: u64,
    /// Open connections for any path; past them, up to [`N_RESERVED_CONNECTIONS`] more for `/mock/` and
    /// `/metrics` only. Lowered at start to fit the file-descriptor limit.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            idle_timeout_ms: 60_000,
            max_connections: 10_000,
        }
    }
}

impl Limits {
    /// `max_connections` as it will be: lowered so that it, the reserve and some headroom fit in
    /// `fd_limit` (the process's RLIMIT_NOFILE soft limit, when known).
    pub fn fitted_max_connections(&self, fd_limit: Option<u64>) -> usize {
        let Some(fds) = fd_limit else {
            return self.max_connections;
        };
        let room = fds.saturating_sub(FD_HEADROOM + N_RESERVED_CONNECTIONS as u64);
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        // One connection at least, or the server would answer nothing but the control API.
        self.max_connections.min(room).max(1)
    }
}

impl Limits {
    /// File descriptors the server wants open at most: every connection, the reserve and the headroom.
    pub fn fds_wanted(&self) -> u64 {
        (self.max_connections as u64).saturating_add(N_RESERVED_CONNECTIONS as u64 + FD_HEADROOM)
    }
}

/// The process's open-file soft limit, where the platform tells it.
pub fn fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves, then lets open connections
/// finish (at most [`SHUTDOWN_GRACE_MS`]) and returns.
pub async fn serve(
    listener: TcpListener,
    app: App,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, limits, None, shutdown).await
}

/// [`serve`], every connection TLS with `tls` from its first byte when given (the `--tls-bind` listener).
pub async fn serve_with(
    listener: TcpListener,
    app: App,
    limits: Limits,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let pools = Arc::new(Pools::new(
        limits.fitted_max_connections(fd_limit()),
        N_RESERVED_CONNECTIONS,
    ));
    let (stop_tx, stop_rx) = watch::channel(false);
    // Each connection task holds a sender; `recv` returns `None` once the last one has ended.
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    if !is_dropped_handshake(&e) {
                        tokio::time::sleep(Duration::from_millis(ACCEPT_BACKOFF_MS)).await;
                    }
                    continue;
                }
            },
        };
        let conn = Conn {
            app: app.clone(),
            limits,
            peer,
            seat: None,
            pools: pools.clone(),
            stop: stop_rx.clone(),
            tls: tls.clone(),
            _open: open_tx.clone(),
        };
        match pools.seat() {
            Some(seat) => {
                tokio::spawn(conn.seated(seat).run(stream));
            }
            None => {
                // Past the reserve too: the oldest connection with nothing under way is closed and the newcomer
                // takes its place; with none, or too many already waiting, the newcomer is closed at once.
                let Some(waiting) = pools.waiter() else {
                    drop(stream);
                    continue;
                };
                let (heir, inheritance) = tokio::sync::oneshot::channel();
                if !pools.reap_one(heir) {
                    drop(stream);
                    continue;
                }
                tokio::spawn(async move {
                    let seat = pools_wait(&conn.pools, inheritance).await;
                    drop(waiting);
                    if let Some(seat) = seat {
                        conn.seated(seat).run(stream).await;
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open_tx);
    let _ = open_rx.recv().await;
    Ok(())
}

/// A handshake the client gave up on is no reason to slow accepting down.
fn is_dropped_handshake(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused
    )
}

#[cfg(test)]
mod tests {
    use super::conn::reserved_path;
    use super::*;

    #[test]
    fn the_cap_fits_the_fd_limit() {
        let l = Limits::default();
        assert_eq!(l.fitted_max_connections(None), 10_000);
        assert_eq!(l.fitted_max_connections(Some(1_048_576)), 10_000);
        let n = l.fitted_max_connections(Some(1024));
        assert_eq!(n, 1024 - 64 - 32);
        assert_eq!(l.fitted_max_connections(Some(10)), 1);
    }

    #[test]
    fn the_reserve_serves_the_control_api_only() {
        assert!(reserved_path("/mock/health"));
        assert!(reserved_path("/mock/world"));
        assert!(reserved_path("/metrics"));
        assert!(!reserved_path("/cgi-bin/gettoken"));
        assert!(!reserved_path("/mockery"));
        assert!(!reserved_path("/wwpic/1"));
    }
}
