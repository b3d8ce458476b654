//! Faults injected per API path through the control API: a forced errcode, a delay, and the share of calls
//! they hit. Checked on every `/cgi-bin` call, so the common case (no faults set) is one atomic load.

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

pub use wecom_wire::mock::control::Fault;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    #[error("path must start with /cgi-bin/ or, for an AI bot's long connection, aibot:")]
    Path,
    #[error("ratio must be between 0 and 1, not {0}")]
    Ratio(f64),
    #[error("a fault needs an errcode, a delay_ms or (on aibot: paths) drop")]
    Empty,
    #[error("drop is for aibot: paths only: an HTTP call always gets an answer")]
    Drop,
}

/// Faults on an AI bot's long connection are set on `aibot:<cmd>`.
pub const AIBOT_PREFIX: &str = "aibot:";

/// What a hit fault asks of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub errcode: Option<i64>,
    pub delay_ms: u64,
    pub drop: bool,
}

#[derive(Debug, Default)]
pub struct Faults {
    any: AtomicBool,
    by_path: RwLock<HashMap<String, Fault>>,
}

impl Faults {
    pub fn set(&self, f: Fault) -> Result<(), FaultError> {
        let aibot = f.path.starts_with(AIBOT_PREFIX);
        if !f.path.starts_with("/cgi-bin/") && !aibot {
            return Err(FaultError::Path);
        }
        if f.drop && !aibot {
            return Err(FaultError::Drop);
        }
        if !(0.0..=1.0).contains(&f.ratio) {
            return Err(FaultError::Ratio(f.ratio));
        }
        if f.errcode.is_none() && f.delay_ms == 0 && !f.drop {
            return Err(FaultError::Empty);
        }
        let mut m = self.by_path.write();
        m.insert(f.path.clone(), f);
        self.any.store(true, Ordering::Release);
        Ok(())
    }

    pub fn list(&self) -> Vec<Fault> {
        let mut v: Vec<Fault> = self.by_path.read().values().cloned().collect();
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    }

    pub fn remove(&self, path: &str) -> bool {
        let mut m = self.by_path.write();
        let removed = m.remove(path).is_some();
        self.any.store(!m.is_empty(), Ordering::Release);
        removed
    }

    pub fn clear(&self) {
        self.by_path.write().clear();
        self.any.store(false, Ordering::Release);
    }

    /// Whether any fault is set: the check a hot path makes before it builds a path to look up.
    pub fn any(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// Whether a call to `path` is hit, drawing against the fault's ratio.
    pub fn check(&self, path: &str) -> Option<Hit> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let m = self.by_path.read();
        let f = m.get(path)?;
        if f.ratio < 1.0 && fastrand::f64() >= f.ratio {
            return None;
        }
        Some(Hit {
            errcode: f.errcode,
            delay_ms: f.delay_ms,
            drop: f.drop,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(ratio: f64) -> Fault {
        Fault {
            path: "/cgi-bin/message/send".into(),
            errcode: Some(-1),
            delay_ms: 0,
            ratio,
            drop: false,
        }
    }

    #[test]
    fn set_check_remove() {
        let f = Faults::default();
        assert_eq!(f.check("/cgi-bin/message/send"), None);
        assert!(f.set(fault(1.0)).is_ok());
        assert_eq!(
            f.check("/cgi-bin/message/send"),
            Some(Hit {
                errcode: Some(-1),
                delay_ms: 0,
                drop: false,
            })
        );
        assert_eq!(f.check("/cgi-bin/user/get"), None);
        assert!(f.remove("/cgi-bin/message/send"));
        assert_eq!(f.check("/cgi-bin/message/send"), None);
    }

    #[test]
    fn ratio_zero_never_hits_and_bad_faults_are_refused() {
        let f = Faults::default();
        assert!(f.set(fault(0.0)).is_ok());
        assert!((0..1000).all(|_| f.check("/cgi-bin/message/send").is_none()));
        assert_eq!(f.set(fault(1.5)), Err(FaultError::Ratio(1.5)));
        assert_eq!(
            f.set(Fault {
                path: "/mock/x".into(),
                ..fault(1.0)
            }),
            Err(FaultError::Path)
        );
        assert_eq!(
            f.set(Fault {
                errcode: None,
                ..fault(1.0)
            }),
            Err(FaultError::Empty)
        );
    }

    #[test]
    fn drop_is_for_the_long_connection_only() {
        let f = Faults::default();
        let ping = Fault {
            path: "aibot:ping".into(),
            errcode: None,
            drop: true,
            ..fault(1.0)
        };
        assert!(f.set(ping.clone()).is_ok());
        assert!(f.check("aibot:ping").is_some_and(|h| h.drop));
        let http = Fault {
            path: "/cgi-bin/message/send".into(),
            ..ping
        };
        assert_eq!(f.set(http), Err(FaultError::Drop));
    }

    #[test]
    fn ratio_half_hits_about_half() {
        let f = Faults::default();
        assert!(f.set(fault(0.5)).is_ok());
        let hits = (0..4000)
            .filter(|_| f.check("/cgi-bin/message/send").is_some())
            .count();
        assert!((1600..2400).contains(&hits), "{hits}");
    }
}
