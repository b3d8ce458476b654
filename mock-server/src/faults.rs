//! Faults injected per API path through the control API: a forced errcode, a delay, and the share of calls
//! they hit. Checked on every `/cgi-bin` call, so the common case (no faults set) is one atomic load.

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

pub use wecom_wire::mock::control::Fault;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    #[error("path must start with /cgi-bin/")]
    Path,
    #[error("ratio must be between 0 and 1, not {0}")]
    Ratio(f64),
    #[error("a fault needs an errcode or a delay_ms")]
    Empty,
}

/// What a hit fault asks of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub errcode: Option<i64>,
    pub delay_ms: u64,
}

#[derive(Debug, Default)]
pub struct Faults {
    any: AtomicBool,
    by_path: RwLock<HashMap<String, Fault>>,
}

impl Faults {
    pub fn set(&self, f: Fault) -> Result<(), FaultError> {
        if !f.path.starts_with("/cgi-bin/") {
            return Err(FaultError::Path);
        }
        if !(0.0..=1.0).contains(&f.ratio) {
            return Err(FaultError::Ratio(f.ratio));
        }
        if f.errcode.is_none() && f.delay_ms == 0 {
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
                delay_ms: 0
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
    fn ratio_half_hits_about_half() {
        let f = Faults::default();
        assert!(f.set(fault(0.5)).is_ok());
        let hits = (0..4000)
            .filter(|_| f.check("/cgi-bin/message/send").is_some())
            .count();
        assert!((1600..2400).contains(&hits), "{hits}");
    }
}
