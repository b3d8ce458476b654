//! The event stream (`/mock/events`, one JSON [`Event`] per Server-Sent Events `data:` line): every routed
//! message's lifecycle, its kinds and routes named once, here.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// An enum of unit variants with its wire string (serde `snake_case`, the same as `as_str`) and every value.
macro_rules! names {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The name on the wire (and in scenario files).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value named `s` on the wire, if any.
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        /// Compared with its wire name, as code that held the name as a string did.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// Where a message is in its lifecycle.
    EventKind {
        /// The mock took the message (an API call, a push queued, a kf item logged).
        Accepted = "accepted",
        /// One try at delivering a push to a receiver (`detail`: `n`, `status`, `outcome`, `duration_us`).
        Attempt = "attempt",
        /// The receiver acknowledged a push (`detail.n_attempts`).
        Acknowledged = "acknowledged",
        /// A push given up on (`detail.n_attempts`); on route `aibot`, an AI bot's answer in callback mode refused or
        /// its stream expired (`detail.reason`, `detail.in_reply_to`).
        Failed = "failed",
        /// The message is in its recipient's inbox.
        Delivered = "delivered",
        /// The recipient's inbox refused it (a member's message limit).
        Dropped = "dropped",
        /// An AI bot's first streamed chunk of its answer (the answer is `delivered` when the stream finishes).
        FirstChunk = "first_chunk",
    }
}

names! {
    /// Which way a message goes.
    Route {
        /// `message/send` to members.
        AppMessage = "app_message",
        /// `appchat/send` to an app chat.
        Appchat = "appchat",
        /// A group robot's webhook.
        Robot = "robot",
        /// A push to an app's (or the contacts-sync receiver's) callback URL.
        Callback = "callback",
        /// 微信客服: a customer's message logged, an answer delivered to the customer.
        Kf = "kf",
        /// A customer writing to a member, or a member to a customer, from the clients.
        CustomerMessage = "customer_message",
        /// 客户联系: a relation's change, a welcome message.
        Contact = "contact",
        /// The directory's `change_contact` to the contacts-sync receiver.
        ContactSync = "contact_sync",
        /// A member and an AI bot (智能机器人), over the long connection or in callback mode.
        Aibot = "aibot",
    }
}

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Real microseconds since the server started (not the mock clock, which can jump).
    #[serde(default)]
    pub mono_us: u64,
    pub kind: EventKind,
    pub route: Route,
    #[serde(default)]
    pub msgid: String,
    /// Who it concerns: `user:<userid>`, `robot:<key>`, `appchat:<chatid>`, `app:<agentid>`, `kf:<open_kfid>`,
    /// `customer:<external_userid>`, `contact_sync`.
    #[serde(default)]
    pub receiver: String,
    /// The WeChat customer a kf or external-contact message is from or for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// What else the kind and route tell (absent when nothing).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl Event {
    /// An event with no customer and no detail.
    pub fn new(
        mono_us: u64,
        kind: EventKind,
        route: Route,
        msgid: &str,
        receiver: String,
    ) -> Event {
        Event {
            mono_us,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serde_names_are_the_as_str_names() {
        for k in EventKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), json!(k.as_str()));
            assert_eq!(EventKind::parse(k.as_str()), Some(*k));
        }
        for r in Route::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), json!(r.as_str()));
            assert_eq!(Route::parse(r.as_str()), Some(*r));
        }
        assert_eq!(EventKind::Delivered, "delivered");
        assert!(Route::Kf != "kf_message");
        assert_eq!(EventKind::parse("nope"), None);
        assert_eq!(Route::parse("AppMessage"), None);
    }

    #[test]
    fn the_json_is_the_streams() {
        let bare = Event::new(
            7,
            EventKind::Delivered,
            Route::AppMessage,
            "m1",
            "user:lisi".into(),
        );
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            r#"{"mono_us":7,"kind":"delivered","route":"app_message","msgid":"m1","receiver":"user:lisi"}"#
        );
        let full = Event::new(8, EventKind::Accepted, Route::Kf, "m2", "kf:wk1".into())
            .customer("wm1")
            .with(json!({"origin": 3}));
        assert_eq!(
            serde_json::to_string(&full).unwrap(),
            r#"{"mono_us":8,"kind":"accepted","route":"kf","msgid":"m2","receiver":"kf:wk1","customer":"wm1","detail":{"origin":3}}"#
        );
        for e in [bare, full] {
            let back: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            assert_eq!(back, e);
        }
    }

    #[test]
    fn an_unknown_kind_or_route_does_not_parse() {
        let bad_kind = r#"{"mono_us":1,"kind":"teleported","route":"kf"}"#;
        let bad_route = r#"{"mono_us":1,"kind":"accepted","route":"pigeon"}"#;
        assert!(serde_json::from_str::<Event>(bad_kind).is_err());
        assert!(serde_json::from_str::<Event>(bad_route).is_err());
        let minimal: Event =
            serde_json::from_str(r#"{"kind":"failed","route":"callback"}"#).unwrap();
        assert_eq!(minimal.detail, Value::Null);
        assert_eq!(minimal.customer, None);
    }
}
