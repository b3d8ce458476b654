//! The event stream: every routed message's lifecycle (accepted, callback attempt, acknowledged or failed,
//! delivered to an inbox) with the mock's monotonic timestamps, so an observer times a route without polling.
//! A bounded broadcast: a subscriber that falls behind is told how many events it missed and never slows the
//! server, and with no subscriber nothing is built at all.

use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Events held for subscribers that are behind.
const CAPACITY: usize = 16_384;

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Real microseconds since the server started (not the mock clock, which can jump).
    pub mono_us: u64,
    /// `accepted`, `attempt`, `acknowledged`, `failed`, `delivered`.
    pub kind: &'static str,
    /// `app_message`, `appchat`, `robot`, `callback`, `kf`, `customer_message`.
    pub route: &'static str,
    pub msgid: String,
    /// Who it concerns: `user:<userid>`, `robot:<key>`, `appchat:<chatid>`, `app:<agentid>`, `kf:<open_kfid>`,
    /// `customer:<external_userid>`.
    pub receiver: String,
    /// The WeChat customer a kf or external-contact message is from or for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl Event {
    pub fn now(
        clock: &crate::clock::Clock,
        kind: &'static str,
        route: &'static str,
        msgid: &str,
        receiver: String,
    ) -> Event {
        Event {
            mono_us: clock.mono_us(),
            kind,
            route,
            msgid: msgid.to_owned(),
            receiver,
            customer: None,
            detail: Value::Null,
        }
    }

    pub fn customer(mut self, external_userid: &str) -> Event {
        self.customer = Some(external_userid.to_owned());
        self
    }

    pub fn with(mut self, detail: Value) -> Event {
        self.detail = detail;
        self
    }
}

#[derive(Debug)]
pub struct Events {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            tx: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Events {
    /// Whether anyone listens; callers skip building events when not.
    pub fn wanted(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// Sends the event `make` builds, if anyone listens.
    pub fn emit(&self, make: impl FnOnce() -> Event) {
        if self.wanted() {
            let _ = self.tx.send(Arc::new(make()));
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

/// What a subscriber asked for (`/mock/events?kind=&route=&receiver=&msgid=&customer=`); absent = everything.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Filter {
    pub kind: Option<String>,
    pub route: Option<String>,
    pub receiver: Option<String>,
    pub msgid: Option<String>,
    pub customer: Option<String>,
}

impl Filter {
    pub fn keeps(&self, e: &Event) -> bool {
        let ok = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        ok(&self.kind, e.kind)
            && ok(&self.route, e.route)
            && ok(&self.receiver, &e.receiver)
            && ok(&self.msgid, &e.msgid)
            && ok(&self.customer, e.customer.as_deref().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &'static str) -> Event {
        Event {
            mono_us: 1,
            kind,
            route: "app_message",
            msgid: "m".into(),
            receiver: "user:lisi".into(),
            customer: None,
            detail: Value::Null,
        }
    }

    #[test]
    fn nothing_is_built_without_subscribers() {
        let e = Events::default();
        let mut built = false;
        e.emit(|| {
            built = true;
            ev("accepted")
        });
        assert!(!built);
        let mut rx = e.subscribe();
        e.emit(|| ev("accepted"));
        assert_eq!(rx.try_recv().map(|e| e.kind).ok(), Some("accepted"));
    }

    #[test]
    fn a_slow_subscriber_is_told_what_it_missed() {
        let e = Events::default();
        let mut rx = e.subscribe();
        for _ in 0..CAPACITY + 10 {
            e.emit(|| ev("delivered"));
        }
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(10))
        ));
    }

    #[test]
    fn filters_match_fields() {
        let f = Filter {
            kind: Some("delivered".into()),
            receiver: Some("user:lisi".into()),
            ..Filter::default()
        };
        assert!(f.keeps(&ev("delivered")));
        assert!(!f.keeps(&ev("accepted")));
        assert!(Filter::default().keeps(&ev("accepted")));
        let by_customer = Filter {
            customer: Some("wm1".into()),
            ..Filter::default()
        };
        assert!(by_customer.keeps(&ev("accepted").customer("wm1")));
        assert!(!by_customer.keeps(&ev("accepted")));
    }
}
