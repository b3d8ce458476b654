//! Server settings that differ from one WeCom to another or one test to another: which errcode an expired
//! token gets (WeCom moved from 42001 to 40014), the robot rate limit, body limits. Set in the fixture's
//! `settings:` or at run time with `PATCH /mock/settings`.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};

use wecom_wire::Errcode;

/// The settings as given (fixture or PATCH body); absent keys keep their value.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub expired_token_errcode: Option<i64>,
    pub webhook_limit_errcode: Option<i64>,
    pub webhook_per_minute: Option<usize>,
    /// App messages one app may send one member per minute / per hour; the excess is dropped silently, as
    /// WeCom drops it (the inbox counts it in `n_dropped`). 0 turns the limit off.
    pub member_per_minute: Option<usize>,
    pub member_per_hour: Option<usize>,
    pub max_body_bytes: Option<usize>,
    pub max_upload_bytes: Option<usize>,
    /// Messages kept per inbox (older ones fall off; counts stay exact). Applies from the next reset.
    pub inbox_capacity: Option<usize>,
    /// Requests the journal keeps. Fixed at start.
    pub journal_capacity: Option<usize>,
    /// Bytes the journal may hold (entries are cut to 2 KiB of path and query and 16 KiB of body). Fixed at start.
    pub journal_max_bytes: Option<usize>,
    /// Bytes of deliveries all inboxes together may keep; past it the oldest go (counts stay exact). Applies from the next reset.
    pub inbox_max_bytes: Option<usize>,
    /// Bytes of uploaded media and images kept; past it the oldest go and answer as expired media. Applies from the next reset.
    pub media_max_bytes: Option<usize>,
    /// Bytes of the kf message log kept for `sync_msg`; past it the oldest go, as after WeCom's 3 days. Applies from the next reset.
    pub kf_log_max_bytes: Option<usize>,
    /// Bytes of request bodies read and handled at once (each call reserves twice its declared length, or twice
    /// the limit when it declares none); past it a call waits, then gets -1. Fixed at start.
    pub max_body_bytes_in_flight: Option<usize>,
    /// A kf answer that does not name the message it answers (see README) is credited to the oldest waiting
    /// customer message, passing over those waiting longer than this while a younger one waits.
    pub reply_match_window_ms: Option<usize>,
    /// How long a callback attempt may take before it counts as a timeout (WeCom: 5000).
    pub callback_timeout_ms: Option<usize>,
    /// Callback attempts kept for `/mock/callbacks`. Fixed at start.
    pub callback_log_capacity: Option<usize>,
    /// Customers one member may have; a transfer to a member at the limit fails (status 4).
    pub max_customers_per_member: Option<usize>,
    /// WeCom's base frequency limit per corp and API (10,000 a minute, 150,000 an hour; `message/send` is not
    /// counted): past it, 45009 and a block of a minute (an hour). 0, the default, turns it off, so that load
    /// tests measure the mock rather than the limit.
    pub api_per_minute: Option<usize>,
    pub api_per_hour: Option<usize>,
    /// Push again after an HTTP 200 whose passive reply cannot be verified. WeCom takes any 200 as received and
    /// does not (default false): the attempt is recorded as `bad_reply` and the reply is lost.
    pub retry_bad_reply: Option<bool>,
    /// What an app's token gets for a directory write: 60011 (default) or 48002 (unconfirmed which).
    pub directory_write_errcode: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Settings {
    #[serde(serialize_with = "ser_i64")]
    expired_token_errcode: AtomicI64,
    #[serde(serialize_with = "ser_i64")]
    webhook_limit_errcode: AtomicI64,
    #[serde(serialize_with = "ser_usize")]
    webhook_per_minute: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    member_per_minute: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    member_per_hour: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    max_body_bytes: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    max_upload_bytes: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    inbox_capacity: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    journal_capacity: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    journal_max_bytes: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    inbox_max_bytes: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    media_max_bytes: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    kf_log_max_bytes: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    max_body_bytes_in_flight: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    reply_match_window_ms: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    callback_timeout_ms: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    callback_log_capacity: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    max_customers_per_member: AtomicUsize,
    #[serde(serialize_with = "ser_bool")]
    retry_bad_reply: AtomicBool,
    #[serde(serialize_with = "ser_usize")]
    api_per_minute: AtomicUsize,
    #[serde(serialize_with = "ser_usize")]
    api_per_hour: AtomicUsize,
    #[serde(serialize_with = "ser_i64")]
    directory_write_errcode: AtomicI64,
}

