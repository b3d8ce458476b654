//! What loadgen changes on a running mock, put back when it exits: the callback URL of the app its bot serves.
//! The URL is read from `/mock/world` before it is replaced, and set again through the control API (which
//! verifies it, as WeCom does) however the run ends: at its end, on an error, on Ctrl-C or SIGTERM.

use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

use crate::http::{Base, Conn, HttpError};
use crate::scenario::plan::Method;

/// The mock gives a URL's verification a second; the rest is slack for a loaded machine.
const RESTORE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("it had none before this run, and the control API cannot remove one (POST /mock/reset clears it)")]
    NoPrevious,
    #[error("the target does not answer: {0}")]
    Down(HttpError),
    #[error("the mock refused it ({0})")]
    Refused(String),
}

/// One app's callback URL as it was before the run.
#[derive(Debug, Clone)]
pub struct Restore {
    base: Base,
    agentid: i64,
    /// None: the app had no URL.
    previous: Option<String>,
    /// The URL the run set (its bot's).
    ours: String,
}

impl Restore {
    pub fn new(base: Base, agentid: i64, previous: Option<String>, ours: String) -> Restore {
        Restore {
            base,
            agentid,
            previous,
            ours,
        }
    }

    /// Sets the previous URL again; it is verified, so whoever listens there must answer the echo.
    pub async fn apply(&self) -> Result<&str, RestoreError> {
        let previous = self.previous.as_deref().ok_or(RestoreError::NoPrevious)?;
        let body = Bytes::from(serde_json::json!({ "url": previous }).to_string());
        let path = format!("/mock/apps/{}/callback", self.agentid);
        let r = Conn::new(self.base.clone())
            .send(Method::Put, &path, Some(body), RESTORE_TIMEOUT)
            .await
            .map_err(RestoreError::Down)?;
        if r.status != 200 {
            let answer = String::from_utf8_lossy(&r.body).into_owned();
            return Err(RestoreError::Refused(format!(
                "HTTP {}: {answer}",
                r.status
            )));
        }
        Ok(previous)
    }

    /// [`Restore::apply`], said on stderr: a URL left pointing at a bot that has gone is named.
    async fn apply_and_say(&self) {
        let app = self.agentid;
        match self.apply().await {
            Ok(url) => eprintln!("loadgen: app {app}'s callback URL is back to {url}"),
            Err(e) => eprintln!(
                "loadgen: warning: app {app}'s callback URL could not be put back: {e}; it still points at {}",
                self.ours
            ),
        }
    }
}

/// The restore a run owes, shared with whatever may end the process before the run returns (a second Ctrl-C).
/// It is applied once: the first caller takes it, a second waits for the first to finish.
#[derive(Debug, Clone, Default)]
pub struct Restorer(Arc<tokio::sync::Mutex<Option<Restore>>>);

impl Restorer {
    pub async fn hold(&self, r: Restore) {
        *self.0.lock().await = Some(r);
    }

    /// Puts back what was changed, if anything still is, and says so on stderr.
    pub async fn restore(&self) {
        // Held while the restore runs, so a second caller does not exit under it.
        let mut slot = self.0.lock().await;
        if let Some(r) = slot.take() {
            r.apply_and_say().await;
        }
    }
}
