//! Server settings that differ from one WeCom to another or one test to another: which errcode an expired
//! token gets (WeCom moved from 42001 to 40014), the robot rate limit, body limits. Set in the fixture's
//! `settings:` or at run time with `PATCH /mock/settings`.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};

use wecom_wire::Errcode;

/// The one list of settings: each with its doc, its atomic, its type, its default, and whether 0 is refused.
/// The patch, the live settings, their defaults and `apply` are all made from it.
macro_rules! settings {
    ($( $(#[doc = $doc:literal])* $name:ident: $atomic:ident<$ty:ty> = $default:expr, $zero:ident; )*) => {
        /// The settings as given (fixture or PATCH body); absent keys keep their value.
        #[derive(Debug, Clone, Default, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct SettingsPatch {
            $( $(#[doc = $doc])* pub $name: Option<$ty>, )*
        }

        /// The live settings; [`Settings::default`] is a fresh mock's. Serialized as `GET /mock/settings` answers.
        #[derive(Debug, Serialize)]
        pub struct Settings {
            $( #[serde(serialize_with = "ser_atomic")] $name: $atomic, )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Settings { $( $name: $atomic::new($default), )* }
            }
        }

        impl Settings {
            /// The keys given that must be at least 1 and are 0: the first one's name.
            fn zero_given(p: &SettingsPatch) -> Option<&'static str> {
                $( settings!(@zero $zero, p.$name, stringify!($name)); )*
                None
            }

            fn store(&self, p: &SettingsPatch) {
                $( if let Some(v) = p.$name { self.$name.store(v, Ordering::Relaxed); } )*
            }
        }
    };
    (@zero positive, $v:expr, $name:expr) => {
        if $v == Some(0) {
            return Some($name);
        }
    };
    (@zero zero_ok, $v:expr, $name:expr) => {};
}

settings! {
    expired_token_errcode: AtomicI64<i64> = Errcode::TOKEN_EXPIRED.0, zero_ok;
    webhook_limit_errcode: AtomicI64<i64> = Errcode::FREQ_LIMIT.0, zero_ok;
    webhook_per_minute: AtomicUsize<usize> = wecom_wire::webhook::PER_MINUTE, positive;
    /// App messages one app may send one member per minute / per hour; the excess is dropped silently, as
    /// WeCom drops it (the inbox counts it in `n_dropped`). 0 turns the limit off.
    member_per_minute: AtomicUsize<usize> = wecom_wire::message::MEMBER_PER_MINUTE, zero_ok;
    member_per_hour: AtomicUsize<usize> = wecom_wire::message::MEMBER_PER_HOUR, zero_ok;
    max_body_bytes: AtomicUsize<usize> = 2 * 1024 * 1024, positive;
    max_upload_bytes: AtomicUsize<usize> = 21 * 1024 * 1024, positive;
    /// Messages kept per inbox (older ones fall off; counts stay exact). Applies from the next reset.
    inbox_capacity: AtomicUsize<usize> = 1000, positive;
    /// Requests the journal keeps. Fixed at start.
    journal_capacity: AtomicUsize<usize> = 10_000, positive;
    /// Bytes the journal may hold (entries are cut to 2 KiB of path and query and 16 KiB of body). Fixed at start.
    journal_max_bytes: AtomicUsize<usize> = 64 * 1024 * 1024, positive;
    /// Bytes of deliveries all inboxes together may keep; past it the oldest go (counts stay exact). Applies from the next reset.
    inbox_max_bytes: AtomicUsize<usize> = 256 * 1024 * 1024, positive;
    /// Bytes of uploaded media and images kept; past it the oldest go and answer as expired media. Applies from the next reset.
    media_max_bytes: AtomicUsize<usize> = 256 * 1024 * 1024, positive;
    /// Bytes of the kf message log kept for `sync_msg`; past it the oldest go, as after WeCom's 3 days. Applies from the next reset.
    kf_log_max_bytes: AtomicUsize<usize> = 64 * 1024 * 1024, positive;
    /// Bytes of request bodies read and handled at once (each call reserves twice its declared length, or twice
    /// the limit when it declares none); past it a call waits, then gets -1. Fixed at start.
    max_body_bytes_in_flight: AtomicUsize<usize> = 256 * 1024 * 1024, positive;
    /// A kf answer that does not name the message it answers (see README) is credited to the oldest waiting
    /// customer message, passing over those waiting longer than this while a younger one waits.
    reply_match_window_ms: AtomicUsize<usize> = 10_000, zero_ok;
    /// How long a callback attempt may take before it counts as a timeout (WeCom: 5000).
    callback_timeout_ms: AtomicUsize<usize> = 5_000, positive;
    /// Callback attempts kept for `/mock/callbacks`. Fixed at start.
    callback_log_capacity: AtomicUsize<usize> = 100_000, positive;
    /// Bytes the callback attempt log may hold (each attempt keeps 16 KiB of plaintext and of reply, 2 KiB of
    /// URL); past it the oldest go. Fixed at start.
    callback_log_max_bytes: AtomicUsize<usize> = 32 * 1024 * 1024, positive;
    /// Customers one member may have; a transfer to a member at the limit fails (status 4).
    max_customers_per_member: AtomicUsize<usize> = 50_000, zero_ok;
    /// Push again after an HTTP 200 whose passive reply cannot be verified. WeCom takes any 200 as received and
    /// does not (default false): the attempt is recorded as `bad_reply` and the reply is lost.
    retry_bad_reply: AtomicBool<bool> = false, zero_ok;
    /// WeCom's base frequency limit per corp and API (10,000 a minute, 150,000 an hour; `message/send` is not
    /// counted): past it, 45009 and a block of a minute (an hour). 0, the default, turns it off, so that load
    /// tests measure the mock rather than the limit.
    api_per_minute: AtomicUsize<usize> = 0, zero_ok;
    api_per_hour: AtomicUsize<usize> = 0, zero_ok;
    /// What an app's token gets for a directory write: 60011 (default) or 48002 (unconfirmed which).
    directory_write_errcode: AtomicI64<i64> = Errcode::NO_PRIVILEGE.0, zero_ok;
    /// An AI bot's stream takes updates until it has gone this long without one; then 846608 (WeCom's doc: 6
    /// minutes from the first send; seen: from the last update).
    aibot_stream_ttl_ms: AtomicUsize<usize> = wecom_wire::aibot::STREAM_TTL_MS as usize, positive;
    /// How long after `enter_chat` (a card click) the bot's welcome (update) is taken, in mock time.
    aibot_welcome_window_ms: AtomicUsize<usize> = wecom_wire::aibot::WELCOME_WITHIN_MS as usize, positive;
    /// Messages one member may have unanswered by one AI bot; the next is refused with HTTP 429 and a
    /// `dropped` event. 0 turns the limit off.
    aibot_max_in_flight: AtomicUsize<usize> = wecom_wire::aibot::MAX_IN_FLIGHT_PER_MEMBER, zero_ok;
    /// How long after `disconnected_event` the older connection is dropped (without a Close frame, as WeCom
    /// does); 0: at once.
    aibot_kick_close_ms: AtomicUsize<usize> = 2_000, zero_ok;
    /// A long connection with no frame from its bot for this long is dropped. 0 turns it off.
    aibot_idle_timeout_ms: AtomicUsize<usize> = wecom_wire::aibot::IDLE_TIMEOUT_MS as usize, zero_ok;
    /// In callback mode, how often an unfinished stream's refresh is pushed to the bot (real time; WeCom's
    /// interval is not published).
    aibot_stream_refresh_ms: AtomicUsize<usize> = 1_000, positive;
}

/// An atomic setting as its plain value, for `GET /mock/settings`.
trait Load {
    type Value: Serialize;
    fn value(&self) -> Self::Value;
}

impl Load for AtomicBool {
    type Value = bool;
    fn value(&self) -> bool {
        self.load(Ordering::Relaxed)
    }
}

impl Load for AtomicI64 {
    type Value = i64;
    fn value(&self) -> i64 {
        self.load(Ordering::Relaxed)
    }
}

impl Load for AtomicUsize {
    type Value = usize;
    fn value(&self) -> usize {
        self.load(Ordering::Relaxed)
    }
}

fn ser_atomic<A: Load, S: serde::Serializer>(v: &A, s: S) -> Result<S::Ok, S::Error> {
    v.value().serialize(s)
}

/// A settings patch refused whole, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("expired_token_errcode must be 42001 or 40014, not {0}")]
    ExpiredCode(i64),
    #[error("webhook_limit_errcode must be a positive errcode, not {0}")]
    LimitCode(i64),
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("directory_write_errcode must be 60011 or 48002, not {0}")]
    DirectoryWriteCode(i64),
}

