//! What loadgen changes on a running mock, put back when it exits: the callback URL of the app its bot serves.
//! The URL is read from `/mock/world` before it is replaced and put back however the run ends (at its end, on an
//! error, on Ctrl-C or SIGTERM): a URL someone set at run time is set again through the control API (which
//! verifies it, as WeCom does); the fixture's is put back by forgetting the run's (`DELETE`, no verification).

use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

use crate::http::{Base, Conn, HttpError};
use crate::scenario::plan::Method;

/// The mock gives a URL's verification a second; the rest is slack for a loaded machine.
const RESTORE_TIMEOUT: Duration = Duration::from_secs(5);

/// What an app's pushes went to before the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    /// The fixture's URL (or none): nothing had been set at run time.
    Fixture(Option<String>),
    /// A URL set at run time.
    Url(String),
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
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
    previous: Previous,
    /// The URL the run set (its bot's).
    ours: String,
}

impl Restore {
    pub fn new(base: Base, agentid: i64, previous: Previous, ours: String) -> Restore {
        Restore {
            base,
            agentid,
            previous,
            ours,
        }
    }

    /// Puts the previous URL back: a run-time one is set again and verified, so whoever listens there must
    /// answer the echo; the fixture's comes back by forgetting the run's.
    pub async fn apply(&self) -> Result<&str, RestoreError> {
        let path = format!("/mock/apps/{}/callback", self.agentid);
        let (method, body, previous) = match &self.previous {
            Previous::Fixture(u) => (Method::Delete, None, u.as_deref().unwrap_or("none")),
            Previous::Url(u) => {
                let body = Bytes::from(serde_json::json!({ "url": u }).to_string());
                (Method::Put, Some(body), u.as_str())
            }
        };
        let r = Conn::new(self.base.clone())
            .send(method, &path, body, RESTORE_TIMEOUT)
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
