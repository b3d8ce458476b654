//! The connection side of a protocol switch (the AI bots' WebSocket): the app answers `101` with a
//! [`Session`] in the answer's extensions, and the connection task, once hyper lets go of the socket, runs that
//! session on it. Served in the connection's own task, the session keeps its seat under the connection cap, is
//! reached by shutdown, and holds the connection busy so the HTTP deadlines do not read its frames as a late
//! request head.

use axum::http::{Response, StatusCode};
use futures_util::future::BoxFuture;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use std::sync::Arc;
use tokio::sync::watch;

use super::io::{Busy, Watch};

/// The socket a session gets: the connection's, TLS and tunnel included, past the `101`.
pub type Socket = TokioIo<Upgraded>;

type Run = Box<dyn FnOnce(Socket, watch::Receiver<bool>) -> BoxFuture<'static, ()> + Send>;

/// What runs on the connection after the switch: given the socket and the server's stop signal (true once
/// shutdown began), it returns when the session is over. Shared behind a lock because an answer's extensions
/// must be `Clone + Sync`; it runs once.
#[derive(Clone)]
pub struct Session(Arc<Mutex<Option<Run>>>);

impl Session {
    pub fn new<F>(run: F) -> Session
    where
        F: FnOnce(Socket, watch::Receiver<bool>) -> BoxFuture<'static, ()> + Send + 'static,
    {
        Session(Arc::new(Mutex::new(Some(Box::new(run)))))
    }

    /// Runs the session on `socket`, unless it already ran.
    pub async fn run(self, socket: Socket, stop: watch::Receiver<bool>) {
        let run = self.0.lock().take();
        if let Some(run) = run {
            run(socket, stop).await;
        }
    }
}

/// An accepted switch: the socket to come, what runs on it, and the connection held busy from the `101` on
/// (so it is never picked to make room for a newcomer, nor timed out as idle, between the answer and the
/// session).
pub struct Switch {
    pub upgrade: OnUpgrade,
    pub session: Session,
    pub busy: Busy,
}

/// Where the service leaves an accepted switch for the connection to serve.
#[derive(Clone, Default)]
pub struct Slot(Arc<Mutex<Option<Switch>>>);

impl Slot {
    pub fn take(&self) -> Option<Switch> {
        self.0.lock().take()
    }

    /// The app's answer, its session (if any, and only with a `101`) moved into the slot.
    pub fn keep(
        &self,
        mut resp: Response<axum::body::Body>,
        upgrade: Option<OnUpgrade>,
        watch: &Arc<Watch>,
    ) -> Response<axum::body::Body> {
        let Some(session) = resp.extensions_mut().remove::<Session>() else {
            return resp;
        };
        if let (StatusCode::SWITCHING_PROTOCOLS, Some(upgrade)) = (resp.status(), upgrade) {
            let busy = Busy::new(watch.clone());
            *self.0.lock() = Some(Switch {
                upgrade,
                session,
                busy,
            });
        }
        resp
    }
}