impl Settings {
    /// Checks every key first, so a bad patch changes nothing.
    pub(crate) fn apply(&self, p: &SettingsPatch) -> Result<(), SettingsError> {
        if let Some(c) = p.expired_token_errcode {
            if c != Errcode::TOKEN_EXPIRED.0 && c != Errcode::INVALID_TOKEN.0 {
                return Err(SettingsError::ExpiredCode(c));
            }
        }
        if let Some(c) = p.webhook_limit_errcode.filter(|c| *c <= 0) {
            return Err(SettingsError::LimitCode(c));
        }
        if let Some(c) = p.directory_write_errcode {
            if c != Errcode::NO_PRIVILEGE.0 && c != Errcode::API_FORBIDDEN.0 {
                return Err(SettingsError::DirectoryWriteCode(c));
            }
        }
        if let Some(name) = Settings::zero_given(p) {
            return Err(SettingsError::Zero(name));
        }
        self.store(p);
        Ok(())
    }

    pub(crate) fn expired_token_errcode(&self) -> Errcode {
        Errcode(self.expired_token_errcode.load(Ordering::Relaxed))
    }

    pub(crate) fn webhook_limit_errcode(&self) -> Errcode {
        Errcode(self.webhook_limit_errcode.load(Ordering::Relaxed))
    }