fn ser_bool<S: serde::Serializer>(v: &AtomicBool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(v.load(Ordering::Relaxed))
}

fn ser_i64<S: serde::Serializer>(v: &AtomicI64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(v.load(Ordering::Relaxed))
}

fn ser_usize<S: serde::Serializer>(v: &AtomicUsize, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(v.load(Ordering::Relaxed) as u64)
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            expired_token_errcode: AtomicI64::new(Errcode::TOKEN_EXPIRED.0),
            webhook_limit_errcode: AtomicI64::new(Errcode::FREQ_LIMIT.0),
            webhook_per_minute: AtomicUsize::new(wecom_wire::webhook::PER_MINUTE),
            member_per_minute: AtomicUsize::new(wecom_wire::message::MEMBER_PER_MINUTE),
            member_per_hour: AtomicUsize::new(wecom_wire::message::MEMBER_PER_HOUR),
            max_body_bytes: AtomicUsize::new(2 * 1024 * 1024),
            max_upload_bytes: AtomicUsize::new(21 * 1024 * 1024),
            inbox_capacity: AtomicUsize::new(1000),
            journal_capacity: AtomicUsize::new(10_000),
            journal_max_bytes: AtomicUsize::new(64 * 1024 * 1024),
            inbox_max_bytes: AtomicUsize::new(256 * 1024 * 1024),
            media_max_bytes: AtomicUsize::new(256 * 1024 * 1024),
            kf_log_max_bytes: AtomicUsize::new(64 * 1024 * 1024),
            max_body_bytes_in_flight: AtomicUsize::new(256 * 1024 * 1024),
            reply_match_window_ms: AtomicUsize::new(10_000),
            callback_timeout_ms: AtomicUsize::new(5_000),
            callback_log_capacity: AtomicUsize::new(100_000),
            max_customers_per_member: AtomicUsize::new(50_000),
            retry_bad_reply: AtomicBool::new(false),
            api_per_minute: AtomicUsize::new(0),
            api_per_hour: AtomicUsize::new(0),
            directory_write_errcode: AtomicI64::new(Errcode::NO_PRIVILEGE.0),
        }
    }
}

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
    pub fn apply(&self, p: &SettingsPatch) -> Result<(), SettingsError> {
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
        for (name, v) in [
            ("webhook_per_minute", p.webhook_per_minute),
            ("max_body_bytes", p.max_body_bytes),
            ("max_upload_bytes", p.max_upload_bytes),
            ("inbox_capacity", p.inbox_capacity),
            ("journal_capacity", p.journal_capacity),
            ("journal_max_bytes", p.journal_max_bytes),
            ("inbox_max_bytes", p.inbox_max_bytes),
            ("media_max_bytes", p.media_max_bytes),
            ("kf_log_max_bytes", p.kf_log_max_bytes),
            ("max_body_bytes_in_flight", p.max_body_bytes_in_flight),
            ("callback_timeout_ms", p.callback_timeout_ms),
            ("callback_log_capacity", p.callback_log_capacity),
        ] {
            if v == Some(0) {
                return Err(SettingsError::Zero(name));
            }
        }
        let set_i = |a: &AtomicI64, v: Option<i64>| {
            v.into_iter().for_each(|v| a.store(v, Ordering::Relaxed))
        };
        let set_u = |a: &AtomicUsize, v: Option<usize>| {
            v.into_iter().for_each(|v| a.store(v, Ordering::Relaxed))
        };
        set_i(&self.expired_token_errcode, p.expired_token_errcode);
        set_i(&self.webhook_limit_errcode, p.webhook_limit_errcode);
        set_u(&self.webhook_per_minute, p.webhook_per_minute);
        set_u(&self.member_per_minute, p.member_per_minute);
        set_u(&self.member_per_hour, p.member_per_hour);
        set_u(&self.max_body_bytes, p.max_body_bytes);
        set_u(&self.max_upload_bytes, p.max_upload_bytes);
        set_u(&self.inbox_capacity, p.inbox_capacity);
        set_u(&self.journal_capacity, p.journal_capacity);
        set_u(&self.journal_max_bytes, p.journal_max_bytes);
        set_u(&self.inbox_max_bytes, p.inbox_max_bytes);
        set_u(&self.media_max_bytes, p.media_max_bytes);
        set_u(&self.kf_log_max_bytes, p.kf_log_max_bytes);
        set_u(&self.reply_match_window_ms, p.reply_match_window_ms);
        set_u(&self.max_body_bytes_in_flight, p.max_body_bytes_in_flight);
        set_u(&self.callback_timeout_ms, p.callback_timeout_ms);
        set_u(&self.callback_log_capacity, p.callback_log_capacity);
        set_u(&self.max_customers_per_member, p.max_customers_per_member);
        set_u(&self.api_per_minute, p.api_per_minute);
        set_u(&self.api_per_hour, p.api_per_hour);
        if let Some(b) = p.retry_bad_reply {
            self.retry_bad_reply.store(b, Ordering::Relaxed);
        }
        set_i(&self.directory_write_errcode, p.directory_write_errcode);
        Ok(())
    }

    pub fn expired_token_errcode(&self) -> Errcode {
        Errcode(self.expired_token_errcode.load(Ordering::Relaxed))
    }

    pub fn webhook_limit_errcode(&self) -> Errcode {
        Errcode(self.webhook_limit_errcode.load(Ordering::Relaxed))
    }

    pub fn directory_write_errcode(&self) -> Errcode {
        Errcode(self.directory_write_errcode.load(Ordering::Relaxed))
    }

    /// (per minute, per hour); 0 = no limit.
    pub fn member_limits(&self) -> (usize, usize) {
        (
            self.member_per_minute.load(Ordering::Relaxed),
            self.member_per_hour.load(Ordering::Relaxed),
        )
    }

    pub fn webhook_per_minute(&self) -> usize {
        self.webhook_per_minute.load(Ordering::Relaxed)
    }

    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes.load(Ordering::Relaxed)
    }

    pub fn max_upload_bytes(&self) -> usize {
        self.max_upload_bytes.load(Ordering::Relaxed)
    }

    pub fn inbox_capacity(&self) -> usize {
        self.inbox_capacity.load(Ordering::Relaxed)
    }

    pub fn journal_capacity(&self) -> usize {
        self.journal_capacity.load(Ordering::Relaxed)
    }

    pub fn journal_max_bytes(&self) -> usize {
        self.journal_max_bytes.load(Ordering::Relaxed)
    }

    /// What a new store is made with.
    pub fn store_limits(&self) -> crate::store::Limits {
        let load = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        crate::store::Limits {
            inbox_capacity: load(&self.inbox_capacity),
            inbox_max_bytes: load(&self.inbox_max_bytes),
            media_max_bytes: load(&self.media_max_bytes),
            kf_log_max_bytes: load(&self.kf_log_max_bytes),
        }
    }

    pub fn max_body_bytes_in_flight(&self) -> usize {
        self.max_body_bytes_in_flight.load(Ordering::Relaxed)
    }

    pub fn reply_match_window_ms(&self) -> i64 {
        self.reply_match_window_ms.load(Ordering::Relaxed) as i64
    }

    pub fn callback_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.callback_timeout_ms.load(Ordering::Relaxed) as u64)
    }

    pub fn max_customers_per_member(&self) -> usize {
        self.max_customers_per_member.load(Ordering::Relaxed)
    }

    /// (per minute, per hour) per corp and API; (0, 0) when off.
    pub fn api_limits(&self) -> (usize, usize) {
        (
            self.api_per_minute.load(Ordering::Relaxed),
            self.api_per_hour.load(Ordering::Relaxed),
        )
    }

    pub fn retry_bad_reply(&self) -> bool {
        self.retry_bad_reply.load(Ordering::Relaxed)
    }

    pub fn callback_log_capacity(&self) -> usize {
        self.callback_log_capacity.load(Ordering::Relaxed)
    }
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
}
