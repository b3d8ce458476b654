//! The event stream: every routed message's lifecycle (accepted, callback attempt, acknowledged or failed,
//! delivered to an inbox) with the mock's monotonic timestamps, so an observer times a route without polling.
//! A bounded broadcast: a subscriber that falls behind is told how many events it missed and never slows the
//! server, and with no subscriber nothing is built at all.

use std::sync::Arc;
use tokio::sync::broadcast;

pub use wecom_wire::mock::events::{Event, EventKind, Route};

/// Events held for subscribers that are behind.
const CAPACITY: usize = 16_384;

/// `Event::now`: an event stamped with the mock's monotonic time (the event type is `wecom_wire`'s, the clock
/// this crate's).
pub trait Now {
    fn now(
        clock: &crate::clock::Clock,
        kind: EventKind,
        route: Route,
        msgid: &str,
        receiver: String,
    ) -> Self;
}

impl Now for Event {
    fn now(
        clock: &crate::clock::Clock,
        kind: EventKind,
        route: Route,
        msgid: &str,
        receiver: String,
    ) -> Event {
        Event::new(clock.mono_us(), kind, route, msgid, receiver)
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
        ok(&self.kind, e.kind.as_str())
            && ok(&self.route, e.route.as_str())
            && ok(&self.receiver, &e.receiver)
            && ok(&self.msgid, &e.msgid)
            && ok(&self.customer, e.customer.as_deref().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind) -> Event {
        Event::new(1, kind, Route::AppMessage, "m", "user:lisi".into())
    }

    #[test]
    fn nothing_is_built_without_subscribers() {
        let e = Events::default();
        let mut built = false;
        e.emit(|| {
            built = true;
            ev(EventKind::Accepted)
        });
        assert!(!built);
        let mut rx = e.subscribe();
        e.emit(|| ev(EventKind::Accepted));
        assert_eq!(
            rx.try_recv().map(|e| e.kind).ok(),
            Some(EventKind::Accepted)
        );
    }

    #[test]
    fn a_slow_subscriber_is_told_what_it_missed() {
        let e = Events::default();
        let mut rx = e.subscribe();
        for _ in 0..CAPACITY + 10 {
            e.emit(|| ev(EventKind::Delivered));
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
        assert!(f.keeps(&ev(EventKind::Delivered)));
        assert!(!f.keeps(&ev(EventKind::Accepted)));
        assert!(Filter::default().keeps(&ev(EventKind::Accepted)));
        let by_customer = Filter {
            customer: Some("wm1".into()),
            ..Filter::default()
        };
        assert!(by_customer.keeps(&ev(EventKind::Accepted).customer("wm1")));
        assert!(!by_customer.keeps(&ev(EventKind::Accepted)));
    }
}