    pub(crate) fn directory_write_errcode(&self) -> Errcode {
        Errcode(self.directory_write_errcode.load(Ordering::Relaxed))
    }

    /// (per minute, per hour); 0 = no limit.
    pub(crate) fn member_limits(&self) -> (usize, usize) {
        (
            self.member_per_minute.load(Ordering::Relaxed),
            self.member_per_hour.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn webhook_per_minute(&self) -> usize {
        self.webhook_per_minute.load(Ordering::Relaxed)
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.max_body_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn max_upload_bytes(&self) -> usize {
        self.max_upload_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn journal_capacity(&self) -> usize {
        self.journal_capacity.load(Ordering::Relaxed)
    }

    pub(crate) fn journal_max_bytes(&self) -> usize {
        self.journal_max_bytes.load(Ordering::Relaxed)
    }

    /// What a new store is made with.
    pub(crate) fn store_limits(&self) -> crate::store::Limits {
        let load = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        crate::store::Limits {
            inbox_capacity: load(&self.inbox_capacity),
            inbox_max_bytes: load(&self.inbox_max_bytes),
            media_max_bytes: load(&self.media_max_bytes),
            kf_log_max_bytes: load(&self.kf_log_max_bytes),
        }
    }

    pub(crate) fn max_body_bytes_in_flight(&self) -> usize {
        self.max_body_bytes_in_flight.load(Ordering::Relaxed)
    }

    pub(crate) fn reply_match_window_ms(&self) -> i64 {
        self.reply_match_window_ms.load(Ordering::Relaxed) as i64
    }

    pub(crate) fn callback_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.callback_timeout_ms.load(Ordering::Relaxed) as u64)
    }

    pub(crate) fn max_customers_per_member(&self) -> usize {
        self.max_customers_per_member.load(Ordering::Relaxed)
    }

    /// (per minute, per hour) per corp and API; (0, 0) when off.
    pub(crate) fn api_limits(&self) -> (usize, usize) {
        (
            self.api_per_minute.load(Ordering::Relaxed),
            self.api_per_hour.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn retry_bad_reply(&self) -> bool {
        self.retry_bad_reply.load(Ordering::Relaxed)
    }

    pub(crate) fn callback_log_capacity(&self) -> usize {
        self.callback_log_capacity.load(Ordering::Relaxed)
    }

    pub(crate) fn callback_log_max_bytes(&self) -> usize {
        self.callback_log_max_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn aibot(&self) -> AibotSettings {
        let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        AibotSettings {
            stream_ttl_ms: i64::try_from(get(&self.aibot_stream_ttl_ms)).unwrap_or(i64::MAX),
            welcome_window_ms: i64::try_from(get(&self.aibot_welcome_window_ms))
                .unwrap_or(i64::MAX),
            max_in_flight: get(&self.aibot_max_in_flight),
            kick_close_ms: get(&self.aibot_kick_close_ms) as u64,
            idle_timeout_ms: get(&self.aibot_idle_timeout_ms) as u64,
            stream_refresh_ms: get(&self.aibot_stream_refresh_ms) as u64,
        }
    }
}

/// The AI bots' settings, read at once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AibotSettings {
    pub stream_ttl_ms: i64,
    pub welcome_window_ms: i64,
    pub max_in_flight: usize,
    pub kick_close_ms: u64,
    pub idle_timeout_ms: u64,
    pub stream_refresh_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_patch_changes_nothing() {
        let s = Settings::default();
        let p = SettingsPatch {
            webhook_per_minute: Some(5),
            expired_token_errcode: Some(1),
            ..Default::default()
        };
        assert_eq!(s.apply(&p), Err(SettingsError::ExpiredCode(1)));
        assert_eq!(s.webhook_per_minute(), 20);
        let p = SettingsPatch {
            expired_token_errcode: Some(40014),
            ..Default::default()
        };
        assert_eq!(s.apply(&p), Ok(()));
        assert_eq!(s.expired_token_errcode(), Errcode::INVALID_TOKEN);
    }

    #[test]
    fn what_get_shows_is_what_patch_takes() {
        let keys = |v: serde_json::Value| -> Vec<String> {
            v.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        let shown = keys(serde_json::json!(Settings::default()));
        let taken = keys(serde_json::json!(SettingsPatch::default()));
        assert_eq!(shown.len(), 29);
        assert_eq!(shown, taken);
    }

    #[test]
    fn zero_is_refused_only_where_it_means_nothing() {
        let s = Settings::default();
        let zero_capacity = SettingsPatch {
            inbox_capacity: Some(0),
            ..Default::default()
        };
        assert_eq!(
            s.apply(&zero_capacity),
            Err(SettingsError::Zero("inbox_capacity"))
        );
        let limit_off = SettingsPatch {
            member_per_minute: Some(0),
            ..Default::default()
        };
        assert_eq!(s.apply(&limit_off), Ok(()));
        assert_eq!(s.member_limits().0, 0);
    }
}
